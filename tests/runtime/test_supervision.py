"""OTP supervision: strategies, restart types, intensity, escalation, shutdown order."""

from __future__ import annotations

import asyncio

import pytest

from actorgrid.runtime import (
    Actor,
    ActorDied,
    ActorNameError,
    ActorSystem,
    ChildSpec,
    Restart,
    SimClock,
    Strategy,
    SupervisorGaveUp,
    SupervisorSpec,
    SystemFailed,
)

#: lifecycle events of the test actors, in order: (event, name)
Journal = list[tuple[str, str]]


def journaled(journal: Journal) -> type[Actor]:
    class Worker(Actor):
        def __init__(self) -> None:
            self.count = 0

        async def on_start(self) -> None:
            journal.append(("start", self.ctx.name))

        async def on_receive(self, message: object) -> object:
            if message == "crash":
                raise RuntimeError(f"{self.ctx.name} crashed")
            if message == "exit":
                self.ctx.stop()
            self.count += 1
            return self.count

        async def on_stop(self) -> None:
            journal.append(("stop", self.ctx.name))

    return Worker


def spec(journal: Journal, strategy: Strategy, **kw: object) -> SupervisorSpec:
    worker = journaled(journal)
    return SupervisorSpec(
        children=[ChildSpec(n, worker) for n in ("a", "b", "c")],
        strategy=strategy,
        **kw,  # type: ignore[arg-type]
    )


async def crash(system: ActorSystem, path: str) -> None:
    ref = system.lookup(path)
    assert ref is not None
    with pytest.raises(ActorDied):
        await ref.ask("crash")
    await system.clock.quiescent()  # restarts done


async def settle(system: ActorSystem, *paths: str) -> list[object]:
    """Ask every path once (each answer proves the actor is up again)."""
    out: list[object] = []
    for p in paths:
        ref = system.lookup(p)
        assert ref is not None, p
        out.append(await ref.ask("ping"))
    return out


@pytest.mark.parametrize(
    ("strategy", "restarted"),
    [
        (Strategy.ONE_FOR_ONE, ["b"]),
        (Strategy.ONE_FOR_ALL, ["a", "b", "c"]),
        (Strategy.REST_FOR_ONE, ["b", "c"]),
    ],
)
async def test_strategies_restart_the_right_children(
    strategy: Strategy, restarted: list[str]
) -> None:
    journal: Journal = []
    async with ActorSystem("t") as system:
        await system.spawn_supervisor(spec(journal, strategy), name="sup")
        assert journal == [("start", "a"), ("start", "b"), ("start", "c")]
        assert await settle(system, "/sup/a", "/sup/b", "/sup/c") == [1, 1, 1]
        journal.clear()
        await crash(system, "/sup/b")
        counts = await settle(system, "/sup/a", "/sup/b", "/sup/c")
        stops = [n for e, n in journal if e == "stop"]
        starts = [n for e, n in journal if e == "start"]
        assert sorted(stops) == restarted and starts == restarted
        # stopped in reverse start order (the failed one first, it is already down)
        if strategy is not Strategy.ONE_FOR_ONE:
            others = [n for n in stops if n != "b"]
            assert others == sorted(others, reverse=True)
        # a restarted child has fresh state: its count starts again at 1
        for name, count in zip("abc", counts, strict=True):
            assert count == (1 if name in restarted else 2)


async def test_restart_resets_state_but_keeps_mailbox_and_ref() -> None:
    journal: Journal = []
    async with ActorSystem("t") as system:
        ref = await system.spawn(journaled(journal), name="w")
        assert await ref.ask("ping") == 1
        assert await ref.ask("ping") == 2
        ref.tell("crash")
        ref.tell("ping")  # queued behind the crash: handled by the next instance
        assert await ref.ask("ping") == 2
        assert system.lookup("/w") is ref


async def test_transient_restarts_only_after_abnormal_exit() -> None:
    journal: Journal = []
    worker = journaled(journal)
    async with ActorSystem("t") as system:
        t1 = await system.spawn(worker, name="t1", restart=Restart.TRANSIENT)
        t2 = await system.spawn(worker, name="t2", restart=Restart.TRANSIENT)
        p = await system.spawn(worker, name="p", restart=Restart.PERMANENT)
        with pytest.raises(ActorDied):
            await t1.ask("crash")
        assert await t1.ask("ping") == 1  # restarted
        await t2.ask("exit")  # normal exit: not restarted
        await p.ask("exit")  # permanent: restarted even after a normal exit
        assert await p.ask("ping") == 1
        with pytest.raises(ActorDied):
            await t2.ask("ping")
        assert system.lookup("/t2") is None


async def test_temporary_is_never_restarted() -> None:
    journal: Journal = []
    async with ActorSystem("t") as system:
        ref = await system.spawn(journaled(journal), name="tmp", restart=Restart.TEMPORARY)
        with pytest.raises(ActorDied):
            await ref.ask("crash")
        assert not ref.is_alive
        assert journal.count(("start", "tmp")) == 1


async def test_intensity_exceeded_escalates_and_system_fails_naming_the_actor() -> None:
    journal: Journal = []
    system = ActorSystem("grid", intensity=0)
    with pytest.raises(SystemFailed) as info:
        async with system:
            await system.spawn_supervisor(
                spec(journal, Strategy.ONE_FOR_ONE, intensity=2, period=60.0), name="sup"
            )
            for _ in range(3):
                await crash(system, "/sup/b")
            await system.wait()
    err = info.value
    assert err.failed_actor == "/sup/b"
    assert "/sup/b" in str(err) and "RuntimeError" in str(err)
    gave_up = err.__cause__
    assert isinstance(gave_up, SupervisorGaveUp) and gave_up.supervisor == "/"
    inner = gave_up.__cause__
    assert isinstance(inner, SupervisorGaveUp) and inner.child == "/sup/b"
    assert isinstance(inner.__cause__, RuntimeError)
    # b restarted exactly twice (intensity 2), then the third crash gave up
    assert journal.count(("start", "b")) == 3
    # everything stopped, nothing left
    assert system.actor_count == 0


