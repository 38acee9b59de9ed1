"""config/poc.toml reproduces the PoC's economics: 5 i/kWh paid, 4 to producers, 1 to the grid."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from actorgrid.config import load_config
from actorgrid.market import (
    Bid,
    Carries,
    MoneyFlows,
    Offer,
    Price,
    SlotId,
    Wh,
    clear,
    settle,
)

POC = load_config(Path(__file__).resolve().parents[2] / "config" / "poc.toml", check_profiles=False)

# the PoC's demo: sources of 2-10 kWh, consumers of 0-1 kWh per slot
poc_slots = st.lists(
    st.tuples(
        st.lists(st.integers(2000, 10_000), min_size=1, max_size=3),
        st.lists(st.integers(0, 1000), min_size=1, max_size=2),
    ),
    min_size=1,
    max_size=8,
)


@given(poc_slots)
def test_consumers_pay_5_producers_get_4_grid_keeps_1_per_kwh(
    run: list[tuple[list[int], list[int]]],
) -> None:
    rule = POC.clearing.build()
    carries = Carries()
    used = 0
    flows = []
    for n, (sources, usage) in enumerate(run):
        offers = [Offer("producer", Wh(sum(sources)), POC.producers[0].asking_price)]
        bids = [  # the configured consumers and their configured limits
            Bid(POC.consumers[i].id, Wh(wh), POC.consumers[i].max_price)
            for i, wh in enumerate(usage)
        ]
        result = clear(SlotId(n), offers, bids, rule, POC.tariffs)
        assert {f.consumer_price for f in result.fills} <= {5}
        assert result.imported_wh == 0  # PoC supply always covers PoC demand
        assert result.consumers_owe == Fraction(5 * result.consumed_wh, 1000)
        assert result.producers_due == Fraction(4 * result.consumed_wh, 1000)
        assert result.grid_fees == Fraction(1 * result.consumed_wh, 1000)
        settlement = settle(result, POC.grid.name, carries)
        carries = settlement.carries
        flows.append(MoneyFlows.of(settlement))
        used += result.consumed_wh
    total = MoneyFlows.total(flows)
    total.check()
    # whole iotas differ from the exact 5/4/1 split only by the carries (< 1 i per account)
    assert total.consumers_paid_i + sum(carries.consumers.values()) == Fraction(5 * used, 1000)
    assert total.producers_received_i + sum(carries.producers.values()) == Fraction(4 * used, 1000)
    assert total.grid_fees_i + carries.grid == Fraction(used, 1000)
    assert total.utility_net_i == 0


def test_a_poc_hour_in_whole_kwh() -> None:
    """Whole kWh need no carries at all: 10 kWh used -> 50 i paid, 40 i out, 10 i fee."""
    rule = POC.clearing.build()
    result = clear(
        SlotId(0),
        [Offer("producer", Wh(30_000), Price(4))],
        [Bid("c1", Wh(4000), Price(5)), Bid("c2", Wh(6000), Price(5))],
        rule,
        POC.tariffs,
    )
    s = settle(result, POC.grid.name, Carries())
    assert [i.amount_i for i in s.invoices] == [20, 30]
    assert [p.amount_i for p in s.payouts] == [40]
    assert (s.grid_fee_i, s.utility_i) == (10, 0)
    assert result.producers[0].exported_wh == 20_000
    assert result.producers[0].export_revenue == 0  # unused energy earned nothing in the PoC
