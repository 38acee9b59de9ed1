"""BDEW 2025 standard load profiles via demandlib: scaling, plausibility, clocks."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from actorgrid.profiles import ProfileError, make_profile, parse_spec, weather_site

H25 = {"kind": "bdew", "profile": "H25", "annual_kwh": 4000}


def local(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=weather_site().tz)


def daily_kwh(spec: dict[str, object], start: datetime, days: int) -> np.ndarray:
    profile = make_profile(spec, start=start, slot_minutes=15, slots=96 * days)
    totals: np.ndarray = profile.as_array().reshape(days, 96).sum(axis=1) / 1000
    return totals


def test_h25_year_sums_to_the_annual_figure() -> None:
    year = make_profile(H25, start=local(2026, 1, 1), slot_minutes=15, slots=365 * 96)
    assert year.total_wh() == 4_000_000


def test_h25_year_sums_exactly_on_a_daylight_saving_clock() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 1, 1, tzinfo=berlin)
    hours = int((datetime(2027, 1, 1, tzinfo=berlin) - start).total_seconds() // 3600)
    spec = {**H25, "timezone": "Europe/Berlin"}
    year = make_profile(spec, start=start, slot_minutes=60, slots=hours)
    assert year.total_wh() == 4_000_000


def test_h25_daily_totals_are_plausible_and_higher_in_winter() -> None:
    days = daily_kwh(H25, local(2026, 1, 1), 365)
    assert days.min() >= 8.0
    assert days.max() <= 15.0
    assert days[:31].mean() > days[151:181].mean()  # January above June


def test_h25_evening_peak_exceeds_the_night_minimum() -> None:
    day = make_profile(H25, start=local(2026, 3, 11), slot_minutes=60, slots=24).as_array()
    assert day[18:22].max() > 2 * day[1:5].min()


def test_g25_is_a_weekday_business_profile() -> None:
    spec = {"kind": "bdew", "profile": "G25", "annual_kwh": 4000}
    days = daily_kwh(spec, local(2026, 1, 5), 7)  # Monday .. Sunday
    assert days[:5].min() > days[6] * 1.5


def test_holidays_follow_the_sunday_curve_and_keep_the_annual_total() -> None:
    spec = {"kind": "bdew", "profile": "G25", "annual_kwh": 4000}
    holiday = {**spec, "holidays": ["2026-01-06", date(2026, 1, 7)]}
    plain = daily_kwh(spec, local(2026, 1, 5), 7)
    festive = daily_kwh(holiday, local(2026, 1, 5), 7)
    assert festive[1] < plain[1] / 1.5 and festive[2] < plain[2] / 1.5  # Tue, Wed off
    assert festive[1] == pytest.approx(festive[6], abs=0.05)  # like Sunday
    year = make_profile(holiday, start=local(2026, 1, 1), slot_minutes=60, slots=8760)
    assert year.total_wh() == 4_000_000


def test_scaling_is_linear_in_annual_kwh() -> None:
    start = local(2026, 5, 1)
    base = make_profile(H25, start=start, slot_minutes=15, slots=96 * 7).total_wh()
    double = make_profile({**H25, "annual_kwh": 8000}, start=start, slot_minutes=15, slots=96 * 7)
    assert abs(double.total_wh() - 2 * base) <= 2


def test_run_across_new_year_is_continuous() -> None:
    start = local(2026, 12, 31) + timedelta(hours=20)
    across = make_profile(H25, start=start, slot_minutes=15, slots=32).as_array()
    assert np.all(across > 0)
    assert abs(int(across[15]) - int(across[16])) < 30  # no jump at midnight, Wh per 15 min


@given(
    day=st.integers(min_value=0, max_value=364),
    slot_minutes=st.sampled_from([5, 10, 15, 20, 30, 60, 120, 1440]),
)
def test_slot_length_never_changes_the_daily_total(day: int, slot_minutes: int) -> None:
    start = local(2026, 1, 1) + timedelta(days=day)
    reference = make_profile(H25, start=start, slot_minutes=15, slots=96).total_wh()
    other = make_profile(H25, start=start, slot_minutes=slot_minutes, slots=1440 // slot_minutes)
    assert abs(other.total_wh() - reference) <= 1


@pytest.mark.parametrize(
    ("spec", "key"),
    [
        ({**H25, "profile": "H0"}, "profile"),
        ({**H25, "annual_kwh": -1}, "annual_kwh"),
        ({**H25, "annual_kwh": float("nan")}, "annual_kwh"),
        ({**H25, "timezone": "Mars/Olympus"}, "timezone"),
        ({"kind": "bdew", "profile": "H25"}, "annual_kwh"),
        ({**H25, "holidays": "2026-12-25"}, "holidays"),
        ({**H25, "holidays": ["25.12.2026"]}, "holidays"),
        ({**H25, "holidays": [datetime(2026, 12, 25)]}, "holidays"),
    ],
)
def test_invalid_bdew_specs_name_the_key(spec: dict[str, object], key: str) -> None:
    with pytest.raises(ProfileError) as info:
        parse_spec(spec)
    assert info.value.key == key
