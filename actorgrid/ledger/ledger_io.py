"""Where the ledger's blocking work runs: journal thread, node thread, signing/PoW workers.

The ledger actor never blocks its event loop: journal writes (SQLite, fsync) run on one
dedicated thread, node calls on another (so a slow node never delays acknowledging a request),
and key derivation, signing and proof-of-work on :class:`~actorgrid.ledger.workers.LedgerWorkers`.
``hold`` wraps each call, so a simulated clock can be held still while work is in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

from actorgrid.ledger.journal import Journal
from actorgrid.ledger.node_client import NodeClient
from actorgrid.ledger.workers import LedgerWorkers

__all__ = ["Hold", "LedgerIO"]

_T = TypeVar("_T")

Hold = Callable[[], AbstractAsyncContextManager[Any]]


class LedgerIO:
    """Runs journal, node and CPU work off the event loop (see module docstring)."""

    def __init__(
        self,
        journal: Journal,
        node: NodeClient,
        workers: LedgerWorkers,
        hold: Hold | None = None,
        *,
        node_inline: bool = False,
    ) -> None:
        self.journal = journal
        self.node_client = node
        self.workers = workers
        self._hold: Hold = hold or (lambda: contextlib.nullcontext())  # type: ignore[return-value,arg-type]
        self._db_thread = ThreadPoolExecutor(1, thread_name_prefix="ledger-journal")
        self._node_inline = node_inline
        self._node_thread = ThreadPoolExecutor(1, thread_name_prefix="ledger-node")

    async def db(self, fn: Callable[..., _T], *args: Any) -> _T:
        """``fn(journal, *args)`` on the journal thread."""
        async with self._hold():
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._db_thread, fn, self.journal, *args)

    async def node(self, fn: Callable[..., _T], *args: Any) -> _T:
        """``fn(node_client, *args)`` on the node thread (or inline if configured)."""
        async with self._hold():
            if self._node_inline:
                return fn(self.node_client, *args)
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._node_thread, fn, self.node_client, *args)

    async def work(self, fn: Callable[..., _T], *args: Any) -> _T:
        """``fn(*args)`` on the signing/PoW workers."""
        async with self._hold():
            return await self.workers.run(fn, *args)

    def close(self) -> None:
        """Stop the threads (the journal and workers are closed by their owner)."""
        self._db_thread.shutdown(wait=True)
        self._node_thread.shutdown(wait=True)
