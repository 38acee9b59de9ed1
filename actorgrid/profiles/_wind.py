"""Wind generation: windpowerlib power curves fed with the TMY weather's wind speed."""

from __future__ import annotations

import dataclasses
import difflib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ._grid import SlotGrid
from ._spec import SpecReader
from ._weather import integrate_hourly, load_weather

if TYPE_CHECKING:
    from windpowerlib import WindTurbine

ANEMOMETER_HEIGHT_M = 10.0  # TMY3 wind speed is measured at 10 m
THERMOMETER_HEIGHT_M = 2.0  # TMY3 dry-bulb temperature at 2 m
DEFAULT_ROUGHNESS_M = 0.15  # open farmland with scattered buildings
WIND_SPEED_MODELS = ("logarithmic", "hellman")


@dataclass(frozen=True, slots=True)
class WindModel:
    """``{"kind": "wind", "turbine_type", "hub_height", ["count"], ["wind_speed_model"],
    ["roughness_length"], ["hellman_exponent"]}``.

    ``turbine_type`` is a name from windpowerlib's bundled turbine library
    (``windpowerlib.get_turbine_types(print_out=False)``), e.g. ``"E-126/4200"``;
    ``wind_speed_model`` is ``"logarithmic"`` (default) or ``"hellman"``.
    """

    turbine_type: str
    hub_height: float
    count: int
    wind_speed_model: str
    roughness_length: float
    hellman_exponent: float | None

    @classmethod
    def parse(cls, spec: Mapping[str, Any]) -> WindModel:
        """Validate a ``wind`` spec (see the class docstring)."""
        reader = SpecReader(
            spec,
            "wind",
            ("turbine_type", "hub_height"),
            ("count", "wind_speed_model", "roughness_length", "hellman_exponent"),
        )
        turbine_type = reader.string("turbine_type")
        known = turbine_types()
        if turbine_type not in known:
            close = difflib.get_close_matches(turbine_type, known, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise reader.error(
                "turbine_type",
                f"unknown turbine {turbine_type!r} (windpowerlib has {len(known)} "
                f"types with a power curve){hint}",
            )
        roughness = reader.number(
            "roughness_length", default=DEFAULT_ROUGHNESS_M, low=0.0, high=5.0, low_exclusive=True
        )
        hub_height = reader.number("hub_height", low=roughness, high=300.0, low_exclusive=True)
        try:
            _turbine(turbine_type, hub_height)
        except ValueError as exc:  # e.g. "1/2rotor_diameter cannot be greater than hub_height"
            raise reader.error("hub_height", f"{exc} for {turbine_type}") from exc
        exponent: float | None = None
        if spec.get("hellman_exponent") is not None:
            exponent = reader.number("hellman_exponent", low=0.0, high=1.0, low_exclusive=True)
        return cls(
            turbine_type=turbine_type,
            hub_height=hub_height,
            count=reader.integer("count", default=1, low=1),
            wind_speed_model=reader.string(
                "wind_speed_model", default="logarithmic", choices=WIND_SPEED_MODELS
            ),
            roughness_length=roughness,
            hellman_exponent=exponent,
        )

    @property
    def nominal_power_w(self) -> float:
        """Nominal power of all ``count`` turbines together (W)."""
        return float(_turbine(self.turbine_type, self.hub_height).nominal_power) * self.count

    def energies(self, grid: SlotGrid) -> NDArray[np.float64]:
        """Float Wh per slot."""
        return integrate_hourly(hourly_power_w(self), grid)

    def describe(self) -> str:
        """One line for humans."""
        return (
            f"wind {self.count} x {self.turbine_type} "
            f"({self.nominal_power_w / self.count / 1000:g} kW) at {self.hub_height:g} m, "
            f"{self.wind_speed_model} wind profile, weather {load_weather()[1].name} TMY3"
        )


@cache
def turbine_types() -> tuple[str, ...]:
    """Turbine types with a power curve in windpowerlib's bundled (offline) library."""
    from windpowerlib import get_turbine_types  # lazy: only wind specs need windpowerlib

    table = get_turbine_types(turbine_library="local", print_out=False, filter_=True)
    return tuple(sorted(table.loc[table["has_power_curve"], "turbine_type"].astype(str)))


@cache
def _turbine(turbine_type: str, hub_height: float) -> WindTurbine:
    from windpowerlib import WindTurbine

    with warnings.catch_warnings():
        # windpowerlib 0.2.2 still uses pandas' deprecated ``inplace=`` keywords.
        warnings.simplefilter("ignore", DeprecationWarning)
        return WindTurbine(turbine_type=turbine_type, hub_height=hub_height)


def hourly_power_w(model: WindModel) -> NDArray[np.float64]:
    """Power (W) of all turbines for each of the 8760 TMY hours."""
    return _hourly(dataclasses.replace(model, count=1))[0] * model.count


def hourly_hub_wind_speed(model: WindModel) -> NDArray[np.float64]:
    """Wind speed (m/s) at hub height for each of the 8760 TMY hours."""
    return _hourly(dataclasses.replace(model, count=1))[1]


@lru_cache(maxsize=1024)
def _hourly(model: WindModel) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Power of one turbine and hub-height wind speed; computed once per distinct model
    (``model.count`` is 1)."""
    from windpowerlib import ModelChain

    weather, _site = load_weather()
    frame = pd.DataFrame(
        {
            ("wind_speed", ANEMOMETER_HEIGHT_M): weather["wind_speed"],
            ("temperature", THERMOMETER_HEIGHT_M): weather["temp_air"] + 273.15,
            ("pressure", 0.0): weather["pressure"] * 100.0,  # mbar -> Pa, station level
            ("roughness_length", 0.0): model.roughness_length,
        },
        index=weather.index,
    )
    frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=("variable", "height"))
    chain = ModelChain(
        _turbine(model.turbine_type, model.hub_height),
        wind_speed_model=model.wind_speed_model,
        density_model="barometric",
        temperature_model="linear_gradient",
        power_output_model="power_curve",
        density_correction=False,
        hellman_exp=model.hellman_exponent,
    )
    chain.run_model(frame)
    power = np.asarray(chain.power_output, dtype=np.float64)
    power = np.clip(np.nan_to_num(power, nan=0.0), 0.0, None)
    speed = np.asarray(chain.wind_speed_hub(frame), dtype=np.float64)
    power.flags.writeable = False
    speed.flags.writeable = False
    return power, speed
