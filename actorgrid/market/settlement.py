"""Settle a cleared slot in whole iotas: invoices, payouts, the grid fee and the utility.

Where the sub-iota remainders go (nothing is lost or created):

* every consumer has a carry in ``[0, 1)``: its invoice is the whole part of
  ``carry + cost`` and the rest stays owed on its account for the next slot;
* every producer has a carry in ``[0, 1)``: its payout is the whole part of
  ``carry + revenue`` and the rest stays due to it;
* the utility has a carry in ``[0, 1)`` the same way (its net may be negative);
* the grid operator takes the residual as its fee for the slot,
  ``grid_fee_i = invoices - payouts - utility_i``, so the slot balances to the iota.
  Its carry (exact fees earned minus whole fees taken) therefore always equals
  ``sum(consumer carries) - sum(producer carries) - utility carry``: it is the grid's
  claim on the consumers' carries net of what it owes producers and the utility.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from actorgrid.market.clearing import ClearingResult
from actorgrid.market.ids import invoice_id, payout_id
from actorgrid.market.units import Iota, SlotId, Wh, split_whole

__all__ = ["Carries", "Invoice", "Payout", "SlotSettlement", "bill", "payouts", "settle"]


@dataclass(frozen=True, slots=True)
class Carries:
    """Sub-iota remainders carried between slots (see the module docstring)."""

    consumers: Mapping[str, Fraction] = field(default_factory=dict)
    producers: Mapping[str, Fraction] = field(default_factory=dict)
    utility: Fraction = Fraction(0)
    grid: Fraction = Fraction(0)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for durable state (fractions as exact ``"n/d"`` strings)."""
        return {
            "consumers": {k: str(v) for k, v in self.consumers.items()},
            "producers": {k: str(v) for k, v in self.producers.items()},
            "utility": str(self.utility),
            "grid": str(self.grid),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Carries:
        """Inverse of :meth:`as_dict`."""
        return cls(
            consumers={k: Fraction(v) for k, v in data["consumers"].items()},
            producers={k: Fraction(v) for k, v in data["producers"].items()},
            utility=Fraction(data["utility"]),
            grid=Fraction(data["grid"]),
        )


@dataclass(frozen=True, slots=True)
class Invoice:
    """What ``consumer_id`` owes ``grid_id`` for ``slot``: ``amount_i`` whole iotas."""

    invoice_id: str
    grid_id: str
    consumer_id: str
    slot: SlotId
    energy_wh: Wh
    local_wh: Wh
    imported_wh: Wh
    exact: Fraction
    amount_i: Iota


@dataclass(frozen=True, slots=True)
class Payout:
    """What ``grid_id`` pays ``producer_id`` for its energy of ``slot`` (a settlement line)."""

    payout_id: str
    grid_id: str
    producer_id: str
    slot: SlotId
    energy_wh: Wh
    matched_wh: Wh
    exported_wh: Wh
    exact: Fraction
    amount_i: Iota


@dataclass(frozen=True, slots=True)
class SlotSettlement:
    """A slot in whole iotas; ``invoiced_i == paid_out_i + grid_fee_i + utility_i``."""

    slot: SlotId
    invoices: tuple[Invoice, ...]
    payouts: tuple[Payout, ...]
    grid_fee_i: Iota
    utility_i: Iota
    carries: Carries

    @property
    def invoiced_i(self) -> Iota:
        """Whole iotas invoiced to consumers for the slot."""
        return Iota(sum(i.amount_i for i in self.invoices))

    @property
    def paid_out_i(self) -> Iota:
        """Whole iotas paid out to producers for the slot."""
        return Iota(sum(p.amount_i for p in self.payouts))


def settle(clearing: ClearingResult, grid_id: str, carries: Carries) -> SlotSettlement:
    """Turn ``clearing`` into invoices, payouts, fee and utility settlement (pure)."""
    invoices, consumer_carries = bill(clearing, grid_id, carries.consumers)
    lines, producer_carries = payouts(clearing, grid_id, carries.producers)
    utility_i, utility_carry = split_whole(carries.utility, clearing.utility_net)
    invoiced = sum(i.amount_i for i in invoices)
    paid_out = sum(p.amount_i for p in lines)
    grid_fee_i = Iota(invoiced - paid_out - utility_i)
    return SlotSettlement(
        slot=clearing.slot,
        invoices=invoices,
        payouts=lines,
        grid_fee_i=grid_fee_i,
        utility_i=utility_i,
        carries=Carries(
            consumers=consumer_carries,
            producers=producer_carries,
            utility=utility_carry,
            grid=carries.grid + clearing.grid_fees - grid_fee_i,
        ),
    )


def bill(
    clearing: ClearingResult, grid_id: str, carries: Mapping[str, Fraction]
) -> tuple[tuple[Invoice, ...], dict[str, Fraction]]:
    """One invoice per consumer that used energy in the slot, and the new carries.

    An invoice may be 0 i (its cost stays in the carry); it is still issued so the
    consumer sees its slot. Consumers without usage keep their carry unchanged.
    """
    new_carries = dict(carries)
    invoices: list[Invoice] = []
    for outcome in clearing.consumers:
        if outcome.consumed_wh == 0:
            continue
        whole, new_carries[outcome.consumer_id] = split_whole(
            carries.get(outcome.consumer_id, Fraction(0)), outcome.cost
        )
        invoices.append(
            Invoice(
                invoice_id=invoice_id(grid_id, outcome.consumer_id, clearing.slot),
                grid_id=grid_id,
                consumer_id=outcome.consumer_id,
                slot=clearing.slot,
                energy_wh=outcome.consumed_wh,
                local_wh=outcome.matched_wh,
                imported_wh=outcome.imported_wh,
                exact=outcome.cost,
                amount_i=whole,
            )
        )
    return tuple(invoices), new_carries


def payouts(
    clearing: ClearingResult, grid_id: str, carries: Mapping[str, Fraction]
) -> tuple[tuple[Payout, ...], dict[str, Fraction]]:
    """One payout line per producer that produced in the slot, and the new carries.

    A line may be 0 i (a statement without a transfer): never send 0-i transfers.
    """
    new_carries = dict(carries)
    lines: list[Payout] = []
    for outcome in clearing.producers:
        if outcome.produced_wh == 0:
            continue
        whole, new_carries[outcome.producer_id] = split_whole(
            carries.get(outcome.producer_id, Fraction(0)), outcome.revenue
        )
        lines.append(
            Payout(
                payout_id=payout_id(grid_id, outcome.producer_id, clearing.slot),
                grid_id=grid_id,
                producer_id=outcome.producer_id,
                slot=clearing.slot,
                energy_wh=outcome.produced_wh,
                matched_wh=outcome.matched_wh,
                exported_wh=outcome.exported_wh,
                exact=outcome.revenue,
                amount_i=whole,
            )
        )
    return tuple(lines), new_carries
