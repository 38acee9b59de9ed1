"""Settlement: whole iotas per slot, exact conservation of every sub-iota (properties)."""

from __future__ import annotations

import json
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from actorgrid.market import (
    Bid,
    Carries,
    ClearingRule,
    MoneyFlows,
    Offer,
    PayAsClear,
    Price,
    SlotId,
    Tariffs,
    Wh,
    clear,
    invoice_id,
    settle,
)

from .strategies import bids, offers, rules, tariffs

slots = st.lists(st.tuples(offers(max_size=5), bids(max_size=5)), min_size=1, max_size=6)


@given(slots, rules, tariffs())
def test_every_slot_balances_to_the_iota_and_nothing_is_lost(
    run: list[tuple[list[Offer], list[Bid]]], rule: ClearingRule, t: Tariffs
) -> None:
    carries = Carries()
    exact_c = exact_p = exact_u = exact_fee = Fraction(0)
    whole_c = whole_p = whole_u = whole_fee = 0
    for n, (offers_, bids_) in enumerate(run):
        result = clear(SlotId(n), offers_, bids_, rule, t)
        s = settle(result, "grid", carries)
        carries = s.carries
        MoneyFlows.of(s).check()  # invoices = payouts + fee + utility, this slot
        assert all(0 <= c < 1 for c in carries.consumers.values())
        assert all(0 <= c < 1 for c in carries.producers.values())
        assert 0 <= carries.utility < 1
        assert all(i.amount_i >= 0 for i in s.invoices)
        assert all(p.amount_i >= 0 for p in s.payouts)
        exact_c += result.consumers_owe
        exact_p += result.producers_due
        exact_u += result.utility_net
        exact_fee += result.grid_fees
        whole_c += s.invoiced_i
        whole_p += s.paid_out_i
        whole_u += s.utility_i
        whole_fee += s.grid_fee_i
    # every fraction of an iota sits on exactly one account's carry
    assert exact_c == whole_c + sum(carries.consumers.values())
    assert exact_p == whole_p + sum(carries.producers.values())
    assert exact_u == whole_u + carries.utility
    assert exact_fee == whole_fee + carries.grid
    assert carries.grid == (
        sum(carries.consumers.values()) - sum(carries.producers.values()) - carries.utility
    )


@given(offers(max_size=5), bids(max_size=5), tariffs())
def test_payout_pays_for_that_slot_only(offers_: list[Offer], bids_: list[Bid], t: Tariffs) -> None:
    """Each payout is the producer's own revenue for the slot (plus its carry below 1 i)."""
    result = clear(SlotId(3), offers_, bids_, PayAsClear(), t)
    s = settle(result, "grid", Carries())
    revenue = {p.producer_id: p.revenue for p in result.producers}
    for line in s.payouts:
        assert line.slot == 3
        assert line.exact == revenue[line.producer_id]
        assert 0 <= line.exact - line.amount_i < 1


def test_invoices_are_deterministic_per_grid_consumer_slot() -> None:
    t = Tariffs(Price(30), Price(5))
    book = ([Offer("p", Wh(500), Price(10))], [Bid("c", Wh(700), Price(30))])
    first = settle(clear(SlotId(4), *book, PayAsClear(), t), "g", Carries())
    again = settle(clear(SlotId(4), *book, PayAsClear(), t), "g", Carries())
    assert first.invoices == again.invoices
    assert first.invoices[0].invoice_id == invoice_id("g", "c", 4)
    other = settle(clear(SlotId(5), *book, PayAsClear(), t), "g", Carries())
    assert other.invoices[0].invoice_id != first.invoices[0].invoice_id


def test_carries_turn_into_whole_iotas_later() -> None:
    t = Tariffs(Price(3), Price(0))  # 100 Wh at 3 i/kWh = 0.3 i a slot
    carries = Carries()
    amounts = []
    for n in range(10):
        s = settle(
            clear(SlotId(n), [], [Bid("c", Wh(100), Price(3))], PayAsClear(), t), "g", carries
        )
        carries = s.carries
        amounts.append(s.invoices[0].amount_i)
    assert sum(amounts) == 3 and carries.consumers["c"] == 0
    assert amounts[:3] == [0, 0, 0] and amounts[3] == 1


@given(slots, rules, tariffs(), st.integers(0, 5))
def test_resuming_from_saved_carries_changes_no_figure(
    run: list[tuple[list[Offer], list[Bid]]], rule: ClearingRule, t: Tariffs, cut: int
) -> None:
    """A grid that restarts from its persisted carries settles exactly like one that didn't."""

    def settle_all(
        carries: Carries, part: list[tuple[list[Offer], list[Bid]]], first: int
    ) -> tuple[list[object], Carries]:
        out: list[object] = []
        for n, (offers_, bids_) in enumerate(part, start=first):
            s = settle(clear(SlotId(n), offers_, bids_, rule, t), "grid", carries)
            carries = s.carries
            out.append((s.invoices, s.payouts, s.grid_fee_i, s.utility_i))
        return out, carries

    straight, end = settle_all(Carries(), run, 0)
    head, saved = settle_all(Carries(), run[:cut], 0)
    restored = Carries.from_dict(json.loads(json.dumps(saved.as_dict())))
    assert restored == saved
    tail, end_again = settle_all(restored, run[cut:], len(run[:cut]))
    assert head + tail == straight
    assert end_again == end
