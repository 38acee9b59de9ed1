"""Actor references: the only way to reach an actor."""

from __future__ import annotations

import asyncio
import functools
import math
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from ._errors import AskTimeout

if TYPE_CHECKING:
    from ._cell import ActorContext

__all__ = ["ActorRef"]


#: stands for "no mailbox allocated" (an idle actor frees its deque): it is empty,
#: and append would fail loudly
NO_QUEUE = cast("deque[object]", ())


class _Ask(tuple[object, "asyncio.Future[Any]"]):
    """Mailbox envelope of an ``ask``: ``(message, future)``; a tuple, so built in C."""

    __slots__ = ()

    @property
    def message(self) -> object:
        return self[0]

    @property
    def future(self) -> asyncio.Future[Any]:
        return self[1]


def future_factory(loop: asyncio.AbstractEventLoop) -> Callable[[], asyncio.Future[Any]]:
    """``loop.create_future``, minus a Python frame on the stock loop.

    The stock loop's method only calls ``asyncio.Future(loop=loop)``; the partial
    does the same about 70 ns faster (twice per ask round trip). Other loops
    (uvloop) keep their own method.
    """
    if type(loop).create_future is asyncio.BaseEventLoop.create_future:
        return functools.partial(asyncio.Future, loop=loop)
    return loop.create_future


class AskDeadlines:
    """Every pending ``ask`` timeout of one system behind a single loop timer.

    Hand-written because one ``loop.call_later`` per ask (a TimerHandle, a
    context copy, a heap push, then a cancel) costs about a quarter of an ask
    round trip. Asks with the same timeout expire in the order they were made,
    so each timeout value keeps an insertion-ordered dict and the timer is armed
    for the earliest deadline only.
    """

    __slots__ = ("_armed", "_handle", "_loop", "_pending", "_time")

    #: fire up to this much early rather than re-arm for a sub-millisecond rest
    SLACK = 1e-3

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        # the stock loop's time() is time.monotonic() behind a Python frame
        stock = type(loop).time is asyncio.BaseEventLoop.time
        self._time: Callable[[], float] = time.monotonic if stock else loop.time
        self._pending: dict[float, dict[asyncio.Future[Any], tuple[float, ActorContext]]] = {}
        self._handle: asyncio.TimerHandle | None = None
        self._armed = math.inf

    def add(self, future: asyncio.Future[Any], timeout: float, cell: ActorContext) -> None:
        """Fail ``future`` with AskTimeout after ``timeout`` s unless it is done/discarded."""
        deadline = self._time() + timeout
        bucket = self._pending.get(timeout)
        if bucket is None:
            bucket = self._pending[timeout] = {}
        bucket[future] = (deadline, cell)
        if deadline < self._armed:
            self._arm(deadline)

    def discard(self, future: asyncio.Future[Any], timeout: float) -> None:
        """Forget ``future`` (it got its answer)."""
        bucket = self._pending.get(timeout)
        if bucket is not None:
            bucket.pop(future, None)

    def close(self) -> None:
        """Cancel the timer (pending asks are failed by their actors' shutdown)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._armed = math.inf

    def _arm(self, deadline: float) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._armed = deadline
        self._handle = self._loop.call_at(deadline, self._fire)

    def _fire(self) -> None:
        self._handle = None
        self._armed = math.inf
        now = self._loop.time() + self.SLACK
        earliest = math.inf
        for timeout in list(self._pending):
            bucket = self._pending[timeout]
            expired: list[tuple[asyncio.Future[Any], ActorContext]] = []
            for future, (deadline, cell) in bucket.items():
                if deadline > now:
                    earliest = min(earliest, deadline)
                    break
                expired.append((future, cell))
            for future, cell in expired:
                del bucket[future]
                if not future.done():
                    future.set_exception(AskTimeout(cell.path, timeout))
            if not bucket:
                del self._pending[timeout]
        if earliest < math.inf:
            self._arm(earliest)


class ActorRef:
    """Address of an actor; it stays the same across restarts.

    Use it from the event loop thread that runs the system (see
    ``ThreadedActorSystem`` for other threads). Refs compare by identity.
    """

    __slots__ = ("_cell",)

    def __init__(self, cell: ActorContext) -> None:
        self._cell = cell

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
        return self._cell._open

    def tell(self, message: object) -> None:
        """Put ``message`` in the mailbox and return at once.

        Raises :class:`MailboxFull` when the mailbox is at capacity (the message is
        recorded as a dead letter too); to a stopped actor, the message goes to dead
        letters.
        """
        cell = self._cell
        queue = cell._queue
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
        if not timeout > 0:
            raise ValueError(f"timeout must be > 0, not {timeout!r}")
        cell = self._cell
        system = cell._system
        # a bare future and a shared deadline timer: far cheaper than asyncio.wait_for
        future: asyncio.Future[Any] = system._new_future()
        waiter = cell._waiter
        if waiter is not None:
            # The actor is idle (empty mailbox, waiting): hand the message over in
            # its wake-up future instead of queueing an envelope. It becomes the
            # actor's current ask at once, so a crash, stop or kill before the
            # handler runs fails it with ActorDied like any ask in progress.
            cell._waiter = None
            cell._busy = True
            cell._clock._active += 1
            cell._current = future
            # try/except costs nothing unless it raises (contextlib.suppress would)
            try:  # noqa: SIM105
                waiter.set_result(message)
            except asyncio.InvalidStateError:
                pass  # the task is being cancelled; its exit fails ``future``
        else:
            queue = cell._queue
            if len(queue) >= cell._limit and (queue is not NO_QUEUE or not cell._open):
                cell._refused_ask(_Ask((message, future)))  # full or stopped
            else:
                if queue is NO_QUEUE:  # an idle actor frees its mailbox (it is open here)
                    queue = cell._queue = deque()
                    cell._limit = cell._capacity
                queue.append(_Ask((message, future)))  # the actor is busy: no wake-up
        # AskDeadlines.add / discard, inlined (this is the hottest path there is)
        deadlines = system._asks
        bucket = deadlines._pending.get(timeout)
        if bucket is None:
            bucket = deadlines._pending[timeout] = {}
        deadline = deadlines._time() + timeout
        bucket[future] = (deadline, cell)
        if deadline < deadlines._armed:
            deadlines._arm(deadline)
        try:
            return await future
        finally:
            bucket.pop(future, None)

    async def stop(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Stop the actor (and its children) for good; see ``ActorSystem.stop``."""
        await self._cell._system.stop(self, timeout=timeout)

    def __repr__(self) -> str:
        return f"<ActorRef {self._cell.path}>"
