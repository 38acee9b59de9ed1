"""Helpers for tests and benchmarks of the ledger: an embedded funded node, an event inbox and
a SQLite commit failure.

>>> node = funded_node({seed_a: 1000}, mwm=1)
>>> client = embedded_client(node)
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from typing import Any

from actorgrid.ledger.keystore import SecretSeed
from actorgrid.ledger.node import EmbeddedAdapter, Genesis, SeedFunding, TangleNode
from actorgrid.ledger.node_client import NodeClient
from actorgrid.runtime import Actor

__all__ = ["EventBox", "FailingCommit", "Inbox", "embedded_client", "funded_node", "test_seed"]


def test_seed(name: str) -> SecretSeed:
    """A deterministic, obviously-not-secret seed for ``name`` (tests only)."""
    alphabet = "9ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    letters = "".join(alphabet[(ord(c) * 7 + i) % 27] for i, c in enumerate(name.upper()))
    return SecretSeed((letters + "TESTSEED" * 11)[:81])


test_seed.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def funded_node(
    funding: Mapping[SecretSeed, int],
    *,
    mwm: int = 1,
    path: str | None = None,
    milestone_interval: float | None = 0.0,
    security: int = 2,
    validator: Executor | None = None,
) -> TangleNode:
    """An embedded node whose genesis puts ``funding[seed]`` iotas on address 0 of each seed.

    ``validator`` is passed to :class:`TangleNode` (e.g. a ``ProcessPoolExecutor`` that keeps
    signature checks off this process's GIL).
    """
    genesis = Genesis(
        tuple(
            SeedFunding(seed=s.reveal(), balance=v, index=0, count=1, security=security)
            for s, v in funding.items()
        )
    )
    return TangleNode(
        path, mwm=mwm, genesis=genesis, milestone_interval=milestone_interval, validator=validator
    )


def embedded_client(node: TangleNode) -> NodeClient:
    """A :class:`NodeClient` talking to ``node`` in-process through PyOTA."""
    return NodeClient.connect(EmbeddedAdapter(node))


class EventBox:
    """Collects messages delivered to an :class:`Inbox`; ``wait_for`` blocks until one matches."""

    def __init__(self) -> None:
        self.events: list[object] = []
        self._changed = asyncio.Condition()

    async def put(self, message: object) -> None:
        """Record ``message`` and wake waiters."""
        async with self._changed:
            self.events.append(message)
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[list[object]], bool], timeout: float) -> None:  # noqa: ASYNC109
        """Wait until ``predicate(events)`` holds (``TimeoutError`` after ``timeout`` seconds)."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: predicate(self.events))

    def of_type(self, cls: type[Any]) -> list[Any]:
        """The recorded events of type ``cls``."""
        return [e for e in self.events if isinstance(e, cls)]


class Inbox(Actor):
    """An actor that records every message it receives into an :class:`EventBox`."""

    def __init__(self, box: EventBox) -> None:
        self.box = box

    async def on_receive(self, message: object) -> object:
        """Record the message."""
        await self.box.put(message)
        return None


class FailingCommit:
    """Wraps a sqlite3 connection so that its next ``COMMIT`` fails (disk full, I/O error)."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.fail = True

    def execute(self, sql: str, *args: Any) -> Any:
        """``db.execute``, except for the first ``COMMIT``, which raises."""
        if sql == "COMMIT" and self.fail:
            self.fail = False
            raise sqlite3.OperationalError("disk I/O error")
        return self.db.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)
