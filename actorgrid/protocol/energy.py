"""The energy grid's messages: readings, usage, offers, outcomes, invoices and payments.

Flow of one slot::

    Source --MeterReading--> Producer --Offer--------> Grid
    Consumer --UsageReport-----------------------------> Grid
    Grid --SlotOutcome--> every participant; --ClearingSummary--> MAM
    Grid --Invoice--> Consumer --Payment--> Grid --PaymentReceipt--> Consumer
    Grid --SettlementStatement--> Producer

Every message names its slot, so a receiver counts it once per (entity, slot) and a
redelivery is recognised; invoices, statements and payments carry deterministic ids from
:mod:`actorgrid.market.ids`. The ``*_from_*`` helpers at the end convert between these
wire messages and the pure :mod:`actorgrid.market` types so actors stay thin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Final

from actorgrid import market
from actorgrid.market import Reason
from actorgrid.protocol import MaxLen, Message, MessageValidationError, Range, message

__all__ = [
    "MAX_IOTA",
    "MAX_PRICE",
    "MAX_WH",
    "Ack",
    "ClearingSummary",
    "Invoice",
    "MeterReading",
    "Offer",
    "Payment",
    "PaymentReceipt",
    "Reason",
    "Role",
    "SettlementStatement",
    "SlotOutcome",
    "SlotTick",
    "UsageReport",
    "bid_from_usage",
    "invoice_message",
    "offer_from_message",
    "outcome_messages",
    "statement_message",
    "summary_message",
]

MAX_WH: Final = 10**12
"""Largest energy of one message (1 TWh; a slot of a large wind farm is ~10**6 Wh)."""
MAX_PRICE: Final = 10**9
"""Largest price in i/kWh."""
MAX_IOTA: Final = (3**33 - 1) // 2
"""The IOTA total supply: no amount can exceed it."""
MAX_SLOT: Final = 2**32 - 1
_ADDRESS_RE: Final = re.compile(r"^[9A-Z]{81}(?:[9A-Z]{9})?$")

EntityId = Annotated[str, MaxLen(64)]
DocumentId = Annotated[str, MaxLen(64)]
IdempotencyKey = Annotated[str, MaxLen(128)]
Address = Annotated[str, MaxLen(90)]
SlotNo = Annotated[int, Range(0, MAX_SLOT)]
WhAmount = Annotated[int, Range(0, MAX_WH)]
PriceAmount = Annotated[int, Range(0, MAX_PRICE)]
IotaAmount = Annotated[int, Range(0, MAX_IOTA)]
SignedIota = Annotated[int, Range(-MAX_IOTA, MAX_IOTA)]
IdList = Annotated[tuple[Annotated[str, MaxLen(64)], ...], MaxLen(4096)]


class Role(StrEnum):
    """A participant's side of the market."""

    PRODUCER = "producer"
    CONSUMER = "consumer"


def _check_address(value: str, what: str) -> None:
    if not _ADDRESS_RE.match(value):
        raise MessageValidationError(f"{what}: must be 81 trytes (or 90 with checksum)")


@message("energy.tick", version=1)
@dataclass(frozen=True, slots=True)
class SlotTick(Message):
    """The clock reached the end of ``slot``: report or clear it."""

    slot: SlotNo


@message("energy.reading", version=1)
@dataclass(frozen=True, slots=True)
class MeterReading(Message):
    """A source's energy produced in ``slot`` (source → its producer)."""

    source_id: EntityId
    producer_id: EntityId
    slot: SlotNo
    energy_wh: WhAmount


@message("energy.usage", version=1)
@dataclass(frozen=True, slots=True)
class UsageReport(Message):
    """A consumer's energy used in ``slot`` and the most it pays per kWh (its bid)."""

    consumer_id: EntityId
    slot: SlotNo
    energy_wh: WhAmount
    max_price: PriceAmount


@message("energy.offer", version=1)
@dataclass(frozen=True, slots=True)
class Offer(Message):
    """A producer's energy of ``slot``, its asking price (i/kWh) and where to pay it.

    ``sources_missing`` lists sources whose reading did not arrive within the grace
    window: their energy is not in ``energy_wh`` (reported, never guessed).
    """

    producer_id: EntityId
    slot: SlotNo
    energy_wh: WhAmount
    price: PriceAmount
    payout_address: Address
    sources_reported: IdList = ()
    sources_missing: IdList = ()

    def __post_init__(self) -> None:
        _check_address(self.payout_address, "payout_address")


@message("energy.outcome", version=1)
@dataclass(frozen=True, slots=True)
class SlotOutcome(Message):
    """What one participant traded in ``slot`` and why the rest was not traded locally.

    ``utility_wh`` is imported (consumer) or exported (producer) energy; ``price`` is
    the local consumer price in i/kWh, fee included (the clearing price under uniform
    rules, the consumer's own bid under pay-as-bid); ``None`` when nothing traded locally
    or, for a pay-as-bid producer, when its fills had several prices. Money is in the
    :class:`Invoice` / :class:`SettlementStatement`.
    """

    slot: SlotNo
    participant_id: EntityId
    role: Role
    energy_wh: WhAmount
    matched_wh: WhAmount
    utility_wh: WhAmount
    price: PriceAmount | None
    reason: Reason


@message("energy.clearing", version=1)
@dataclass(frozen=True, slots=True)
class ClearingSummary(Message):
    """The grid-wide result of ``slot`` (published on the grid's MAM channel)."""

    grid_id: EntityId
    slot: SlotNo
    rule: Annotated[str, MaxLen(32)]
    clearing_price: PriceAmount | None
    produced_wh: WhAmount
    consumed_wh: WhAmount
    local_wh: WhAmount
    imported_wh: WhAmount
    exported_wh: WhAmount
    invoiced_i: IotaAmount
    paid_out_i: IotaAmount
    grid_fee_i: SignedIota
    utility_i: SignedIota


