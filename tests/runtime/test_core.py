"""Core behaviour: tell/ask, mailboxes, dead letters, names, watch, timers."""

from __future__ import annotations

import asyncio

import pytest

from actorgrid.runtime import (
    Actor,
    ActorDied,
    ActorNameError,
    ActorRef,
    ActorStartFailed,
    ActorSystem,
    AskTimeout,
    DeadLetter,
    MailboxFull,
    Overflow,
    Restart,
    SimClock,
    SupervisorSpec,
    SystemNotRunning,
    Terminated,
)


class Recorder(Actor):
    """Records messages; answers an ask with everything seen so far."""

    def __init__(self) -> None:
        self.seen: list[object] = []

    async def on_receive(self, message: object) -> object:
        if message == "boom":
            raise ValueError("boom")
        self.seen.append(message)
        return list(self.seen)


class Gate:
    """Holds an actor inside its handler: ``entered`` is set when it got there."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    def set(self) -> None:
        self.release.set()


class Blocker(Actor):
    """Blocks on a Gate message (to hold the mailbox busy), records the rest."""

    mailbox_size = 2
    overflow = Overflow.BACKPRESSURE

    def __init__(self) -> None:
        self.seen: list[object] = []

    async def on_receive(self, message: object) -> object:
        if isinstance(message, Gate):
            message.entered.set()
            await message.release.wait()
        else:
            self.seen.append(message)
        return list(self.seen)


class Rejecting(Blocker):
    overflow = Overflow.REJECT


async def test_tell_then_ask_sees_messages_in_order() -> None:
    async with ActorSystem("t") as system:
        ref = await system.spawn(Recorder, name="rec")
        for i in range(100):
            ref.tell(i)
        assert await ref.ask("end") == [*range(100), "end"]


async def test_ask_timeout_is_typed_and_the_actor_survives() -> None:
    async with ActorSystem("t") as system:
        ref = await system.spawn(Blocker, name="b")
        gate = Gate()
        with pytest.raises(AskTimeout) as info:
            await ref.ask(gate, timeout=0.05)
        assert info.value.path == "/b"
        gate.set()
        assert await ref.ask("after") == ["after"]


async def test_ask_to_crashing_actor_fails_with_actor_died_and_it_restarts() -> None:
    async with ActorSystem("t") as system:
        ref = await system.spawn(Recorder, name="rec")
        ref.tell("before")
        with pytest.raises(ActorDied) as info:
            await ref.ask("boom")
        assert isinstance(info.value.reason, ValueError)
        # restarted: fresh state, same ref and path
        assert await ref.ask("x") == ["x"]
        assert system.lookup("/rec") is ref


async def test_ask_to_stopped_actor_fails_promptly_and_is_dead_lettered() -> None:
    async with ActorSystem("t") as system:
        ref = await system.spawn(Recorder, name="rec")
        await system.stop(ref)
        assert not ref.is_alive
        with pytest.raises(ActorDied):
            await ref.ask("late", timeout=60)
        ref.tell("later")
        letters = [(d.message, d.reason) for d in system.dead_letters.recent]
        assert ("late", "stopped") in letters and ("later", "stopped") in letters
        assert system.lookup("/rec") is None


async def test_pending_asks_fail_when_actor_is_stopped_while_handling() -> None:
    async with ActorSystem("t") as system:
        ref = await system.spawn(Blocker, name="b")
        gate = Gate()
        first = asyncio.ensure_future(ref.ask(gate, timeout=60))
        await gate.entered.wait()
        queued = asyncio.ensure_future(ref.ask("queued", timeout=60))
        await asyncio.sleep(0)  # let the ask task enqueue (no timing involved)
        stopping = asyncio.ensure_future(system.stop(ref, timeout=60))
        await asyncio.sleep(0)  # the stop request is now registered
        gate.set()
        await stopping
        assert await first == []  # the message being handled completes
        with pytest.raises(ActorDied):
            await queued
        assert [d.message for d in system.dead_letters.recent] == ["queued"]


async def test_reject_overflow_raises_mailbox_full_and_records_dead_letter() -> None:
    async with ActorSystem("t") as system:
        ref = await system.spawn(Rejecting, name="r")
        gate = Gate()
        blocked = asyncio.ensure_future(ref.ask(gate))
        await gate.entered.wait()
        ref.tell(1)
        ref.tell(2)
        with pytest.raises(MailboxFull):
            ref.tell(3)
        with pytest.raises(MailboxFull):
            await ref.send(4)
        assert system.dead_letters.count == 2
        assert [d.reason for d in system.dead_letters.recent] == ["mailbox full"] * 2
        gate.set()
        await blocked  # the actor then drains 1 and 2 in the same batch
        assert await ref.ask("end") == [1, 2, "end"]


async def test_backpressure_send_waits_for_room() -> None:
    async with ActorSystem("t") as system:
        ref = await system.spawn(Blocker, name="b")
        gate = Gate()
        ref.tell(gate)
        await gate.entered.wait()
        await ref.send(1)
        await ref.send(2)
        third = asyncio.ensure_future(ref.send(3))
        await asyncio.sleep(0)
        assert not third.done()  # waits: the mailbox is full
        with pytest.raises(MailboxFull):
            ref.tell(99)  # tell never waits
        gate.set()
        await third
        assert await ref.ask("end") == [1, 2, 3, "end"]


async def test_dead_letter_subscription_sees_every_letter() -> None:
    async with ActorSystem("t") as system:
        seen: list[DeadLetter] = []
        unsubscribe = system.dead_letters.subscribe(seen.append)
        ref = await system.spawn(Recorder, name="rec")
        await ref.stop()
        ref.tell("a")
        unsubscribe()
        ref.tell("b")
        assert [d.message for d in seen] == ["a"]
        assert system.dead_letters.count == 2


class Parent(Actor):
    async def on_start(self) -> None:
        await self.ctx.spawn(Recorder, name="child")

    async def on_receive(self, message: object) -> object:
        return [r.path for r in self.ctx.children]


async def test_paths_lookup_and_names() -> None:
    async with ActorSystem("t") as system:
        parent = await system.spawn(Parent, name="grid")
        assert await parent.ask("children") == ["/grid/child"]
        child = system.lookup("/grid/child")
        assert isinstance(child, ActorRef) and child.name == "child"
        assert system.lookup("/grid/nope") is None
        with pytest.raises(ActorNameError):
            await system.spawn(Recorder, name="grid")
        with pytest.raises(ActorNameError):
            await system.spawn(Recorder, name="a/b")
        with pytest.raises(ActorNameError):
            system.lookup("grid")
        anonymous = await system.spawn(Recorder)
        assert anonymous.path.startswith("/$")
        assert system.actor_count == 3


class Watcher(Actor):
    def __init__(self) -> None:
        self.events: list[Terminated] = []

    async def on_receive(self, message: object) -> object:
        if isinstance(message, ActorRef):
            self.ctx.watch(message)
        elif isinstance(message, Terminated):
            self.events.append(message)
        return [(e.ref.path, e.reason) for e in self.events]


async def test_death_watch_reports_reason() -> None:
    async with ActorSystem("t") as system:
        watcher = await system.spawn(Watcher, name="w")
        target = await system.spawn(Recorder, name="target", restart=Restart.TEMPORARY)
        await watcher.ask(target)
        target.tell("boom")  # temporary: not restarted
        await system.stop(target)
        events = await watcher.ask("?")
        assert len(events) == 1 and events[0][0] == "/target"
        assert isinstance(events[0][1], ValueError)
        # watching a dead actor delivers Terminated(noproc) at once
        await watcher.ask(target)
        assert (await watcher.ask("?"))[-1] == ("/target", "noproc")


async def test_watch_sees_normal_stop() -> None:
    async with ActorSystem("t") as system:
        watcher = await system.spawn(Watcher, name="w")
        target = await system.spawn(Recorder, name="target")
        await watcher.ask(target)
        await system.stop(target)
        assert await watcher.ask("?") == [("/target", "normal")]


class FailsToStart(Actor):
    async def on_start(self) -> None:
        raise RuntimeError("no")


async def test_spawn_raises_when_on_start_fails_and_frees_the_name() -> None:
    async with ActorSystem("t") as system:
        with pytest.raises(ActorStartFailed) as info:
            await system.spawn(FailsToStart, name="f")
        assert isinstance(info.value.__cause__, RuntimeError)
        assert system.lookup("/f") is None
        await system.spawn(Recorder, name="f")


async def test_bad_factory_and_closed_system_are_typed_errors() -> None:
    system = ActorSystem("t")
    with pytest.raises(SystemNotRunning):
        await system.spawn(Recorder)
    async with system:
        with pytest.raises(TypeError):
            await system.spawn(lambda: object())  # type: ignore[arg-type, return-value]
        assert system.actor_count == 0
    with pytest.raises(SystemNotRunning):
        await system.spawn(Recorder)


class Ticker(Actor):
    def __init__(self) -> None:
        self.ticks: list[float] = []

    async def on_start(self) -> None:
        self.ctx.schedule_periodic(10.0, "tick")
        self.ctx.schedule_once(25.0, "once")

    async def on_receive(self, message: object) -> object:
        if message in ("tick", "once"):
            self.ticks.append(self.ctx.clock.now())
        return list(self.ticks)


async def test_timers_on_sim_clock_fire_in_virtual_time() -> None:
    clock = SimClock()
    async with ActorSystem("t", clock=clock) as system:
        ref = await system.spawn(Ticker, name="tick")
        await clock.sleep(3600.0)
        ticks = await ref.ask("?")
        assert ticks[:4] == [10.0, 20.0, 25.0, 30.0]
        assert len(ticks) == 361  # 360 periodic + 1 once
        assert clock.now() == 3600.0


async def test_timers_are_cancelled_on_stop() -> None:
    clock = SimClock()
    async with ActorSystem("t", clock=clock) as system:
        ref = await system.spawn(Ticker, name="tick")
        await system.stop(ref)
        assert clock.pending_timers == 0
        before = system.dead_letters.count
        await clock.sleep(100.0)
        assert system.dead_letters.count == before


async def test_shutdown_leaves_no_task_behind() -> None:
    before = asyncio.all_tasks()
    async with ActorSystem("t") as system:
        await system.spawn(Parent, name="p")
        await system.spawn(Ticker, name="tick")
        b = await system.spawn(Blocker, name="b", shutdown=0.05)
        b.tell(Gate())  # never released: cancelled after its shutdown timeout
    assert asyncio.all_tasks() == before


async def test_several_systems_coexist() -> None:
    async with ActorSystem("a") as a, ActorSystem("b") as b:
        ra = await a.spawn(Recorder, name="x")
        rb = await b.spawn(Recorder, name="x")
        assert ra is not rb
        assert await ra.ask(1) == [1] and await rb.ask(2) == [2]
        assert a.lookup("/x") is ra and b.lookup("/x") is rb


class ShutsDown(Actor):
    async def on_receive(self, message: object) -> object:
        await self.ctx.system.shutdown()  # returns at once from inside an actor
        return "bye"


async def test_an_actor_can_shut_the_system_down() -> None:
    system = ActorSystem("t")
    async with system:
        ref = await system.spawn(ShutsDown, name="s")
        assert await ref.ask("go") == "bye"
        await system.wait()
        assert not system.running and system.actor_count == 0


class Spawner(Actor):
    """Spawns a child that crashes on demand; watches it."""

    supervision = SupervisorSpec(intensity=1, period=100.0)

    def __init__(self) -> None:
        self.events: list[object] = []

    async def on_start(self) -> None:
        child = await self.ctx.spawn(Recorder, name="kid")
        self.ctx.watch(child)

    async def on_receive(self, message: object) -> object:
        if isinstance(message, Terminated):
            self.events.append(message.reason)
        return list(self.events)


async def test_plain_actor_supervises_its_children_and_escalates() -> None:
    async with ActorSystem("t", intensity=5) as system:
        parent = await system.spawn(Spawner, name="p")
        kid = system.lookup("/p/kid")
        assert kid is not None
        with pytest.raises(ActorDied):
            await kid.ask("boom")  # restart 1 of 1: fine
        await system.clock.quiescent()
        assert system.lookup("/p/kid") is kid and await kid.ask("x") == ["x"]
        with pytest.raises(ActorDied):
            await kid.ask("boom")  # more than 1 restart: the parent fails
        await system.clock.quiescent()
        # the root restarted the parent, whose on_start spawned a new kid
        new_kid = system.lookup("/p/kid")
        assert new_kid is not None and new_kid is not kid and not kid.is_alive
        assert await parent.ask("?") == []  # fresh instance


async def test_a_failing_dead_letter_listener_is_removed() -> None:
    async with ActorSystem("t") as system:
        calls: list[DeadLetter] = []

        def bad(letter: DeadLetter) -> None:
            calls.append(letter)
            raise RuntimeError("listener bug")

        system.dead_letters.subscribe(bad)
        ref = await system.spawn(Recorder, name="r")
        await ref.stop()
        ref.tell(1)
        ref.tell(2)
        assert len(calls) == 1 and system.dead_letters.count == 2


async def test_ask_rejects_a_bad_timeout() -> None:
    async with ActorSystem("t") as system:
        ref = await system.spawn(Recorder, name="r")
        with pytest.raises(ValueError):
            await ref.ask(1, timeout=0)
        assert await ref.ask(2) == [2]  # the bad ask changed nothing


class LeaksCancelled(Actor):
    async def on_receive(self, message: object) -> object:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        fut.cancel()
        await fut  # raises CancelledError inside the handler: a failure, not a kill
        return None


async def test_cancelled_error_from_handler_is_a_failure_and_restarts() -> None:
    async with ActorSystem("t") as system:
        ref = await system.spawn(LeaksCancelled, name="c")
        with pytest.raises(ActorDied) as info:
            await ref.ask("x")
        assert isinstance(info.value.reason, asyncio.CancelledError)
        await system.clock.quiescent()
        assert ref.is_alive  # restarted (permanent), not killed


class CrashingTicker(Ticker):
    async def on_receive(self, message: object) -> object:
        if message == "crash":
            raise RuntimeError("crash")
        return await super().on_receive(message)


async def test_timers_are_cancelled_on_restart() -> None:
    clock = SimClock()
    async with ActorSystem("t", clock=clock) as system:
        ref = await system.spawn(CrashingTicker, name="tick")
        assert clock.pending_timers == 2
        ref.tell("crash")
        await clock.quiescent()
        assert clock.pending_timers == 2  # the old incarnation's timers are gone
        await clock.sleep(30.0)
        assert await ref.ask("?") == [10.0, 20.0, 25.0, 30.0]  # no double ticks


class Payload:
    """A weak-referenceable message."""


class Forgetful(Actor):
    async def on_receive(self, message: object) -> object:
        return None


async def test_an_idle_actor_keeps_no_reference_to_its_last_message() -> None:
    import gc
    import weakref

    async with ActorSystem("t") as system:
        ref = await system.spawn(Forgetful, name="f")
        told, asked = Payload(), Payload()
        probes = [weakref.ref(told), weakref.ref(asked)]
        ref.tell(told)
        await ref.ask(asked)  # the actor is idle again afterwards
        del told, asked
        gc.collect()
        assert [p() for p in probes] == [None, None]
        assert ref.is_alive
