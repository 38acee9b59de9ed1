"""Where the ledger's blocking work runs: journal thread, node thread, signing/PoW workers.

The ledger actor never blocks its event loop: journal writes (SQLite, fsync) run on one
dedicated thread, node calls on another (so a slow node never delays acknowledging a request),
and key derivation, signing and proof-of-work on :class:`~actorgrid.ledger.workers.LedgerWorkers`.
Every call holds the runtime clock while it is in flight (``Clock.track``), so a simulated clock
never jumps ahead of work it cannot see.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from actorgrid.ledger.journal import Journal
from actorgrid.ledger.node_client import NodeClient
from actorgrid.ledger.workers import LedgerWorkers
from actorgrid.runtime import Clock

__all__ = ["LedgerIO"]

_T = TypeVar("_T")


class LedgerIO:
    """Runs journal, node and CPU work off the event loop (see module docstring)."""

    def __init__(
        self,
        journal: Journal,
        node: NodeClient,
        workers: LedgerWorkers,
        *,
        clock: Clock | None = None,
        node_inline: bool = False,
    ) -> None:
        self.journal = journal
        self.node_client = node
        self.workers = workers
        self._clock = clock
        self._db_thread = ThreadPoolExecutor(1, thread_name_prefix="ledger-journal")
        self._node_inline = node_inline
        self._node_thread = ThreadPoolExecutor(1, thread_name_prefix="ledger-node")

    async def db(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """``fn(journal, *args, **kwargs)`` on the journal thread."""
        call = functools.partial(fn, self.journal, *args, **kwargs)
        return await self._track(asyncio.get_running_loop().run_in_executor(self._db_thread, call))

    async def node(self, fn: Callable[..., _T], *args: Any) -> _T:
        """``fn(node_client, *args)`` on the node thread (or inline if configured)."""
        if self._node_inline:
            return fn(self.node_client, *args)
        loop = asyncio.get_running_loop()
        return await self._track(
            loop.run_in_executor(self._node_thread, fn, self.node_client, *args)
        )

    async def work(self, fn: Callable[..., _T], *args: Any) -> _T:
        """``fn(*args)`` on the signing/PoW workers."""
        loop = asyncio.get_running_loop()
        return await self._track(loop.run_in_executor(self.workers.executor, fn, *args))

    def _track(self, future: asyncio.Future[_T]) -> asyncio.Future[_T]:
        if self._clock is not None:
            self._clock.track(future)
        return future

    def close(self) -> None:
        """Stop the threads (the journal and workers are closed by their owner)."""
        self._db_thread.shutdown(wait=True)
        self._node_thread.shutdown(wait=True)
