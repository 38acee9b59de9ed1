"""Replay of a measured series from a CSV file."""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ._errors import ProfileError
from ._grid import SlotGrid, integrate_steps
from ._spec import SpecReader

UNITS = ("wh", "kwh", "w")


@dataclass(frozen=True, slots=True)
class CsvModel:
    """``{"kind": "csv", "path", "column", ["unit"], ["time_column"], ["timezone"], ["repeat"]}``.

    ``unit`` is ``"wh"`` (default) or ``"kwh"`` (energy of the row's interval) or ``"w"``
    (mean power over it). Without ``time_column`` row ``i`` (after the header) is slot
    ``i``; with ``repeat: true`` the rows are replayed cyclically when the run is longer.
    With ``time_column`` each row covers ``[its time, the next row's time)`` (the last row
    as long as the one before it), the rows are spread evenly over that interval and
    re-binned onto the slots, and the file must cover the whole run; naive times are read
    in ``timezone`` (IANA name, default ``"UTC"``). ``path`` is used as given (relative
    paths against the working directory), so the config should pass an absolute path.
    """

    path: str
    column: str
    unit: str
    time_column: str | None
    timezone: str
    repeat: bool
    file_stamp: tuple[int, int]  # (mtime_ns, size): an edited file is read again

    @classmethod
    def parse(cls, spec: Mapping[str, Any]) -> CsvModel:
        """Validate a ``csv`` spec (see the class docstring); checks the file exists."""
        reader = SpecReader(
            spec, "csv", ("path", "column"), ("unit", "time_column", "timezone", "repeat")
        )
        raw_path = spec.get("path")
        if not isinstance(raw_path, str | os.PathLike) or not str(raw_path).strip():
            raise reader.error("path", f"must be a file path, got {raw_path!r}")
        path = Path(raw_path).expanduser().resolve()
        try:
            stat = path.stat()
        except OSError as exc:
            raise reader.error("path", f"cannot read {str(path)!r}: {exc.strerror}") from exc
        if not path.is_file():
            raise reader.error("path", f"{str(path)!r} is not a file")
        zone = reader.string("timezone", default="UTC")
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise reader.error("timezone", f"unknown IANA time zone {zone!r}") from exc
        time_column = reader.optional_string("time_column")
        repeat = reader.boolean("repeat", default=False)
        if repeat and time_column is not None:
            raise reader.error("repeat", "only allowed without 'time_column'")
        return cls(
            path=str(path),
            column=reader.string("column"),
            unit=reader.string("unit", default="wh", choices=UNITS),
            time_column=time_column,
            timezone=zone,
            repeat=repeat,
            file_stamp=(stat.st_mtime_ns, stat.st_size),
        )

    def energies(self, grid: SlotGrid) -> NDArray[np.float64]:
        """Float Wh per slot; :class:`ProfileError` if the file cannot serve the run."""
        values, times_s = _read(self)
        if self.time_column is None:
            return self._by_row(values, grid)
        return self._by_time(values, times_s, grid)

    def describe(self) -> str:
        """One line for humans."""
        how = f"by time column {self.time_column!r}" if self.time_column else "one row per slot"
        return f"csv {Path(self.path).name} column {self.column!r} [{self.unit}], {how}"

    def _by_row(self, values: NDArray[np.float64], grid: SlotGrid) -> NDArray[np.float64]:
        if grid.slots > len(values):
            if not self.repeat or len(values) == 0:
                raise self._error(
                    "path",
                    f"has {len(values)} data rows but the run needs {grid.slots} slots "
                    "(set 'repeat': true to replay it cyclically)",
                )
            values = np.resize(values, grid.slots)
        rows = values[: grid.slots]
        return rows * grid.slot_hours if self.unit == "w" else rows

    def _by_time(
        self, values: NDArray[np.float64], times_s: NDArray[np.float64], grid: SlotGrid
    ) -> NDArray[np.float64]:
        if len(values) < 2:
            raise self._error("path", "needs at least 2 timed rows")
        breaks = np.append(times_s, times_s[-1] + (times_s[-1] - times_s[-2]))
        energy = values * (np.diff(breaks) / 3600.0) if self.unit == "w" else values
        edges = grid.edges_s()
        if grid.slots and (edges[0] < breaks[0] or edges[-1] > breaks[-1]):
            covers = f"{_iso(breaks[0])} .. {_iso(breaks[-1])}"
            needs = f"{_iso(edges[0])} .. {_iso(edges[-1])}"
            raise self._error("path", f"covers {covers} but the run needs {needs}")
        return integrate_steps(breaks, energy, edges)

    def _error(self, key: str, problem: str) -> ProfileError:
        return ProfileError("csv", key, f"{self.path}: {problem}")


