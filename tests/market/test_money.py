"""Units, exact splitting, pro-rata allocation, slot calendar and deterministic ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actorgrid.market import (
    MarketError,
    SlotCalendar,
    allocate,
    energy_value,
    invoice_id,
    payout_id,
    split_whole,
)

fractions = st.fractions(min_value=-1000, max_value=1000, max_denominator=1000)
carries = st.fractions(min_value=0, max_value=1, max_denominator=1000).filter(lambda f: f < 1)


@given(carries, fractions)
def test_split_whole_conserves_and_keeps_carry_below_one(carry: Fraction, amount: Fraction) -> None:
    whole, rest = split_whole(carry, amount)
    assert isinstance(whole, int)
    assert whole + rest == carry + amount
    assert 0 <= rest < 1


def test_energy_value_is_exact() -> None:
    assert energy_value(1, 3) == Fraction(3, 1000)
    assert energy_value(2500, 5) == Fraction(25, 2)


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=12), st.data())
def test_allocate_sums_exactly_and_respects_weights(
    weights: list[int], data: st.DataObject
) -> None:
    total = data.draw(st.integers(0, sum(weights)))
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert all(0 <= p <= w for p, w in zip(parts, weights, strict=True))
    # pro rata: no part is more than one unit away from its exact share
    if sum(weights):
        for p, w in zip(parts, weights, strict=True):
            assert abs(p - Fraction(total * w, sum(weights))) < 1


def test_allocate_rejects_impossible_split() -> None:
    with pytest.raises(MarketError):
        allocate(11, [5, 5])


def test_slot_calendar_maps_moments_to_slots() -> None:
    start = datetime(2026, 6, 21, tzinfo=UTC)
    cal = SlotCalendar(start, 15, 96)
    assert cal.slot_start(4) == start + timedelta(hours=1)
    assert cal.slot_of(start + timedelta(minutes=29, seconds=59)) == 1
    assert cal.slot_of(cal.slot_end(95) - timedelta(microseconds=1)) == 95
    assert cal.end == start + timedelta(days=1)
    assert not cal.contains(96) and cal.contains(0)
    assert cal.slot_seconds == 900.0


def test_slot_calendar_rejects_naive_start_and_bad_length() -> None:
    with pytest.raises(MarketError):
        SlotCalendar(datetime(2026, 6, 21), 15, 96)  # naive on purpose
    with pytest.raises(MarketError):
        SlotCalendar(datetime(2026, 6, 21, tzinfo=UTC), 0, 96)


@given(st.text(max_size=20), st.text(max_size=20), st.integers(0, 10**6))
def test_ids_are_deterministic(grid: str, party: str, slot: int) -> None:
    assert invoice_id(grid, party, slot) == invoice_id(grid, party, slot)
    assert invoice_id(grid, party, slot) != invoice_id(grid, party, slot + 1)
    assert invoice_id(grid, party, slot) != payout_id(grid, party, slot)
    assert len(invoice_id(grid, party, slot)) <= 64
