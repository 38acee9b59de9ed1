"""The energy grid's wire messages: round trips, validation and conversions."""

from __future__ import annotations

import pytest

from actorgrid.market import (
    Bid,
    Carries,
    Offer,
    PayAsBid,
    PayAsClear,
    Price,
    Reason,
    SlotId,
    Tariffs,
    Wh,
    clear,
    settle,
)
from actorgrid.protocol import MessageValidationError, decode, encode
from actorgrid.protocol import energy as e

ADDRESS = "A" * 81


def _samples() -> list[object]:
    return [
        e.SlotTick(5),
        e.MeterReading("pv-1", "prod-1", 5, 1250),
        e.UsageReport("home-1", 5, 300, 30),
        e.Offer("prod-1", 5, 1250, 12, ADDRESS, ("pv-1",), ("pv-2",)),
        e.SlotOutcome(5, "home-1", e.Role.CONSUMER, 300, 100, 200, 23, Reason.PRICE_LIMIT),
        e.SlotOutcome(5, "prod-1", e.Role.PRODUCER, 0, 0, 0, None, Reason.NO_ENERGY),
        e.ClearingSummary("g", 5, "pay_as_clear", None, 1, 2, 0, 2, 1, 5, 3, -1, 3),
        e.Invoice("inv-1", "g", "home-1", 5, 300, 100, 200, 9, ADDRESS + "9" * 9),
        e.Payment("cpay-1", "home-1", ("inv-1", "inv-2"), 25),
        e.PaymentReceipt("cpay-1", "home-1", 25, ("inv-1",), 4, 0),
        e.SettlementStatement("pay-1", "g", "prod-1", 5, 1250, 1000, 250, 21, ADDRESS),
        e.Ack("inv-1"),
        e.Ack("inv-1", ok=False, detail="unknown consumer"),
    ]


@pytest.mark.parametrize("msg", _samples(), ids=lambda m: type(m).__name__)
def test_round_trip(msg: object) -> None:
    assert decode(encode(msg)) == msg  # type: ignore[arg-type]


def test_tags_are_namespaced() -> None:
    from actorgrid.protocol import spec_of

    tags = {spec_of(type(m)).tag for m in _samples()}  # type: ignore[arg-type]
    assert all(t.startswith("energy.") for t in tags)
    assert len(tags) == 11


@pytest.mark.parametrize(
    "build",
    [
        lambda: e.MeterReading("pv-1", "prod-1", -1, 10),
        lambda: e.MeterReading("x" * 65, "prod-1", 1, 10),
        lambda: e.UsageReport("home-1", 5, -300, 30),
        lambda: e.Offer("prod-1", 5, 1250, 12, "not-an-address"),
        lambda: e.Invoice("inv-1", "g", "home-1", 5, 300, 100, 200, -9, ADDRESS),
        lambda: e.Payment("k", "home-1", (), 0),
        lambda: e.SettlementStatement("pay-1", "g", "prod-1", 5, 1, 1, 0, 1, "a" * 81),
    ],
)
def test_invalid_messages_are_refused(build: object) -> None:
    with pytest.raises(MessageValidationError):
        build()  # type: ignore[operator]


def test_conversions_from_and_to_the_market() -> None:
    t = Tariffs(Price(30), Price(8))
    offer = e.Offer("prod-1", 3, 1000, 10, ADDRESS)
    usage = e.UsageReport("home-1", 3, 400, 40)
    assert e.offer_from_message(offer) == Offer("prod-1", Wh(1000), Price(10))
    assert e.bid_from_usage(usage) == Bid("home-1", Wh(400), Price(40))
    for rule in (PayAsClear(), PayAsBid()):
        result = clear(SlotId(3), [e.offer_from_message(offer)], [e.bid_from_usage(usage)], rule, t)
        outcomes = {o.participant_id: o for o in e.outcome_messages(result)}
        assert outcomes["home-1"].matched_wh == 400 and outcomes["home-1"].utility_wh == 0
        assert outcomes["prod-1"].utility_wh == 600
        assert outcomes["prod-1"].reason is Reason.DEMAND_SHORT
        price = outcomes["home-1"].price
        assert price is not None and 10 <= price <= 30
        settlement = settle(result, "g", Carries())
        summary = e.summary_message("g", result, settlement)
        assert decode(encode(summary)) == summary
        assert summary.local_wh == 400 and summary.exported_wh == 600
        invoice = e.invoice_message(settlement.invoices[0], ADDRESS)
        assert invoice.amount_i == settlement.invoices[0].amount_i
        statement = e.statement_message(settlement.payouts[0], ADDRESS)
        assert statement.producer_id == "prod-1" and statement.slot == 3
