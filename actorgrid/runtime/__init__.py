"""actorgrid.runtime: a small asyncio actor kernel with OTP-style supervision.

Actors (:class:`Actor`) are reached through refs (:class:`ActorRef`) with ``tell``,
``send`` and ``ask``; an :class:`ActorSystem` runs them under supervisors
(:class:`SupervisorSpec`, :class:`ChildSpec`) against a :class:`WallClock` or a
deterministic :class:`SimClock`. :class:`ThreadedActorSystem` embeds a system in a
threaded program; :class:`PykkaAddress` and :func:`thread_safe_ref` bridge to pykka.

Design in brief:

* Structured: every actor task is owned by its parent (the root for top-level
  actors). A parent stops its children, in reverse start order and each within
  its shutdown timeout, before it finishes itself; ``ActorSystem.shutdown`` leaves
  no task behind. Failures are logged with the actor's path, passed to the
  supervisor, and end as a typed error (``ActorDied``, ``SupervisorGaveUp``,
  ``SystemFailed``); nothing is swallowed.
* Lean hot path: a mailbox is a ``deque`` plus one waiter future, drained in
  batches; an idle actor frees its deque (about 1.7 KB per idle actor in all).
  ``ask`` is a bare future whose timeout is kept by one timer per system.
* A ref and its mailbox survive restarts; a restart builds a fresh instance.
* Timers on time: :func:`run` / :func:`new_event_loop` give an event loop whose waits have
  microsecond resolution (asyncio's epoll rounds them up to whole milliseconds, so a 1 ms
  timer fires up to ~1 ms late whenever something else woke the loop in between).
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
from ._loop import PreciseEpollSelector, new_event_loop, run
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
    "PreciseEpollSelector",
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
    "new_event_loop",
    "run",
    "thread_safe_ref",
]
