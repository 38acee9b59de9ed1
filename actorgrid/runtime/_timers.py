"""Timers owned by an actor: cancelled when it stops or restarts."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._cell import ActorContext
    from ._clock import TimerHandle

__all__ = ["Timer"]


class Timer:
    """A once or periodic timer that tells its actor ``message`` when due.

    Created by ``ctx.schedule_once`` / ``ctx.schedule_periodic``. If the mailbox is
    full when it fires, the tick goes to dead letters (reason ``"mailbox full"``).
    """

    __slots__ = ("_cell", "_due", "_handle", "interval", "message")

    def __init__(
        self, cell: ActorContext, message: object, delay: float, interval: float | None
    ) -> None:
        self._cell = cell
        self.message = message
        self.interval = interval
        clock = cell._clock
        self._due = clock.now() + delay
        self._handle: TimerHandle | None = clock.call_later(delay, self._fire)

    @property
    def active(self) -> bool:
        """False once cancelled, or fired if it is a once timer."""
        return self._handle is not None

    def cancel(self) -> None:
        """Cancel the timer; idempotent."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
            timers = self._cell._timers
            if timers is not None:
                timers.discard(self)

    def _fire(self) -> None:
        if self._handle is None:
            return
        cell = self._cell
        if self.interval is None:
            self._handle = None
            if cell._timers is not None:
                cell._timers.discard(self)
        else:
            clock = cell._clock
            # next due from the previous due, so periodic ticks do not drift
            self._due += self.interval
            self._handle = clock.call_later(max(0.0, self._due - clock.now()), self._fire)
        cell._deliver(self.message, "mailbox full")
