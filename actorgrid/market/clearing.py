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
from actorgrid.market.units import MarketError, Price, SlotId, Wh, energy_value

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

    @property
    def cost(self) -> Fraction:
        """Exact iotas owed for the slot (local energy plus imports)."""
        return self.local_cost + self.import_cost


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

    @property
    def revenue(self) -> Fraction:
        """Exact iotas due for the slot (local sales plus exports)."""
        return self.local_revenue + self.export_revenue


@dataclass(frozen=True, slots=True)
class ClearingResult:
    """The outcome of one slot for every participant (in the book's id order)."""

    slot: SlotId
    rule: str
    tariffs: Tariffs
    clearing_price: Price | None
    fills: tuple[Fill, ...]
    consumers: tuple[ConsumerOutcome, ...]
    producers: tuple[ProducerOutcome, ...]

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

    @property
    def consumers_owe(self) -> Fraction:
        """Exact iotas all consumers owe for the slot."""
        return sum((c.cost for c in self.consumers), Fraction(0))

    @property
    def producers_due(self) -> Fraction:
        """Exact iotas due to all producers for the slot."""
        return sum((p.revenue for p in self.producers), Fraction(0))

    @property
    def utility_net(self) -> Fraction:
        """Exact iotas the utility receives for imports minus what it pays for exports."""
        imports = sum((c.import_cost for c in self.consumers), Fraction(0))
        exports = sum((p.export_revenue for p in self.producers), Fraction(0))
        return imports - exports

    @property
    def grid_fees(self) -> Fraction:
        """Exact iotas of grid fee on local trade (consumers' local cost less producers')."""
        local_paid = sum((c.local_cost for c in self.consumers), Fraction(0))
        local_got = sum((p.local_revenue for p in self.producers), Fraction(0))
        return local_paid - local_got


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
    sold: dict[str, int] = defaultdict(int)
    bought: dict[str, int] = defaultdict(int)
    paid: dict[str, Fraction] = defaultdict(Fraction)
    earned: dict[str, Fraction] = defaultdict(Fraction)
    for fill in match.fills:
        sold[fill.producer_id] += fill.energy_wh
        bought[fill.consumer_id] += fill.energy_wh
        paid[fill.consumer_id] += energy_value(fill.energy_wh, fill.consumer_price)
        producer_price = tariffs.fee.producer_price(Fraction(fill.consumer_price))
        earned[fill.producer_id] += energy_value(fill.energy_wh, producer_price)
    _check_fills(match.fills, offers, bids)
    supply = sum(o.energy_wh for o in offers)
    demand = sum(b.energy_wh for b in bids)
    traded = sum(sold.values())
    consumers = tuple(
        ConsumerOutcome(
            consumer_id=b.consumer_id,
            consumed_wh=b.energy_wh,
            matched_wh=Wh(bought[b.consumer_id]),
            imported_wh=Wh(b.energy_wh - bought[b.consumer_id]),
            local_cost=paid[b.consumer_id],
            import_cost=energy_value(b.energy_wh - bought[b.consumer_id], tariffs.retail),
            reason=_reason(b.energy_wh, bought[b.consumer_id], supply, traded, Reason.SUPPLY_SHORT),
        )
        for b in bids
    )
    producers = tuple(
        ProducerOutcome(
            producer_id=o.producer_id,
            produced_wh=o.energy_wh,
            matched_wh=Wh(sold[o.producer_id]),
            exported_wh=Wh(o.energy_wh - sold[o.producer_id]),
            local_revenue=earned[o.producer_id],
            export_revenue=energy_value(o.energy_wh - sold[o.producer_id], tariffs.feed_in),
            reason=_reason(o.energy_wh, sold[o.producer_id], demand, traded, Reason.DEMAND_SHORT),
        )
        for o in offers
    )
    return ClearingResult(
        slot=slot,
        rule=rule.name,
        tariffs=tariffs,
        clearing_price=match.clearing_price,
        fills=match.fills,
        consumers=consumers,
        producers=producers,
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
