"""Benchmark of a whole grid day (not a test): 1,000 devices, 96 slots of 15 minutes.

Run from the repo root: ``python bench/grid.py [--devices N] [--slots N] [--no-ledger]
[--mam-every N] [--mwm N] [--threshold I] [--payout-every N]``. Half the devices are
sources (PV and wind, 10 per producer), half consumers (BDEW H25 homes and G25
businesses). The run uses the simulated clock and real settlement on the embedded ledger
(payments batched by the consumers' threshold policy and by the ledger actor; by default
consumers pay once 1,000 i are owed and at the end of the day, producers are paid every 4
slots, MAM is off) unless ``--no-ledger``.

Baselines measured in the same run: the same day computed directly with the market's pure
functions (no actors, no messages, no ledger): ``ratio_vs_direct`` is the actor run's wall
time over it; and the same actor run with books-only payments: ``ratio_vs_books_only`` is
the share the ledger adds. Prints a few human lines, then ONE JSON object as the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from actorgrid.actors.report import build_report
from actorgrid.actors.run import build_profiles, run_grid
from actorgrid.actors.spec import (
    ConsumerSpec,
    GridSpec,
    LedgerSpec,
    ProducerSpec,
    SourceSpec,
    TimingSpec,
)
from actorgrid.market.book import Bid, Offer, PerKwhFee, Tariffs
from actorgrid.market.clearing import clear
from actorgrid.market.payments import PaymentPolicy
from actorgrid.market.rules import rule_by_name
from actorgrid.market.settlement import Carries, settle
from actorgrid.market.units import Iota, Price, SlotId, Wh
from actorgrid.profiles import Profile

PV = [
    {"kind": "pv", "kwp": kwp, "tilt": tilt, "azimuth": az}
    for kwp, tilt, az in [(4, 30, 180), (6, 35, 160), (8, 25, 200), (5, 40, 135), (10, 20, 225)]
]
WIND = {"kind": "wind", "turbine_type": "E-53/800", "hub_height": 73, "count": 1}
HOMES = [{"kind": "bdew", "profile": "H25", "annual_kwh": kwh} for kwh in (2500, 3500, 4500, 6000)]
SHOPS = [{"kind": "bdew", "profile": "G25", "annual_kwh": kwh} for kwh in (20000, 60000)]


def bench_spec(
    devices: int,
    slots: int,
    *,
    ledger: bool,
    mam_every: int,
    mwm: int,
    threshold_i: int = 1000,
    payout_every: int = 4,
) -> GridSpec:
    """A grid of ``devices`` devices: half sources (10 per producer), half consumers."""
    n_sources = devices // 2
    n_consumers = devices - n_sources
    producers: list[ProducerSpec] = []
    for i in range(0, n_sources, 10):
        sources = tuple(
            SourceSpec(f"src-{j}", WIND if j % 50 == 49 else PV[j % len(PV)])
            for j in range(i, min(i + 10, n_sources))
        )
        producers.append(ProducerSpec(f"prod-{i // 10}", 8 + (i // 10) % 7, sources))
    consumers = tuple(
        ConsumerSpec(
            f"cons-{k}",
            SHOPS[k % len(SHOPS)] if k % 25 == 24 else HOMES[k % len(HOMES)],
            18 + k % 13,
        )
        for k in range(n_consumers)
    )
    return GridSpec(
        name="bench-grid",
        slots=slots,
        slot_minutes=15,
        start=datetime(2026, 6, 21, 5, tzinfo=UTC),
        rule=rule_by_name("pay_as_clear"),
        tariffs=Tariffs(Price(30), Price(8), PerKwhFee(Price(2))),
        producers=tuple(producers),
        consumers=consumers,
        payment=PaymentPolicy(Iota(threshold_i), Iota(25)),
        payout_every=payout_every,
        timing=TimingSpec(producer_grace_s=30.0, grid_grace_s=60.0, retry_s=10.0),
        ledger=LedgerSpec(
            enabled=ledger,
            mwm=mwm,
            milestone_interval_s=1.0,
            genesis={},
            default_balance_i=1_000_000,
            mam_enabled=ledger and mam_every > 0,
            mam_every=max(1, mam_every),
            mam_security=1,
        ),
    )


def direct_day(spec: GridSpec, profiles: dict[str, Profile]) -> float:
    """The same day with the pure market functions only; returns seconds."""
    started = time.perf_counter()
    carries = Carries()
    for k in range(spec.slots):
        offers = [
            Offer(p.id, Wh(sum(profiles[s.id].energy_wh(k) for s in p.sources)), Price(p.price))
            for p in spec.producers
        ]
        bids = [
            Bid(c.id, Wh(profiles[c.id].energy_wh(k)), Price(c.max_price)) for c in spec.consumers
        ]
        result = clear(SlotId(k), offers, bids, spec.rule, spec.tariffs)
        carries = settle(result, spec.name, carries).carries
    return time.perf_counter() - started


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    spec = bench_spec(
        args.devices,
        args.slots,
        ledger=not args.no_ledger,
        mam_every=args.mam_every,
        mwm=args.mwm,
        threshold_i=args.threshold,
        payout_every=args.payout_every,
    )
    t = time.perf_counter()
    profiles = build_profiles(spec)
    profiles_s = time.perf_counter() - t
    direct_s = direct_day(spec, profiles)
    ledger = None
    if spec.ledger.enabled:
        from actorgrid.actors.tangle import TangleLedger

        ledger = TangleLedger(spec)
    t = time.perf_counter()
    results = await run_grid(spec, ledger=ledger, profiles=profiles)
    wall_s = time.perf_counter() - t
    books_s = None
    if spec.ledger.enabled:  # the same day with books-only payments: the actors' own share
        t = time.perf_counter()
        books_spec = replace(spec, ledger=replace(spec.ledger, enabled=False, mam_enabled=False))
        await run_grid(books_spec, profiles=profiles)
        books_s = time.perf_counter() - t
    rep = build_report(results)
    for s in rep["slots"]:
        m = s["money"]
        assert (
            m["consumers_paid_i"]
            == m["producers_received_i"] + m["grid_fees_i"] + m["utility_net_i"]
        ), s
    return {
        "devices": spec.devices,
        "sources": len(spec.sources),
        "consumers": len(spec.consumers),
        "producers": len(spec.producers),
        "slots": spec.slots,
        "wall_s": round(wall_s, 3),
        "readings": results.readings,
        "readings_per_s": round(results.readings / wall_s, 1),
        "profiles_s": round(profiles_s, 3),
        "direct_market_s": round(direct_s, 3),
        "ratio_vs_direct": round(wall_s / direct_s, 2) if direct_s else None,
        "books_only_wall_s": None if books_s is None else round(books_s, 3),
        "ratio_vs_books_only": None if books_s is None else round(wall_s / books_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "ledger": rep["ledger"],
        "mwm": spec.ledger.mwm if spec.ledger.enabled else None,
        "payment_threshold_i": int(spec.payment.threshold_i),
        "payout_every_slots": spec.payout_every,
        "mam_every_slots": spec.ledger.mam_every if spec.ledger.mam_enabled else None,
        "transfers": results.ledger.transfers,
        "self_sufficiency": round(rep["kpi"]["self_sufficiency"], 4),
        "consumers_paid_i": rep["money"]["consumers_paid_i"],
        "target_wall_s": 60.0,
        "gsy_e_reference_s": "~120 s for one day of 150 devices (measured on this machine)",
        "per_device_slot_us": round(1e6 * wall_s / (spec.devices * spec.slots), 1),
        "every_reading_counted_once": results.readings == spec.devices * spec.slots,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--slots", type=int, default=96)
    parser.add_argument("--no-ledger", action="store_true")
    parser.add_argument("--mam-every", type=int, default=0, help="MAM cadence in slots (0: off)")
    parser.add_argument("--mwm", type=int, default=9)
    parser.add_argument(
        "--threshold", type=int, default=1000, help="consumers pay once this much is owed"
    )
    parser.add_argument(
        "--payout-every", type=int, default=4, help="slots per payout transfer to producers"
    )
    args = parser.parse_args()
    out = asyncio.run(main_async(args))
    print(
        f"{out['devices']} devices x {out['slots']} slots: {out['wall_s']} s wall, "
        f"{out['readings_per_s']} readings/s, peak RSS {out['peak_rss_mb']} MB, "
        f"{out['ratio_vs_direct']}x the direct market computation",
        file=sys.stderr,
    )
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