async def test_system_failure_cancels_a_blocked_body() -> None:
    class Crasher(Actor):
        async def on_start(self) -> None:
            self.ctx.schedule_once(0.0, "crash")

        async def on_receive(self, message: object) -> object:
            raise RuntimeError("always")

    before = asyncio.all_tasks()
    with pytest.raises(SystemFailed) as info:
        async with ActorSystem("t", intensity=1) as system:
            await system.spawn(Crasher, name="c")
            await asyncio.Event().wait()  # would hang without structured cancel
    assert info.value.failed_actor == "/c"
    assert asyncio.all_tasks() == before


async def test_backoff_waits_exponentially_in_clock_time() -> None:
    clock = SimClock()
    starts: list[float] = []

    class Flaky(Actor):
        async def on_start(self) -> None:
            starts.append(self.ctx.clock.now())

        async def on_receive(self, message: object) -> object:
            raise RuntimeError("flaky")

    async with ActorSystem("t", clock=clock) as system:
        sup = SupervisorSpec(
            [ChildSpec("f", Flaky)], intensity=5, period=1000.0, backoff=1.0, backoff_max=3.0
        )
        await system.spawn_supervisor(sup, name="sup")
        for _ in range(4):
            ref = system.lookup("/sup/f")
            assert ref is not None
            ref.tell("x")
            await clock.quiescent()
            await clock.sleep(10.0)
        # crashes at t = 0, 10, 20, 30; restart n waits min(3, 2**(n-1)) s
        assert starts == [0.0, 1.0, 12.0, 23.0, 33.0]


async def test_shutdown_stops_children_in_reverse_start_order() -> None:
    journal: Journal = []
    async with ActorSystem("t") as system:
        await system.spawn_supervisor(spec(journal, Strategy.ONE_FOR_ONE), name="s1")
        await system.spawn(journaled(journal), name="z")
    stops = [n for e, n in journal if e == "stop"]
    assert stops == ["z", "c", "b", "a"]


async def test_state_to_keep_survives_restart() -> None:
    class Keeper(Actor):
        def __init__(self) -> None:
            self.total = 0

        def state_to_keep(self) -> object:
            return self.total

        def on_restart(self, kept: object) -> None:
            assert isinstance(kept, int)
            self.total = kept

        async def on_receive(self, message: object) -> object:
            if message == "crash":
                raise RuntimeError("x")
            assert isinstance(message, int)
            self.total += message
            return self.total

    async with ActorSystem("t") as system:
        ref = await system.spawn(Keeper, name="k")
        await ref.ask(5)
        ref.tell("crash")
        assert await ref.ask(1) == 6


async def test_on_failure_hook_sees_the_error() -> None:
    seen: list[BaseException] = []

    class Hooked(Actor):
        async def on_receive(self, message: object) -> object:
            raise KeyError(message)

        async def on_failure(self, error: BaseException) -> None:
            seen.append(error)

    async with ActorSystem("t") as system:
        ref = await system.spawn(Hooked, name="h", restart=Restart.TEMPORARY)
        with pytest.raises(ActorDied):
            await ref.ask("k")
    assert len(seen) == 1 and isinstance(seen[0], KeyError)


async def test_nested_supervisor_restarts_its_subtree() -> None:
    journal: Journal = []
    worker = journaled(journal)
    inner = SupervisorSpec([ChildSpec("x", worker)], intensity=0)
    outer = SupervisorSpec([ChildSpec("inner", inner), ChildSpec("y", worker)], intensity=3)
    async with ActorSystem("t") as system:
        await system.spawn_supervisor(outer, name="outer")
        await crash(system, "/outer/inner/x")  # inner gives up at once -> outer restarts it
        await settle(system, "/outer/inner/x", "/outer/y")
        assert journal.count(("start", "x")) == 2
        assert journal.count(("start", "y")) == 1


def test_specs_validate_input() -> None:
    with pytest.raises(ValueError):
        SupervisorSpec(intensity=-1)
    with pytest.raises(ValueError):
        SupervisorSpec(period=0)
    with pytest.raises(ValueError):
        SupervisorSpec([ChildSpec("a", Actor), ChildSpec("a", Actor)])
    with pytest.raises(TypeError):
        ChildSpec("a", 42)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ChildSpec("a", Actor, shutdown=0)
    assert SupervisorSpec(backoff=0.5, backoff_max=2.0).backoff_for(5) == 2.0


async def test_start_child_errors_leave_the_supervisor_running() -> None:
    journal: Journal = []
    worker = journaled(journal)
    async with ActorSystem("t") as system:
        sup = await system.spawn_supervisor(SupervisorSpec([ChildSpec("a", worker)]), name="s")
        b = await system.start_child(sup, ChildSpec("b", worker, restart=Restart.TRANSIENT))
        assert b.path == "/s/b"
        with pytest.raises(ActorNameError):
            await system.start_child(sup, ChildSpec("b", worker))
        assert [r.path for r in await sup.ask("which children?")] == ["/s/a", "/s/b"]
        assert journal.count(("start", "a")) == 1  # the supervisor did not restart
        assert "/s/b" in system.tree() and "transient" in system.tree()
