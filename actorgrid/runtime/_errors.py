"""Typed errors raised by the actor runtime."""

from __future__ import annotations

__all__ = [
    "ActorDied",
    "ActorError",
    "ActorNameError",
    "ActorStartFailed",
    "AskTimeout",
    "MailboxFull",
    "SupervisorGaveUp",
    "SystemFailed",
    "SystemNotRunning",
]


class ActorError(Exception):
    """Base class of every error raised by :mod:`actorgrid.runtime`."""


class AskTimeout(ActorError, TimeoutError):
    """An ``ask`` got no reply within its timeout."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__(f"no reply from {path} within {timeout:g} s")
        self.path = path
        self.timeout = timeout


class ActorDied(ActorError):
    """The actor asked stopped or crashed before it replied (or was already gone).

    ``reason`` is ``"stopped"``/``"shutdown"``/``"normal"`` or the exception that killed it.
    """

    def __init__(self, path: str, reason: str | BaseException) -> None:
        what = reason if isinstance(reason, str) else f"{type(reason).__name__}: {reason}"
        super().__init__(f"actor {path} died before replying ({what})")
        self.path = path
        self.reason = reason


class MailboxFull(ActorError):
    """The mailbox is at capacity: ``tell`` never waits, and ``send`` under ``REJECT``."""

    def __init__(self, path: str, capacity: int) -> None:
        super().__init__(f"mailbox of {path} is full ({capacity} messages)")
        self.path = path
        self.capacity = capacity


class ActorNameError(ActorError, ValueError):
    """An actor name is invalid or already taken under the same parent."""


class ActorStartFailed(ActorError):
    """``on_start`` of a freshly spawned actor raised; the actor was not added."""

    def __init__(self, path: str) -> None:
        super().__init__(f"actor {path} failed to start")
        self.path = path


class SystemNotRunning(ActorError, RuntimeError):
    """The actor system is not started, or is stopping or stopped."""


class SupervisorGaveUp(ActorError):
    """A supervisor exceeded its restart intensity; ``__cause__`` is the child's failure."""

    def __init__(self, supervisor: str, child: str, restarts: int, period: float) -> None:
        super().__init__(
            f"supervisor {supervisor} gave up: child {child} failed more than "
            f"{restarts} times in {period:g} s"
        )
        self.supervisor = supervisor
        self.child = child


class SystemFailed(ActorError):
    """The root supervisor gave up, so the whole system stopped.

    ``failed_actor`` names the actor whose failure started the escalation and
    ``__cause__`` holds the exception chain (``SupervisorGaveUp`` -> original error).
    """

    def __init__(self, system: str, failed_actor: str, cause: BaseException) -> None:
        chain: list[str] = []
        exc: BaseException | None = cause
        while exc is not None and len(chain) < 8:
            chain.append(f"{type(exc).__name__}: {exc}")
            exc = exc.__cause__
        super().__init__(
            f"actor system {system!r} failed: {failed_actor} kept crashing; " + " <- ".join(chain)
        )
        self.system = system
        self.failed_actor = failed_actor