@message("energy.invoice", version=1)
@dataclass(frozen=True, slots=True)
class Invoice(Message):
    """What ``consumer_id`` owes for ``slot`` (grid → consumer's billing channel)."""

    invoice_id: DocumentId
    grid_id: EntityId
    consumer_id: EntityId
    slot: SlotNo
    energy_wh: WhAmount
    local_wh: WhAmount
    imported_wh: WhAmount
    amount_i: IotaAmount
    pay_to: Address

    def __post_init__(self) -> None:
        _check_address(self.pay_to, "pay_to")


@message("energy.payment", version=1)
@dataclass(frozen=True, slots=True)
class Payment(Message):
    """A consumer's payment of ``amount_i`` towards ``invoice_ids`` (oldest first).

    ``idempotency_key`` is also the ledger transfer's key, so the same payment is
    executed and credited once however often it is sent.
    """

    idempotency_key: IdempotencyKey
    consumer_id: EntityId
    invoice_ids: IdList
    amount_i: Annotated[int, Range(1, MAX_IOTA)]


@message("energy.receipt", version=1)
@dataclass(frozen=True, slots=True)
class PaymentReceipt(Message):
    """The grid's books after a payment, as confirmed on the ledger."""

    idempotency_key: IdempotencyKey
    consumer_id: EntityId
    amount_i: IotaAmount
    invoices_paid: IdList
    outstanding_i: IotaAmount
    credit_i: IotaAmount


@message("energy.statement", version=1)
@dataclass(frozen=True, slots=True)
class SettlementStatement(Message):
    """What ``producer_id`` is paid for its energy of ``slot`` (grid → producer).

    ``amount_i`` may be 0 (the sub-iota value stays carried): no transfer is made then.
    """

    payout_id: DocumentId
    grid_id: EntityId
    producer_id: EntityId
    slot: SlotNo
    energy_wh: WhAmount
    matched_wh: WhAmount
    exported_wh: WhAmount
    amount_i: IotaAmount
    paid_to: Address

    def __post_init__(self) -> None:
        _check_address(self.paid_to, "paid_to")


@message("energy.ack", version=1)
@dataclass(frozen=True, slots=True)
class Ack(Message):
    """Receipt of the message identified by ``ref`` (``ok=False`` with a ``detail``)."""

    ref: DocumentId
    ok: bool = True
    detail: Annotated[str, MaxLen(256)] = ""


# -- conversions to and from the pure market types -----------------------------------------


def offer_from_message(offer: Offer) -> market.Offer:
    """The market order of a producer's :class:`Offer`."""
    return market.Offer(offer.producer_id, market.Wh(offer.energy_wh), market.Price(offer.price))


def bid_from_usage(usage: UsageReport) -> market.Bid:
    """The market order of a consumer's :class:`UsageReport`."""
    return market.Bid(usage.consumer_id, market.Wh(usage.energy_wh), market.Price(usage.max_price))


def outcome_messages(result: market.ClearingResult) -> list[SlotOutcome]:
    """One :class:`SlotOutcome` per participant of a cleared slot (producers first)."""
    prices: dict[str, set[int]] = {}
    for fill in result.fills:
        prices.setdefault(fill.consumer_id, set()).add(fill.consumer_price)
        prices.setdefault(fill.producer_id, set()).add(fill.consumer_price)

    def price_of(participant: str) -> int | None:
        seen = prices.get(participant, set())
        return next(iter(seen)) if len(seen) == 1 else None

    out = [
        SlotOutcome(
            result.slot,
            p.producer_id,
            Role.PRODUCER,
            p.produced_wh,
            p.matched_wh,
            p.exported_wh,
            price_of(p.producer_id),
            p.reason,
        )
        for p in result.producers
    ]
    out.extend(
        SlotOutcome(
            result.slot,
            c.consumer_id,
            Role.CONSUMER,
            c.consumed_wh,
            c.matched_wh,
            c.imported_wh,
            price_of(c.consumer_id),
            c.reason,
        )
        for c in result.consumers
    )
    return out


def summary_message(
    grid_id: str, result: market.ClearingResult, settlement: market.SlotSettlement
) -> ClearingSummary:
    """The :class:`ClearingSummary` of a cleared and settled slot."""
    return ClearingSummary(
        grid_id,
        result.slot,
        result.rule,
        result.clearing_price,
        result.produced_wh,
        result.consumed_wh,
        result.local_wh,
        result.imported_wh,
        result.exported_wh,
        settlement.invoiced_i,
        settlement.paid_out_i,
        settlement.grid_fee_i,
        settlement.utility_i,
    )


def invoice_message(invoice: market.Invoice, pay_to: str) -> Invoice:
    """The wire :class:`Invoice` of a market invoice, payable to ``pay_to``."""
    return Invoice(
        invoice.invoice_id,
        invoice.grid_id,
        invoice.consumer_id,
        invoice.slot,
        invoice.energy_wh,
        invoice.local_wh,
        invoice.imported_wh,
        invoice.amount_i,
        pay_to,
    )


def statement_message(payout: market.Payout, paid_to: str) -> SettlementStatement:
    """The wire :class:`SettlementStatement` of a market payout line."""
    return SettlementStatement(
        payout.payout_id,
        payout.grid_id,
        payout.producer_id,
        payout.slot,
        payout.energy_wh,
        payout.matched_wh,
        payout.exported_wh,
        payout.amount_i,
        paid_to,
    )
