"""Photovoltaic generation modelled with pvlib's PVWatts ModelChain on the TMY weather."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ._grid import SlotGrid
from ._spec import SpecReader
from ._weather import integrate_hourly, load_weather

DEFAULT_LOSSES_PERCENT = 14.0  # PVWatts' default total system losses
_GAMMA_PDC = -0.004  # 1/K, PVWatts default for standard modules
_INVERTER_EFFICIENCY = 0.96


@dataclass(frozen=True, slots=True)
class PvModel:
    """``{"kind": "pv", "kwp", "tilt", "azimuth", ["losses"], ["latitude", "longitude"]}``."""

    kwp: float
    tilt: float
    azimuth: float
    losses: float
    latitude: float | None  # None: the weather file's site
    longitude: float | None

    @classmethod
    def parse(cls, spec: Mapping[str, Any]) -> PvModel:
        """Validate a ``pv`` spec (see the class docstring)."""
        reader = SpecReader(
            spec, "pv", ("kwp", "tilt", "azimuth"), ("losses", "latitude", "longitude")
        )
        if ("latitude" in spec) != ("longitude" in spec):
            missing = "longitude" if "latitude" in spec else "latitude"
            raise reader.error(missing, "latitude and longitude must be given together")
        return cls(
            kwp=reader.number("kwp", low=0.0, high=1e6, low_exclusive=True),
            tilt=reader.number("tilt", low=0.0, high=90.0),
            azimuth=reader.number("azimuth", low=0.0, high=360.0),
            losses=reader.number("losses", default=DEFAULT_LOSSES_PERCENT, low=0.0, high=100.0),
            latitude=_optional(reader, "latitude", 90.0),
            longitude=_optional(reader, "longitude", 180.0),
        )

    def place(self) -> tuple[float, float]:
        """Latitude and longitude of the array (default: the weather file's site)."""
        site = load_weather()[1]
        return (
            site.latitude if self.latitude is None else self.latitude,
            site.longitude if self.longitude is None else self.longitude,
        )

    def energies(self, grid: SlotGrid) -> NDArray[np.float64]:
        """Float Wh per slot."""
        # PVWatts DC and inverter models are linear in nameplate power (the inverter's
        # efficiency depends on pdc / pdc0 only), so one run per orientation serves any size.
        per_kwp = hourly_ac_w(dataclasses.replace(self, kwp=1.0))
        return integrate_hourly(per_kwp * self.kwp, grid)

    def describe(self) -> str:
        """One line for humans."""
        latitude, longitude = self.place()
        return (
            f"pv {self.kwp:g} kWp, tilt {self.tilt:g}°, azimuth {self.azimuth:g}°, "
            f"losses {self.losses:g} %, at ({latitude:.2f}, {longitude:.2f}), "
            f"weather {load_weather()[1].name} TMY3"
        )


def _optional(reader: SpecReader, key: str, limit: float) -> float | None:
    if key not in reader.spec:
        return None
    return reader.number(key, low=-limit, high=limit)


@lru_cache(maxsize=1024)
def hourly_ac_w(model: PvModel) -> NDArray[np.float64]:
    """AC power (W, >= 0) of ``model`` for each of the 8760 TMY hours, cached per model
    (``energies`` asks for 1 kWp only, so sizes share one run)."""
    from pvlib import location, modelchain, pvsystem, temperature  # lazy: slow to import

    weather, site = load_weather()
    # Sun position at mid-hour: the TMY values are means over the hour.
    mid_hour = weather[["ghi", "dni", "dhi", "temp_air", "wind_speed"]].copy()
    mid_hour.index = weather.index + pd.Timedelta(minutes=30)
    pdc0 = model.kwp * 1000.0
    system = pvsystem.PVSystem(
        surface_tilt=model.tilt,
        surface_azimuth=model.azimuth,
        module_parameters={"pdc0": pdc0, "gamma_pdc": _GAMMA_PDC},
        inverter_parameters={"pdc0": pdc0, "eta_inv_nom": _INVERTER_EFFICIENCY},
        temperature_model_parameters=temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"][
            "open_rack_glass_polymer"
        ],
    )
    place = location.Location(*model.place(), tz=site.utc_offset_hours, altitude=site.altitude)
    keep = 1.0 - model.losses / 100.0

    def flat_losses(chain: modelchain.ModelChain) -> None:
        # One total loss figure instead of PVWatts' itemised defaults (soiling, wiring, ...).
        chain.results.dc = chain.results.dc * keep

    chain = modelchain.ModelChain.with_pvwatts(system, place, losses_model=flat_losses)
    with warnings.catch_warnings():
        # pvlib 0.16 still calls pandas APIs that pandas 3.x deprecates (e.g. ``dayofyear``).
        warnings.simplefilter("ignore", DeprecationWarning)
        chain.run_model(mid_hour)
    ac = np.asarray(chain.results.ac, dtype=np.float64)
    power: NDArray[np.float64] = np.clip(np.nan_to_num(ac, nan=0.0), 0.0, None)
    power.flags.writeable = False
    return power
