"""CSV replay: units, row and time alignment, and clear errors for bad files."""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actorgrid.profiles import ProfileError, make_profile

_names = itertools.count()
START = datetime(2026, 6, 1, tzinfo=UTC)


def write(tmp_path: Path, text: str, name: str = "meter.csv") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def replay(spec: Mapping[str, object], slots: int, slot_minutes: int = 15) -> np.ndarray:
    return make_profile(spec, start=START, slot_minutes=slot_minutes, slots=slots).as_array()


def test_rows_replay_one_per_slot_in_wh(tmp_path: Path) -> None:
    path = write(tmp_path, "load\n10\n0\n250\n7\n")
    assert replay({"kind": "csv", "path": path, "column": "load"}, 4).tolist() == [10, 0, 250, 7]


def test_kwh_rows_are_rounded_without_drift(tmp_path: Path) -> None:
    values = [0.0104, 0.0104, 0.0104, 0.0104, 0.0104]  # 10.4 Wh each, 52 Wh in all
    path = write(tmp_path, "e\n" + "\n".join(map(str, values)) + "\n")
    got = replay({"kind": "csv", "path": path, "column": "e", "unit": "kWh"}, 5)
    assert got.sum() == 52
    assert set(got.tolist()) <= {10, 11}


def test_watts_are_mean_power_over_the_slot(tmp_path: Path) -> None:
    path = write(tmp_path, "p\n1000\n2000\n")
    assert replay({"kind": "csv", "path": path, "column": "p", "unit": "w"}, 2).tolist() == [
        250,
        500,
    ]


def test_short_file_is_an_error_unless_repeated(tmp_path: Path) -> None:
    path = write(tmp_path, "load\n1\n2\n3\n")
    with pytest.raises(ProfileError, match="3 data rows but the run needs 5") as info:
        replay({"kind": "csv", "path": path, "column": "load"}, 5)
    assert info.value.key == "path"
    cyclic = replay({"kind": "csv", "path": path, "column": "load", "repeat": True}, 7)
    assert cyclic.tolist() == [1, 2, 3, 1, 2, 3, 1]


def test_hourly_timed_rows_are_spread_over_quarter_hours(tmp_path: Path) -> None:
    rows = ["time,wh", "2026-06-01T00:00:00Z,400", "2026-06-01T01:00:00Z,100"]
    rows.append("2026-06-01T02:00:00Z,0")
    path = write(tmp_path, "\n".join(rows) + "\n")
    got = replay({"kind": "csv", "path": path, "column": "wh", "time_column": "time"}, 12)
    assert got.tolist() == [100] * 4 + [25] * 4 + [0] * 4


def test_naive_times_are_read_in_the_given_timezone(tmp_path: Path) -> None:
    # 02:00 in Berlin (CEST, UTC+2) is 00:00 UTC = START.
    rows = ["t,kwh", "2026-06-01 02:00,1.0", "2026-06-01 03:00,2.0", "2026-06-01 04:00,0"]
    path = write(tmp_path, "\n".join(rows) + "\n")
    spec = {
        "kind": "csv",
        "path": path,
        "column": "kwh",
        "unit": "kwh",
        "time_column": "t",
        "timezone": "Europe/Berlin",
    }
    assert replay(spec, 3, slot_minutes=60).tolist() == [1000, 2000, 0]


def test_timed_file_must_cover_the_run(tmp_path: Path) -> None:
    path = write(tmp_path, "t,wh\n2026-06-01T00:00Z,5\n2026-06-01T00:15Z,5\n")
    with pytest.raises(ProfileError, match=r"covers .* but the run needs"):
        replay({"kind": "csv", "path": path, "column": "wh", "time_column": "t"}, 3)


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    path = write(tmp_path, "load\n1\n2\n")
    spec = {"kind": "csv", "path": path, "column": "load"}
    assert replay(spec, 2).tolist() == [1, 2]
    Path(path).write_text("load\n30\n40\n")
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert replay(spec, 2).tolist() == [30, 40]


@pytest.mark.parametrize(
    ("text", "extra", "key", "message"),
    [
        ("", {}, "path", "empty"),
        ("load\n1\nabc\n3\n", {}, "column", "line 3: abc is not"),
        ("load\n1\n-5\n", {}, "column", "line 3"),
        ("n,load\n1,1\n2,\n3,3\n", {}, "column", "line 3: value is missing"),
        ("load\n1\n2,3,4\n", {}, "path", "not a readable CSV"),
        ("other\n1\n2\n", {}, "column", "columns are \\['other'\\]"),
        (
            "t,load\n2026-06-01T00:00Z,1\nyesterday,2\n",
            {"time_column": "t"},
            "time_column",
            "line 3",
        ),
        (
            "t,load\n2026-06-01T01:00Z,1\n2026-06-01T00:00Z,2\n",
            {"time_column": "t"},
            "time_column",
            "strictly increasing",
        ),
        ("t,load\n2026-06-01T00:00Z,1\n", {"time_column": "x"}, "time_column", "no column 'x'"),
    ],
)
def test_bad_files_raise_clear_errors(
    tmp_path: Path, text: str, extra: dict[str, object], key: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ProfileError, match=message) as info:
        replay({"kind": "csv", "path": path, "column": "load", **extra}, 2)
    assert info.value.key == key
    assert path in str(info.value) or key in str(info.value)


def test_missing_file_directory_and_binary_file(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot read") as info:
        replay({"kind": "csv", "path": str(tmp_path / "nope.csv"), "column": "x"}, 1)
    assert info.value.key == "path"
    with pytest.raises(ProfileError, match="not a file"):
        replay({"kind": "csv", "path": str(tmp_path), "column": "x"}, 1)
    binary = tmp_path / "blob.csv"
    binary.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(ProfileError) as info:
        replay({"kind": "csv", "path": str(binary), "column": "x"}, 1)
    assert info.value.key in {"path", "column"}


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ({"unit": "joule"}, "unit"),
        ({"timezone": "Nowhere/City"}, "timezone"),
        ({"repeat": "yes"}, "repeat"),
        ({"repeat": True, "time_column": "t"}, "repeat"),
        ({"path": 42}, "path"),
        ({"column": ""}, "column"),
    ],
)
def test_invalid_csv_specs_name_the_key(tmp_path: Path, extra: dict[str, object], key: str) -> None:
    path = write(tmp_path, "load\n1\n")
    with pytest.raises(ProfileError) as info:
        replay({"kind": "csv", "path": path, "column": "load", **extra}, 1)
    assert info.value.key == key


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.floats(min_value=0, max_value=50, allow_nan=False), min_size=1, max_size=60))
def test_kwh_replay_total_never_drifts(tmp_path: Path, kwh: list[float]) -> None:
    text = "e\n" + "\n".join(repr(v) for v in kwh) + "\n"
    # A fresh name per example: the reader's cache knows a file by (mtime_ns, size).
    path = write(tmp_path, text, name=f"drift-{next(_names)}.csv")
    got = replay({"kind": "csv", "path": path, "column": "e", "unit": "kwh"}, len(kwh))
    assert abs(int(got.sum()) - sum(kwh) * 1000) <= 0.5 + 1e-6 * len(kwh)
    assert np.all(np.abs(got - np.array(kwh) * 1000) < 1.0 + 1e-6)
