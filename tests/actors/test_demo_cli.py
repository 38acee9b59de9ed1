"""`actorgrid demo --crash`: the named entity crashes, is restarted, and the figures hold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from actorgrid.cli import main

POC = str(Path(__file__).resolve().parents[2] / "config" / "poc.toml")


def _report(tmp_path: Path, *extra: str) -> dict[str, object]:
    out = tmp_path / f"report{len(extra)}.json"
    assert main(["demo", POC, "--no-ledger", "--quiet", "--report", str(out), *extra]) == 0
    report = json.loads(out.read_text())
    assert isinstance(report, dict)
    return report


def test_crashes_are_restarted_and_change_no_figure(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clean = _report(tmp_path)
    crashed = _report(tmp_path, "--crash", "poc-consumer-1@3", "--crash", "poc-producer@7")
    assert crashed["run"]["restarts"] >= 2  # type: ignore[index]
    for key in ("energy", "money", "kpi"):
        assert crashed[key] == clean[key]
    crashes = [r for r in caplog.records if "injected crash" in r.getMessage()]
    assert {r.getMessage().split(":")[0] for r in crashes} >= {
        "actor /grid/consumers/poc-consumer-1 crashed"
    }
    assert all(r.exc_info is None for r in crashes), "an injected crash is one line, no stack"


def test_unknown_entity_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", POC, "--no-ledger", "--crash", "nobody@3"]) == 2
    assert "unknown entity nobody" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["demo", POC, "--crash", "no-slot"])
