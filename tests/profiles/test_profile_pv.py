"""PV profiles: physical sanity against pvlib's own solar geometry, scaling, determinism."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pvlib import solarposition

from actorgrid.profiles import clear_cache, make_profile, parse_spec, weather_site
from actorgrid.profiles._pv import PvModel, hourly_ac_w

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pvlib")  # pandas 3 vs pvlib

SOUTH_5KWP = {"kind": "pv", "kwp": 5, "tilt": 30, "azimuth": 180}


def local_midnight(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=weather_site().tz)


def hourly_year(spec: dict[str, object]) -> np.ndarray:
    profile = make_profile(spec, start=local_midnight(2026, 1, 1), slot_minutes=60, slots=8760)
    return profile.as_array()


def test_zero_whenever_the_sun_is_below_the_horizon_for_the_whole_hour() -> None:
    site = weather_site()
    energy = hourly_year(SOUTH_5KWP)
    starts = pd.date_range(local_midnight(2026, 1, 1), periods=8760, freq="h")
    samples = [starts + pd.Timedelta(minutes=m) for m in (0, 30, 60)]
    elevations = np.stack(
        [
            solarposition.get_solarposition(s, site.latitude, site.longitude)[
                "apparent_elevation"
            ].to_numpy()
            for s in samples
        ]
    )
    night = elevations.max(axis=0) < 0.0
    assert night.sum() > 3000  # a real share of the year is night
    assert np.all(energy[night] == 0)
    assert energy[~night].sum() > 0


def test_mean_daily_peak_is_in_the_hour_of_solar_noon() -> None:
    site = weather_site()
    by_hour = hourly_year(SOUTH_5KWP).reshape(365, 24).mean(axis=0)
    # Mean solar noon in local standard time from the longitude (equation of time averages out).
    solar_noon = 12.0 + (15.0 * site.utc_offset_hours - site.longitude) / 15.0
    peak_hour_mid = int(np.argmax(by_hour)) + 0.5
    assert abs(peak_hour_mid - solar_noon) <= 1.0


def test_east_array_peaks_before_west_array() -> None:
    east = hourly_year({**SOUTH_5KWP, "azimuth": 90}).reshape(365, 24).mean(axis=0)
    west = hourly_year({**SOUTH_5KWP, "azimuth": 270}).reshape(365, 24).mean(axis=0)
    assert np.argmax(east) < np.argmax(west)


def test_5kwp_south_yields_plausibly_in_june_and_over_the_year() -> None:
    june = make_profile(
        SOUTH_5KWP, start=local_midnight(2026, 6, 1), slot_minutes=15, slots=30 * 96
    )
    daily_kwh = june.as_array().reshape(30, 96).sum(axis=1) / 1000
    assert 15.0 <= daily_kwh.mean() <= 35.0  # 3..7 kWh/kWp/day in a North Carolina June
    assert daily_kwh.max() <= 5 * 9  # never more than 9 full-sun hours at nameplate
    specific_yield = hourly_year(SOUTH_5KWP).sum() / 1000 / 5
    assert 1100 <= specific_yield <= 1700  # kWh/kWp/yr, 36° N


def test_no_slot_exceeds_nameplate_power() -> None:
    energy = hourly_year(SOUTH_5KWP)
    assert energy.max() <= 5000  # Wh in one hour at 5 kW AC


def test_energy_scales_with_kwp() -> None:
    small = hourly_year(SOUTH_5KWP)
    large = hourly_year({**SOUTH_5KWP, "kwp": 10})
    assert abs(int(large.sum()) - 2 * int(small.sum())) <= 2
    assert np.all(np.abs(large - 2 * small) <= 3)


def test_one_kwp_run_scaled_equals_a_direct_run_of_the_full_size() -> None:
    # The package runs pvlib once per orientation at 1 kWp and scales (PVWatts is linear).
    one = parse_spec(SOUTH_5KWP)
    assert isinstance(one, PvModel)
    direct = hourly_ac_w(dataclasses.replace(one, kwp=7.0))
    scaled = hourly_ac_w(dataclasses.replace(one, kwp=1.0)) * 7.0
    assert direct.max() > 0
    np.testing.assert_allclose(direct, scaled, rtol=1e-9, atol=1e-6)


def test_more_losses_give_less_energy() -> None:
    default = hourly_year(SOUTH_5KWP).sum()
    lossy = hourly_year({**SOUTH_5KWP, "losses": 30}).sum()
    assert lossy == pytest.approx(default * 0.70 / 0.86, rel=0.02)


def test_slot_length_does_not_change_the_daily_total() -> None:
    start = local_midnight(2026, 4, 10)
    quarter = make_profile(SOUTH_5KWP, start=start, slot_minutes=15, slots=96)
    hour = make_profile(SOUTH_5KWP, start=start, slot_minutes=60, slots=24)
    five = make_profile(SOUTH_5KWP, start=start, slot_minutes=5, slots=288)
    assert abs(quarter.total_wh() - hour.total_wh()) <= 1
    assert abs(five.total_wh() - hour.total_wh()) <= 1
    assert hour.total_wh() > 0


def test_same_instant_in_any_timezone_gives_the_same_profile() -> None:
    local = local_midnight(2026, 7, 4)
    utc = local.astimezone(UTC)
    a = make_profile(SOUTH_5KWP, start=local, slot_minutes=15, slots=96).as_array()
    b = make_profile(SOUTH_5KWP, start=utc, slot_minutes=15, slots=96).as_array()
    assert np.array_equal(a, b)


def test_day_of_year_mapping_repeats_the_typical_year() -> None:
    a = make_profile(SOUTH_5KWP, start=local_midnight(2026, 5, 5), slot_minutes=15, slots=96)
    b = make_profile(SOUTH_5KWP, start=local_midnight(2031, 5, 5), slot_minutes=15, slots=96)
    c = make_profile(SOUTH_5KWP, start=local_midnight(2026, 5, 6), slot_minutes=15, slots=96)
    assert np.array_equal(a.as_array(), b.as_array())
    assert not np.array_equal(a.as_array(), c.as_array())


def test_runs_across_new_year_and_leap_days() -> None:
    start = local_midnight(2027, 12, 31)
    profile = make_profile(SOUTH_5KWP, start=start, slot_minutes=60, slots=48)
    days = profile.as_array().reshape(2, 24).sum(axis=1)
    assert np.all(days > 0)
    leap = make_profile(SOUTH_5KWP, start=local_midnight(2028, 12, 31), slot_minutes=60, slots=24)
    dec31 = make_profile(SOUTH_5KWP, start=local_midnight(2027, 12, 31), slot_minutes=60, slots=24)
    assert np.array_equal(leap.as_array(), dec31.as_array())  # day 366 reuses day 365


def test_deterministic_across_cache_clears() -> None:
    start = local_midnight(2026, 3, 3) + timedelta(minutes=7)
    first = make_profile(SOUTH_5KWP, start=start, slot_minutes=15, slots=200).as_array().copy()
    clear_cache()
    again = make_profile(SOUTH_5KWP, start=start, slot_minutes=15, slots=200).as_array()
    assert np.array_equal(first, again)


def test_weather_file_ships_inside_the_package_and_is_small() -> None:
    import actorgrid.profiles as package
    from actorgrid.profiles._weather import WEATHER_FILE

    assert WEATHER_FILE.is_relative_to(Path(package.__file__).parent)
    assert WEATHER_FILE.stat().st_size < 3_000_000
    site = weather_site()
    assert (site.latitude, site.longitude) == (36.1, -79.95)
