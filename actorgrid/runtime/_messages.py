"""System messages and the dead-letter office."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._ref import ActorRef

__all__ = ["DeadLetter", "DeadLetters", "Terminated"]


@dataclass(frozen=True, slots=True)
class Terminated:
    """Sent to every watcher when a watched actor stops for good.

    ``reason`` is ``"normal"`` (stopped on request or by itself), ``"shutdown"``
    (its parent or the system stopped), ``"noproc"`` (already gone when watched),
    ``"killed"`` (did not stop within its shutdown timeout) or the exception it died of.
    """

    ref: ActorRef
    reason: str | BaseException


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message that was not delivered, with the recipient and why."""

    message: object
    recipient: ActorRef
    reason: str


class DeadLetters:
    """Counts and records undelivered messages; never drops them silently.

    ``count`` is the total, ``recent`` the last ``keep`` letters, and
    ``subscribe(listener)`` calls ``listener(letter)`` for every new one (returns an
    unsubscribe function). A listener that raises is removed and logged.
    """

    __slots__ = ("_listeners", "count", "recent")

    def __init__(self, keep: int = 1000) -> None:
        self.count = 0
        self.recent: deque[DeadLetter] = deque(maxlen=keep)
        self._listeners: list[Callable[[DeadLetter], None]] = []

    def record(self, letter: DeadLetter) -> None:
        """Record one dead letter and notify the listeners."""
        self.count += 1
        self.recent.append(letter)
        for listener in tuple(self._listeners):
            try:
                listener(letter)
            except Exception:
                import logging

                logging.getLogger("actorgrid.runtime").exception(
                    "dead-letter listener %r raised; removed", listener
                )
                self._listeners.remove(listener)

    def subscribe(self, listener: Callable[[DeadLetter], None]) -> Callable[[], None]:
        """Call ``listener`` for every future dead letter; returns an unsubscribe function."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe
