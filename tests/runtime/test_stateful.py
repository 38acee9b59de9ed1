"""Hypothesis state machines: random spawn / crash / exit / stop / send / advance
against one_for_one, one_for_all and rest_for_one supervisors, checked against an
OTP model."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TypeVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    precondition,
    rule,
)

from actorgrid.runtime import (
    Actor,
    ActorRef,
    ActorSystem,
    ChildSpec,
    DeadLetter,
    Restart,
    SimClock,
    Strategy,
    SupervisorSpec,
)

T = TypeVar("T")
INTENSITY = 3
PERIOD = 100.0


@dataclass
class Log:
    """What the actors saw, written by the actors themselves."""

    starts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    received: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))


class Child(Actor):
    def __init__(self, log: Log, name: str) -> None:
        self.log = log
        self.name = name

    async def on_start(self) -> None:
        self.log.starts[self.name] += 1

    async def on_receive(self, message: object) -> object:
        if message == "crash":
            raise RuntimeError(f"{self.name} crashed")
        if message == "exit":
            self.ctx.stop()
            return None
        assert isinstance(message, int)
        self.log.received[self.name].append(message)
        return None


@dataclass
class ModelChild:
    restart: Restart
    alive: bool = True
    starts: int = 1


class SupervisionMachine(RuleBasedStateMachine):
    """The model: OTP one_for_one rules with intensity INTENSITY per PERIOD seconds."""

    children = Bundle("children")
    strategy = Strategy.ONE_FOR_ONE

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.clock = SimClock()
        self.system = ActorSystem("prop", clock=self.clock, intensity=1000, period=1.0)
        self.log = Log()
        self.model: dict[str, ModelChild] = {}
        self.restart_times: list[float] = []
        self.supervisor_starts = 1
        self.sent: dict[str, list[int]] = defaultdict(list)
        self.dead: dict[str, list[int]] = defaultdict(list)
        self.seq = 0
        self.count = 0
        self.run(self.system.start())
        spec = SupervisorSpec(strategy=self.strategy, intensity=INTENSITY, period=PERIOD)
        self.sup: ActorRef = self.run(self.system.spawn_supervisor(spec, name="sup"))
        self.system.dead_letters.subscribe(self._on_dead)

    def _on_dead(self, letter: DeadLetter) -> None:
        if isinstance(letter.message, int):
            self.dead[letter.recipient.name].append(letter.message)

    def run(self, aw: Awaitable[T]) -> T:
        """Run ``aw`` on the machine's loop, then until the system is quiescent."""

        async def settled() -> T:
            result = await aw
            await self.clock.quiescent()
            return result

        return self.loop.run_until_complete(settled())

    def teardown(self) -> None:
        self.loop.run_until_complete(self.system.shutdown())
        leftover = asyncio.all_tasks(self.loop)
        self.loop.close()
        assert not leftover

    # ------------------------------------------------------------ model
    def _exit(self, name: str, abnormal: bool) -> None:
        child = self.model[name]
        if child.restart is Restart.TEMPORARY or (
            child.restart is Restart.TRANSIENT and not abnormal
        ):
            child.alive = False
            return
        now = self.clock.now()
        self.restart_times = [t for t in self.restart_times if t > now - PERIOD]
        if len(self.restart_times) >= INTENSITY:
            # the supervisor gives up: all its children die, the root restarts it empty
            for c in self.model.values():
                c.alive = False
            self.restart_times = []
            self.supervisor_starts += 1
            return
        self.restart_times.append(now)
        live = [n for n, c in self.model.items() if c.alive]  # in start order
        if self.strategy is Strategy.ONE_FOR_ONE:
            group = [name]
        elif self.strategy is Strategy.ONE_FOR_ALL:
            group = live
        else:
            group = live[live.index(name) :]
        for n in group:
            c = self.model[n]
            if c.restart is Restart.TEMPORARY and n != name:
                c.alive = False  # a temporary sibling is stopped, never restarted
            else:
                c.starts += 1

    # ------------------------------------------------------------ rules
    @rule(target=children, restart=st.sampled_from(list(Restart)))
    def spawn(self, restart: Restart) -> str:
        name = f"c{self.count}"
        self.count += 1
        log = self.log
        spec = ChildSpec(name, lambda: Child(log, name), restart=restart)
        ref = self.run(self.system.start_child(self.sup, spec))
        assert ref.path == f"/sup/{name}"
        self.model[name] = ModelChild(restart)
        return name

    @rule(name=children, n=st.integers(1, 5), crash_at=st.none() | st.integers(0, 4))
    def send(self, name: str, n: int, crash_at: int | None) -> None:
        """Tell n numbers (and maybe a crash in between) in one go."""
        ref = self.system.lookup(f"/sup/{name}")
        alive = self.model[name].alive
        assert (ref is not None) == alive
        if ref is None:
            return

        async def burst() -> None:
            for i in range(n):
                if i == crash_at:
                    ref.tell("crash")
                self.seq += 1
                self.sent[name].append(self.seq)
                ref.tell(self.seq)

        self.run(burst())
        if crash_at is not None and crash_at < n:
            self._exit(name, abnormal=True)

    @rule(name=children)
    def crash(self, name: str) -> None:
        ref = self.system.lookup(f"/sup/{name}")
        if ref is None:
            return
        ref.tell("crash")
        self.run(self.clock.quiescent())
        self._exit(name, abnormal=True)

    @rule(name=children)
    def exit_normally(self, name: str) -> None:
        ref = self.system.lookup(f"/sup/{name}")
        if ref is None:
            return
        ref.tell("exit")
        self.run(self.clock.quiescent())
        self._exit(name, abnormal=False)

    @rule(name=consumes(children))
    def stop(self, name: str) -> None:
        ref = self.system.lookup(f"/sup/{name}")
        if ref is not None:
            self.run(self.system.stop(ref))
        self.model[name].alive = False

    @precondition(lambda self: self.restart_times)
    @rule(seconds=st.sampled_from([1.0, 50.0, PERIOD]))
    def advance(self, seconds: float) -> None:
        self.run(self.clock.sleep(seconds))

    # ------------------------------------------------------------ invariants
    @invariant()
    def alive_matches_model(self) -> None:
        for name, child in self.model.items():
            ref = self.system.lookup(f"/sup/{name}")
            assert (ref is not None) == child.alive, (name, child)

    @invariant()
    def restarts_match_model(self) -> None:
        # a permanent child is restarted unless intensity is exceeded; intensity is
        # never exceeded silently (the supervisor restarts instead)
        for name, child in self.model.items():
            assert self.log.starts[name] == child.starts, (name, child)
        sup = self.system.lookup("/sup")
        assert sup is not None and sup.is_alive

    @invariant()
    def order_preserved_and_nothing_lost(self) -> None:
        for name, sent in self.sent.items():
            got = self.log.received[name]
            assert got == sorted(got), f"order broken for {name}: {got}"
            dead = self.dead[name]
            assert sorted(got + dead) == sent, (name, got, dead, sent)
            assert not set(got) & set(dead)


class OneForAllMachine(SupervisionMachine):
    strategy = Strategy.ONE_FOR_ALL


class RestForOneMachine(SupervisionMachine):
    strategy = Strategy.REST_FOR_ONE


_settings = settings(settings.default, stateful_step_count=25, deadline=None)
SupervisionMachine.TestCase.settings = _settings
OneForAllMachine.TestCase.settings = _settings
RestForOneMachine.TestCase.settings = _settings
TestOneForOne = SupervisionMachine.TestCase
TestOneForAll = OneForAllMachine.TestCase
TestRestForOne = RestForOneMachine.TestCase
