"""Clear one slot: local matching by a rule, the utility for the rest, and why.

:func:`clear` is the Grid's whole market step for a slot. Every participant gets an
outcome: what it traded locally, what it imported or exported, the exact money (as
:class:`~fractions.Fraction` iotas, rounded only at settlement) and a :class:`Reason` for
any energy that was not traded locally.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from actorgrid.market.book import Bid, Offer, Tariffs, check_book
from actorgrid.market.rules import ClearingRule, Fill
from actorgrid.market.units import WH_PER_KWH, MarketError, Price, SlotId, Wh, energy_value

__all__ = ["ClearingResult", "ConsumerOutcome", "ProducerOutcome", "Reason", "clear"]


class Reason(StrEnum):
    """Why a participant's energy was (or was not) traded locally."""

    MATCHED = "matched"
    """All of its energy was traded locally."""
    NO_ENERGY = "no_energy"
    """It offered or used no energy in the slot."""
    EMPTY_BOOK = "empty_book"
    """The other side of the book was empty."""
    UNCROSSED_BOOK = "uncrossed_book"
    """Both sides had energy but no bid met any ask: nothing traded locally."""
    PRICE_LIMIT = "price_limit"
    """Counterparties were left, but their prices and this participant's limit did not cross."""
    SUPPLY_SHORT = "supply_short"
    """A consumer: all local supply acceptable to it was sold (to it or to others)."""
    DEMAND_SHORT = "demand_short"
    """A producer: all local demand acceptable to it was served (by it or by others)."""


@dataclass(frozen=True, slots=True)
class ConsumerOutcome:
    """A consumer's slot: ``consumed_wh = matched_wh + imported_wh`` and its exact cost."""

    consumer_id: str
    consumed_wh: Wh
    matched_wh: Wh
    imported_wh: Wh
    local_cost: Fraction
    import_cost: Fraction
    reason: Reason
    cost: Fraction
    """Exact iotas owed for the slot (``local_cost + import_cost``)."""


@dataclass(frozen=True, slots=True)
class ProducerOutcome:
    """A producer's slot: ``produced_wh = matched_wh + exported_wh`` and its exact revenue."""

    producer_id: str
    produced_wh: Wh
    matched_wh: Wh
    exported_wh: Wh
    local_revenue: Fraction
    export_revenue: Fraction
    reason: Reason
    revenue: Fraction
    """Exact iotas due for the slot (``local_revenue + export_revenue``)."""


@dataclass(frozen=True, slots=True)
class ClearingResult:
    """The outcome of one slot for every participant (in the book's id order).

    The exact totals satisfy ``consumers_owe == producers_due + grid_fees + utility_net``:
    ``grid_fees`` is what consumers paid for local energy less what producers got for it,
    ``utility_net`` what the utility receives for imports less what it pays for exports.
    """

    slot: SlotId
    rule: str
    tariffs: Tariffs
    clearing_price: Price | None
    fills: tuple[Fill, ...]
    consumers: tuple[ConsumerOutcome, ...]
    producers: tuple[ProducerOutcome, ...]
    consumers_owe: Fraction
    producers_due: Fraction
    grid_fees: Fraction
    utility_net: Fraction

    @property
    def produced_wh(self) -> Wh:
        """All energy produced in the slot."""
        return Wh(sum(p.produced_wh for p in self.producers))

    @property
    def consumed_wh(self) -> Wh:
        """All energy consumed in the slot."""
        return Wh(sum(c.consumed_wh for c in self.consumers))

    @property
    def local_wh(self) -> Wh:
        """Energy traded locally (producers to consumers)."""
        return Wh(sum(f.energy_wh for f in self.fills))

    @property
    def imported_wh(self) -> Wh:
        """Energy bought from the utility."""
        return Wh(sum(c.imported_wh for c in self.consumers))

    @property
    def exported_wh(self) -> Wh:
        """Energy sold to the utility."""
        return Wh(sum(p.exported_wh for p in self.producers))


