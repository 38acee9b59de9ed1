"""Hypothesis strategies for random order books and tariffs (shared by market tests)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from actorgrid.market import (
    Bid,
    ClearingRule,
    FixedPrice,
    Offer,
    PayAsBid,
    PayAsClear,
    PerKwhFee,
    Price,
    ShareFee,
    Tariffs,
    Wh,
)

energies = st.integers(min_value=0, max_value=20_000).map(Wh)
prices = st.integers(min_value=0, max_value=80).map(Price)


@st.composite
def offers(draw: st.DrawFn, max_size: int = 8) -> list[Offer]:
    """Offers with unique producer ids."""
    ids = draw(st.lists(st.integers(0, 50), unique=True, max_size=max_size))
    return [Offer(f"p{i}", draw(energies), draw(prices)) for i in ids]


@st.composite
def bids(draw: st.DrawFn, max_size: int = 8) -> list[Bid]:
    """Bids with unique consumer ids."""
    ids = draw(st.lists(st.integers(0, 50), unique=True, max_size=max_size))
    return [Bid(f"c{i}", draw(energies), draw(prices)) for i in ids]


fees = st.one_of(
    prices.map(lambda p: PerKwhFee(Price(p % 15))),
    st.fractions(min_value=0, max_value=Fraction(9, 10), max_denominator=20).map(ShareFee),
)


@st.composite
def tariffs(draw: st.DrawFn) -> Tariffs:
    """Retail and feed-in tariffs with any fee (feed-in may exceed retail, too)."""
    return Tariffs(draw(prices), draw(prices), draw(fees))


rules: st.SearchStrategy[ClearingRule] = st.one_of(
    st.just(PayAsClear()),
    st.just(PayAsBid()),
    st.integers(0, 40).map(lambda r: FixedPrice(Price(r))),
)
