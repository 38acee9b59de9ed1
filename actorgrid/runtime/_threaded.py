"""Embedding in threaded programs: a system on a background thread, thread-safe refs."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, TypeVar

from ._clock import Clock
from ._errors import MailboxFull, SystemNotRunning
from ._loop import run
from ._ref import ActorRef
from ._spec import Factory, Restart
from ._system import ActorSystem

__all__ = ["ThreadSafeRef", "ThreadedActorSystem", "thread_safe_ref"]

T = TypeVar("T")


class ThreadSafeRef:
    """A handle on an actor usable from any thread other than the system's loop thread.

    ``tell`` blocks until the message is in the mailbox (honouring backpressure),
    ``tell_nowait`` hands it over without waiting, ``ask`` blocks for the reply.
    Calling them from the loop thread itself raises ``RuntimeError`` (it would
    deadlock); use the plain :class:`ActorRef` there (``.ref``).
    """

    __slots__ = ("_loop", "ref")

    def __init__(self, ref: ActorRef, loop: asyncio.AbstractEventLoop) -> None:
        self.ref = ref
        self._loop = loop

    @property
    def path(self) -> str:
        """The actor's path."""
        return self.ref.path

    def tell(self, message: object, timeout: float | None = None) -> None:
        """Deliver ``message``; waits for room under backpressure, raises MailboxFull
        under REJECT; a stopped actor's message goes to dead letters."""
        self._call(self.ref.send(message), timeout)

    def tell_nowait(self, message: object) -> None:
        """Hand ``message`` to the loop and return at once; if the mailbox turns out
        to be full it is recorded as a dead letter (reason ``"mailbox full"``)."""
        self._loop.call_soon_threadsafe(_tell_or_dead_letter, self.ref, message)

    def ask(self, message: object, timeout: float = 5.0) -> Any:
        """Block until the actor replies; AskTimeout / ActorDied / MailboxFull as ``ask``."""
        return self._call(self.ref.ask(message, timeout), timeout + 5.0)

    def stop(self, timeout: float | None = None) -> None:
        """Stop the actor for good and wait."""
        self._call(self.ref.stop(timeout), None)

    def _call(self, coro: Awaitable[T], timeout: float | None) -> T:
        return _run_in_loop(self._loop, coro, timeout)

    def __repr__(self) -> str:
        return f"<ThreadSafeRef {self.ref.path}>"


def thread_safe_ref(ref: ActorRef) -> ThreadSafeRef:
    """A :class:`ThreadSafeRef` on ``ref``, for other threads (e.g. a pykka actor)."""
    return ThreadSafeRef(ref, ref._cell._loop)


def _tell_or_dead_letter(ref: ActorRef, message: object) -> None:
    with contextlib.suppress(MailboxFull):  # already recorded as a dead letter by tell
        ref.tell(message)


def _run_in_loop(loop: asyncio.AbstractEventLoop, coro: Awaitable[T], timeout: float | None) -> T:
    if _in_loop_thread(loop):
        if asyncio.iscoroutine(coro):
            coro.close()
        raise RuntimeError("blocking call from the actor system's own loop thread")
    future = asyncio.run_coroutine_threadsafe(_as_coro(coro), loop)
    try:
        return future.result(timeout)
    except concurrent.futures.TimeoutError:
        future.cancel()
        raise


async def _as_coro(aw: Awaitable[T]) -> T:
    return await aw


def _in_loop_thread(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


class ThreadedActorSystem:
    """An :class:`ActorSystem` on its own thread and event loop, driven from other threads.

    ::

        with ThreadedActorSystem("grid") as threaded:
            meter = threaded.spawn(Meter, name="meter-1")   # a ThreadSafeRef
            meter.tell("read")
            print(meter.ask("total", timeout=2.0))

    ``stop()`` (or leaving ``with``) shuts the system down, stops the loop and
    joins the thread; it raises ``SystemFailed`` if the root supervisor gave up.
    """

    def __init__(self, name: str = "actorgrid", *, clock: Clock | None = None, **kw: Any) -> None:
        self.name = name
        self._clock = clock
        self._kw = kw
        self._loop: asyncio.AbstractEventLoop | None = None
        self._system: ActorSystem | None = None
        self._thread: threading.Thread | None = None
        self._stop_event: asyncio.Event | None = None

    @property
    def system(self) -> ActorSystem:
        """The underlying system (use only from its loop thread)."""
        if self._system is None:
            raise SystemNotRunning(f"threaded system {self.name!r} is not started")
        return self._system

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The system's event loop."""
        if self._loop is None:
            raise SystemNotRunning(f"threaded system {self.name!r} is not started")
        return self._loop

    def start(self, timeout: float = 10.0) -> ThreadedActorSystem:
        """Start the thread, its loop and the system; returns when they run."""
        if self._thread is not None:
            raise SystemNotRunning(f"threaded system {self.name!r} was already started")
        ready = threading.Event()
        errors: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._main, args=(ready, errors), name=f"actorgrid-{self.name}", daemon=True
        )
        self._thread.start()
        if not ready.wait(timeout):
            raise TimeoutError(f"threaded system {self.name!r} did not start in {timeout} s")
        if errors:
            raise errors[0]
        return self

    def _main(self, ready: threading.Event, errors: list[BaseException]) -> None:
        async def body() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop_event = asyncio.Event()
            system = ActorSystem(self.name, clock=self._clock, **self._kw)
            try:
                await system.start()
            except BaseException as exc:
                errors.append(exc)
                ready.set()
                return
            self._system = system
            ready.set()
            waiter = asyncio.ensure_future(system.wait())
            stopper = asyncio.ensure_future(self._stop_event.wait())
            await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            await system.shutdown()
            if not waiter.done():
                waiter.cancel()
            await asyncio.wait({waiter, stopper})

        run(body())

    def call(self, fn: Callable[[], Awaitable[T]], timeout: float | None = None) -> T:
        """Run ``await fn()`` on the system's loop and return its result (blocking)."""
        return _run_in_loop(self.loop, fn(), timeout)

    def spawn(
        self,
        factory: Factory,
        name: str | None = None,
        *,
        restart: Restart = Restart.PERMANENT,
        shutdown: float = 5.0,
        timeout: float | None = 30.0,
    ) -> ThreadSafeRef:
        """Spawn a top-level actor (see ``ActorSystem.spawn``); blocking."""
        system = self.system
        ref = self.call(lambda: system.spawn(factory, name, restart=restart, shutdown=shutdown),
                        timeout)  # fmt: skip
        return ThreadSafeRef(ref, self.loop)

    def lookup(self, path: str) -> ThreadSafeRef | None:
        """Thread-safe ``ActorSystem.lookup``."""
        system = self.system

        async def find() -> ActorRef | None:
            return system.lookup(path)

        ref = self.call(find, 10.0)
        return None if ref is None else ThreadSafeRef(ref, self.loop)

    def stop(self, timeout: float = 60.0) -> None:
        """Shut the system down and join the thread; raises SystemFailed if it failed."""
        thread, loop, event = self._thread, self._loop, self._stop_event
        if thread is None:
            return
        if loop is not None and event is not None and not loop.is_closed():
            # RuntimeError: the loop is already closed (the system stopped by itself)
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)
        thread.join(timeout)
        if thread.is_alive():
            raise TimeoutError(f"threaded system {self.name!r} did not stop in {timeout} s")
        self._thread = None
        if self._system is not None and self._system.failure is not None:
            raise self._system.failure

    def __enter__(self) -> ThreadedActorSystem:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
