"""The bundled typical-meteorological-year weather file and the slot -> TMY-hour mapping.

The file is pvlib's TMY3 sample for Greensboro, NC (USAF 723170), copied into
``data/`` so the package works without anything outside it. TMY3 rows are hourly
and labelled at the *end* of the hour in local standard time (fixed UTC offset,
no daylight saving time); here row ``i`` is the hour ``[i, i+1)`` counted from
1 January 00:00 local standard time of a 365-day year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ._grid import SlotGrid

WEATHER_FILE = Path(__file__).resolve().parent / "data" / "723170TYA.csv"
HOURS_PER_YEAR = 8760
_US_PER_HOUR = 3_600_000_000
_US_PER_DAY = 24 * _US_PER_HOUR


@dataclass(frozen=True, slots=True)
class Site:
    """Location and clock of the weather file."""

    name: str
    latitude: float
    longitude: float
    altitude: float
    tz: timezone

    @property
    def utc_offset_hours(self) -> float:
        """The fixed UTC offset of the weather file's local standard time, in hours."""
        offset = self.tz.utcoffset(None)
        assert offset is not None
        return offset / timedelta(hours=1)


@cache
def load_weather() -> tuple[pd.DataFrame, Site]:
    """Hourly weather (pvlib names: ghi, dni, dhi, temp_air, wind_speed, pressure [mbar])
    indexed by the *start* of each hour, and the site. Read once per process."""
    from pvlib import iotools  # lazy: pvlib is slow to import and only needed here

    frame, meta = iotools.read_tmy3(str(WEATHER_FILE), coerce_year=2001, map_variables=True)
    if len(frame) != HOURS_PER_YEAR:
        raise ValueError(f"{WEATHER_FILE} has {len(frame)} rows, expected {HOURS_PER_YEAR}")
    tz = timezone(timedelta(hours=float(meta["TZ"])))
    frame = frame[["ghi", "dni", "dhi", "temp_air", "wind_speed", "pressure"]].astype(float)
    # Row i is the hour [i, i+1) since 1 Jan 00:00 local standard time (see module doc);
    # pvlib labels it at its end and wraps the last row into the next year.
    frame.index = pd.date_range("2001-01-01", periods=HOURS_PER_YEAR, freq="h", tz=tz)
    site = Site(
        name=str(meta["Name"]).strip('"').title(),
        latitude=float(meta["latitude"]),
        longitude=float(meta["longitude"]),
        altitude=float(meta["altitude"]),
        tz=tz,
    )
    return frame, site


def weather_site() -> Site:
    """The site of the bundled weather file."""
    return load_weather()[1]


def integrate_hourly(power_w: NDArray[np.float64], grid: SlotGrid) -> NDArray[np.float64]:
    """Energy (float Wh) per slot of an hourly TMY-year power series (length 8760, W).

    Each slot start is taken in the weather file's local standard time and mapped onto
    the TMY year by day of year (day 366 of a leap year reuses day 365); the slot then
    runs on for its length, wrapping from 31 December to 1 January. Power is constant
    within each TMY hour, so sub-hour slots split an hour's energy evenly.
    """
    if power_w.shape != (HOURS_PER_YEAR,):
        raise ValueError(f"expected {HOURS_PER_YEAR} hourly values, got {power_w.shape}")
    offset_us = round(weather_site().utc_offset_hours * _US_PER_HOUR)
    local_us = grid.starts_us() + offset_us
    days = np.floor_divide(local_us, _US_PER_DAY)
    local_days = days.astype("datetime64[D]")
    day_of_year = (local_days - local_days.astype("datetime64[Y]")).astype(np.int64)
    day_of_year = np.minimum(day_of_year, 364)  # 0-based: 31 Dec of leap years -> day 365
    start_h = day_of_year * 24.0 + (local_us - days * _US_PER_DAY) / _US_PER_HOUR
    end_h = start_h + grid.slot_hours
    cumulative = np.concatenate(([0.0], np.cumsum(power_w)))  # Wh at whole TMY hours
    return np.maximum(_periodic(cumulative, end_h) - _periodic(cumulative, start_h), 0.0)


def _periodic(cumulative: NDArray[np.float64], hours: NDArray[np.float64]) -> NDArray[np.float64]:
    """Cumulative energy at ``hours`` for the TMY year repeated end to end."""
    years = np.floor_divide(hours, HOURS_PER_YEAR)
    within = hours - years * HOURS_PER_YEAR
    grid_h = np.arange(HOURS_PER_YEAR + 1, dtype=np.float64)
    result: NDArray[np.float64] = years * cumulative[-1] + np.interp(within, grid_h, cumulative)
    return result
