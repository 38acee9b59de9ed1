"""Hypothesis: random tiny grids and random fault schedules keep every invariant.

Energy balance per slot, money conservation to the iota per slot, every invoice paid once
(no double payment), books equal ledger balances, and a restart of any entity mid-run
changes no final figure. Books-only ledger and no MAM keep each example to a few ms.
"""

from __future__ import annotations

import asyncio

from grid_helpers import tiny_grid
from hypothesis import given, settings
from hypothesis import strategies as st

from actorgrid.actors.results import RunResults
from actorgrid.actors.run import Fault, run_grid
from actorgrid.actors.spec import GridSpec


def run(spec: GridSpec, faults: tuple[Fault, ...] = ()) -> RunResults:
    return asyncio.run(asyncio.wait_for(run_grid(spec, faults=faults), 60))


@st.composite
def grids_and_faults(draw: st.DrawFn) -> tuple[GridSpec, tuple[Fault, ...]]:
    spec = tiny_grid(
        producers=draw(st.integers(1, 3)),
        sources_per_producer=draw(st.integers(1, 2)),
        consumers=draw(st.integers(1, 3)),
        slots=draw(st.integers(2, 5)),
        seed=draw(st.integers(0, 10_000)),
        rule=draw(st.sampled_from(["pay_as_clear", "pay_as_bid", "fixed"])),
        fee=draw(st.integers(0, 3)),
        threshold_i=draw(st.integers(1, 60)),
        payout_every=draw(st.integers(1, 3)),
    )
    entities = [spec.name, *(p.id for p in spec.producers), *(s.id for _, s in spec.sources)]
    entities += [c.id for c in spec.consumers]
    end_s = (spec.slots - 1) * spec.slot_s
    faults = draw(
        st.lists(st.builds(Fault, st.floats(0.0, end_s), st.sampled_from(entities)), max_size=5)
    )
    return spec, tuple(faults)


def figures(results: RunResults) -> tuple[object, ...]:
    people = [
        (p.id, p.energy_wh, p.local_wh, p.utility_wh, p.billed_i, p.paid_i, p.confirmed_i)
        for p in results.participants
    ]
    return (results.slots, people)


@settings(max_examples=15, deadline=None)
@given(grids_and_faults())
def test_invariants_hold_and_restarts_change_nothing(
    case: tuple[GridSpec, tuple[Fault, ...]],
) -> None:
    spec, faults = case
    clean = run(spec)
    faulty = run(spec, faults)
    for results in (clean, faulty):
        assert len(results.slots) == spec.slots
        for s in results.slots:
            assert s.local_wh + s.exported_wh == s.produced_wh
            assert s.local_wh + s.imported_wh == s.consumed_wh
            assert s.consumers_paid_i == s.producers_received_i + s.grid_fees_i + s.utility_net_i
        for p in results.participants:
            if p.kind == "consumer":
                assert p.paid_i == p.billed_i == p.confirmed_i
            else:
                assert p.paid_i == p.billed_i
        assert results.ledger.balances_agree is True
    assert figures(faulty) == figures(clean)
