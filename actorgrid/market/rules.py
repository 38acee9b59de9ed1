"""Clearing rules: pure functions that match one slot's offers and bids.

A rule returns :class:`Match` — the local fills (who sold how many Wh to whom at which
consumer price) and, for uniform-price rules, the clearing price. Everything not filled
goes to the utility; :func:`actorgrid.market.clearing.clear` does that and the money.
Rules are looked up by name with :func:`rule_by_name`:

* ``pay_as_clear`` (default): uniform-price double auction. Asks ascending and bids
  descending (ties by id) are crossed greedily; the matched quantity is the most that
  can trade. The price is the midpoint, rounded down, of the highest filled ask and the
  lowest filled bid (both in consumer price space), so every filled participant is at
  least as well off as its limit. Participants at the marginal price level share the
  marginal quantity pro rata (largest remainder).
* ``pay_as_bid``: the same greedy crossing, but each consumer pays its own (capped) bid
  for every Wh it gets; each producer receives the bid price of the consumer it was
  paired with, less the fee.
* ``fixed``: the PoC's rule. Producers receive ``producer_rate`` i/kWh, consumers pay
  that plus the grid fee (rounded up to whole i/kWh). Participants whose limits exclude
  that price do not trade; the long side is rationed pro rata.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from actorgrid.market.allocation import allocate
from actorgrid.market.book import Bid, Offer, Tariffs
from actorgrid.market.units import MarketError, Price, Wh

__all__ = [
    "DEFAULT_RULE",
    "RULES",
    "ClearingRule",
    "Fill",
    "FixedPrice",
    "Match",
    "PayAsBid",
    "PayAsClear",
    "rule_by_name",
]


@dataclass(frozen=True, slots=True)
class Fill:
    """``energy_wh`` sold locally by a producer to a consumer at ``consumer_price`` i/kWh."""

    producer_id: str
    consumer_id: str
    energy_wh: Wh
    consumer_price: Price


@dataclass(frozen=True, slots=True)
class Match:
    """What a rule matched locally; ``clearing_price`` is set by uniform-price rules."""

    fills: tuple[Fill, ...]
    clearing_price: Price | None


class ClearingRule(Protocol):
    """A pure matching rule, registered under ``name``."""

    @property
    def name(self) -> str:
        """The rule's registry name (appears in results and config)."""
        ...

    def match(self, offers: Sequence[Offer], bids: Sequence[Bid], tariffs: Tariffs) -> Match:
        """Match one slot's book; must not fill anyone beyond its energy."""
        ...


@dataclass(frozen=True, slots=True)
class PayAsClear:
    """Uniform-price double auction (pay-as-clear); see the module docstring."""

    name: str = "pay_as_clear"

    def match(self, offers: Sequence[Offer], bids: Sequence[Bid], tariffs: Tariffs) -> Match:
        """Cross the book and fill everyone at one price."""
        asks, wants = _asks(offers, tariffs), _bids(bids, tariffs)
        pairs = _greedy(asks, wants)
        if not pairs:
            return Match((), None)
        quantity = sum(q for _, _, q in pairs)
        marginal_ask = max(asks[i].limit for i, _, _ in pairs)
        marginal_bid = min(wants[j].limit for _, j, _ in pairs)
        price = Price((marginal_ask + marginal_bid) // 2)
        sold = _fill_levels(quantity, asks, lambda e: e.limit < marginal_ask, marginal_ask)
        bought = _fill_levels(quantity, wants, lambda e: e.limit > marginal_bid, marginal_bid)
        return Match(_pair_in_order(asks, sold, wants, bought, price), price)


@dataclass(frozen=True, slots=True)
class PayAsBid:
    """Discriminatory double auction: each consumer pays its own bid; see module docstring."""

    name: str = "pay_as_bid"

    def match(self, offers: Sequence[Offer], bids: Sequence[Bid], tariffs: Tariffs) -> Match:
        """Cross the book greedily and price each fill at the consumer's bid."""
        asks, wants = _asks(offers, tariffs), _bids(bids, tariffs)
        fills = tuple(
            Fill(asks[i].entity, wants[j].entity, Wh(q), wants[j].limit)
            for i, j, q in _greedy(asks, wants)
        )
        return Match(fills, None)


@dataclass(frozen=True, slots=True)
class FixedPrice:
    """The PoC's fixed price: producers get ``producer_rate`` i/kWh, consumers pay + fee."""

    producer_rate: Price
    name: str = "fixed"

    def __post_init__(self) -> None:
        if self.producer_rate < 0:
            raise MarketError(f"producer_rate: must be >= 0, got {self.producer_rate}")

    def consumer_price(self, tariffs: Tariffs) -> Price:
        """The whole i/kWh consumers pay for local energy under ``tariffs``."""
        return Price(tariffs.fee.consumer_floor(self.producer_rate))

    def match(self, offers: Sequence[Offer], bids: Sequence[Bid], tariffs: Tariffs) -> Match:
        """Trade everything both sides accept at the fixed price, rationing the long side."""
        price = self.consumer_price(tariffs)
        asks = [e for e in _asks(offers, tariffs) if e.limit <= price]
        wants = [e for e in _bids(bids, tariffs) if e.limit >= price]
        quantity = min(sum(e.energy for e in asks), sum(e.energy for e in wants))
        if quantity == 0:
            return Match((), None)
        sold = allocate(quantity, [e.energy for e in asks])
        bought = allocate(quantity, [e.energy for e in wants])
        return Match(_pair_in_order(asks, sold, wants, bought, price), price)


RULES: dict[str, Callable[..., ClearingRule]] = {
    "pay_as_clear": PayAsClear,
    "pay_as_bid": PayAsBid,
    "fixed": FixedPrice,
}
"""Rule factories by name; parameters (e.g. ``producer_rate``) are keyword arguments."""

DEFAULT_RULE = "pay_as_clear"


def rule_by_name(name: str, **params: int) -> ClearingRule:
    """Build the rule registered as ``name`` with ``params``; :class:`MarketError` if unknown."""
    try:
        factory = RULES[name]
    except KeyError:
        known = ", ".join(sorted(RULES))
        raise MarketError(f"clearing rule {name!r} is unknown (known: {known})") from None
    try:
        return factory(**params)
    except TypeError as exc:
        raise MarketError(f"clearing rule {name!r}: bad parameters {params}: {exc}") from None


# -- helpers -------------------------------------------------------------------------------


class _Entry(NamedTuple):
    """One side's participant: effective limit in consumer price space, id, energy."""

    limit: Price
    entity: str
    energy: int


def _asks(offers: Sequence[Offer], tariffs: Tariffs) -> list[_Entry]:
    entries = [
        _Entry(tariffs.ask_limit(o), o.producer_id, o.energy_wh) for o in offers if o.energy_wh
    ]
    return sorted(entries, key=lambda e: (e.limit, e.entity))


def _bids(bids: Sequence[Bid], tariffs: Tariffs) -> list[_Entry]:
    entries = [
        _Entry(tariffs.bid_limit(b), b.consumer_id, b.energy_wh) for b in bids if b.energy_wh
    ]
    return sorted(entries, key=lambda e: (-e.limit, e.entity))


def _greedy(asks: Sequence[_Entry], bids: Sequence[_Entry]) -> list[tuple[int, int, int]]:
    """Cross cheapest asks with dearest bids while they cross: ``(ask, bid, Wh)`` triples."""
    pairs: list[tuple[int, int, int]] = []
    i = j = 0
    left_a = asks[0].energy if asks else 0
    left_b = bids[0].energy if bids else 0
    while i < len(asks) and j < len(bids) and bids[j].limit >= asks[i].limit:
        quantity = min(left_a, left_b)
        pairs.append((i, j, quantity))
        left_a -= quantity
        left_b -= quantity
        if left_a == 0:
            i += 1
            left_a = asks[i].energy if i < len(asks) else 0
        if left_b == 0:
            j += 1
            left_b = bids[j].energy if j < len(bids) else 0
    return pairs


def _fill_levels(
    quantity: int, side: Sequence[_Entry], inside: Callable[[_Entry], bool], marginal: Price
) -> list[int]:
    """Fill entries strictly inside the margin fully, share the rest at the marginal level."""
    full = [e.energy if inside(e) else 0 for e in side]
    level = [i for i, e in enumerate(side) if e.limit == marginal]
    shares = allocate(quantity - sum(full), [side[i].energy for i in level])
    for i, share in zip(level, shares, strict=True):
        full[i] = share
    return full


def _pair_in_order(
    asks: Sequence[_Entry],
    sold: Sequence[int],
    bids: Sequence[_Entry],
    bought: Sequence[int],
    price: Price,
) -> tuple[Fill, ...]:
    """Pair per-participant quantities (equal totals) in book order at one price."""
    fills: list[Fill] = []
    j, left_b = 0, 0
    for ask, left_a in zip(asks, sold, strict=True):
        while left_a:
            while left_b == 0:
                left_b = bought[j]
                j += 1
            quantity = min(left_a, left_b)
            fills.append(Fill(ask.entity, bids[j - 1].entity, Wh(quantity), price))
            left_a -= quantity
            left_b -= quantity
    return tuple(fills)
