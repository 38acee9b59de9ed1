"""The order book of one slot: offers, bids, the utility's tariffs and the grid fee.

Price spaces: an offer's ``ask`` is what the producer wants to *receive* per kWh; a bid's
``max_price`` is what the consumer is willing to *pay* per kWh, grid fee included. The
grid fee sits between the two: ``consumer price = producer price + fee``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from actorgrid.market.units import WH_PER_KWH, MarketError, Price, Wh

__all__ = ["Bid", "GridFee", "Offer", "PerKwhFee", "ShareFee", "Tariffs", "check_book"]


@dataclass(frozen=True, slots=True)
class Offer:
    """A producer's energy for one slot and the lowest price it accepts (i/kWh)."""

    producer_id: str
    energy_wh: Wh
    ask: Price


@dataclass(frozen=True, slots=True)
class Bid:
    """A consumer's energy use in one slot and the most it pays per kWh, fee included."""

    consumer_id: str
    energy_wh: Wh
    max_price: Price


@dataclass(frozen=True, slots=True)
class PerKwhFee:
    """Grid fee of ``rate`` iotas per locally traded kWh, added to the producer price."""

    rate: Price

    def __post_init__(self) -> None:
        if self.rate < 0:
            raise MarketError(f"grid_fee: must be >= 0, got {self.rate}")

    def producer_price(self, consumer_price: Fraction) -> Fraction:
        """What the producer receives per kWh when the consumer pays ``consumer_price``."""
        return consumer_price - self.rate

    def consumer_price(self, producer_price: Fraction) -> Fraction:
        """What the consumer pays per kWh so that the producer receives ``producer_price``."""
        return producer_price + self.rate

    def consumer_floor(self, producer_price: int) -> int:
        """The least whole consumer price (i/kWh) leaving the producer ``producer_price``."""
        return producer_price + self.rate

    def producer_amount(
        self, paid_wh_price: int, energy_wh: int, plus_wh_price: int = 0
    ) -> Fraction:
        """Iotas producers get for ``energy_wh`` for which consumers paid ``paid_wh_price``
        (a sum of Wh x i/kWh, i.e. thousandths of an iota), plus ``plus_wh_price``
        thousandths of an iota that carry no fee (e.g. exports)."""
        return Fraction(paid_wh_price - self.rate * energy_wh + plus_wh_price, WH_PER_KWH)


@dataclass(frozen=True, slots=True)
class ShareFee:
    """Grid fee of ``share`` (0 <= share < 1) of what consumers pay for local energy."""

    share: Fraction

    def __post_init__(self) -> None:
        if not 0 <= self.share < 1:
            raise MarketError(f"grid_fee: share must be in [0, 1), got {self.share}")

    def producer_price(self, consumer_price: Fraction) -> Fraction:
        """What the producer receives per kWh when the consumer pays ``consumer_price``."""
        return consumer_price * (1 - self.share)

    def consumer_price(self, producer_price: Fraction) -> Fraction:
        """What the consumer pays per kWh so that the producer receives ``producer_price``."""
        return producer_price / (1 - self.share)

    def consumer_floor(self, producer_price: int) -> int:
        """The least whole consumer price (i/kWh) leaving the producer ``producer_price``."""
        den = self.share.denominator
        return -(-producer_price * den // (den - self.share.numerator))  # ceiling division

    def producer_amount(
        self, paid_wh_price: int, energy_wh: int, plus_wh_price: int = 0
    ) -> Fraction:
        """Iotas producers get for ``energy_wh`` for which consumers paid ``paid_wh_price``
        (a sum of Wh x i/kWh, i.e. thousandths of an iota), plus ``plus_wh_price``
        thousandths of an iota that carry no fee (e.g. exports)."""
        den = self.share.denominator
        keep = den - self.share.numerator
        return Fraction(paid_wh_price * keep + plus_wh_price * den, WH_PER_KWH * den)


GridFee = PerKwhFee | ShareFee


@dataclass(frozen=True, slots=True)
class Tariffs:
    """The utility's retail and feed-in tariffs (i/kWh) and the grid fee on local trade.

    The utility is the buyer and seller of last resort: unmatched demand is imported at
    ``retail``, unmatched supply exported at ``feed_in``. Local trade happens only at
    prices no worse for either side than the utility's: bids are capped at ``retail``,
    asks raised to ``feed_in``.
    """

    retail: Price
    feed_in: Price
    fee: GridFee = PerKwhFee(Price(0))

    def __post_init__(self) -> None:
        if self.retail < 0:
            raise MarketError(f"retail: must be >= 0, got {self.retail}")
        if self.feed_in < 0:
            raise MarketError(f"feed_in: must be >= 0, got {self.feed_in}")

    def bid_limit(self, bid: Bid) -> Price:
        """The bid's effective limit in consumer price space (capped at retail)."""
        return Price(min(bid.max_price, self.retail))

    def ask_limit(self, offer: Offer) -> Price:
        """The offer's effective limit in consumer price space (whole i/kWh, rounded up).

        The ask is first raised to the feed-in tariff, then the fee is added, so a
        consumer price of at least this leaves the producer at least its ask.
        """
        return Price(self.fee.consumer_floor(max(offer.ask, self.feed_in)))


def check_book(offers: Sequence[Offer], bids: Sequence[Bid]) -> None:
    """Raise :class:`MarketError` unless ids are unique and energies and prices >= 0."""
    seen: set[str] = set()
    for offer in offers:
        if offer.producer_id in seen:
            raise MarketError(f"offers: duplicate producer {offer.producer_id!r}")
        seen.add(offer.producer_id)
        if offer.energy_wh < 0 or offer.ask < 0:
            raise MarketError(f"offer {offer.producer_id!r}: energy and ask must be >= 0")
    seen.clear()
    for bid in bids:
        if bid.consumer_id in seen:
            raise MarketError(f"bids: duplicate consumer {bid.consumer_id!r}")
        seen.add(bid.consumer_id)
        if bid.energy_wh < 0 or bid.max_price < 0:
            raise MarketError(f"bid {bid.consumer_id!r}: energy and max_price must be >= 0")
