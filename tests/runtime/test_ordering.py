"""Per-sender order under backpressure and crashes, with several concurrent senders."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from actorgrid.runtime import Actor, ActorRef, ActorSystem, DeadLetter, Overflow


class Receiver(Actor):
    mailbox_size = 4
    overflow = Overflow.BACKPRESSURE

    def __init__(self, log: dict[int, list[int]]) -> None:
        self.log = log

    async def on_receive(self, message: object) -> object:
        assert isinstance(message, tuple)
        sender, seq, crash = message
        if crash:
            raise RuntimeError("crash after recording")  # the message is not recorded
        self.log[sender].append(seq)
        await asyncio.sleep(0)  # let senders interleave
        return None


class Sender(Actor):
    async def on_receive(self, message: object) -> object:
        assert isinstance(message, tuple)
        me, target, plan = message
        assert isinstance(target, ActorRef)
        for seq, crash in enumerate(plan):
            await target.send((me, seq, crash))
        return len(plan)


@settings(max_examples=25, deadline=None)
@given(
    # one plan per sender: for each message, whether it makes the receiver crash
    plans=st.lists(
        st.lists(st.sampled_from([False] * 9 + [True]), max_size=30), min_size=1, max_size=5
    )
)
def test_each_sender_order_is_preserved_and_nothing_is_lost(plans: list[list[bool]]) -> None:
    async def scenario() -> None:
        log: dict[int, list[int]] = defaultdict(list)
        dead: list[DeadLetter] = []
        async with ActorSystem("order", intensity=10_000) as system:
            system.dead_letters.subscribe(dead.append)
            target = await system.spawn(lambda: Receiver(log), name="rx")
            senders = [await system.spawn(Sender) for _ in plans]
            jobs = zip(senders, plans, strict=True)
            await asyncio.gather(
                *(s.ask((i, target, plan), 30.0) for i, (s, plan) in enumerate(jobs))
            )
            await target.ask((0, -1, False), 30.0)  # everything before it is handled
        assert dead == []
        for i, plan in enumerate(plans):
            expected = [seq for seq, crash in enumerate(plan) if not crash]
            got = [seq for seq in log[i] if seq >= 0]
            assert got == expected

    asyncio.run(scenario())
