"""Tiny grids for the actor tests (fixed and seeded random profiles, no model runs)."""

from __future__ import annotations

from datetime import UTC, datetime

from actorgrid.actors.spec import (
    ConsumerSpec,
    GridSpec,
    LedgerSpec,
    ProducerSpec,
    SourceSpec,
    TimingSpec,
)
from actorgrid.market.book import PerKwhFee, Tariffs
from actorgrid.market.payments import PaymentPolicy
from actorgrid.market.rules import rule_by_name
from actorgrid.market.units import Iota, Price


def tiny_grid(
    *,
    producers: int = 2,
    sources_per_producer: int = 2,
    consumers: int = 3,
    slots: int = 8,
    seed: int = 1,
    rule: str = "pay_as_clear",
    fee: int = 1,
    threshold_i: int = 25,
    payout_every: int = 1,
) -> GridSpec:
    """A small grid with seeded random profiles."""
    params = {"producer_rate": 4} if rule == "fixed" else {}
    return GridSpec(
        name="tiny",
        slots=slots,
        slot_minutes=15,
        start=datetime(2026, 6, 21, tzinfo=UTC),
        rule=rule_by_name(rule, **params),
        tariffs=Tariffs(Price(30), Price(8), PerKwhFee(Price(fee))),
        producers=tuple(
            ProducerSpec(
                f"p{i}",
                10 + i,
                tuple(
                    SourceSpec(
                        f"p{i}-s{j}",
                        {
                            "kind": "random",
                            "min_wh": 0,
                            "max_wh": 900,
                            "seed": seed * 100 + i * 10 + j,
                        },
                    )
                    for j in range(sources_per_producer)
                ),
            )
            for i in range(producers)
        ),
        consumers=tuple(
            ConsumerSpec(
                f"c{k}",
                {"kind": "random", "min_wh": 0, "max_wh": 700, "seed": seed * 1000 + k},
                25 + k,
            )
            for k in range(consumers)
        ),
        payment=PaymentPolicy(Iota(threshold_i), Iota(threshold_i)),
        timing=TimingSpec(producer_grace_s=30.0, grid_grace_s=60.0, retry_s=10.0),
        ledger=LedgerSpec(enabled=False, mwm=1, mam_enabled=False),
        payout_every=payout_every,
    )
