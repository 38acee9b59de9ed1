"""Embedding: a system on a background thread, and pykka interop both ways."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pykka
import pytest

from actorgrid.runtime import (
    Actor,
    ActorDied,
    ActorRef,
    ActorSystem,
    AskTimeout,
    PykkaAddress,
    SystemFailed,
    ThreadedActorSystem,
    ThreadSafeRef,
    thread_safe_ref,
)


class Adder(Actor):
    def __init__(self) -> None:
        self.total = 0

    async def on_receive(self, message: object) -> object:
        if message == "crash":
            raise RuntimeError("crash")
        assert isinstance(message, int)
        self.total += message
        return self.total


def test_threaded_system_blocking_tell_and_ask_from_many_threads() -> None:
    with ThreadedActorSystem("threaded") as threaded:
        adder = threaded.spawn(Adder, name="adder")
        assert isinstance(adder, ThreadSafeRef) and adder.path == "/adder"
        adder.tell(1)
        adder.tell_nowait(1)

        def work(_: int) -> None:
            for _ in range(50):
                adder.tell(1)

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(work, range(4)))
        assert adder.ask(0) == 202
        assert threaded.lookup("/adder") is not None
        assert threaded.lookup("/nobody") is None
        thread = threaded._thread
    assert thread is not None and not thread.is_alive()


def test_threaded_system_reports_root_failure_on_stop() -> None:
    threaded = ThreadedActorSystem("failing", intensity=0).start()
    ref = threaded.spawn(Adder, name="adder")
    with pytest.raises(ActorDied):
        ref.ask("crash")
    with pytest.raises(SystemFailed) as info:
        threaded.stop()
    assert info.value.failed_actor == "/adder"


async def test_blocking_calls_from_the_loop_thread_are_refused() -> None:
    async with ActorSystem("t") as system:
        ref = await system.spawn(Adder)
        with pytest.raises(RuntimeError):
            thread_safe_ref(ref).ask(1)


class PykkaDoubler(pykka.ThreadingActor):
    def __init__(self, release: threading.Event | None = None) -> None:
        super().__init__()
        self.release = release
        self.told: list[Any] = []

    def on_receive(self, message: Any) -> Any:
        if message == "block":
            assert self.release is not None
            self.release.wait(10)
            return "unblocked"
        if message == "fail":
            raise KeyError("fail")
        if message == "told?":
            return list(self.told)
        if isinstance(message, int):
            return message * 2
        self.told.append(message)
        return None


class AsksPykka(Actor):
    """An actorgrid actor that talks to a pykka actor through its address."""

    def __init__(self, pykka_address: ActorRef) -> None:
        self.peer = pykka_address

    async def on_receive(self, message: object) -> object:
        if message == "tell":
            self.peer.tell("hello")
            return None
        return await self.peer.ask(message)


async def test_actorgrid_actor_tells_and_asks_a_pykka_actor_without_blocking_loop() -> None:
    release = threading.Event()
    pykka_ref = PykkaDoubler.start(release)
    try:
        async with ActorSystem("t") as system:
            address = PykkaAddress(pykka_ref, system, name="doubler")
            asker = await system.spawn(lambda: AsksPykka(address), name="asker")
            assert await asker.ask(21) == 42
            await asker.ask("tell")
            assert await address.ask("told?") == ["hello"]
            # the pykka actor blocks; the loop still serves other actors meanwhile
            blocked = asyncio.ensure_future(address.ask("block", timeout=10))
            other = await system.spawn(Adder)
            assert await other.ask(5) == 5
            assert not blocked.done()
            release.set()
            assert await blocked == "unblocked"
            with pytest.raises(KeyError):
                await address.ask("fail")
            with pytest.raises(AskTimeout):
                release.clear()
                await address.ask("block", timeout=0.05)
            release.set()
    finally:
        pykka_ref.stop()
    async with ActorSystem("t2") as system:
        address = PykkaAddress(pykka_ref, system)
        with pytest.raises(ActorDied):
            await address.ask(1)
        address.tell("late")
        assert [d.message for d in system.dead_letters.recent] == [1, "late"]


class PykkaClient(pykka.ThreadingActor):
    """A pykka actor that asks an actorgrid actor (blocking its own thread only)."""

    def __init__(self, target: ThreadSafeRef) -> None:
        super().__init__()
        self.target = target

    def on_receive(self, message: Any) -> Any:
        self.target.tell(message)
        return self.target.ask(0)


async def test_pykka_actor_tells_and_asks_actorgrid_actor() -> None:
    async with ActorSystem("t") as system:
        adder = await system.spawn(Adder, name="adder")
        client = PykkaClient.start(thread_safe_ref(adder))
        try:
            address = PykkaAddress(client, system)
            # asked from the loop through the bridge: the loop keeps running while
            # the pykka thread blocks on its own ask back into the loop
            assert await address.ask(7) == 7
            assert await address.ask(3) == 10
        finally:
            await PykkaAddress(client).stop()
