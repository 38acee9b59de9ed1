"""Summary, JSON report, plot, supervision tree and the ``demo``/``tree`` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from grid_helpers import tiny_grid

from actorgrid.actors.report import build_report, format_summary, kpis, write_report
from actorgrid.actors.results import ParticipantResult, RunResults, SlotResult
from actorgrid.actors.tree import grid_tree, render_tree
from actorgrid.cli import main

REPO = Path(__file__).resolve().parents[2]


def sample() -> RunResults:
    return RunResults(
        grid="g",
        clearing_rule="pay_as_clear",
        retail_i_per_kwh=30,
        feed_in_i_per_kwh=8,
        slot_minutes=15,
        slots=[
            SlotResult(0, 1000, 1500, 800, 700, 200, 20, 37, 20, 2, 15),
            SlotResult(1, 0, 400, 0, 400, 0, None, 12, 0, 0, 12),
        ],
        participants=[ParticipantResult("c", "consumer", 1900, 800, 1100, 49, 49, 49)],
    )


def test_report_has_required_keys_and_totals() -> None:
    rep = build_report(sample())
    assert rep["energy"] == {
        "produced_wh": 1000,
        "consumed_wh": 1900,
        "local_wh": 800,
        "imported_wh": 1100,
        "exported_wh": 200,
    }
    assert rep["money"] == {
        "consumers_paid_i": 49,
        "producers_received_i": 20,
        "grid_fees_i": 2,
        "utility_net_i": 27,
    }
    assert rep["kpi"]["self_sufficiency"] == pytest.approx(800 / 1900)
    assert rep["kpi"]["self_consumption"] == pytest.approx(0.8)
    assert set(rep["ledger"]) >= {"bundles", "confirmed"}
    assert [s["clearing_price"] for s in rep["slots"]] == [20, None]
    assert rep["slots"][1]["kpi"]["self_consumption"] == 0.0  # nothing produced
    assert rep["savings"]["retail_cost_i"] == 1900 * 30 // 1000
    assert rep["savings"]["saved_i"] == 57 - 49


def test_kpis_of_empty_grid_are_zero() -> None:
    assert kpis(0, 0, 0) == {"self_sufficiency": 0.0, "self_consumption": 0.0}


def test_summary_text_and_json_file(tmp_path: Path) -> None:
    text = format_summary(sample())
    assert "self-sufficiency" in text and "20" in text and "consumer c" in text
    out = tmp_path / "r.json"
    write_report(sample(), out)
    assert json.loads(out.read_text())["energy"]["local_wh"] == 800


def test_plot_writes_png(tmp_path: Path) -> None:
    from actorgrid.actors.plot import write_plot

    out = tmp_path / "p.png"
    write_plot(sample(), out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_tree_lists_every_entity_under_its_supervisor() -> None:
    spec = tiny_grid(producers=2, sources_per_producer=2, consumers=3)
    paths = dict(grid_tree(spec).walk())
    assert paths["/ledger/writer"].kind == "ledger"
    assert paths["/grid/operator"].kind == "grid"
    for p in spec.producers:
        assert paths[f"/grid/{p.id}"].is_supervisor
        assert paths[f"/grid/{p.id}/agent"].kind == "producer"
        for s in p.sources:
            assert paths[f"/grid/{p.id}/{s.id}"].kind == "source"
    for c in spec.consumers:
        assert paths[f"/grid/consumers/{c.id}"].kind == "consumer"
    text = render_tree(grid_tree(spec))
    assert text.count("\n") + 1 == len(paths)


def test_tree_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tree", str(REPO / "config" / "poc.toml")]) == 0
    out = capsys.readouterr().out
    assert "poc-producer" in out and "poc-consumer-2" in out and "operator" in out


def test_tree_command_rejects_bad_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[grid]\nname = "x"\n')
    assert main(["tree", str(bad)]) == 2
    assert "invalid config" in capsys.readouterr().err


def test_demo_command_books_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report, plot = tmp_path / "r.json", tmp_path / "p.png"
    poc = str(REPO / "config" / "poc.toml")
    args = ["demo", poc, "--no-ledger", "--report", str(report), "--plot", str(plot)]
    assert main(args) == 0
    assert "self-sufficiency" in capsys.readouterr().out
    rep = json.loads(report.read_text())
    for s in rep["slots"]:
        e, m = s["energy"], s["money"]
        assert e["local_wh"] + e["exported_wh"] == e["produced_wh"]
        assert e["local_wh"] + e["imported_wh"] == e["consumed_wh"]
        assert m["consumers_paid_i"] == (
            m["producers_received_i"] + m["grid_fees_i"] + m["utility_net_i"]
        )
    assert plot.stat().st_size > 1000
