"""The :class:`Actor` base class users subclass."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from ._spec import Overflow, SupervisorSpec

if TYPE_CHECKING:
    from ._cell import ActorContext

__all__ = ["Actor"]

_NO_CHILDREN_SPEC = SupervisorSpec()


class Actor:
    """An actor: private state changed only by its own message handler.

    Subclass it and override :meth:`on_receive`; the runtime builds instances
    from a zero-argument factory (usually the class), so a restart starts from a
    fresh instance::

        class Counter(Actor):
            mailbox_size = 1024
            overflow = Overflow.BACKPRESSURE

            def __init__(self) -> None:
                self.count = 0

            async def on_receive(self, message: object) -> object:
                self.count += 1
                return self.count

        async with ActorSystem("demo") as system:
            ref = await system.spawn(Counter, name="counter")
            ref.tell("tick")
            assert await ref.ask("tick") == 2

    Every hook runs in the actor's own task, one at a time, never concurrently with
    another hook or message of the same actor. ``self.ctx`` (an
    :class:`ActorContext`) is set before :meth:`on_start`.
    """

    __slots__ = ("_ctx",)

    #: Mailbox capacity (messages). Bounded by default.
    mailbox_size: ClassVar[int] = 1024
    #: What ``send`` does on a full mailbox (``tell`` always raises ``MailboxFull``).
    overflow: ClassVar[Overflow] = Overflow.BACKPRESSURE
    #: How this actor supervises the children it spawns with ``ctx.spawn``
    #: (``children`` is ignored here).
    supervision: ClassVar[SupervisorSpec] = _NO_CHILDREN_SPEC

    _ctx: ActorContext

    @property
    def ctx(self) -> ActorContext:
        """This actor's context: its ref, path, clock, timers, children, watches."""
        return self._ctx

    async def on_start(self) -> None:
        """Run once per incarnation, after ``ctx`` is set and before the first message.

        If it raises, the actor has failed: on its first start the ``spawn`` that
        created it raises ``ActorStartFailed``; on a restart, its supervisor
        applies its restart rules again.
        """

    async def on_receive(self, message: object) -> object:
        """Handle one message; the return value answers an ``ask`` (ignored for ``tell``).

        If it raises, the actor has failed: a pending ``ask`` gets ``ActorDied``,
        the error is logged with the actor's path, and the supervisor decides
        (restart, stop, or give up and escalate). The mailbox survives a restart.
        """
        return None

    async def on_failure(self, error: BaseException) -> None:
        """Run after :meth:`on_start` or :meth:`on_receive` raised, before :meth:`on_stop`.

        Exceptions raised here are logged and otherwise ignored.
        """

    async def on_stop(self) -> None:
        """Run when the actor stops, and on the old instance before a restart.

        Its children are already stopped and its timers cancelled. Exceptions
        raised here are logged and otherwise ignored.
        """

    def state_to_keep(self) -> object:
        """Return what a restart should hand to the next instance (default: nothing).

        Called on the old instance before it is replaced; a non-``None`` result is
        passed to :meth:`on_restart` of the new one. Exceptions are logged and
        treated as ``None``.
        """
        return None

    def on_restart(self, kept: object) -> None:
        """Receive :meth:`state_to_keep` of the previous instance, before :meth:`on_start`.

        Only called when the previous instance kept something. If it raises, the
        restart counts as a failure of :meth:`on_start`.
        """
