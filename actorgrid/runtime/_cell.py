"""The actor cell: an actor's mailbox, task, children and supervision.

:class:`ActorContext` is both what an actor sees as ``self.ctx`` and the runtime's
bookkeeping for that actor. It outlives restarts: the same ref, path and mailbox
serve every incarnation.
"""

from __future__ import annotations

import asyncio
import logging
import re
import types
from collections import deque
from collections.abc import Coroutine, Generator
from typing import TYPE_CHECKING, Any

from ._actor import Actor
from ._errors import (
    ActorDied,
    ActorNameError,
    ActorStartFailed,
    MailboxFull,
    SupervisorGaveUp,
    SystemNotRunning,
)
from ._messages import Terminated
from ._ref import NO_QUEUE as _NO_QUEUE
from ._ref import ActorRef, _Ask
from ._spec import ChildSpec, Factory, Overflow, Restart, Strategy, SupervisorSpec
from ._timers import Timer

if TYPE_CHECKING:
    from ._clock import Clock
    from ._system import ActorSystem

__all__ = ["ActorContext"]

log = logging.getLogger("actorgrid.runtime")

# cell states
STARTING, RUNNING, RESTARTING, STOPPING, DEAD = range(5)
# exit requests (``_exit``); an exception instance means "fail with it" (escalation)
_STOP = "normal"  # stopped on request: final, reason "normal"
_SHUTDOWN = "shutdown"  # parent or system stopping: final
_SELF_STOP = "self"  # ctx.stop(): a normal exit, restarted if permanent
_RESTART = "restart"  # part of a one_for_all / rest_for_one restart

#: messages handled in a row before the actor yields to the loop (fairness)
THROUGHPUT = 1024
_NAME = re.compile(r"[A-Za-z0-9_.:@$+=~-]{1,128}")


class _SupervisorActor(Actor):
    """Built by ``spawn_supervisor``: starts the spec's children in order.

    Asked a :class:`ChildSpec`, it starts that child too (OTP ``start_child``;
    use ``ActorSystem.start_child``) and answers its ref, or the error that
    prevented the start (bad input must not crash the supervisor); asked
    anything else, it answers its children's refs.
    Children started this way are not part of the spec: a restart of the
    supervisor itself starts only the spec's children again.
    """

    __slots__ = ("spec",)

    def __init__(self, spec: SupervisorSpec) -> None:
        self.spec = spec

    async def on_start(self) -> None:
        for child in self.spec.children:
            await self._start_child(child)

    async def on_receive(self, message: object) -> object:
        if isinstance(message, ChildSpec):
            try:
                return await self._start_child(message)
            except (ActorNameError, ActorStartFailed, TypeError, ValueError) as exc:
                return exc
        return self.ctx.children

    async def _start_child(self, child: ChildSpec) -> ActorRef:
        return await self.ctx.spawn(
            child.factory, name=child.id, restart=child.restart, shutdown=child.shutdown
        )


