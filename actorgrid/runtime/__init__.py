"""actorgrid.runtime: a small asyncio actor kernel with OTP-style supervision.

Actors (:class:`Actor`) are reached through refs (:class:`ActorRef`) with ``tell``,
``send`` and ``ask``; an :class:`ActorSystem` runs them under supervisors
(:class:`SupervisorSpec`, :class:`ChildSpec`) against a :class:`WallClock` or a
deterministic :class:`SimClock`. ``ThreadedActorSystem`` embeds a system in a
threaded program; ``PykkaAddress``/``pykka_handle`` bridge to pykka actors.
"""

from ._actor import Actor
from ._cell import ActorContext
from ._clock import Clock, SimClock, WallClock
from ._errors import (
    ActorDied,
    ActorError,
    ActorNameError,
    ActorStartFailed,
    AskTimeout,
    MailboxFull,
    SupervisorGaveUp,
    SystemFailed,
    SystemNotRunning,
)
from ._messages import DeadLetter, DeadLetters, Terminated
from ._ref import ActorRef
from ._spec import ChildSpec, Overflow, Restart, Strategy, SupervisorSpec
from ._system import ActorSystem
from ._timers import Timer

__all__ = [
    "Actor",
    "ActorContext",
    "ActorDied",
    "ActorError",
    "ActorNameError",
    "ActorRef",
    "ActorStartFailed",
    "ActorSystem",
    "AskTimeout",
    "ChildSpec",
    "Clock",
    "DeadLetter",
    "DeadLetters",
    "MailboxFull",
    "Overflow",
    "Restart",
    "SimClock",
    "Strategy",
    "SupervisorGaveUp",
    "SupervisorSpec",
    "SystemFailed",
    "SystemNotRunning",
    "Terminated",
    "Timer",
    "WallClock",
]
