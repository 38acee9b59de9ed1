"""Wind profiles: power-curve physics (cut-in, nominal cap), hub height, spec checks."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from windpowerlib import WindTurbine

from actorgrid.profiles import ProfileError, make_profile, parse_spec, turbine_types, weather_site
from actorgrid.profiles._wind import WindModel, hourly_hub_wind_speed, hourly_power_w

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:windpowerlib")

E126 = {"kind": "wind", "turbine_type": "E-126/4200", "hub_height": 135}


def model(spec: dict[str, object]) -> WindModel:
    parsed = parse_spec(spec)
    assert isinstance(parsed, WindModel)
    return parsed


def year_start() -> datetime:
    return datetime(2026, 1, 1, tzinfo=weather_site().tz)


def test_turbine_library_is_available_offline() -> None:
    types = turbine_types()
    assert "E-126/4200" in types
    assert len(types) > 20


def test_zero_below_cut_in_and_capped_by_nominal_power() -> None:
    m = model(E126)
    curve = WindTurbine(turbine_type="E-126/4200", hub_height=135).power_curve
    first_positive = int(np.argmax(curve["value"].to_numpy() > 0))
    last_zero_speed = float(curve["wind_speed"].iloc[first_positive - 1])
    power = hourly_power_w(m)
    speed = hourly_hub_wind_speed(m)
    calm = speed <= last_zero_speed
    assert calm.any() and (~calm).any()
    assert np.all(power[calm] == 0.0)
    assert power.max() <= m.nominal_power_w
    assert power[speed > last_zero_speed + 1.0].min() > 0.0


def test_slot_energy_capped_by_count_times_nominal_power() -> None:
    spec = {**E126, "count": 3}
    profile = make_profile(spec, start=year_start(), slot_minutes=15, slots=96 * 30)
    cap_wh = model(spec).nominal_power_w * 0.25
    assert cap_wh == pytest.approx(3 * 4_200_000 * 0.25)
    assert profile.as_array().max() <= cap_wh + 1
    assert profile.total_wh() > 0


def test_count_scales_linearly() -> None:
    one = make_profile(E126, start=year_start(), slot_minutes=60, slots=24 * 14)
    three = make_profile({**E126, "count": 3}, start=year_start(), slot_minutes=60, slots=24 * 14)
    assert abs(three.total_wh() - 3 * one.total_wh()) <= 3


def test_hub_height_extrapolation_increases_wind_and_yield() -> None:
    low = model({**E126, "hub_height": 80})
    high = model({**E126, "hub_height": 135})
    assert hourly_hub_wind_speed(high).mean() > hourly_hub_wind_speed(low).mean()
    assert hourly_power_w(high).sum() > hourly_power_w(low).sum()


def test_hellman_model_runs_and_differs_from_logarithmic() -> None:
    log = hourly_hub_wind_speed(model(E126))
    hellman = hourly_hub_wind_speed(model({**E126, "wind_speed_model": "hellman"}))
    assert hellman.shape == log.shape
    assert not np.allclose(hellman, log)


def test_annual_capacity_factor_is_plausible() -> None:
    profile = make_profile(E126, start=year_start(), slot_minutes=60, slots=8760)
    capacity_factor = profile.total_wh() / (4_200_000 * 8760)
    assert 0.02 < capacity_factor < 0.5


@pytest.mark.parametrize(
    ("spec", "key"),
    [
        ({**E126, "turbine_type": "E-126/420"}, "turbine_type"),
        ({**E126, "hub_height": 0}, "hub_height"),
        ({**E126, "hub_height": 50}, "hub_height"),  # below the 63 m rotor radius
        ({**E126, "hub_height": "tall"}, "hub_height"),
        ({**E126, "count": 0}, "count"),
        ({**E126, "count": 1.5}, "count"),
        ({**E126, "wind_speed_model": "cubic"}, "wind_speed_model"),
        ({**E126, "roughness_length": -1}, "roughness_length"),
        ({"kind": "wind", "hub_height": 100}, "turbine_type"),
    ],
)
def test_invalid_wind_specs_name_the_key(spec: dict[str, object], key: str) -> None:
    with pytest.raises(ProfileError) as info:
        parse_spec(spec)
    assert info.value.key == key
    assert key in str(info.value)


def test_unknown_turbine_error_suggests_close_names() -> None:
    with pytest.raises(ProfileError, match="E-126/4200"):
        parse_spec({**E126, "turbine_type": "E-126/420"})
