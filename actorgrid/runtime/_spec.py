"""Supervision as plain data: strategies, restart types, child and supervisor specs."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._actor import Actor

__all__ = ["ChildSpec", "Factory", "Overflow", "Restart", "Strategy", "SupervisorSpec"]


class Strategy(enum.Enum):
    """Which children a supervisor restarts when one fails (OTP semantics)."""

    ONE_FOR_ONE = "one_for_one"  #: only the failed child
    ONE_FOR_ALL = "one_for_all"  #: every child
    REST_FOR_ONE = "rest_for_one"  #: the failed child and those started after it


class Restart(enum.Enum):
    """When a child is restarted (OTP semantics)."""

    PERMANENT = "permanent"  #: always, also after a normal exit
    TRANSIENT = "transient"  #: only after an abnormal exit (an exception)
    TEMPORARY = "temporary"  #: never


class Overflow(enum.Enum):
    """What a full mailbox does to ``send`` (``tell`` never waits: it raises MailboxFull)."""

    BACKPRESSURE = "backpressure"  #: ``await ref.send(m)`` waits for room
    REJECT = "reject"  #: ``await ref.send(m)`` raises MailboxFull too


@dataclass(frozen=True, slots=True)
class SupervisorSpec:
    """A supervisor: its children (started in order), strategy and restart intensity.

    More than ``intensity`` restarts within ``period`` seconds (clock time) make the
    supervisor give up: it stops its children and fails, escalating to its parent.
    ``backoff`` > 0 waits ``backoff * 2**(n-1)`` seconds (capped at ``backoff_max``)
    before the n-th restart within the period.
    """

    children: Sequence[ChildSpec] = ()
    strategy: Strategy = Strategy.ONE_FOR_ONE
    intensity: int = 3
    period: float = 5.0
    backoff: float = 0.0
    backoff_max: float = 30.0

    def __post_init__(self) -> None:
        if not isinstance(self.strategy, Strategy):
            raise TypeError(f"strategy must be a Strategy, not {self.strategy!r}")
        if self.intensity < 0:
            raise ValueError(f"intensity must be >= 0, not {self.intensity}")
        if not self.period > 0:
            raise ValueError(f"period must be > 0, not {self.period}")
        if self.backoff < 0 or self.backoff_max < 0:
            raise ValueError("backoff and backoff_max must be >= 0")
        ids = [c.id for c in self.children]
        if len(set(ids)) != len(ids):
            raise ValueError(f"child ids must be unique: {ids}")
        object.__setattr__(self, "children", tuple(self.children))

    def backoff_for(self, nth: int) -> float:
        """Seconds to wait before the ``nth`` (1-based) restart within the period."""
        if self.backoff <= 0 or nth <= 0:
            return 0.0
        return float(min(self.backoff_max, self.backoff * 2.0 ** min(nth - 1, 60)))


@dataclass(frozen=True, slots=True)
class ChildSpec:
    """One supervised child: name, how to build it, restart type, shutdown timeout (s).

    ``factory`` is a zero-argument callable returning a fresh :class:`Actor` (usually
    the class itself), or a :class:`SupervisorSpec` for a nested supervisor.
    """

    id: str
    factory: Factory
    restart: Restart = Restart.PERMANENT
    shutdown: float = 5.0

    def __post_init__(self) -> None:
        if not isinstance(self.restart, Restart):
            raise TypeError(f"restart must be a Restart, not {self.restart!r}")
        if not self.shutdown > 0:
            raise ValueError(f"shutdown must be > 0, not {self.shutdown}")
        if not (callable(self.factory) or isinstance(self.factory, SupervisorSpec)):
            raise TypeError(f"factory must be callable or a SupervisorSpec: {self.factory!r}")


Factory = Callable[[], "Actor"] | SupervisorSpec
