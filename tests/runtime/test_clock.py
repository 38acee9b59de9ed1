"""Clocks: simulated time jumps only when quiescent, holds, sleeps, determinism."""

from __future__ import annotations

import asyncio
import functools
import threading

import pytest

from actorgrid.runtime import Actor, ActorDied, ActorSystem, AskTimeout, SimClock, WallClock


class Sleeper(Actor):
    """Sleeps in clock time inside its handler, then records when it woke."""

    def __init__(self) -> None:
        self.woke: list[float] = []

    async def on_receive(self, message: object) -> object:
        if isinstance(message, float):
            await self.ctx.clock.sleep(message)
            self.woke.append(self.ctx.clock.now())
        return list(self.woke)


async def test_sleep_inside_a_handler_releases_the_clock() -> None:
    clock = SimClock(start=100.0)
    async with ActorSystem("t", clock=clock) as system:
        a = await system.spawn(Sleeper, name="a")
        b = await system.spawn(Sleeper, name="b")
        a.tell(30.0)
        b.tell(10.0)
        await clock.sleep(60.0)
        assert await a.ask("?") == [130.0]
        assert await b.ask("?") == [110.0]
        assert clock.now() == 160.0


async def test_time_does_not_move_while_a_handler_awaits_external_work() -> None:
    clock = SimClock()
    release = threading.Event()

    class Worker(Actor):
        async def on_receive(self, message: object) -> object:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, release.wait, 10)  # a ledger thread, say
            return self.ctx.clock.now()

    class Ticker(Actor):
        def __init__(self) -> None:
            self.ticks = 0

        async def on_start(self) -> None:
            self.ctx.schedule_periodic(1.0, "tick")

        async def on_receive(self, message: object) -> object:
            if message == "tick":
                self.ticks += 1
            return self.ticks

    async with ActorSystem("t", clock=clock) as system:
        ticker = await system.spawn(Ticker, name="ticker")
        worker = await system.spawn(Worker, name="worker")
        reply = asyncio.ensure_future(worker.ask("work", timeout=10))
        await asyncio.sleep(0.02)  # real time passes; simulated time must not
        assert clock.now() == 0.0 and await ticker.ask("?") == 0
        release.set()
        assert await reply == 0.0


async def test_hold_and_track_keep_time_still_for_outside_work() -> None:
    clock = SimClock()
    async with ActorSystem("t", clock=clock) as system:
        await system.spawn(Sleeper, name="s")  # an idle system
        fired: list[float] = []
        clock.call_later(5.0, lambda: fired.append(clock.now()))
        with clock.hold():
            await asyncio.sleep(0.01)
            assert fired == [] and clock.now() == 0.0
        await clock.quiescent()
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        clock.track(fut)
        await asyncio.sleep(0.01)
        assert fired == []  # still held by the tracked future
        fut.set_result(None)
        await clock.sleep(10.0)  # released: time jumps to 5 s, then 10 s
        assert fired == [5.0] and clock.now() == 10.0


async def run_simulation() -> list[tuple[float, str, int]]:
    trace: list[tuple[float, str, int]] = []

    class Meter(Actor):
        def __init__(self, period: float) -> None:
            self.period = period
            self.n = 0

        async def on_start(self) -> None:
            self.ctx.schedule_periodic(self.period, "read")

        async def on_receive(self, message: object) -> object:
            self.n += 1
            trace.append((self.ctx.clock.now(), self.ctx.name, self.n))
            return None

    clock = SimClock()
    async with ActorSystem("sim", clock=clock) as system:
        for i, period in enumerate([60.0, 90.0, 900.0, 60.0]):
            await system.spawn(functools.partial(Meter, period), name=f"m{i}")
        await clock.sleep(86_400.0)  # one simulated day
    return trace


async def test_a_simulated_day_is_deterministic_and_fast() -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    first = await run_simulation()
    second = await run_simulation()
    assert first == second
    assert len(first) == 1440 + 960 + 96 + 1440
    assert loop.time() - start < 30.0  # a day in (much) less than real time


async def test_ask_timeouts_use_real_time_so_deadlocks_show_under_sim_clock() -> None:
    class AsksItself(Actor):
        async def on_receive(self, message: object) -> object:
            return await self.ctx.self_ref.ask("again", timeout=0.05)

    async with ActorSystem("t", clock=SimClock()) as system:
        ref = await system.spawn(AsksItself, name="loop")
        with pytest.raises(ActorDied) as info:
            await ref.ask("go", timeout=5.0)
        assert isinstance(info.value.reason, AskTimeout)  # its own ask timed out


async def test_wall_clock_timers() -> None:
    clock = WallClock()
    fired: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    class Once(Actor):
        async def on_start(self) -> None:
            self.ctx.schedule_once(0.01, "ping")

        async def on_receive(self, message: object) -> object:
            fired.set_result(self.ctx.clock.now())
            return None

    async with ActorSystem("t", clock=clock) as system:
        start = clock.now()
        await system.spawn(Once, name="once")
        assert await asyncio.wait_for(fired, 5.0) >= start + 0.01


def test_sim_clock_rejects_a_second_loop() -> None:
    clock = SimClock()

    async def use() -> None:
        async with ActorSystem("t", clock=clock):
            pass

    asyncio.run(use())
    asyncio.run(use())  # the first loop is closed: rebinding is fine
    loop = asyncio.new_event_loop()
    try:
        clock._bind(loop)
        other = asyncio.new_event_loop()
        with pytest.raises(RuntimeError):
            clock._bind(other)
        other.close()
    finally:
        loop.close()


async def test_two_systems_can_share_one_sim_clock() -> None:
    clock = SimClock()
    async with ActorSystem("a", clock=clock) as a:
        sleeper = await a.spawn(Sleeper, name="s")
        async with ActorSystem("b", clock=clock) as b:
            other = await b.spawn(Sleeper, name="s")
            other.tell(5.0)
            sleeper.tell(7.0)
            await clock.sleep(10.0)
            assert await other.ask("?") == [5.0]
        # b is gone; a still runs on the same clock
        sleeper.tell(1.0)
        await clock.sleep(2.0)
        assert await sleeper.ask("?") == [7.0, 11.0]
