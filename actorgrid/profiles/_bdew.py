"""Household and business load: demandlib's 2025 BDEW standard load profiles (H25, G25, L25)."""

from __future__ import annotations

import warnings
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ._grid import SlotGrid, integrate_steps
from ._spec import SpecReader
from ._weather import weather_site

PROFILES = ("H25", "G25", "L25")


@dataclass(frozen=True, slots=True)
class BdewModel:
    """``{"kind": "bdew", "profile": "H25"|"G25"|"L25", "annual_kwh", ["timezone"],
    ["holidays"]}``.

    The profile is laid out on the wall clock of ``timezone`` (an IANA name such as
    ``"Europe/Berlin"``; default: the weather file's local standard time, so load and
    PV share one clock) and scaled so that every calendar year sums to ``annual_kwh``.
    ``holidays`` lists dates (``date`` or ``"YYYY-MM-DD"``) that follow the Sunday/holiday
    curve; by default there are none.
    """

    profile: str
    annual_kwh: float
    timezone: str | None
    holidays: tuple[date, ...] = ()

    @classmethod
    def parse(cls, spec: Mapping[str, Any]) -> BdewModel:
        """Validate a ``bdew`` spec (see the class docstring)."""
        reader = SpecReader(spec, "bdew", ("profile", "annual_kwh"), ("timezone", "holidays"))
        name = reader.optional_string("timezone")
        if name is not None:
            try:
                zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
                raise reader.error("timezone", f"unknown IANA time zone {name!r}") from exc
        return cls(
            profile=reader.string("profile", choices=PROFILES),
            annual_kwh=reader.number("annual_kwh", low=0.0, high=1e9),
            timezone=name,
            holidays=_holidays(reader),
        )

    def energies(self, grid: SlotGrid) -> NDArray[np.float64]:
        """Float Wh per slot."""
        if grid.slots == 0:
            return np.zeros(0)
        zone: tzinfo = (
            weather_site().tz if self.timezone is None else zoneinfo.ZoneInfo(self.timezone)
        )
        first = grid.start.astimezone(zone).year
        last = (grid.end - timedelta(microseconds=1)).astimezone(zone).year
        breaks: list[NDArray[np.float64]] = []
        shares: list[NDArray[np.float64]] = []
        for year in range(first, last + 1):
            days = tuple(day for day in self.holidays if day.year == year)
            year_breaks, year_shares = _year(self.profile, year, zone, days)
            breaks.append(year_breaks if year == last else year_breaks[:-1])
            shares.append(year_shares)
        wh = integrate_steps(np.concatenate(breaks), np.concatenate(shares), grid.edges_s())
        scaled: NDArray[np.float64] = wh * (self.annual_kwh * 1000.0)
        return scaled

    def describe(self) -> str:
        """One line for humans."""
        clock = self.timezone or f"UTC{weather_site().utc_offset_hours:+g}"
        return f"bdew {self.profile} {self.annual_kwh:g} kWh/yr, clock {clock}"


def _holidays(reader: SpecReader) -> tuple[date, ...]:
    raw = reader.spec.get("holidays", ())
    if not isinstance(raw, list | tuple):
        raise reader.error("holidays", f"must be a list of dates, got {raw!r}")
    days: set[date] = set()
    for item in raw:
        if isinstance(item, datetime) or not isinstance(item, date | str):
            raise reader.error("holidays", f"{item!r} is not a date")
        try:
            days.add(item if isinstance(item, date) else date.fromisoformat(item))
        except ValueError as exc:
            raise reader.error("holidays", f"{item!r} is not a YYYY-MM-DD date") from exc
    return tuple(sorted(days))


@lru_cache(maxsize=64)
def _year(
    profile: str, year: int, zone: tzinfo, holidays: tuple[date, ...]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """15-minute breaks (epoch s, N+1) and each quarter-hour's share of the year (sums to 1)."""
    index = pd.date_range(
        datetime(year, 1, 1, tzinfo=zone),
        datetime(year + 1, 1, 1, tzinfo=zone),
        freq="15min",
        inclusive="both",
    )
    from demandlib import bdew  # lazy: only bdew specs need demandlib

    with warnings.catch_warnings():
        # demandlib 0.2.2 still uses pandas' deprecated ``inplace=`` keywords.
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        power_kw = getattr(bdew, profile)(index[:-1], holidays=list(holidays) or None)
    values = np.asarray(power_kw, dtype=np.float64)
    if values.shape != (len(index) - 1,) or not np.all(np.isfinite(values)) or values.min() < 0:
        raise ValueError(f"demandlib {profile} returned unusable values for {year}")
    epoch = pd.Timestamp(0, tz=UTC)
    breaks = np.asarray((index - epoch) / pd.Timedelta(seconds=1), dtype=np.float64)
    shares: NDArray[np.float64] = values / values.sum()
    breaks.flags.writeable = False
    shares.flags.writeable = False
    return breaks, shares
