"""The ask fast paths: hand-over to a parked actor, and the spin after a reply.

An ask to a parked actor hands its message over in the wake-up future; an actor
that just replied yields once before parking, so a follow-up message is queued
while it still runs. These tests pin that neither path changes what an ask means.
"""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actorgrid.runtime import Actor, ActorDied, ActorSystem, AskTimeout, SimClock
from actorgrid.runtime._cell import _cell_of


class WhoRuns(Actor):
    """Answers with the task its handler runs in, and records what it saw."""

    def __init__(self) -> None:
        self.seen: list[object] = []

    async def on_receive(self, message: object) -> object:
        self.seen.append(message)
        if message == "boom":
            raise ValueError("boom")
        return asyncio.current_task()


async def test_handlers_run_in_the_actor_task_on_every_path() -> None:
    async with ActorSystem("t") as system:
        ref = await system.spawn(WhoRuns, name="w")
        actor_task = _cell_of(ref)._task
        me = asyncio.current_task()
        first = await ref.ask(1)  # actor parked: handed over
        second = await ref.ask(2)  # actor spinning after its reply: queued
        ref.tell(3)
        third = await ref.ask(4)  # behind a tell
        assert first is second is third is actor_task
        assert actor_task is not me


async def test_ask_handed_to_a_parked_actor_that_is_killed_fails_with_actor_died() -> None:
    async with ActorSystem("t") as system:
        ref = await system.spawn(WhoRuns, name="w")
        cell = _cell_of(ref)
        assert cell._waiter is not None  # parked
        pending = asyncio.create_task(ref.ask("x", timeout=30))
        await asyncio.sleep(0)  # the ask runs and hands "x" over; the actor has not run
        assert cell._waiter is None and cell._current is not None
        assert cell._task is not None
        cell._task.cancel()  # killed before its handler started
        with pytest.raises(ActorDied):
            await asyncio.wait_for(pending, 5)  # promptly, not after the 30 s timeout


async def test_handed_ask_that_crashes_fails_and_the_actor_restarts() -> None:
    async with ActorSystem("t") as system:
        ref = await system.spawn(WhoRuns, name="w")
        with pytest.raises(ActorDied) as info:
            await ref.ask("boom")
        assert isinstance(info.value.reason, ValueError)
        assert await ref.ask("after") is _cell_of(ref)._task  # restarted, answers


async def test_stop_requested_while_an_ask_is_handed_over_still_answers_it() -> None:
    async with ActorSystem("t") as system:
        ref = await system.spawn(WhoRuns, name="w")
        pending = asyncio.create_task(ref.ask("x", timeout=30))
        await asyncio.sleep(0)  # handed over, not yet handled
        await ref.stop()  # like a queued message: handled, then the actor stops
        assert await pending is not None
        assert not ref.is_alive
        with pytest.raises(ActorDied):
            await ref.ask("late")


async def test_ask_timeout_still_fires_for_a_handed_over_ask() -> None:
    class Stuck(Actor):
        async def on_receive(self, message: object) -> object:
            await asyncio.Event().wait()
            return None

    async with ActorSystem("t") as system:
        ref = await system.spawn(Stuck, name="s", shutdown=0.05)
        with pytest.raises(AskTimeout):
            await ref.ask("x", timeout=0.05)


async def test_sim_clock_reaches_quiescence_after_sequential_asks() -> None:
    async with ActorSystem("t", clock=SimClock()) as system:
        ref = await system.spawn(WhoRuns, name="w")
        for i in range(5):
            await ref.ask(i)
        await asyncio.wait_for(system.clock.quiescent(), 5)
        assert _cell_of(ref)._waiter is not None  # parked again, not spinning


@given(st.lists(st.tuples(st.integers(0, 2), st.booleans()), min_size=1, max_size=30))
def test_per_sender_order_holds_across_hand_over_spin_and_queue(
    plan: list[tuple[int, bool]],
) -> None:
    """Three senders mix tells and asks; each one's messages arrive in its order."""

    async def scenario() -> list[object]:
        async with ActorSystem("t") as system:
            ref = await system.spawn(WhoRuns, name="w")

            async def sender(who: int) -> None:
                for k, (owner, is_ask) in enumerate(plan):
                    if owner != who:
                        continue
                    if is_ask:
                        await ref.ask((who, k))
                    else:
                        ref.tell((who, k))
                        await asyncio.sleep(0)

            await asyncio.gather(*(sender(w) for w in range(3)))
            assert isinstance(await ref.ask("end"), asyncio.Task)
            actor = _cell_of(ref)._actor
            assert isinstance(actor, WhoRuns)
            return list(actor.seen)

    seen = asyncio.run(scenario())
    for who in range(3):
        mine = [m for m in seen if isinstance(m, tuple) and m[0] == who]
        expected = [(who, k) for k, (owner, _) in enumerate(plan) if owner == who]
        assert mine == expected
