"""Clocks: wall time from the event loop, or simulated time that jumps when idle."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

__all__ = ["Clock", "SimClock", "TimerHandle", "WallClock"]


class TimerHandle(Protocol):
    """What ``Clock.call_later`` returns."""

    def cancel(self) -> None: ...


class Clock:
    """Base of the clocks. Actors read time and set timers only through their clock.

    ``_active`` counts actors that have work (a non-empty mailbox or a running
    handler); the runtime keeps it up to date so :class:`SimClock` knows when the
    system is quiescent.
    """

    __slots__ = (
        "_active",
        "_check_pending",
        "_holds",
        "_loop",
        "_quiescent_waiters",
        "_tasks",
        "_watch",
    )

    #: loop iterations the system must stay quiet before it counts as quiescent
    #: (lets chains of callbacks, e.g. a reply waking the asker, run first).
    QUIET_PASSES = 3

    def __init__(self) -> None:
        self._active = 0
        self._holds = 0
        self._check_pending = False
        self._quiescent_waiters: list[asyncio.Future[None]] = []
        #: whether reaching zero activity matters (someone awaits quiescent(), or
        #: simulated time must advance): lets actors skip a call when it does not
        self._watch = False
        self._loop: asyncio.AbstractEventLoop | None = None
        #: every live runtime task -> the actor cell it runs (or, for a supervisor
        #: op task, the system)
        self._tasks: dict[asyncio.Task[None], Any] = {}

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._loop is not None and self._loop is not loop and not self._loop.is_closed():
            raise RuntimeError("this clock is already used by a system on another event loop")
        self._loop = loop

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop this clock is bound to (the running one if not yet bound)."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    def now(self) -> float:
        """Current time in seconds."""
        raise NotImplementedError

    def call_later(self, delay: float, callback: Callable[..., object], *args: Any) -> TimerHandle:
        """Run ``callback(*args)`` after ``delay`` seconds of this clock's time."""
        raise NotImplementedError

    async def sleep(self, delay: float) -> None:
        """Sleep ``delay`` seconds of this clock's time."""
        raise NotImplementedError

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Keep simulated time from advancing while external work is in flight.

        Use it around awaits on things the runtime cannot see (a worker thread, a
        socket) made outside a message handler; a running handler already holds
        the clock. A no-op for :class:`WallClock`.
        """
        self._holds += 1
        try:
            yield
        finally:
            self._holds -= 1
            self._quiet()

    def track(self, future: asyncio.Future[Any]) -> asyncio.Future[Any]:
        """Hold the clock until ``future`` is done; returns ``future``."""
        self._holds += 1

        def release(_: object) -> None:
            self._holds -= 1
            self._quiet()

        future.add_done_callback(release)
        return future

    async def quiescent(self) -> None:
        """Wait until every mailbox is empty, no handler runs and no hold is open.

        Does not advance time. Restarts waiting out a backoff are timers, not
        activity: a quiescent system may still have them pending.
        """
        fut: asyncio.Future[None] = self.loop.create_future()
        self._quiescent_waiters.append(fut)
        self._watch = True
        self._quiet()
        try:
            await fut
        finally:
            self._watch = bool(self._quiescent_waiters) or isinstance(self, SimClock)

    def _quiet(self) -> None:
        """Called when the activity count may have reached zero."""
        if self._quiescent_waiters and not self._check_pending:
            self._schedule_check()

    def _schedule_check(self) -> None:
        if self._active <= 0 and self._holds <= 0:
            loop = self._loop
            if loop is None or loop.is_closed():
                return
            self._check_pending = True
            loop.call_soon(self._check, 0)

    def _check(self, passes: int) -> None:
        loop = self._loop
        if self._active > 0 or self._holds > 0 or loop is None:
            self._check_pending = False
            return
        if passes < self.QUIET_PASSES:
            loop.call_soon(self._check, passes + 1)
            return
        self._check_pending = False
        if self._quiescent_waiters:
            waiters, self._quiescent_waiters = self._quiescent_waiters, []
            for w in waiters:
                if not w.done():
                    w.set_result(None)
            self._quiet()  # look again after the waiters ran
            return
        self._on_quiescent()

    def _on_quiescent(self) -> None:
        """What to do when the system is quiescent (SimClock: advance time)."""


class WallClock(Clock):
    """Real time: the event loop's monotonic clock."""

    __slots__ = ()

    def now(self) -> float:
        """Seconds of ``loop.time()``."""
        return self.loop.time()

    def call_later(self, delay: float, callback: Callable[..., object], *args: Any) -> TimerHandle:
        """``loop.call_later``."""
        return self.loop.call_later(delay, callback, *args)

    async def sleep(self, delay: float) -> None:
        """``asyncio.sleep``."""
        await asyncio.sleep(delay)