@lru_cache(maxsize=64)
def _read(model: CsvModel) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Values (in Wh, or W for unit "w") and row times (epoch s, empty without time column)."""
    frame = _load_frame(model)
    if model.column not in frame.columns:
        raise model._error(
            "column", f"no column {model.column!r}; columns are {list(map(str, frame.columns))}"
        )
    numbers = pd.to_numeric(frame[model.column], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(numbers) | (numbers < 0))
    if bad.size:
        row = int(bad[0])
        raw = frame[model.column].iloc[row]
        problem = "value is missing" if pd.isna(raw) else f"{raw!s} is not a non-negative number"
        raise model._error("column", f"line {row + 2}: {problem}")
    if model.unit == "kwh":
        numbers = numbers * 1000.0
    times = np.zeros(0)
    if model.time_column is not None:
        times = _times(model, frame)
    numbers.flags.writeable = False
    times.flags.writeable = False
    return numbers, times


def _load_frame(model: CsvModel) -> pd.DataFrame:
    try:
        return pd.read_csv(model.path, skipinitialspace=True)
    except pd.errors.EmptyDataError as exc:
        raise model._error("path", "file is empty") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise model._error("path", f"not a readable CSV file ({str(exc).strip()})") from exc
    except OSError as exc:
        raise model._error("path", f"cannot read: {exc.strerror}") from exc


def _times(model: CsvModel, frame: pd.DataFrame) -> NDArray[np.float64]:
    assert model.time_column is not None
    if model.time_column not in frame.columns:
        raise model._error(
            "time_column",
            f"no column {model.time_column!r}; columns are {list(map(str, frame.columns))}",
        )
    raw = frame[model.time_column]
    parsed = pd.to_datetime(raw, errors="coerce", format="ISO8601", utc=True)
    if parsed.isna().any():
        row = int(np.flatnonzero(parsed.isna().to_numpy())[0])
        raise model._error("time_column", f"line {row + 2}: {raw.iloc[row]!r} is not a time")
    try:
        naive = pd.to_datetime(raw, format="ISO8601", utc=False, errors="coerce")
    except ValueError:  # mixed UTC offsets: all rows carry their own offset
        naive = parsed
    if isinstance(naive.dtype, np.dtypes.DateTime64DType):  # no offsets given: local times
        parsed = naive.dt.tz_localize(
            zoneinfo.ZoneInfo(model.timezone), ambiguous="NaT", nonexistent="NaT"
        )
        if parsed.isna().any():
            row = int(np.flatnonzero(parsed.isna().to_numpy())[0])
            raise model._error(
                "time_column",
                f"line {row + 2}: {raw.iloc[row]!r} does not exist or is ambiguous "
                f"in {model.timezone}",
            )
    epoch = pd.Timestamp(0, tz="UTC")
    seconds = np.asarray((parsed - epoch) / pd.Timedelta(seconds=1), dtype=np.float64)
    steps = np.diff(seconds)
    if steps.size and steps.min() <= 0:
        row = int(np.flatnonzero(steps <= 0)[0]) + 1
        raise model._error("time_column", f"line {row + 2}: times must be strictly increasing")
    return seconds


def _iso(seconds: float) -> str:
    return str(pd.Timestamp(seconds, unit="s", tz="UTC").isoformat())
