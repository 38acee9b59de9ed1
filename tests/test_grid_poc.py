"""config/poc.toml reproduces the PoC's economics: 5 i/kWh paid, 4 to producers, 1 to the grid."""

from __future__ import annotations

import asyncio
from fractions import Fraction
from pathlib import Path

from actorgrid.actors.configure import load_grid_spec, without_ledger
from actorgrid.actors.run import run_grid

POC = Path(__file__).resolve().parent.parent / "config" / "poc.toml"


def test_poc_config_pays_5_gets_4_keeps_1() -> None:
    spec = without_ledger(load_grid_spec(POC))
    results = asyncio.run(asyncio.wait_for(run_grid(spec), 60))
    consumers = [p for p in results.participants if p.kind == "consumer"]
    producers = [p for p in results.participants if p.kind == "producer"]
    local_kwh = Fraction(results.total("local_wh"), 1000)
    assert local_kwh > 0
    assert all(s.clearing_price == 5 for s in results.slots if s.local_wh)
    # whole iotas; each account carries < 1 i of sub-iota remainder
    paid = results.total("consumers_paid_i")
    received = results.total("producers_received_i")
    assert 0 <= 5 * local_kwh - paid < len(consumers)
    assert 0 <= 4 * local_kwh - received < len(producers)
    assert abs(results.total("grid_fees_i") - local_kwh) < len(consumers) + len(producers)
    assert paid == received + results.total("grid_fees_i") + results.total("utility_net_i")
    for c in consumers:
        assert c.paid_i == c.billed_i
        assert 0 <= Fraction(c.local_wh * 5, 1000) - c.billed_i < 1
    for p in producers:
        assert 0 <= Fraction(p.local_wh * 4, 1000) - p.billed_i < 1
