"""The actor system: root of the supervision tree, owner of every actor task."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any

from ._cell import _STOP, DEAD, RUNNING, ActorContext, _cell_of
from ._clock import Clock, WallClock
from ._errors import ActorNameError, SupervisorGaveUp, SystemFailed, SystemNotRunning
from ._messages import DeadLetter, DeadLetters
from ._ref import ActorRef, AskDeadlines, future_factory
from ._spec import ChildSpec, Factory, Overflow, Restart, SupervisorSpec

__all__ = ["ActorSystem"]

log = logging.getLogger("actorgrid.runtime")


class ActorSystem:
    """A tree of supervised actors running in the current event loop.

    Use it as an async context manager; several systems may coexist and there is
    no global state::

        async with ActorSystem("grid", clock=SimClock()) as system:
            ref = await system.spawn(Meter, name="meter-1")
            print(await ref.ask("read"))

    Top-level actors are supervised by the root with ``one_for_one`` and
    ``intensity``/``period``. If the root gives up, every actor stops and
    :class:`SystemFailed` (naming the failing actor, with the exception chain) is
    raised from ``async with`` exit and from :meth:`wait`; like a TaskGroup, the
    task that entered ``async with`` is cancelled so the body cannot hang.
    """

    def __init__(
        self,
        name: str = "actorgrid",
        *,
        clock: Clock | None = None,
        intensity: int = 3,
        period: float = 5.0,
        dead_letters_kept: int = 1000,
    ) -> None:
        self.name = name
        self.clock: Clock = clock if clock is not None else WallClock()
        self.dead_letters = DeadLetters(dead_letters_kept)
        self._policy = SupervisorSpec(intensity=intensity, period=period)
        self._loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]
        self._root: ActorContext | None = None
        self._ids = itertools.count(1)
        self._stopping = False
        self._stopped: asyncio.Future[None] | None = None
        self._failure: SystemFailed | None = None
        self._host: asyncio.Task[object] | None = None
        self._host_cancelled = False
        self._shutdown_task: asyncio.Task[None] | None = None
        self._asks: AskDeadlines = None  # type: ignore[assignment]
        self._new_future: Callable[[], asyncio.Future[Any]] = None  # type: ignore[assignment]

    # ------------------------------------------------------------ lifecycle
    async def start(self) -> ActorSystem:
        """Start the system in the running loop (``async with`` does this)."""
        if self._root is not None:
            raise SystemNotRunning(f"actor system {self.name!r} was already started")
        self._loop = asyncio.get_running_loop()
        self.clock._bind(self._loop)
        self._asks = AskDeadlines(self._loop)
        self._new_future = future_factory(self._loop)
        root = ActorContext(
            self, None, "", SupervisorSpec(), Restart.PERMANENT, 1.0, 1, Overflow.REJECT,
            self._policy,
        )  # fmt: skip
        root._state = RUNNING
        root._limit = 0  # the root takes no messages
        root._open = False
        self._root = root
        self._stopped = self._loop.create_future()
        return self

    async def __aenter__(self) -> ActorSystem:
        await self.start()
        self._host = asyncio.current_task()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        host, self._host = self._host, None
        if self._host_cancelled and host is not None:
            host.uncancel()  # we cancelled the body because the system failed
        await self.shutdown()
        if self._failure is not None:
            raise self._failure from (self._failure.__cause__)

    async def shutdown(self) -> None:
        """Stop every actor (top-level ones in reverse start order, each with its
        shutdown timeout) and wait until no runtime task is left. Idempotent.

        Called from inside an actor, it starts the shutdown and returns at once
        (the caller cannot wait for its own end); ``wait()`` waits for it.
        """
        root = self._root
        if root is None or self._stopped is None:
            return
        if self._shutdown_task is None:
            self._stopping = True
            self._shutdown_task = self._loop.create_task(self._shutdown(root))
        current = asyncio.current_task()
        owner = self.clock._tasks.get(current) if current is not None else None
        if isinstance(owner, ActorContext) and owner._system is self:
            return
        await asyncio.shield(self._shutdown_task)

    async def _shutdown(self, root: ActorContext) -> None:
        await root._stop_children()
        root._state = DEAD
        # backstop: nothing may outlive the system
        leftover = [
            t
            for t, owner in self.clock._tasks.items()
            if owner is self or (isinstance(owner, ActorContext) and owner._system is self)
        ]
        for task in leftover:
            if not task.done():
                task.cancel()
        if leftover:
            await asyncio.wait(leftover)
        for task in leftover:
            self.clock._tasks.pop(task, None)
        self._asks.close()
        assert self._stopped is not None
        if not self._stopped.done():
            self._stopped.set_result(None)

    async def wait(self) -> None:
        """Wait until the system stopped; raises :class:`SystemFailed` if it failed."""
        if self._stopped is None:
            raise SystemNotRunning(f"actor system {self.name!r} is not started")
        await asyncio.shield(self._stopped)
        if self._failure is not None:
            raise self._failure

    @property
    def failure(self) -> SystemFailed | None:
        """Why the system failed, if it did."""
        return self._failure

    @property
    def running(self) -> bool:
        """True between start and shutdown."""
        return self._root is not None and not self._stopping

    # --------------------------------------------------------------- actors
    async def spawn(
        self,
        factory: Factory,
        name: str | None = None,
        *,
        restart: Restart = Restart.PERMANENT,
        shutdown: float = 5.0,
    ) -> ActorRef:
        """Start a top-level actor from ``factory`` (a zero-argument callable returning
        an :class:`Actor`, or a :class:`SupervisorSpec`) and return its ref once its
        ``on_start`` finished.

        Raises ``ActorNameError`` for an invalid or taken name, ``ActorStartFailed``
        if ``on_start`` raised, ``SystemNotRunning`` if the system is not running.
        """
        root = self._check_running()
        return await root._spawn_child(factory, name, restart, shutdown)

    async def spawn_supervisor(
        self,
        spec: SupervisorSpec,
        name: str | None = None,
        *,
        restart: Restart = Restart.PERMANENT,
        shutdown: float = 30.0,
    ) -> ActorRef:
        """Start a supervisor that starts ``spec.children`` in order."""
        if not isinstance(spec, SupervisorSpec):
            raise TypeError(f"spec must be a SupervisorSpec, not {spec!r}")
        return await self.spawn(spec, name, restart=restart, shutdown=shutdown)

    async def start_child(
        self,
        supervisor: ActorRef,
        child: ChildSpec,
        timeout: float = 30.0,  # noqa: ASYNC109
    ) -> ActorRef:
        """Start ``child`` under a supervisor made by :meth:`spawn_supervisor`.

        Raises what ``spawn`` raises (``ActorNameError``, ``ActorStartFailed``, ...);
        the supervisor is unaffected by such errors.
        """
        if not isinstance(child, ChildSpec):
            raise TypeError(f"child must be a ChildSpec, not {child!r}")
        result = await supervisor.ask(child, timeout)
        if isinstance(result, BaseException):
            raise result
        if not isinstance(result, ActorRef):
            raise TypeError(f"{supervisor!r} is not a supervisor")
        return result

    async def stop(self, ref: ActorRef, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Stop one actor for good: it finishes its current message, stops its
        children, runs ``on_stop``; queued messages go to dead letters. Not
        restarted, whatever its restart type. ``timeout`` defaults to its shutdown
        timeout, after which it is cancelled."""
        cell = _cell_of(ref)
        if cell._system is not self:
            raise ValueError(f"{ref!r} belongs to another actor system")
        await cell._stop(_STOP, cell._shutdown if timeout is None else timeout)

    def lookup(self, path: str) -> ActorRef | None:
        """The ref of the live actor at ``path`` (e.g. ``/grid/producer-1``), or None."""
        if not isinstance(path, str) or not path.startswith("/"):
            raise ActorNameError(f"actor paths start with '/': {path!r}")
        cell = self._root
        for part in path.strip("/").split("/"):
            if not part:
                continue
            if cell is None or not cell._children:
                return None
            cell = cell._children.get(part)
        if cell is None or cell is self._root or cell._state == DEAD:
            return None
        return cell._ref

    def tree(self) -> str:
        """A printable view of the live actor tree."""
        lines: list[str] = [f"{self.name}"]

        def walk(cell: ActorContext, depth: int) -> None:
            for child in (cell._children or {}).values():
                actor = child._actor
                kind = "supervisor" if isinstance(child._factory, SupervisorSpec) else (
                    type(actor).__name__ if actor is not None else "(restarting)"
                )  # fmt: skip
                lines.append(f"{'  ' * depth}{child.path}  {kind}  {child._restart.value}")
                walk(child, depth + 1)

        if self._root is not None:
            walk(self._root, 1)
        return "\n".join(lines)

    @property
    def actor_count(self) -> int:
        """Number of live actors."""
        count = 0
        stack = [self._root] if self._root is not None else []
        while stack:
            cell = stack.pop()
            if cell._children:
                count += len(cell._children)
                stack.extend(cell._children.values())
        return count

    # ------------------------------------------------------------ internals
    def _check_running(self) -> ActorContext:
        if self._root is None or self._stopping:
            raise SystemNotRunning(f"actor system {self.name!r} is not running")
        return self._root

    def _next_id(self) -> int:
        return next(self._ids)

    def _dead(self, message: object, recipient: ActorRef, reason: str) -> None:
        self.dead_letters.record(DeadLetter(message, recipient, reason))

    def _root_gave_up(self, err: SupervisorGaveUp) -> None:
        failed = err.child
        cause: BaseException | None = err
        while cause is not None:
            if isinstance(cause, SupervisorGaveUp):
                failed = cause.child
            cause = cause.__cause__
        failure = SystemFailed(self.name, failed, err)
        failure.__cause__ = err
        self._failure = failure
        log.error("%s", failure)
        if self._shutdown_task is None:
            self._stopping = True
            assert self._root is not None
            self._shutdown_task = self._loop.create_task(self._shutdown(self._root))
        host = self._host
        if host is not None and not host.done() and host is not asyncio.current_task():
            self._host_cancelled = True
            host.cancel()
