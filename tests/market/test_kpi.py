"""Energy balance, money flows and the gsy-e KPIs."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given

from actorgrid.market import (
    Bid,
    Carries,
    ClearingRule,
    EnergyBalance,
    Iota,
    MarketError,
    MoneyFlows,
    Offer,
    PayAsClear,
    Price,
    SlotId,
    Tariffs,
    Wh,
    clear,
    kpis,
    retail_savings,
    self_consumption,
    self_sufficiency,
    settle,
)

from .strategies import bids, offers, rules, tariffs


def test_kpis_follow_gsy_e_definitions() -> None:
    t = Tariffs(Price(30), Price(5))
    result = clear(
        SlotId(0),
        [Offer("pv", Wh(1000), Price(10))],
        [Bid("home", Wh(4000), Price(30))],
        PayAsClear(),
        t,
    )
    balance = EnergyBalance.of(result)
    # all 1000 Wh of PV are used locally; they cover a quarter of the demand
    assert self_consumption(balance) == 1
    assert self_sufficiency(balance) == Fraction(1, 4)
    assert balance.as_dict() == {
        "produced_wh": 1000,
        "consumed_wh": 4000,
        "local_wh": 1000,
        "imported_wh": 3000,
        "exported_wh": 0,
    }


def test_kpis_are_none_without_denominator() -> None:
    nothing = EnergyBalance(Wh(0), Wh(0), Wh(0), Wh(0), Wh(0))
    assert self_sufficiency(nothing) is None and self_consumption(nothing) is None


def test_totals_and_checks() -> None:
    t = Tariffs(Price(30), Price(5))
    results = [
        clear(
            SlotId(n),
            [Offer("pv", Wh(900 * n), Price(8))],
            [Bid("h", Wh(500), Price(30))],
            PayAsClear(),
            t,
        )
        for n in range(4)
    ]
    total = EnergyBalance.total(EnergyBalance.of(r) for r in results)
    total.check()
    assert total.produced_wh == 900 * 6 and total.consumed_wh == 2000
    carries = Carries()
    flows = []
    for r in results:
        s = settle(r, "g", carries)
        carries = s.carries
        flows.append(MoneyFlows.of(s))
    MoneyFlows.total(flows).check()
    with pytest.raises(MarketError):
        EnergyBalance(Wh(10), Wh(10), Wh(5), Wh(5), Wh(4)).check()
    with pytest.raises(MarketError):
        MoneyFlows(Iota(10), Iota(5), Iota(1), Iota(3)).check()


def test_retail_savings() -> None:
    assert retail_savings(2000, 40, Price(30)) == 20
    assert retail_savings(1000, Fraction(61, 2), Price(30)) == Fraction(-1, 2)


def test_kpis_as_json() -> None:
    balance = EnergyBalance(Wh(2000), Wh(4000), Wh(1000), Wh(3000), Wh(1000))
    assert kpis(balance) == {"self_sufficiency": 0.25, "self_consumption": 0.5}
    nothing = EnergyBalance(Wh(0), Wh(0), Wh(0), Wh(0), Wh(0))
    assert kpis(nothing) == {"self_sufficiency": None, "self_consumption": None}


@given(offers(), bids(), rules, tariffs())
def test_kpis_are_shares_of_the_balance(
    offers_: list[Offer], bids_: list[Bid], rule: ClearingRule, t: Tariffs
) -> None:
    """Self-sufficiency = 1 - imported/consumed, self-consumption = 1 - exported/produced."""
    balance = EnergyBalance.of(clear(SlotId(0), offers_, bids_, rule, t))
    ss, sc = self_sufficiency(balance), self_consumption(balance)
    if balance.consumed_wh:
        assert ss == 1 - Fraction(balance.imported_wh, balance.consumed_wh)
    else:
        assert ss is None
    if balance.produced_wh:
        assert sc == 1 - Fraction(balance.exported_wh, balance.produced_wh)
    else:
        assert sc is None
