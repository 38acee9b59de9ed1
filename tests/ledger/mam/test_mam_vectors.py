"""Every case of the reference vector file (copied from shared/vectors/mam/dev.json)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mam_support import VECTORS, load_cases

from actorgrid.ledger.mam import curl
from actorgrid.ledger.mam.check import check_case, check_file

CASES = load_cases()
# The NumPy fallback is ~20x slower: on it, run one case of each kind and shape.
FALLBACK_IDS = {"dev-c02-m1", "dev-c05-m1", "dev-c10-m1", "dev-f03", "dev-e01", "dev-e02"}


def test_vector_file_has_every_kind() -> None:
    kinds = {case["kind"] for case in CASES}
    assert kinds == {"encode", "decodeOnly", "decodeError"}
    assert len(CASES) >= 35


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_matches_reference(case: dict[str, Any]) -> None:
    result = check_case(case)
    assert result.passed, result.problems


@pytest.mark.parametrize(
    "case", [c for c in CASES if c["id"] in FALLBACK_IDS], ids=sorted(FALLBACK_IDS)
)
def test_case_matches_reference_on_numpy_fallback(case: dict[str, Any]) -> None:
    previous = curl.BACKEND
    curl.use_backend("numpy")
    try:
        result = check_case(case)
    finally:
        curl.use_backend(previous)
    assert result.passed, result.problems


def test_checker_reports_a_tampered_case(tmp_path: Path) -> None:
    data = json.loads(VECTORS.read_text())
    case = next(c for c in data["cases"] if c["id"] == "dev-c02-m0")
    case["expected"]["payload"] = "9" + case["expected"]["payload"][1:]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    results = {r.case_id: r for r in check_file(bad)}
    assert not results["dev-c02-m0"].passed
    assert sum(r.passed for r in results.values()) == len(data["cases"]) - 1


def test_check_command_output_and_exit_status(tmp_path: Path) -> None:
    data = json.loads(VECTORS.read_text())
    data["cases"] = [c for c in data["cases"] if c["id"] in {"dev-c02-m0", "dev-e03"}]
    good = tmp_path / "good.json"
    good.write_text(json.dumps(data))
    ok = subprocess.run(
        [sys.executable, "-m", "actorgrid.ledger.mam", "check", str(good)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0
    assert ok.stdout.splitlines() == ["2 passed, 0 failed"]

    data["cases"][0]["expected"]["nextRoot"] = "9" * 81
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    failed = subprocess.run(
        [sys.executable, "-m", "actorgrid.ledger.mam", "check", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode == 1
    lines = failed.stdout.splitlines()
    assert lines[-1] == "1 passed, 1 failed"
    assert lines[0].startswith("FAIL dev-c02-m0:") and "nextRoot" in lines[0]


@pytest.mark.parametrize("content", [None, "{not json", '{"cases": 5}', "[]"])
def test_check_of_an_unreadable_file_exits_2(
    tmp_path: Path, content: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    from actorgrid.ledger.mam.check import main

    path = tmp_path / "vectors.json"
    if content is not None:
        path.write_text(content)
    assert main(str(path)) == 2
    assert "error: cannot read vector file" in capsys.readouterr().err
