"""make_profile / Profile: grid validation, spec errors, fixed/random, caching, speed."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest

from actorgrid.profiles import (
    KINDS,
    Profile,
    ProfileError,
    SlotOutOfRange,
    make_profile,
    parse_spec,
)

START = datetime(2026, 6, 21, tzinfo=UTC)
PV = {"kind": "pv", "kwp": 5, "tilt": 30, "azimuth": 180}
H25 = {"kind": "bdew", "profile": "H25", "annual_kwh": 4000}


def build(spec: dict[str, object], slots: int = 96) -> Profile:
    return make_profile(spec, start=START, slot_minutes=15, slots=slots)


def test_fixed_profile_is_constant_and_o1_accessible() -> None:
    profile = build({"kind": "fixed", "wh": 120})
    assert [profile.energy_wh(k) for k in range(profile.slots)] == [120] * 96
    assert profile.total_wh() == 120 * 96
    assert profile.total_wh(10, 20) == 1200
    assert isinstance(profile.energy_wh(0), int)


def test_random_profile_is_seeded_bounded_and_reproducible() -> None:
    spec = {"kind": "random", "min_wh": 5, "max_wh": 50, "seed": 7}
    a = build(spec, slots=2000).as_array()
    b = build(dict(spec), slots=2000).as_array()
    other = build({**spec, "seed": 8}, slots=2000).as_array()
    assert np.array_equal(a, b)
    assert not np.array_equal(a, other)
    assert a.min() >= 5 and a.max() <= 50
    assert a.min() == 5 and a.max() == 50  # both bounds are reachable in 2000 draws


def test_profile_is_immutable() -> None:
    profile = build({"kind": "fixed", "wh": 1})
    with pytest.raises(ValueError):
        profile.as_array()[0] = 99
    assert profile.energy_wh(0) == 1


def test_slot_out_of_range_is_typed() -> None:
    profile = build({"kind": "fixed", "wh": 1}, slots=4)
    for bad in (-1, 4, 10**6):
        with pytest.raises(SlotOutOfRange) as info:
            profile.energy_wh(bad)
        assert isinstance(info.value, IndexError)
        assert isinstance(info.value, ProfileError)


def test_total_rejects_ranges_outside_the_run() -> None:
    profile = build({"kind": "fixed", "wh": 2}, slots=4)
    assert profile.total_wh(1, 3) == 4
    assert profile.total_wh(4) == 0
    for first, stop in ((-1, 2), (3, 2), (0, 5)):
        with pytest.raises(SlotOutOfRange):
            profile.total_wh(first, stop)


def test_start_keeps_the_callers_time_zone() -> None:
    local = START.astimezone(timezone(timedelta(hours=-5)))
    a = build(PV)
    b = make_profile(PV, start=local, slot_minutes=15, slots=96)
    assert a.start.utcoffset() == timedelta(0)
    assert b.start.utcoffset() == timedelta(hours=-5)
    assert np.array_equal(a.as_array(), b.as_array())


def test_describe_names_model_grid_and_total() -> None:
    text = build(PV).describe()
    assert text.startswith("pv 5 kWp")
    assert "96 slots x 15 min" in text
    assert f"total {build(PV).total_wh()} Wh" in text
    assert "H25" in build(H25).describe()


def test_identical_specs_share_one_profile_regardless_of_key_order() -> None:
    reordered = {"azimuth": 180, "tilt": 30, "kwp": 5.0, "kind": "pv"}
    assert build(PV) is build(reordered)
    assert build(PV) is not build({**PV, "kwp": 6})


def test_thousand_profiles_build_fast() -> None:
    specs: list[dict[str, object]] = [PV, H25, {"kind": "fixed", "wh": 3}]
    for spec in specs:  # the costly model runs happen once per distinct spec
        build(spec)
    began = time.perf_counter()
    profiles = [build(specs[i % 3]) for i in range(700)]
    profiles += [build({"kind": "random", "min_wh": 0, "max_wh": 9, "seed": i}) for i in range(300)]
    elapsed = time.perf_counter() - began
    assert len(profiles) == 1000
    assert elapsed < 2.0


@pytest.mark.parametrize(
    ("spec", "key"),
    [
        ({"kwp": 5}, "kind"),
        ({"kind": "solar"}, "kind"),
        ({**PV, "kwp": 0}, "kwp"),
        ({**PV, "kwp": True}, "kwp"),
        ({**PV, "kwp": "5"}, "kwp"),
        ({**PV, "tilt": 91}, "tilt"),
        ({**PV, "azimuth": -1}, "azimuth"),
        ({**PV, "losses": 101}, "losses"),
        ({**PV, "latitude": 10}, "longitude"),
        ({**PV, "panel": "mono"}, "panel"),
        ({"kind": "pv", "kwp": 5, "tilt": 30}, "azimuth"),
        ({"kind": "fixed", "wh": -1}, "wh"),
        ({"kind": "fixed", "wh": 1.5}, "wh"),
        ({"kind": "fixed", "wh": 10**10}, "wh"),
        ({"kind": "random", "min_wh": 5, "max_wh": 4, "seed": 1}, "max_wh"),
        ({"kind": "random", "min_wh": 0, "max_wh": 4}, "seed"),
        ({"kind": "random", "min_wh": 0, "max_wh": 4, "seed": -1}, "seed"),
    ],
)
def test_invalid_specs_raise_profile_error_naming_the_key(
    spec: dict[str, object], key: str
) -> None:
    with pytest.raises(ProfileError) as info:
        build(spec)
    assert info.value.key == key
    assert repr(key) in str(info.value)
    assert info.value.problem


def test_non_mapping_spec_is_rejected() -> None:
    with pytest.raises(ProfileError) as info:
        parse_spec(["pv"])  # type: ignore[arg-type]
    assert info.value.key == "spec"


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"start": datetime(2026, 6, 21)}, "start"),
        ({"start": "2026-06-21"}, "start"),
        ({"slot_minutes": 0}, "slot_minutes"),
        ({"slot_minutes": True}, "slot_minutes"),
        ({"slot_minutes": 15.0}, "slot_minutes"),
        ({"slots": -1}, "slots"),
    ],
)
def test_invalid_grid_is_rejected(kwargs: dict[str, object], key: str) -> None:
    args: dict[str, object] = {"start": START, "slot_minutes": 15, "slots": 4, **kwargs}
    with pytest.raises(ProfileError) as info:
        make_profile({"kind": "fixed", "wh": 1}, **args)  # type: ignore[arg-type]
    assert info.value.key == key


def test_empty_run_is_allowed_for_every_kind() -> None:
    for spec in (
        PV,
        H25,
        {"kind": "fixed", "wh": 1},
        {"kind": "random", "min_wh": 0, "max_wh": 1, "seed": 0},
    ):
        assert build(spec, slots=0).total_wh() == 0


def test_every_registered_kind_is_documented() -> None:
    import actorgrid.profiles as package

    assert package.__doc__ is not None
    for kind in KINDS:
        assert f'"kind": "{kind}"' in package.__doc__


def test_start_offset_shifts_the_profile_by_whole_slots() -> None:
    shifted = make_profile(
        H25, start=START + timedelta(minutes=15 * 8), slot_minutes=15, slots=88
    ).as_array()
    base = build(H25).as_array()
    # Same quarter-hours, rounded from a different first slot: each slot within 1 Wh.
    assert np.all(np.abs(shifted - base[8:]) <= 1)
