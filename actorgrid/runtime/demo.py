"""A small supervised demo: a meter crashes and its supervisor restarts it.

Run ``python -m actorgrid.runtime.demo``. It simulates six hours on a
:class:`SimClock` (instantly), prints what happens and exits 0 when the crashed
meter was restarted and kept reading.
"""

from __future__ import annotations

import asyncio
import logging

from ._actor import Actor
from ._clock import SimClock
from ._spec import ChildSpec, Restart, Strategy, SupervisorSpec
from ._system import ActorSystem

__all__ = ["run_demo"]

QUARTER_HOUR = 900.0


def _stamp(seconds: float) -> str:
    return f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}"


class Meter(Actor):
    """Reads a (fake) meter every quarter hour; the flaky one fails once, on read 3."""

    faults_left = 0

    def __init__(self) -> None:
        self.readings = 0

    async def on_start(self) -> None:
        print(f"  [{_stamp(self.ctx.clock.now())}] {self.ctx.path}: started "
              f"(readings so far: {self.readings})")  # fmt: skip
        self.ctx.schedule_periodic(QUARTER_HOUR, "read")

    async def on_receive(self, message: object) -> object:
        if message == "read":
            self.readings += 1
            if self.readings == 3 and type(self).faults_left > 0:
                type(self).faults_left -= 1
                print(f"  [{_stamp(self.ctx.clock.now())}] {self.ctx.path}: sensor fault!")
                raise OSError("sensor fault on read 3")
        return self.readings

    async def on_failure(self, error: BaseException) -> None:
        print(f"  [{_stamp(self.ctx.clock.now())}] {self.ctx.path}: CRASHED with "
              f"{type(error).__name__}: {error}; its supervisor restarts it")  # fmt: skip

    def state_to_keep(self) -> object:
        return self.readings  # a restart keeps the count

    def on_restart(self, kept: object) -> None:
        assert isinstance(kept, int)
        self.readings = kept

    async def on_stop(self) -> None:
        print(f"  [{_stamp(self.ctx.clock.now())}] {self.ctx.path}: stopped "
              f"after {self.readings} readings")  # fmt: skip


class FlakyMeter(Meter):
    faults_left = 1


async def run_demo() -> int:
    """Run the demo; returns the process exit status (0 on success)."""
    logging.getLogger("actorgrid.runtime").setLevel(logging.CRITICAL)  # we print instead
    FlakyMeter.faults_left = 1
    clock = SimClock()
    print("actorgrid runtime demo: a one_for_one supervisor with two meters")
    async with ActorSystem("demo", clock=clock) as system:
        spec = SupervisorSpec(
            children=[
                ChildSpec("meter-1", Meter),
                ChildSpec("meter-2", FlakyMeter, restart=Restart.PERMANENT),
            ],
            strategy=Strategy.ONE_FOR_ONE,
            intensity=3,
            period=3600.0,
        )
        await system.spawn_supervisor(spec, name="meters")
        print(system.tree())
        meter2 = system.lookup("/meters/meter-2")
        assert meter2 is not None
        await clock.sleep(6 * 3600.0)  # six simulated hours, at CPU speed
        meter1 = system.lookup("/meters/meter-1")
        assert meter1 is not None
        r1, r2 = await meter1.ask("count"), await meter2.ask("count")
        print(f"  [{_stamp(clock.now())}] meter-1 read {r1} times; meter-2 read {r2} times "
              "(same ref, restarted once, count kept)")  # fmt: skip
        ok = r1 == 24 and r2 == 24 and meter2.is_alive
        print("shutting down (children stop in reverse start order):")
    print("crash detected, meter restarted, all actors stopped: OK" if ok else "demo FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(run_demo()))
