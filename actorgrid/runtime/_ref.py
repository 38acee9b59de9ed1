"""Actor references: the only way to reach an actor."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ._errors import AskTimeout

if TYPE_CHECKING:
    from ._cell import ActorContext

__all__ = ["ActorRef"]


class _Ask:
    """Mailbox envelope of an ``ask``: the message and the future to answer."""

    __slots__ = ("future", "message")

    def __init__(self, message: object, future: asyncio.Future[Any]) -> None:
        self.message = message
        self.future = future


def _expire(future: asyncio.Future[Any], path: str, timeout: float) -> None:
    if not future.done():
        future.set_exception(AskTimeout(path, timeout))


class ActorRef:
    """Address of an actor; it stays the same across restarts.

    Use it from the event loop thread that runs the system (see
    ``ThreadedActorSystem`` for other threads). Refs compare by identity.
    """

    __slots__ = ("_cell", "_queue")

    def __init__(self, cell: ActorContext) -> None:
        self._cell = cell
        self._queue = cell._queue

    @property
    def path(self) -> str:
        """The actor's path, e.g. ``/grid/producer-1/source-3``."""
        return self._cell.path

    @property
    def name(self) -> str:
        """The last element of :attr:`path`."""
        return self._cell.name

    @property
    def is_alive(self) -> bool:
        """False once the actor stopped for good (a restart keeps it alive)."""
        return self._cell._limit > 0

    def tell(self, message: object) -> None:
        """Put ``message`` in the mailbox and return at once.

        Raises :class:`MailboxFull` when the mailbox is at capacity (the message is
        recorded as a dead letter too); to a stopped actor, the message goes to dead
        letters.
        """
        cell = self._cell
        queue = self._queue
        if len(queue) >= cell._limit:
            cell._refused(message)
            return
        queue.append(message)
        if cell._waiter is not None:
            cell._wake()

    async def send(self, message: object) -> None:
        """Like :meth:`tell`, but waits for room under ``Overflow.BACKPRESSURE``.

        Under ``Overflow.REJECT`` a full mailbox raises :class:`MailboxFull`.
        """
        cell = self._cell
        while len(cell._queue) >= cell._limit:
            if not await cell._wait_for_room(message):
                return
        cell._queue.append(message)
        if cell._waiter is not None:
            cell._wake()

    async def ask(self, message: object, timeout: float = 5.0) -> Any:  # noqa: ASYNC109
        """Send ``message`` and return the actor's reply (what ``on_receive`` returned).

        Raises :class:`AskTimeout` after ``timeout`` seconds of real (event loop)
        time — also under ``SimClock``, so a deadlock shows — :class:`ActorDied` if
        the actor stops or crashes before replying, :class:`MailboxFull` if its
        mailbox is full. Never hangs.
        """
        cell = self._cell
        loop = cell._loop
        future: asyncio.Future[Any] = loop.create_future()
        envelope = _Ask(message, future)
        queue = cell._queue
        if len(queue) >= cell._limit:
            cell._refused_ask(envelope)
        else:
            queue.append(envelope)
            if cell._waiter is not None:
                cell._wake()
        # A bare future and a call_later timer: far cheaper than asyncio.wait_for.
        handle = loop.call_later(timeout, _expire, future, cell.path, timeout)
        try:
            return await future
        finally:
            handle.cancel()

    async def stop(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Stop the actor (and its children) for good; see ``ActorSystem.stop``."""
        await self._cell._system.stop(self, timeout=timeout)

    def __repr__(self) -> str:
        return f"<ActorRef {self._cell.path}>"