class ActorContext:
    """An actor's view of the runtime (``self.ctx``).

    Gives the actor its ref, path, clock and system, timers it owns, children it
    supervises, and death watch. Only use it from the actor's own handlers.
    """

    __slots__ = (
        "_actor",
        "_attn",
        "_busy",
        "_capacity",
        "_children",
        "_clock",
        "_current",
        "_exit",
        "_factory",
        "_kept",
        "_limit",
        "_loop",
        "_name",
        "_op",
        "_open",
        "_overflow",
        "_parent",
        "_policy",
        "_queue",
        "_ref",
        "_restart",
        "_restarts",
        "_room",
        "_shutdown",
        "_started",
        "_state",
        "_system",
        "_task",
        "_timers",
        "_waiter",
        "_watchers",
        "_watching",
    )

    def __init__(
        self,
        system: ActorSystem,
        parent: ActorContext | None,
        name: str,
        factory: Factory,
        restart: Restart,
        shutdown: float,
        capacity: int,
        overflow: Overflow,
        policy: SupervisorSpec,
    ) -> None:
        self._system = system
        self._parent = parent
        self._name = name
        self._factory = factory
        self._restart = restart
        self._shutdown = shutdown
        self._capacity = capacity
        self._overflow = overflow
        self._policy = policy
        self._clock: Clock = system.clock
        self._loop: asyncio.AbstractEventLoop = system._loop
        # The mailbox deque (~760 bytes) exists only while there are messages:
        # an idle actor holds _NO_QUEUE and _limit 0, so tell takes the slow
        # path once per batch to allocate it. (_limit is the fast-path bound:
        # capacity while open with a deque, else 0.)
        self._queue: deque[object] = _NO_QUEUE
        self._limit = 0
        self._open = True
        #: set while the actor is parked; its result is None, or the message of
        #: an ask handed over by ActorRef.ask (which then set ``_current``)
        self._waiter: asyncio.Future[object] | None = None
        self._busy = False
        self._state = STARTING
        self._task: asyncio.Task[None] | None = None
        self._actor: Actor | None = None
        self._exit: object = None
        #: reply future of the ask being handled (or handed over, not yet started)
        self._current: asyncio.Future[Any] | None = None
        self._children: dict[str, ActorContext] | None = None
        self._watchers: set[ActorContext] | None = None
        self._watching: set[ActorContext] | None = None
        self._timers: set[Timer] | None = None
        self._restarts: deque[float] | None = None
        self._room: deque[asyncio.Future[None]] | None = None
        self._attn = False  # exit requested or senders waiting for room
        self._started: asyncio.Future[None] | None = None
        self._kept: object = None
        self._op: asyncio.Task[None] | None = None
        self._ref = ActorRef(self)

    # ------------------------------------------------------------------ public
    @property
    def self_ref(self) -> ActorRef:
        """This actor's ref."""
        return self._ref

    @property
    def name(self) -> str:
        """This actor's name (last element of its path)."""
        return self._name

    @property
    def path(self) -> str:
        """This actor's path, ``/parent/child``; the root is ``/``."""
        parts: list[str] = []
        cell: ActorContext | None = self
        while cell is not None and cell._parent is not None:
            parts.append(cell._name)
            cell = cell._parent
        return "/" + "/".join(reversed(parts))

    @property
    def system(self) -> ActorSystem:
        """The system this actor belongs to."""
        return self._system

    @property
    def clock(self) -> Clock:
        """The system's clock (wall or simulated)."""
        return self._clock

    @property
    def parent(self) -> ActorRef | None:
        """The parent's ref; ``None`` for top-level actors."""
        p = self._parent
        return None if p is None or p._parent is None else p._ref

    @property
    def children(self) -> list[ActorRef]:
        """Refs of the live children, in start order."""
        return [c._ref for c in (self._children or {}).values()]

    def schedule_once(self, delay_s: float, message: object) -> Timer:
        """Tell this actor ``message`` after ``delay_s`` seconds of clock time."""
        if not delay_s >= 0:
            raise ValueError(f"delay must be >= 0, not {delay_s}")
        return self._add_timer(Timer(self, message, float(delay_s), None))

    def schedule_periodic(
        self, interval_s: float, message: object, initial_delay_s: float | None = None
    ) -> Timer:
        """Tell this actor ``message`` every ``interval_s`` seconds (first after the delay)."""
        if not interval_s > 0:
            raise ValueError(f"interval must be > 0, not {interval_s}")
        delay = interval_s if initial_delay_s is None else initial_delay_s
        if not delay >= 0:
            raise ValueError(f"initial delay must be >= 0, not {delay}")
        return self._add_timer(Timer(self, message, float(delay), float(interval_s)))

    def watch(self, ref: ActorRef) -> None:
        """Receive ``Terminated(ref, reason)`` when ``ref``'s actor stops for good."""
        target = _cell_of(ref)
        if target is self:
            raise ValueError("an actor cannot watch itself")
        if target._state == DEAD:
            self._deliver_system(Terminated(ref, "noproc"))
            return
        if target._watchers is None:
            target._watchers = set()
        target._watchers.add(self)
        if self._watching is None:
            self._watching = set()
        self._watching.add(target)

    def unwatch(self, ref: ActorRef) -> None:
        """Stop watching ``ref`` (a ``Terminated`` already queued stays queued)."""
        target = _cell_of(ref)
        if target._watchers is not None:
            target._watchers.discard(self)
        if self._watching is not None:
            self._watching.discard(target)

    async def spawn(
        self,
        factory: Factory,
        name: str | None = None,
        *,
        restart: Restart = Restart.PERMANENT,
        shutdown: float = 5.0,
    ) -> ActorRef:
        """Start a child supervised by this actor (see ``Actor.supervision``).

        Returns once the child's ``on_start`` finished; raises ``ActorStartFailed``
        if it raised, ``ActorNameError`` for a bad or taken name.
        """
        return await self._spawn_child(factory, name, restart, shutdown)

    def stop(self) -> None:
        """Stop this actor after the current message (a normal exit: a permanent
        child is restarted by its supervisor, as in OTP)."""
        if self._exit is None:
            self._exit = _SELF_STOP
            self._attn = True
        if self._waiter is not None:
            self._wake()

    def __repr__(self) -> str:
        return f"<ActorContext {self.path}>"

    # --------------------------------------------------------------- mailbox
    def _wake(self) -> None:
        waiter = self._waiter
        self._waiter = None
        self._busy = True
        self._clock._active += 1
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _ensure_queue(self) -> deque[object]:
        queue = self._queue
        if queue is _NO_QUEUE:
            queue = self._queue = deque()
            if self._open:
                self._limit = self._capacity
        return queue

    def _refused(self, message: object) -> None:
        """``tell``'s slow path: allocate the mailbox, or dead letter (+ MailboxFull if full)."""
        if not self._open:
            self._system._dead(message, self._ref, "stopped")
            return
        if self._queue is _NO_QUEUE:
            self._ensure_queue().append(message)
            if self._waiter is not None:
                self._wake()
            return
        self._system._dead(message, self._ref, "mailbox full")
        raise MailboxFull(self.path, self._capacity)

    def _refused_ask(self, envelope: _Ask) -> None:
        if not self._open:
            self._system._dead(envelope.message, self._ref, "stopped")
            envelope.future.set_exception(ActorDied(self.path, "stopped"))
            return
        if self._queue is _NO_QUEUE:
            self._ensure_queue().append(envelope)
            if self._waiter is not None:
                self._wake()
            return
        self._system._dead(envelope.message, self._ref, "mailbox full")
        raise MailboxFull(self.path, self._capacity)

    async def _wait_for_room(self, message: object) -> bool:
        """Backpressure: wait until there is room; False if the message was dead-lettered."""
        if not self._open:
            self._system._dead(message, self._ref, "stopped")
            return False
        if self._queue is _NO_QUEUE:
            self._ensure_queue()
            return True
        if self._overflow is Overflow.REJECT:
            self._system._dead(message, self._ref, "mailbox full")
            raise MailboxFull(self.path, self._capacity)
        if self._room is None:
            self._room = deque()
            self._attn = True
        fut: asyncio.Future[None] = self._loop.create_future()
        self._room.append(fut)
        try:
            await fut
        except asyncio.CancelledError:
            if self._room is not None and fut in self._room:
                self._room.remove(fut)
            raise
        return True

    def _release_room(self) -> None:
        room = self._room
        if room is None:
            return
        free = self._limit - len(self._queue) if self._limit else len(room)
        while room and free > 0:
            fut = room.popleft()
            if not fut.done():
                fut.set_result(None)
                free -= 1
        if not room:
            self._room = None
            self._attn = self._exit is not None

    def _deliver(self, message: object, full_reason: str) -> None:
        """Runtime-originated tell (timers): never raises; dead letter when refused."""
        if not self._open:
            self._system._dead(message, self._ref, "stopped")
            return
        queue = self._ensure_queue()
        if len(queue) >= self._capacity:
            self._system._dead(message, self._ref, full_reason)
            return
        queue.append(message)
        if self._waiter is not None:
            self._wake()

    def _deliver_system(self, message: object) -> None:
        """System messages (Terminated) bypass the capacity bound."""
        if not self._open:
            self._system._dead(message, self._ref, "stopped")
            return
        self._ensure_queue().append(message)
        if self._waiter is not None:
            self._wake()

    def _add_timer(self, timer: Timer) -> Timer:
        if self._timers is None:
            self._timers = set()
        self._timers.add(timer)
        return timer

    # ----------------------------------------------------------- incarnation
    def _launch(self, actor: Actor | None, kept: object) -> None:
        """Start a new incarnation task (``actor`` pre-built on the first start)."""
        self._state = STARTING
        self._exit = None
        self._attn = self._room is not None
        self._restarts = None  # a new incarnation supervises with a fresh history
        self._busy = True
        self._clock._active += 1
        task = self._loop.create_task(self._run(actor, kept), name=f"actor {self.path}")
        self._task = task
        self._clock._tasks[task] = self

    async def _run(self, actor: Actor | None, kept: object) -> None:
        # One coroutine per incarnation, with the receive loop inlined: every
        # nested coroutine frame would cost memory in each idle actor.
        failure: BaseException | None = None
        killed = False
        started = False
        try:
            if actor is None:
                actor = self._build()
            actor._ctx = self
            self._actor = actor
            if kept is not None:
                actor.on_restart(kept)
            await actor.on_start()
            started = True
            if self._state == STARTING:
                self._state = RUNNING
            fut = self._started
            if fut is not None:
                self._started = None
                if not fut.done():
                    fut.set_result(None)
            message: object = None
            result: object = None
            future: asyncio.Future[Any] | None = None
            receive = actor.on_receive
            clock = self._clock
            new_future = self._system._new_future
            spin = False  # replied since the last look: spin once before parking
            while True:
                queue = self._queue
                if queue:
                    popleft = queue.popleft
                    batch = len(queue)
                    if batch > THROUGHPUT:
                        batch = THROUGHPUT
                    for _ in range(batch):
                        message = popleft()
                        if type(message) is _Ask:
                            future = self._current = message[1]
                            result = await receive(message[0])
                            if not future.done():
                                future.set_result(result)
                            self._current = None
                            spin = True
                        else:
                            await receive(message)
                        if self._attn:
                            break
                    if self._attn:
                        if self._exit is not None:
                            break
                        self._release_room()
                    elif batch == THROUGHPUT:
                        await asyncio.sleep(0)  # fairness: let other actors run
                    continue
                if self._attn:
                    if self._exit is not None:
                        break
                    self._release_room()
                    if self._queue:
                        continue
                if spin:
                    # After a reply, spin once before parking: yield to the loop,
                    # still busy, then look again. The reply wakes its asker in the
                    # next loop pass, and a follow-up message (sequential asks) then
                    # finds this actor running: no wake-up future, one loop pass per
                    # round trip instead of two. Costs one task step when none comes.
                    spin = False
                    message = result = future = None
                    await _spin()
                    continue
                if queue is not _NO_QUEUE:
                    # free the mailbox while idle (locals must let go of it too)
                    self._queue = _NO_QUEUE
                    self._limit = 0
                    popleft = _no_popleft
                queue = _NO_QUEUE
                # ... and of the last message and reply
                message = result = future = None
                waiter = new_future()
                self._waiter = waiter
                self._busy = False
                clock._active -= 1
                if clock._watch and clock._active <= 0:
                    clock._quiet()
                message = await waiter
                future = self._current
                if future is not None:
                    # an ask handed over by ActorRef.ask (the actor was idle):
                    # ``message`` is its message, ``future`` its reply
                    result = await receive(message)
                    if not future.done():
                        future.set_result(result)
                    self._current = None
                    spin = True
                    if self._attn:
                        if self._exit is not None:
                            break
                        self._release_room()
            if isinstance(self._exit, BaseException):
                raise self._exit
        except asyncio.CancelledError as exc:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                killed = True  # really cancelled (shutdown timeout, system stop)
            else:
                failure = exc  # a CancelledError leaking out of the actor's own code
        except Exception as exc:
            failure = exc
        self._waiter = None
        if not self._busy:
            self._busy = True
            self._clock._active += 1
        try:
            await self._exit_incarnation(actor, started, failure, killed)
        except asyncio.CancelledError:
            # cancelled (shutdown timeout) while stopping: finish synchronously
            killed = True
            self._kill_children()
            if self._busy:
                self._busy = False
                self._clock._active -= 1
            self._finalize("killed")
            self._clock._quiet()
        finally:
            current = asyncio.current_task()
            if current is not None:
                self._clock._tasks.pop(current, None)
        if killed:
            raise asyncio.CancelledError

    def _build(self) -> Actor:
        factory = self._factory
        if isinstance(factory, SupervisorSpec):
            return _SupervisorActor(factory)
        actor = factory()
        if not isinstance(actor, Actor):
            raise TypeError(f"factory of {self.path} returned {actor!r}, not an Actor")
        return actor

    async def _exit_incarnation(
        self, actor: Actor | None, started: bool, failure: BaseException | None, killed: bool
    ) -> None:
        exit_req = self._exit
        reason: str | BaseException
        if killed:
            reason = "killed"
        elif failure is not None:
            reason = failure
        elif exit_req == _SHUTDOWN:
            reason = "shutdown"
        else:
            reason = "normal"
        path = self.path
        if isinstance(reason, BaseException) and not isinstance(reason, SupervisorGaveUp):
            log.error("actor %s crashed", path, exc_info=reason)
        elif isinstance(reason, SupervisorGaveUp):
            log.error("actor %s gave up: %s", path, reason)
        current = self._current
        self._current = None
        if current is not None and not current.done():
            current.set_exception(ActorDied(path, reason))
        first_start_failed = self._started is not None and not started
        if self._timers:
            for timer in list(self._timers):
                timer.cancel()
        self._timers = None
        self._state = STOPPING
        if killed:
            self._kill_children()
        else:
            await self._stop_children()
        kept: object = None
        if actor is not None and not killed:
            if isinstance(reason, BaseException):
                await _guarded(path, "on_failure", actor.on_failure(reason))
            if started:
                await _guarded(path, "on_stop", actor.on_stop())
            try:
                kept = actor.state_to_keep()
            except Exception:
                log.exception("state_to_keep of %s raised; keeping nothing", path)
        self._actor = None
        self._busy = False
        self._clock._active -= 1
        parent = self._parent
        if first_start_failed:
            fut = self._started
            self._started = None
            self._finalize(reason)
            if fut is not None and not fut.done():
                err = ActorStartFailed(path)
                err.__cause__ = reason if isinstance(reason, BaseException) else None
                fut.set_exception(err)
        elif parent is not None:
            parent._child_exited(self, exit_req, reason, kept)
        else:
            self._finalize(reason)
        self._clock._quiet()

    # -------------------------------------------------------------- stopping
    def _request_exit(self, kind: object) -> None:
        if self._state == DEAD:
            return
        if kind in (_STOP, _SHUTDOWN):
            self._limit = 0  # closed: new messages go to dead letters
            self._open = False
        if self._exit is None or kind in (_STOP, _SHUTDOWN) or isinstance(kind, BaseException):
            self._exit = kind
            self._attn = True
        if self._waiter is not None:
            self._wake()

    async def _stop(self, kind: str, timeout: float) -> None:  # noqa: ASYNC109
        """Stop this actor for good (``kind`` is _STOP or _SHUTDOWN) and wait for it."""
        if self._state == DEAD:
            return
        if self._state == RESTARTING or self._task is None or self._task.done():
            self._finalize(kind)
            return
        self._request_exit(kind)
        await self._join(timeout)

    async def _join(self, timeout: float) -> None:  # noqa: ASYNC109
        task = self._task
        if task is None or task is asyncio.current_task():
            return
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if not done:
            log.warning("actor %s did not stop within %g s; cancelling it", self.path, timeout)
            task.cancel()
            await asyncio.wait({task})

    async def _stop_children(self) -> None:
        op = self._op
        if op is not None and not op.done():
            op.cancel()
            await asyncio.wait({op})
        while self._children:
            child = next(reversed(self._children.values()))
            await child._stop(_SHUTDOWN, child._shutdown)
            if self._children and self._children.get(child._name) is child:
                child._finalize("shutdown")  # e.g. killed before it could report
                self._children.pop(child._name, None)

    def _kill_children(self) -> None:
        if self._op is not None:
            self._op.cancel()
        for child in reversed(list((self._children or {}).values())):
            child._limit = 0
            child._open = False
            child._waiter = None  # closed: an ask must not hand itself over
            if child._task is not None and not child._task.done():
                child._task.cancel()
            else:
                child._finalize("killed")

    def _finalize(self, reason: str | BaseException) -> None:
        """The actor is gone for good: dead-letter its mailbox, tell its watchers."""
        if self._state == DEAD:
            return
        self._state = DEAD
        self._limit = 0
        self._open = False
        self._waiter = None  # closed: an ask must not hand itself over
        if self._exit is None:
            self._exit = _STOP
            self._attn = True
        system = self._system
        ref = self._ref
        why = "stopped"
        queue = self._queue
        while queue:
            message = queue.popleft()
            if type(message) is _Ask:
                system._dead(message.message, ref, why)
                if not message.future.done():
                    message.future.set_exception(ActorDied(self.path, reason))
            else:
                system._dead(message, ref, why)
        self._queue = _NO_QUEUE
        if self._room:
            for fut in self._room:
                if not fut.done():
                    fut.set_result(None)  # the sender loops, finds the mailbox closed
            self._room = None
        pending = self._started
        if pending is not None and not pending.done():
            self._started = None
            pending.set_exception(ActorDied(self.path, reason))
        parent = self._parent
        siblings = parent._children if parent is not None else None
        if siblings is not None and siblings.get(self._name) is self:
            del siblings[self._name]
        if self._watching:
            for target in self._watching:
                if target._watchers is not None:
                    target._watchers.discard(self)
            self._watching = None
        if self._watchers:
            watchers, self._watchers = self._watchers, None
            event = Terminated(ref, reason)
            for watcher in watchers:
                if watcher._watching is not None:
                    watcher._watching.discard(self)
                watcher._deliver_system(event)

    # ------------------------------------------------------------ supervision
    async def _spawn_child(
        self, factory: Factory, name: str | None, restart: Restart, shutdown: float
    ) -> ActorRef:
        system = self._system
        system._check_running()
        if self._state not in (STARTING, RUNNING):
            raise SystemNotRunning(f"{self.path} is stopping; cannot spawn children")
        if not isinstance(restart, Restart):
            raise TypeError(f"restart must be a Restart, not {restart!r}")
        if not shutdown > 0:
            raise ValueError(f"shutdown must be > 0, not {shutdown}")
        children = self._children
        if children is None:
            children = self._children = {}
        if name is None:
            name = f"${system._next_id()}"
        elif not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ActorNameError(f"invalid actor name {name!r}: 1-128 of [A-Za-z0-9_.:@$+=~-]")
        if name in children:
            raise ActorNameError(f"{self._child_path(name)} already exists")
        actor: Actor | None = None
        if isinstance(factory, SupervisorSpec):
            policy = factory
            capacity = _SupervisorActor.mailbox_size
            overflow = _SupervisorActor.overflow
        elif callable(factory):
            actor = factory()
            if not isinstance(actor, Actor):
                raise TypeError(f"factory returned {actor!r}, not an Actor")
            cls = type(actor)
            policy = cls.supervision
            capacity = cls.mailbox_size
            overflow = cls.overflow
            if not (isinstance(capacity, int) and capacity > 0):
                raise ValueError(f"{cls.__name__}.mailbox_size must be an int > 0")
        else:
            raise TypeError(f"factory must be callable or a SupervisorSpec, not {factory!r}")
        cell = ActorContext(
            system, self, name, factory, restart, shutdown, capacity, overflow, policy
        )
        children[name] = cell
        started: asyncio.Future[None] = self._loop.create_future()
        cell._started = started
        cell._launch(actor, None)
        await started
        return cell._ref

    def _child_path(self, name: str) -> str:
        return ("" if self._parent is None else self.path) + "/" + name

    def _child_exited(
        self, child: ActorContext, exit_req: object, reason: str | BaseException, kept: object
    ) -> None:
        """A child's incarnation ended: restart it, forget it, or give up."""
        if exit_req == _RESTART and not isinstance(reason, BaseException):
            if child._restart is Restart.TEMPORARY:  # OTP: never restarted
                child._finalize("shutdown")
                return
            child._state = RESTARTING  # the running group restart starts it again
            child._kept = kept
            return
        abnormal = isinstance(reason, BaseException)
        if (
            self._state not in (STARTING, RUNNING)
            or exit_req in (_STOP, _SHUTDOWN)
            or reason == "killed"
            or child._restart is Restart.TEMPORARY
            or (child._restart is Restart.TRANSIENT and not abnormal)
            or self._system._stopping
        ):
            child._finalize(reason)
            return
        policy = self._policy
        now = self._clock.now()
        restarts = self._restarts
        if restarts is None:
            restarts = self._restarts = deque()
        while restarts and restarts[0] <= now - policy.period:
            restarts.popleft()
        if len(restarts) >= policy.intensity:
            child._finalize(reason)
            err = SupervisorGaveUp(self.path, child.path, policy.intensity, policy.period)
            err.__cause__ = reason if isinstance(reason, BaseException) else None
            self._give_up(err)
            return
        restarts.append(now)
        child._state = RESTARTING
        child._kept = kept
        delay = policy.backoff_for(len(restarts))
        if policy.strategy is Strategy.ONE_FOR_ONE:
            if delay > 0:
                self._clock.call_later(delay, self._relaunch, child)
            else:
                self._relaunch(child)
            return
        order = list((self._children or {}).values())
        if policy.strategy is Strategy.REST_FOR_ONE and child in order:
            order = order[order.index(child) :]
        self._start_op(order, delay)

    def _relaunch(self, child: ActorContext) -> None:
        if child._state != RESTARTING:
            return
        if self._state not in (STARTING, RUNNING) or self._system._stopping:
            child._finalize("shutdown")
            return
        kept, child._kept = child._kept, None
        child._launch(None, kept)

    def _start_op(self, group: list[ActorContext], delay: float) -> None:
        previous = self._op
        task = self._loop.create_task(self._group_restart(previous, group, delay))
        self._op = task
        self._clock._tasks[task] = self._system  # a supervisor op, not an actor

    async def _group_restart(
        self, previous: asyncio.Task[None] | None, group: list[ActorContext], delay: float
    ) -> None:
        """one_for_all / rest_for_one: stop the group (reverse order), start it again."""
        clock = self._clock
        try:
            if previous is not None and not previous.done():
                await asyncio.wait({previous})
            with clock.hold():
                for child in reversed(group):
                    if child._state in (STARTING, RUNNING):
                        child._request_exit(_RESTART)
                        await child._join(child._shutdown)
            if delay > 0:
                await clock.sleep(delay)
            for child in group:
                if child._state == RESTARTING:
                    self._relaunch(child)
        finally:
            current = asyncio.current_task()
            if current is not None:
                clock._tasks.pop(current, None)

    def _give_up(self, err: SupervisorGaveUp) -> None:
        if self._parent is None:
            self._system._root_gave_up(err)
        else:
            self._request_exit(err)


@types.coroutine
def _spin() -> Generator[None, None, None]:
    """Yield to the event loop once (a bare ``yield``: the task is rescheduled)."""
    yield


def _no_popleft() -> object:
    raise AssertionError("no mailbox allocated")


def _cell_of(ref: ActorRef) -> ActorContext:
    cell = getattr(ref, "_cell", None)
    if not isinstance(cell, ActorContext):
        raise TypeError(f"not a local actor ref: {ref!r}")
    return cell


async def _guarded(path: str, hook: str, coro: Coroutine[Any, Any, None]) -> None:
    try:
        await coro
    except Exception:
        log.exception("%s of actor %s raised (ignored)", hook, path)
