"""End-to-end runs of tiny grids on the simulated clock (books-only ledger, no MAM)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Any

import pytest
from grid_helpers import tiny_grid

from actorgrid.actors import wire
from actorgrid.actors.payments import BookLedger
from actorgrid.actors.results import RunResults
from actorgrid.actors.run import Fault, initial_balances, run_grid
from actorgrid.actors.spec import GridSpec
from actorgrid.actors.store import PaymentRecord


def run(spec: GridSpec, faults: tuple[Fault, ...] = ()) -> RunResults:
    return asyncio.run(asyncio.wait_for(run_grid(spec, faults=faults), 60))


def check_invariants(results: RunResults, spec: GridSpec) -> None:
    assert [s.slot for s in results.slots] == list(range(spec.slots))
    for s in results.slots:
        assert s.local_wh + s.exported_wh == s.produced_wh
        assert s.local_wh + s.imported_wh == s.consumed_wh
        assert s.consumers_paid_i == s.producers_received_i + s.grid_fees_i + s.utility_net_i
    consumers = [p for p in results.participants if p.kind == "consumer"]
    assert sum(c.billed_i for c in consumers) == results.total("consumers_paid_i")
    for c in consumers:
        assert c.paid_i == c.billed_i == c.confirmed_i  # everything paid once, nothing twice
    for p in results.participants:
        if p.kind == "producer":  # every payout received and seen confirmed on the ledger
            assert p.paid_i == p.billed_i == p.confirmed_i
    assert results.ledger.balances_agree is True


def test_every_slot_cleared_and_balanced() -> None:
    spec = tiny_grid(slots=6)
    results = run(spec)
    check_invariants(results, spec)
    assert results.readings == spec.slots * spec.devices


def test_figures_match_the_profiles_exactly_once() -> None:
    spec = tiny_grid(slots=5, consumers=2)
    results = run(spec)
    from actorgrid.actors.run import build_profiles

    profiles = build_profiles(spec)
    for k, s in enumerate(results.slots):
        produced = sum(profiles[src.id].energy_wh(k) for _, src in spec.sources)
        consumed = sum(profiles[c.id].energy_wh(k) for c in spec.consumers)
        assert (s.produced_wh, s.consumed_wh) == (produced, consumed)


def test_crashes_of_every_entity_change_no_figure() -> None:
    spec = tiny_grid(slots=6)
    clean = run(spec)
    entities = [spec.name, *(p.id for p in spec.producers), *(s.id for _, s in spec.sources)]
    entities += [c.id for c in spec.consumers]
    slot_s = spec.slot_s
    faults = tuple(
        Fault(at_s=slot_s * (i % (spec.slots - 1)) + 100.0 + (i % 3) * 7.0, entity=e)
        for i, e in enumerate(entities)
    )
    faulty = run(spec, faults)
    check_invariants(faulty, spec)
    assert faulty.restarts >= len(entities)
    assert faulty.slots == clean.slots
    assert [(p.id, p.billed_i, p.paid_i) for p in faulty.participants] == [
        (p.id, p.billed_i, p.paid_i) for p in clean.participants
    ]


def test_missing_source_is_reported_not_guessed() -> None:
    spec = tiny_grid(slots=3, producers=1, sources_per_producer=2, consumers=1)
    results = asyncio.run(
        asyncio.wait_for(
            run_grid(spec, faults=(Fault(at_s=100.0, entity="p0-s1", kind="stop"),)), 60
        )
    )
    from actorgrid.actors.run import build_profiles

    profiles = build_profiles(spec)
    for k, s in enumerate(results.slots):
        assert s.missing_readings == 1
        assert s.produced_wh == profiles["p0-s0"].energy_wh(k)  # the dead meter is not guessed
        assert s.local_wh + s.exported_wh == s.produced_wh


def test_pay_as_bid_and_fixed_rules_balance() -> None:
    for rule in ("pay_as_bid", "fixed"):
        spec = tiny_grid(slots=4, rule=rule)
        check_invariants(run(spec), spec)


def test_ack_keys_are_stable_per_slot() -> None:
    a = wire.reading("s", "p", 3, 10)
    b = wire.reading("s", "p", 3, 10)
    assert wire.key_of(a) == wire.key_of(b) == wire.ack_for(a).ref
    assert wire.key_of(wire.reading("s", "p", 4, 10)) != wire.key_of(a)


def test_every_message_delivered_twice_counts_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from actorgrid.actors.base import Entity

    spec = tiny_grid(slots=4)
    clean = run(spec)
    original = Entity.deliver

    def twice(self: Entity, to: str, message: object) -> None:
        original(self, to, message)
        original(self, to, message)

    monkeypatch.setattr(Entity, "deliver", twice)
    doubled = run(spec)
    check_invariants(doubled, spec)
    assert doubled.slots == clean.slots
    assert [(p.id, p.energy_wh, p.billed_i, p.paid_i) for p in doubled.participants] == [
        (p.id, p.energy_wh, p.billed_i, p.paid_i) for p in clean.participants
    ]


def test_lost_messages_are_resent_until_acknowledged(monkeypatch: pytest.MonkeyPatch) -> None:
    from actorgrid.actors.base import Entity

    spec = tiny_grid(slots=4)
    clean = run(spec)
    original = Entity.deliver
    seen: dict[tuple[str, str], int] = {}
    dropped = 0

    def lossy(self: Entity, to: str, message: object) -> None:
        nonlocal dropped
        key = (to, repr(message))
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 1:  # the first copy of every message (and of every ack) is lost
            dropped += 1
            return
        original(self, to, message)

    monkeypatch.setattr(Entity, "deliver", lossy)
    lossy_run = run(spec)
    assert dropped > spec.slots * spec.devices
    check_invariants(lossy_run, spec)
    assert lossy_run.slots == clean.slots


def test_wall_clock_runs_the_same_grid_live() -> None:
    from actorgrid.runtime import WallClock

    spec = tiny_grid(slots=3, consumers=2, producers=1)
    fast = replace(
        spec,
        speed=spec.slot_minutes * 60 / 0.5,  # a slot every 0.5 s of real time
        timing=replace(spec.timing, producer_grace_s=0.2, grid_grace_s=0.35, retry_s=0.1),
    )
    live = asyncio.run(asyncio.wait_for(run_grid(fast, clock=WallClock()), 30))
    assert live.clock == "wall"
    assert live.wall_s >= 3 * 0.5
    check_invariants(live, fast)
    assert live.slots == run(spec).slots  # same figures as on the simulated clock


@dataclass(frozen=True, slots=True)
class _BookTransferFailed:
    key: str


class _FailsFirstPayment(BookLedger):
    """Books like BookLedger, but the ledger fails ``victim``'s first payment (accepted first,
    as a real ledger does when it finds the funds short at execution)."""

    def __init__(self, initial: dict[str, int], victim: str) -> None:
        super().__init__(initial)
        self.victim = victim
        self.failed: list[str] = []

    async def submit(self, actor: Any, record: PaymentRecord) -> bool:
        if record.wallet == self.victim and not self.failed:
            self.failed.append(record.key)
            actor.ctx.self_ref.tell(_BookTransferFailed(record.key))
            return True
        if record.key in self.failed:  # a resubmission of the failed key stays failed
            actor.ctx.self_ref.tell(_BookTransferFailed(record.key))
            return True
        return await super().submit(actor, record)

    def outcome(self, message: object) -> tuple[str, bool, str] | None:
        if isinstance(message, _BookTransferFailed):
            return message.key, False, "insufficient funds (test)"
        return super().outcome(message)


def test_a_failed_payment_is_owed_again_and_paid_once() -> None:
    spec = tiny_grid(slots=6, consumers=2)
    victim = spec.consumers[0].id
    ledger = _FailsFirstPayment(initial_balances(spec, spec.name), victim)
    results = asyncio.run(asyncio.wait_for(run_grid(spec, ledger=ledger), 60))
    check_invariants(results, spec)
    assert len(ledger.failed) == 1
    consumer = next(p for p in results.participants if p.id == victim)
    # the failed payment moved no money and was made good by a later one
    assert consumer.billed_i > 0
    assert consumer.paid_i == consumer.billed_i == consumer.confirmed_i
    assert ledger.balances[victim] == initial_balances(spec, spec.name)[victim] - consumer.billed_i
    assert results.ledger.balances_agree