class _SimHandle:
    __slots__ = ("args", "callback", "cancelled", "due")

    def __init__(self, due: float, callback: Callable[..., object], args: tuple[Any, ...]) -> None:
        self.due = due
        self.callback = callback
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class SimClock(Clock):
    """Simulated time, deterministic and as fast as the CPU allows.

    ``now()`` starts at ``start`` and only moves when the system is quiescent:
    every mailbox empty, no handler running, no :meth:`hold` open. Then it jumps
    to the next due timer and fires every timer due at that instant (in the order
    they were set). Handlers that ``await clock.sleep(d)`` release their actor
    while they sleep, so they do not block time.
    """

    __slots__ = ("_heap", "_now", "_seq")

    def __init__(self, start: float = 0.0) -> None:
        super().__init__()
        self._now = float(start)
        self._heap: list[tuple[float, int, _SimHandle]] = []
        self._seq = itertools.count()
        self._watch = True

    def now(self) -> float:
        """Simulated seconds."""
        return self._now

    def call_later(self, delay: float, callback: Callable[..., object], *args: Any) -> TimerHandle:
        """Fire ``callback(*args)`` when simulated time reaches ``now() + delay``."""
        if delay < 0:
            delay = 0.0
        handle = _SimHandle(self._now + delay, callback, args)
        heapq.heappush(self._heap, (handle.due, next(self._seq), handle))
        self._quiet()
        return handle

    async def sleep(self, delay: float) -> None:
        """Sleep in simulated time; inside a handler, releases the actor meanwhile."""
        task = asyncio.current_task()
        owner = self._tasks.get(task) if task is not None else None
        releases = bool(getattr(owner, "_busy", False))  # an actor's own task, busy
        fut: asyncio.Future[None] = self.loop.create_future()
        handle = self.call_later(delay, self._wake_sleeper, fut)
        if releases:
            self._active -= 1
            self._quiet()
        try:
            await fut
        finally:
            handle.cancel()
            if releases:
                self._active += 1
            if fut.done() and not fut.cancelled():
                self._holds -= 1  # taken by _wake_sleeper until the sleeper resumed
                self._quiet()

    @property
    def pending_timers(self) -> int:
        """How many timers are set and not cancelled."""
        return sum(1 for _, _, h in self._heap if not h.cancelled)

    def _wake_sleeper(self, fut: asyncio.Future[None]) -> None:
        if not fut.done():
            self._holds += 1
            fut.set_result(None)

    def _quiet(self) -> None:
        if not self._check_pending:
            self._schedule_check()

    def _on_quiescent(self) -> None:
        heap = self._heap
        while heap and heap[0][2].cancelled:
            heapq.heappop(heap)
        if not heap:
            return
        due = heap[0][0]
        self._now = max(self._now, due)
        while heap and heap[0][0] <= due:
            handle = heapq.heappop(heap)[2]
            if not handle.cancelled:
                handle.cancelled = True
                try:
                    handle.callback(*handle.args)
                except Exception:
                    logging.getLogger("actorgrid.runtime").exception(
                        "timer callback %r raised", handle.callback
                    )
        self._quiet()
