"""The run summary: a JSON-ready report dict and its human-readable text form.

KPIs follow gsy-e's definitions at community level: *self-sufficiency* is the share of the
demand met by local generation (``local_wh / consumed_wh``) and *self-consumption* is the
share of local generation consumed locally (``local_wh / produced_wh``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from actorgrid.actors.results import RunResults, SlotResult

__all__ = ["build_report", "format_summary", "kpis", "write_report"]

ENERGY_KEYS = ("produced_wh", "consumed_wh", "local_wh", "imported_wh", "exported_wh")
MONEY_KEYS = ("consumers_paid_i", "producers_received_i", "grid_fees_i", "utility_net_i")


def kpis(local_wh: int, consumed_wh: int, produced_wh: int) -> dict[str, float]:
    """Self-sufficiency and self-consumption (0.0 when the denominator is zero)."""
    return {
        "self_sufficiency": local_wh / consumed_wh if consumed_wh else 0.0,
        "self_consumption": local_wh / produced_wh if produced_wh else 0.0,
    }


def build_report(results: RunResults) -> dict[str, Any]:
    """The JSON report: totals, KPIs, ledger figures, per-slot and per-participant figures."""
    energy = {k: results.total(k) for k in ENERGY_KEYS}
    money = {k: results.total(k) for k in MONEY_KEYS}
    retail = results.retail_cost_i()
    return {
        "grid": results.grid,
        "clearing_rule": results.clearing_rule,
        "clock": results.clock,
        "slot_minutes": results.slot_minutes,
        "tariffs": {
            "retail_i_per_kwh": results.retail_i_per_kwh,
            "feed_in_i_per_kwh": results.feed_in_i_per_kwh,
        },
        "energy": energy,
        "money": money,
        "kpi": kpis(energy["local_wh"], energy["consumed_wh"], energy["produced_wh"]),
        "savings": {
            "retail_cost_i": retail,
            "consumers_paid_i": money["consumers_paid_i"],
            "saved_i": retail - money["consumers_paid_i"],
        },
        "ledger": {
            "bundles": results.ledger.bundles,
            "confirmed": results.ledger.confirmed,
            "transfers": results.ledger.transfers,
            "transfers_confirmed": results.ledger.transfers_confirmed,
            "failed": results.ledger.failed,
            "mam_messages": results.ledger.mam_messages,
            "balances_agree": results.ledger.balances_agree,
            "node": results.ledger.node,
        },
        "run": {
            "wall_s": round(results.wall_s, 3),
            "readings": results.readings,
            "restarts": results.restarts,
            "faults_injected": results.faults,
        },
        "mam": {
            e: {"root": root, "side_key": results.mam_side_keys.get(e, "")}
            for e, root in sorted(results.mam_roots.items())
        },
        "participants": [_participant(p) for p in results.participants],
        "slots": [_slot(s) for s in results.slots],
    }


def write_report(results: RunResults, path: str | Path) -> None:
    """Write :func:`build_report` as indented JSON to ``path``."""
    Path(path).write_text(json.dumps(build_report(results), indent=2) + "\n", encoding="utf-8")


def format_summary(results: RunResults, *, max_slot_lines: int = 12) -> str:
    """The end-of-run summary printed by ``actorgrid demo``."""
    rep = build_report(results)
    e, m, k, led = rep["energy"], rep["money"], rep["kpi"], rep["ledger"]
    lines = [
        f"== {results.grid}: {len(results.slots)} slots of {results.slot_minutes} min, "
        f"rule {results.clearing_rule}, clock {results.clock} ==",
        "energy   produced {:>10} Wh  consumed {:>10} Wh".format(
            e["produced_wh"], e["consumed_wh"]
        ),
        "         local    {:>10} Wh  imported {:>10} Wh  exported {:>10} Wh".format(
            e["local_wh"], e["imported_wh"], e["exported_wh"]
        ),
        "kpi      self-sufficiency {:.1%}  self-consumption {:.1%}".format(
            k["self_sufficiency"], k["self_consumption"]
        ),
        "money    consumers paid {} i, producers received {} i, grid fees {} i, "
        "utility net {} i".format(
            m["consumers_paid_i"],
            m["producers_received_i"],
            m["grid_fees_i"],
            m["utility_net_i"],
        ),
        "savings  {} i against buying everything at retail ({} i)".format(
            rep["savings"]["saved_i"], rep["savings"]["retail_cost_i"]
        ),
        "ledger   {} bundles, {} confirmed; {} transfers ({} confirmed, {} failed); "
        "{} MAM messages; balances agree with books: {}".format(
            led["bundles"],
            led["confirmed"],
            led["transfers"],
            led["transfers_confirmed"],
            led["failed"],
            led["mam_messages"],
            led["balances_agree"],
        ),
        f"run      {results.readings} readings in {results.wall_s:.2f} s wall, "
        f"{results.restarts} restarts",
        "clearing price per slot (i/kWh, '-' = nothing traded locally):",
    ]
    lines.extend(_price_lines(results.slots, per_line=16))
    lines.append("money per participant (i):")
    shown = sorted(results.participants, key=lambda p: (p.kind, p.id))
    for p in shown[: max_slot_lines * 4]:
        verb = "paid" if p.kind == "consumer" else "received"
        lines.append(
            f"  {p.kind:<8} {p.id:<24} {p.energy_wh:>8} Wh  local {p.local_wh:>8} Wh  "
            f"billed {p.billed_i:>7}  {verb} {p.paid_i:>7}  confirmed {p.confirmed_i:>7}"
        )
    if len(shown) > max_slot_lines * 4:
        lines.append(f"  ... and {len(shown) - max_slot_lines * 4} more (see --report)")
    return "\n".join(lines)


def _price_lines(slots: list[SlotResult], per_line: int) -> list[str]:
    out: list[str] = []
    for i in range(0, len(slots), per_line):
        chunk = slots[i : i + per_line]
        prices = " ".join(
            f"{s.clearing_price:>3}" if s.clearing_price is not None else "  -" for s in chunk
        )
        out.append(f"  {chunk[0].slot:>4}: {prices}")
    return out


def _slot(s: SlotResult) -> dict[str, Any]:
    return {
        "slot": s.slot,
        "energy": {k: int(getattr(s, k)) for k in ENERGY_KEYS},
        "money": {k: int(getattr(s, k)) for k in MONEY_KEYS},
        "kpi": kpis(s.local_wh, s.consumed_wh, s.produced_wh),
        "clearing_price": s.clearing_price,
        "reason": s.reason,
        "missing_readings": s.missing_readings,
        "missing_reports": s.missing_reports,
    }


def _participant(p: Any) -> dict[str, Any]:
    return {
        "id": p.id,
        "kind": p.kind,
        "energy_wh": p.energy_wh,
        "local_wh": p.local_wh,
        "utility_wh": p.utility_wh,
        "billed_i": p.billed_i,
        "paid_i": p.paid_i,
        "confirmed_i": p.confirmed_i,
        "outstanding_i": p.outstanding_i,
        "retail_cost_i": p.retail_cost_i,
        "ledger_balance_i": p.ledger_balance_i,
        "invoices": p.invoices,
        "missing_slots": p.missing_slots,
    }
