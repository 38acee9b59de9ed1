"""actorgrid.runtime: a small asyncio actor kernel with OTP-style supervision.

Actors (:class:`Actor`) are reached through refs (:class:`ActorRef`) with ``tell``,
``send`` and ``ask``; an :class:`ActorSystem` runs them under supervisors
(:class:`SupervisorSpec`, :class:`ChildSpec`) against a :class:`WallClock` or a
deterministic :class:`SimClock`. ``ThreadedActorSystem`` embeds a system in a
threaded program; :class:`PykkaAddress` and :func:`thread_safe_ref` bridge to pykka.
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
from ._pykka import PykkaAddress
from ._ref import ActorRef
from ._spec import ChildSpec, Overflow, Restart, Strategy, SupervisorSpec
from ._system import ActorSystem
from ._threaded import ThreadedActorSystem, ThreadSafeRef, thread_safe_ref
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
    "PykkaAddress",
    "Restart",
    "SimClock",
    "Strategy",
    "SupervisorGaveUp",
    "SupervisorSpec",
    "SystemFailed",
    "SystemNotRunning",
    "Terminated",
    "ThreadSafeRef",
    "ThreadedActorSystem",
    "Timer",
    "WallClock",
    "thread_safe_ref",
]
