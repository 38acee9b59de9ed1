"""Clearing rules: energy invariants, price limits, reasons, determinism (properties)."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actorgrid.market import (
    Bid,
    ClearingResult,
    ClearingRule,
    EnergyBalance,
    GridFee,
    MarketError,
    Offer,
    PayAsBid,
    PayAsClear,
    PerKwhFee,
    Price,
    Reason,
    SlotId,
    Tariffs,
    Wh,
    clear,
    rule_by_name,
)

from .strategies import bids, fees, offers, rules, tariffs

SLOT = SlotId(7)


def _limits(result: ClearingResult, offers_: list[Offer], bids_: list[Bid]) -> None:
    """Every fill is within both parties' limits (after the utility's bounds)."""
    t = result.tariffs
    ask = {o.producer_id: max(o.ask, t.feed_in) for o in offers_}
    cap = {b.consumer_id: min(b.max_price, t.retail) for b in bids_}
    for fill in result.fills:
        assert fill.consumer_price <= cap[fill.consumer_id]
        assert t.fee.producer_price(Fraction(fill.consumer_price)) >= ask[fill.producer_id]


@given(offers(), bids(), rules, tariffs())
def test_energy_balances_per_participant_and_slot(
    offers_: list[Offer], bids_: list[Bid], rule: ClearingRule, t: Tariffs
) -> None:
    result = clear(SLOT, offers_, bids_, rule, t)
    for c, b in zip(result.consumers, bids_, strict=True):
        assert c.consumer_id == b.consumer_id
        assert c.matched_wh + c.imported_wh == c.consumed_wh == b.energy_wh
        assert c.matched_wh >= 0 and c.imported_wh >= 0
    for p, o in zip(result.producers, offers_, strict=True):
        assert p.matched_wh + p.exported_wh == p.produced_wh == o.energy_wh
        assert p.matched_wh >= 0 and p.exported_wh >= 0
    balance = EnergyBalance.of(result)
    balance.check()
    assert balance.local_wh == sum(c.matched_wh for c in result.consumers)
    assert balance.local_wh == sum(p.matched_wh for p in result.producers)
    _limits(result, offers_, bids_)


@given(offers(), bids(), rules, tariffs())
def test_exact_money_balances(
    offers_: list[Offer], bids_: list[Bid], rule: ClearingRule, t: Tariffs
) -> None:
    result = clear(SLOT, offers_, bids_, rule, t)
    assert result.consumers_owe == result.producers_due + result.grid_fees + result.utility_net
    assert result.consumers_owe == sum((c.cost for c in result.consumers), Fraction(0))
    assert result.producers_due == sum((p.revenue for p in result.producers), Fraction(0))
    assert all(c.cost == c.local_cost + c.import_cost for c in result.consumers)
    assert all(p.revenue == p.local_revenue + p.export_revenue for p in result.producers)
    per_fill = sum(
        (Fraction(f.energy_wh * f.consumer_price, 1000) for f in result.fills), Fraction(0)
    )
    assert sum((c.local_cost for c in result.consumers), Fraction(0)) == per_fill
    producer_fills = sum(
        (
            Fraction(f.energy_wh) * t.fee.producer_price(Fraction(f.consumer_price)) / 1000
            for f in result.fills
        ),
        Fraction(0),
    )
    assert sum((p.local_revenue for p in result.producers), Fraction(0)) == producer_fills
    assert result.grid_fees == per_fill - producer_fills
    assert result.grid_fees >= 0
    imports = sum(c.imported_wh for c in result.consumers)
    assert sum(c.import_cost for c in result.consumers) == Fraction(imports * t.retail, 1000)


@given(offers(), bids(), tariffs())
def test_pay_as_clear_is_uniform_and_leaves_no_crossing_pair(
    offers_: list[Offer], bids_: list[Bid], t: Tariffs
) -> None:
    result = clear(SLOT, offers_, bids_, PayAsClear(), t)
    assert {f.consumer_price for f in result.fills} <= {result.clearing_price}
    assert (result.clearing_price is None) == (not result.fills)
    # efficiency: no unfilled demand could still buy from unfilled supply
    open_asks = [
        t.ask_limit(o) for o, p in zip(offers_, result.producers, strict=True) if p.exported_wh
    ]
    open_bids = [
        t.bid_limit(b) for b, c in zip(bids_, result.consumers, strict=True) if c.imported_wh
    ]
    if open_asks and open_bids:
        assert max(open_bids) < min(open_asks)


@given(offers(), bids(), tariffs())
def test_pay_as_bid_trades_as_much_as_pay_as_clear_at_each_bid(
    offers_: list[Offer], bids_: list[Bid], t: Tariffs
) -> None:
    by_bid = clear(SLOT, offers_, bids_, PayAsBid(), t)
    by_clear = clear(SLOT, offers_, bids_, PayAsClear(), t)
    assert by_bid.local_wh == by_clear.local_wh
    cap = {b.consumer_id: t.bid_limit(b) for b in bids_}
    assert all(f.consumer_price == cap[f.consumer_id] for f in by_bid.fills)


@given(offers(), bids(), rules, tariffs(), st.randoms(use_true_random=False))
def test_order_of_the_book_does_not_matter(
    offers_: list[Offer], bids_: list[Bid], rule: ClearingRule, t: Tariffs, rnd: object
) -> None:
    import random

    assert isinstance(rnd, random.Random)
    shuffled_o, shuffled_b = offers_[:], bids_[:]
    rnd.shuffle(shuffled_o)
    rnd.shuffle(shuffled_b)
    a = clear(SLOT, offers_, bids_, rule, t)
    b = clear(SLOT, shuffled_o, shuffled_b, rule, t)
    assert sorted(a.consumers, key=str) == sorted(b.consumers, key=str)
    assert sorted(a.producers, key=str) == sorted(b.producers, key=str)
    assert a.clearing_price == b.clearing_price


def test_worked_example_pay_as_clear() -> None:
    t = Tariffs(Price(30), Price(8), PerKwhFee(Price(2)))
    book_o = [Offer("p1", Wh(1000), Price(10)), Offer("p2", Wh(500), Price(20))]
    book_b = [Bid("c1", Wh(800), Price(40)), Bid("c2", Wh(600), Price(24))]
    result = clear(SLOT, book_o, book_b, PayAsClear(), t)
    # asks in consumer space: 12, 22; bids capped: 30, 24 -> all 1400 Wh cross,
    # the marginal pair is ask 22 / bid 24, so the price is 23 i/kWh (producers get 21)
    assert result.clearing_price == 23
    assert result.local_wh == 1400
    c1, _ = result.consumers
    assert c1.local_cost == Fraction(800 * 23, 1000)
    _, p2 = result.producers
    assert (p2.matched_wh, p2.exported_wh, p2.reason) == (400, 100, Reason.DEMAND_SHORT)
    assert p2.export_revenue == Fraction(100 * 8, 1000)
    assert result.grid_fees == Fraction(1400 * 2, 1000)


def test_marginal_level_is_shared_pro_rata() -> None:
    t = Tariffs(Price(100), Price(0))
    book_o = [Offer("a", Wh(300), Price(10)), Offer("b", Wh(100), Price(10))]
    book_b = [Bid("c", Wh(200), Price(50))]
    result = clear(SLOT, book_o, book_b, PayAsClear(), t)
    assert [p.matched_wh for p in result.producers] == [150, 50]
    assert all(p.reason is Reason.DEMAND_SHORT for p in result.producers)
    assert result.consumers[0].reason is Reason.MATCHED


def test_reasons_for_empty_and_uncrossed_books() -> None:
    t = Tariffs(Price(30), Price(5))
    empty = clear(SLOT, [], [Bid("c", Wh(100), Price(30))], PayAsClear(), t)
    assert empty.consumers[0].reason is Reason.EMPTY_BOOK
    assert empty.consumers[0].imported_wh == 100
    uncrossed = clear(
        SLOT, [Offer("p", Wh(100), Price(25))], [Bid("c", Wh(100), Price(20))], PayAsClear(), t
    )
    assert uncrossed.consumers[0].reason is Reason.UNCROSSED_BOOK
    assert uncrossed.producers[0].reason is Reason.UNCROSSED_BOOK
    assert uncrossed.clearing_price is None
    idle = clear(SLOT, [Offer("p", Wh(0), Price(1))], [], PayAsClear(), t)
    assert idle.producers[0].reason is Reason.NO_ENERGY


def test_bids_above_retail_are_capped_and_asks_below_feed_in_raised() -> None:
    t = Tariffs(Price(30), Price(10))
    result = clear(
        SLOT, [Offer("p", Wh(1000), Price(0))], [Bid("c", Wh(1000), Price(500))], PayAsBid(), t
    )
    assert result.fills[0].consumer_price == 30
    result = clear(
        SLOT, [Offer("p", Wh(1000), Price(0))], [Bid("c", Wh(1000), Price(9))], PayAsClear(), t
    )
    assert result.local_wh == 0
    assert result.producers[0].export_revenue == 10


def test_bad_books_and_rules_are_rejected() -> None:
    t = Tariffs(Price(30), Price(5))
    with pytest.raises(MarketError):
        clear(SLOT, [Offer("p", Wh(1), Price(1))] * 2, [], PayAsClear(), t)
    with pytest.raises(MarketError):
        clear(SLOT, [], [Bid("c", Wh(-1), Price(1))], PayAsClear(), t)
    with pytest.raises(MarketError, match="unknown"):
        rule_by_name("pay_as_wish")
    with pytest.raises(MarketError):
        rule_by_name("fixed")
    assert rule_by_name("fixed", producer_rate=4).name == "fixed"


@given(fees, st.integers(0, 10_000), st.integers(0, 100_000), st.integers(0, 10_000))
def test_fee_integer_shortcuts_agree_with_exact_prices(
    fee: GridFee, price: int, energy: int, extra: int
) -> None:
    assert fee.consumer_floor(price) == math.ceil(fee.consumer_price(Fraction(price)))
    exact = Fraction(energy) * fee.producer_price(Fraction(price)) / 1000
    assert fee.producer_amount(energy * price, energy, extra) == exact + Fraction(extra, 1000)
