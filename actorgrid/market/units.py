"""Named units of the energy market: money, energy, prices and slots.

Money is whole iotas (:data:`Iota`), energy whole watt-hours (:data:`Wh`), prices whole
iotas per kWh (:data:`Price`). Values of a slot that are not whole iotas are exact
:class:`fractions.Fraction` amounts (:data:`Amount`) until an account turns them into
whole iotas and carries the rest; floats never hold money.
"""

from __future__ import annotations

from fractions import Fraction
from typing import NewType

__all__ = [
    "WH_PER_KWH",
    "Amount",
    "Iota",
    "MarketError",
    "Price",
    "SlotId",
    "Wh",
    "energy_value",
    "split_whole",
]

Iota = NewType("Iota", int)
"""Whole iotas (the ledger's unit of money)."""

Wh = NewType("Wh", int)
"""Whole watt-hours of energy in one slot."""

Price = NewType("Price", int)
"""Whole iotas per kWh."""

SlotId = NewType("SlotId", int)
"""Index of a market slot counted from the grid's start (slot 0)."""

Amount = Fraction
"""An exact amount of iotas that need not be whole (a charge before rounding)."""

WH_PER_KWH = 1000


class MarketError(ValueError):
    """Bad input to a market function (the function changed no state)."""


def energy_value(energy_wh: int, price: Fraction | int) -> Fraction:
    """Exact value in iotas of ``energy_wh`` at ``price`` iotas per kWh."""
    if isinstance(price, int):
        return Fraction(energy_wh * price, WH_PER_KWH)
    return Fraction(energy_wh * price.numerator, WH_PER_KWH * price.denominator)


def split_whole(carry: Fraction, amount: Fraction) -> tuple[Iota, Fraction]:
    """Add ``amount`` to a sub-iota ``carry`` and split off the whole iotas.

    Returns ``(whole, new_carry)`` with ``whole + new_carry == carry + amount`` and
    ``0 <= new_carry < 1`` (``whole`` is the floor, so it is negative for a negative
    total). Nothing is lost or created.
    """
    # Integer arithmetic on numerators: one Fraction construction instead of three
    # (settlement calls this once per participant per slot, Fraction ops are slow).
    denominator = carry.denominator * amount.denominator
    numerator = carry.numerator * amount.denominator + amount.numerator * carry.denominator
    whole = numerator // denominator
    return Iota(whole), Fraction(numerator - whole * denominator, denominator)