def clear(
    slot: SlotId,
    offers: Sequence[Offer],
    bids: Sequence[Bid],
    rule: ClearingRule,
    tariffs: Tariffs,
) -> ClearingResult:
    """Clear ``slot``: match locally with ``rule``, import/export the rest at the tariffs.

    Raises :class:`MarketError` for a malformed book (duplicate ids, negative values) or
    a rule that over-fills someone.
    """
    check_book(offers, bids)
    match = rule.match(offers, bids, tariffs)
    _check_fills(match.fills, offers, bids)
    # Money is summed as integers (Wh x i/kWh = thousandths of an iota) and turned into
    # one exact Fraction per participant (Fraction arithmetic per fill is far slower).
    sold: dict[str, int] = defaultdict(int)
    bought: dict[str, int] = defaultdict(int)
    paid: dict[str, int] = defaultdict(int)
    earned: dict[str, int] = defaultdict(int)  # before the fee
    for fill in match.fills:
        value = fill.energy_wh * fill.consumer_price
        sold[fill.producer_id] += fill.energy_wh
        bought[fill.consumer_id] += fill.energy_wh
        paid[fill.consumer_id] += value
        earned[fill.producer_id] += value
    supply = sum(o.energy_wh for o in offers)
    demand = sum(b.energy_wh for b in bids)
    traded = sum(sold.values())
    fee = tariffs.fee
    consumers = tuple(
        _consumer(b, bought[b.consumer_id], paid[b.consumer_id], supply, traded, tariffs)
        for b in bids
    )
    producers = tuple(
        _producer(o, sold[o.producer_id], earned[o.producer_id], demand, traded, tariffs)
        for o in offers
    )
    local_paid = sum(fill.energy_wh * fill.consumer_price for fill in match.fills)
    local_got = fee.producer_amount(local_paid, traded)
    imports = energy_value(demand - traded, tariffs.retail)
    exports = energy_value(supply - traded, tariffs.feed_in)
    return ClearingResult(
        slot=slot,
        rule=rule.name,
        tariffs=tariffs,
        clearing_price=match.clearing_price,
        fills=match.fills,
        consumers=consumers,
        producers=producers,
        consumers_owe=Fraction(local_paid, WH_PER_KWH) + imports,
        producers_due=local_got + exports,
        grid_fees=Fraction(local_paid, WH_PER_KWH) - local_got,
        utility_net=imports - exports,
    )


def _consumer(
    bid: Bid, matched: int, paid: int, supply: int, traded: int, tariffs: Tariffs
) -> ConsumerOutcome:
    imported = bid.energy_wh - matched
    return ConsumerOutcome(
        consumer_id=bid.consumer_id,
        consumed_wh=bid.energy_wh,
        matched_wh=Wh(matched),
        imported_wh=Wh(imported),
        local_cost=Fraction(paid, WH_PER_KWH),
        import_cost=energy_value(imported, tariffs.retail),
        reason=_reason(bid.energy_wh, matched, supply, traded, Reason.SUPPLY_SHORT),
        cost=Fraction(paid + imported * tariffs.retail, WH_PER_KWH),
    )


def _producer(
    offer: Offer, matched: int, earned: int, demand: int, traded: int, tariffs: Tariffs
) -> ProducerOutcome:
    exported = offer.energy_wh - matched
    return ProducerOutcome(
        producer_id=offer.producer_id,
        produced_wh=offer.energy_wh,
        matched_wh=Wh(matched),
        exported_wh=Wh(exported),
        local_revenue=tariffs.fee.producer_amount(earned, matched),
        export_revenue=energy_value(exported, tariffs.feed_in),
        reason=_reason(offer.energy_wh, matched, demand, traded, Reason.DEMAND_SHORT),
        revenue=tariffs.fee.producer_amount(earned, matched, exported * tariffs.feed_in),
    )


def _reason(energy: int, matched: int, other_side: int, traded: int, short: Reason) -> Reason:
    """Classify a participant's unmatched energy (see :class:`Reason`)."""
    if energy == 0:
        return Reason.NO_ENERGY
    if matched == energy:
        return Reason.MATCHED
    if other_side == 0:
        return Reason.EMPTY_BOOK
    if traded == 0:
        return Reason.UNCROSSED_BOOK
    if other_side > traded:
        return Reason.PRICE_LIMIT
    return short


def _check_fills(fills: Sequence[Fill], offers: Sequence[Offer], bids: Sequence[Bid]) -> None:
    """Raise :class:`MarketError` if a rule filled an unknown or over-filled participant."""
    room = {o.producer_id: int(o.energy_wh) for o in offers}
    need = {b.consumer_id: int(b.energy_wh) for b in bids}
    for fill in fills:
        if fill.energy_wh <= 0:
            raise MarketError(f"rule produced a non-positive fill {fill}")
        if fill.producer_id not in room or fill.consumer_id not in need:
            raise MarketError(f"rule filled an unknown participant: {fill}")
        room[fill.producer_id] -= fill.energy_wh
        need[fill.consumer_id] -= fill.energy_wh
        if room[fill.producer_id] < 0 or need[fill.consumer_id] < 0:
            raise MarketError(f"rule over-filled a participant: {fill}")
