"""Rounding to integer Wh carries the remainder, so totals never drift."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from actorgrid.profiles import make_profile
from actorgrid.profiles._rounding import round_conserving

energies = st.lists(
    st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False), max_size=300
)


@given(energies)
def test_every_prefix_sums_to_its_rounded_total(values: list[float]) -> None:
    rounded = round_conserving(np.array(values, dtype=np.float64))
    assert rounded.dtype == np.int64
    assert len(rounded) == len(values)
    prefix = np.cumsum(rounded)
    exact = np.cumsum(values)
    for got, want in zip(prefix.tolist(), exact.tolist(), strict=True):
        assert got == math.floor(want + 0.5)


@given(energies)
def test_each_slot_is_within_one_wh_and_never_negative(values: list[float]) -> None:
    rounded = round_conserving(np.array(values, dtype=np.float64))
    assert np.all(rounded >= 0)
    assert np.all(np.abs(rounded - np.array(values, dtype=np.float64)) < 1.0 + 1e-6)


@given(st.lists(st.integers(min_value=0, max_value=10**9), max_size=200))
def test_whole_numbers_are_kept_exactly(values: list[int]) -> None:
    rounded = round_conserving(np.array(values, dtype=np.float64))
    assert rounded.tolist() == values


def test_a_third_of_a_wh_per_slot_adds_up() -> None:
    rounded = round_conserving(np.full(300, 1 / 3))
    assert rounded.sum() == 100
    assert set(rounded.tolist()) == {0, 1}


@pytest.mark.parametrize("bad", [[-0.5], [float("nan")], [float("inf")]])
def test_negative_or_non_finite_energies_are_rejected(bad: list[float]) -> None:
    with pytest.raises(ValueError):
        round_conserving(np.array(bad))


@given(
    slots=st.integers(min_value=1, max_value=400),
    slot_minutes=st.sampled_from([5, 15, 30, 60]),
)
def test_pv_run_total_matches_its_hour_resolution_total(slots: int, slot_minutes: int) -> None:
    start = datetime(2026, 8, 1, tzinfo=UTC)
    fine = make_profile(
        {"kind": "pv", "kwp": 3, "tilt": 20, "azimuth": 200},
        start=start,
        slot_minutes=slot_minutes,
        slots=slots * (60 // slot_minutes),
    )
    hourly = make_profile(
        {"kind": "pv", "kwp": 3, "tilt": 20, "azimuth": 200},
        start=start,
        slot_minutes=60,
        slots=slots,
    )
    assert abs(fine.total_wh() - hourly.total_wh()) <= 1
