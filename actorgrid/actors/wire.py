"""The thin adapter between the grid actors and the domain messages of
:mod:`actorgrid.protocol.energy`.

The actors build and read messages only through this module. It also fixes the
acknowledgement references: every message an entity keeps in its outbox is released by an
:class:`~actorgrid.protocol.energy.Ack` whose ``ref`` is the key computed here from the
message itself, so sender and receiver agree without extra state.
"""

from __future__ import annotations

from functools import lru_cache
from hashlib import blake2b
from typing import Any

from actorgrid.actors.results import SlotResult
from actorgrid.market import settlement as st
from actorgrid.market.clearing import ClearingResult
from actorgrid.market.ids import payout_id
from actorgrid.protocol.energy import (
    Ack,
    Invoice,
    MeterReading,
    Offer,
    SettlementStatement,
    SlotOutcome,
    UsageReport,
    invoice_message,
    outcome_messages,
    statement_message,
    summary_message,
)

__all__ = [
    "Ack",
    "Invoice",
    "MeterReading",
    "Offer",
    "SettlementStatement",
    "SlotOutcome",
    "UsageReport",
    "ack_for",
    "invoice",
    "key_of",
    "offer",
    "outcomes",
    "payout_key",
    "pseudo_address",
    "reading",
    "settlement_record",
    "statement",
    "usage",
]

_TRYTES = "9ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def reading(source_id: str, producer_id: str, slot: int, energy_wh: int) -> MeterReading:
    """A source's reading of ``slot``."""
    return MeterReading(source_id, producer_id, slot, energy_wh)


def usage(consumer_id: str, slot: int, energy_wh: int, max_price: int) -> UsageReport:
    """A consumer's usage report of ``slot``."""
    return UsageReport(consumer_id, slot, energy_wh, max_price)


def offer(
    producer_id: str,
    slot: int,
    energy_wh: int,
    price: int,
    pay_to: str,
    reported: tuple[str, ...],
    missing: tuple[str, ...],
) -> Offer:
    """A producer's offer of ``slot``."""
    return Offer(producer_id, slot, energy_wh, price, pay_to, reported, missing)


def invoice(inv: st.Invoice, pay_to: str) -> Invoice:
    """The wire invoice of a market invoice."""
    return invoice_message(inv, pay_to)


def statement(line: st.Payout, paid_to: str) -> SettlementStatement:
    """The wire statement of a market payout line."""
    return statement_message(line, paid_to)


def outcomes(result: ClearingResult) -> dict[str, SlotOutcome]:
    """One outcome per participant of a cleared slot, by participant id."""
    return {o.participant_id: o for o in outcome_messages(result)}


def key_of(message: object) -> str:
    """The outbox key of ``message`` (also the ``ref`` of its acknowledgement)."""
    if isinstance(message, MeterReading):
        return f"r:{message.slot}"
    if isinstance(message, UsageReport):
        return f"u:{message.slot}"
    if isinstance(message, Offer):
        return f"o:{message.slot}"
    if isinstance(message, Invoice):
        return message.invoice_id
    if isinstance(message, SettlementStatement):
        return message.payout_id
    if isinstance(message, SlotOutcome):
        return f"x:{message.participant_id}:{message.slot}"
    raise TypeError(f"no outbox key for {type(message).__name__}")


def ack_for(message: object) -> Ack:
    """The acknowledgement of ``message``."""
    return _ack(key_of(message))


@lru_cache(maxsize=1 << 16)
def _ack(ref: str) -> Ack:
    # acks are immutable and validated on construction: sources ack the same few keys
    # slot after slot, so caching them saves the validation on the hot path
    return Ack(ref)


def settlement_record(
    grid_id: str, clearing: ClearingResult, settlement: st.SlotSettlement
) -> dict[str, Any]:
    """The grid's per-slot MAM record (the wire ClearingSummary as a dict)."""
    summary = summary_message(grid_id, clearing, settlement)
    return {f: getattr(summary, f) for f in summary.__dataclass_fields__}


def slot_record(result: SlotResult) -> dict[str, Any]:
    """A compact dict of a slot's figures."""
    return {
        "slot": result.slot,
        "price": result.clearing_price,
        "local_wh": result.local_wh,
        "paid_i": result.consumers_paid_i,
    }


def payout_key(grid_id: str, payee: str, period: int, every: int) -> str:
    """Idempotency key of the grid's transfer to ``payee`` for payout ``period``.

    With one slot per period it is the market's payout id of that slot, so a producer can
    look the payout of each statement up on the ledger.
    """
    if every == 1:
        return payout_id(grid_id, payee, period)
    return (
        "pp-"
        + blake2b(
            f"{grid_id}\x00{payee}\x00{period}\x00{every}".encode(), digest_size=12
        ).hexdigest()
    )


def pseudo_address(entity: str) -> str:
    """A deterministic, well-formed 81-tryte address for runs without a tangle."""
    digest = blake2b(entity.encode(), digest_size=64).digest()
    trytes = "".join(_TRYTES[b % 27] for b in digest)
    return (trytes + trytes)[:81]
