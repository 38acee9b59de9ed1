"""pykka interoperation, both ways, without blocking the event loop on pykka futures.

* :class:`PykkaAddress` gives a pykka ``ThreadingActor`` an address that actorgrid
  actors ``tell``/``ask`` like any :class:`ActorRef`.
* A pykka actor reaches actorgrid actors through a :class:`ThreadSafeRef`
  (``thread_safe_ref(ref)``), blocking only its own thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from types import TracebackType
from typing import Any

import pykka

# pykka has no public "reply to this callback" API, and pykka 4 futures have no
# done-callback; so we post pykka's own envelope with a reply future of ours that
# hands the answer to the loop via call_soon_threadsafe. (pykka._envelope.Envelope
# is what ActorRef.ask puts in the inbox; pinned by pykka>=4.1,<5.)
from pykka._envelope import Envelope

from ._errors import ActorDied, AskTimeout
from ._ref import ActorRef

__all__ = ["PykkaAddress"]


class _LoopFuture(pykka.Future[Any]):
    """A pykka future whose ``set``/``set_exception`` resolve an asyncio future."""

    def __init__(self, loop: asyncio.AbstractEventLoop, target: asyncio.Future[Any]) -> None:
        super().__init__()
        self._target_loop = loop
        self._target = target

    def get(self, *, timeout: float | None = None) -> Any:
        raise RuntimeError("reply is delivered to the event loop")

    def set(self, value: Any | None = None) -> None:
        self._post(_set_result, value)

    def set_exception(
        self,
        exc_info: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
        | None = None,
    ) -> None:
        info = exc_info if exc_info is not None else sys.exc_info()
        exc = info[1] if info[1] is not None else RuntimeError("pykka actor failed")
        self._post(_set_exception, exc)

    def _post(self, fn: Any, arg: object) -> None:
        # a closed loop raises RuntimeError: nobody waits for this reply any more
        with contextlib.suppress(RuntimeError):
            self._target_loop.call_soon_threadsafe(fn, self._target, arg)


def _set_result(fut: asyncio.Future[Any], value: object) -> None:
    if not fut.done():
        fut.set_result(value)


def _set_exception(fut: asyncio.Future[Any], exc: BaseException) -> None:
    if not fut.done():
        fut.set_exception(exc)


class PykkaAddress(ActorRef):
    """An :class:`ActorRef`-compatible address of a pykka actor.

    ``tell`` puts the message in the pykka inbox (never blocks); ``ask`` awaits the
    reply on the event loop without blocking it. Exceptions the pykka actor raises
    are re-raised from ``ask`` (pykka semantics); a dead pykka actor gives
    :class:`ActorDied` (and ``tell`` to it records a dead letter when ``system``
    is given). Death watch and ``stop`` are not supported through it.
    """

    __slots__ = ("_path", "_pykka", "_system")

    def __init__(self, pykka_ref: pykka.ActorRef[Any], system: Any = None, name: str = "") -> None:
        self._pykka = pykka_ref
        self._system = system
        self._path = f"pykka:{name or pykka_ref.actor_urn}"

    @property
    def path(self) -> str:
        """``pykka:<name or urn>``."""
        return self._path

    @property
    def name(self) -> str:
        """Same as :attr:`path`."""
        return self._path

    @property
    def is_alive(self) -> bool:
        """Whether the pykka actor still runs."""
        return bool(self._pykka.is_alive())

    def tell(self, message: object) -> None:
        """Put ``message`` in the pykka actor's inbox."""
        try:
            self._pykka.tell(message)
        except pykka.ActorDeadError:
            self._dead(message)

    async def send(self, message: object) -> None:
        """Same as :meth:`tell` (pykka inboxes are unbounded)."""
        self.tell(message)

    async def ask(self, message: object, timeout: float = 5.0) -> Any:  # noqa: ASYNC109
        """Ask the pykka actor; the loop keeps running while it works."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if not self._pykka.is_alive():
            self._dead(message)
            raise ActorDied(self._path, "stopped")
        self._pykka.actor_inbox.put(Envelope(message, reply_to=_LoopFuture(loop, future)))
        handle = loop.call_later(timeout, _expire, future, self._path, timeout)
        try:
            return await future
        except pykka.ActorDeadError as exc:
            raise ActorDied(self._path, "stopped") from exc
        finally:
            handle.cancel()

    async def stop(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Stop the pykka actor without blocking the loop (runs in an executor)."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, lambda: self._pykka.stop(timeout=timeout))

    def _dead(self, message: object) -> None:
        if self._system is not None:
            self._system._dead(message, self, "stopped")
        else:
            raise ActorDied(self._path, "stopped")

    def __repr__(self) -> str:
        return f"<PykkaAddress {self._path}>"


def _expire(future: asyncio.Future[Any], path: str, timeout: float) -> None:
    if not future.done():
        future.set_exception(AskTimeout(path, timeout))
