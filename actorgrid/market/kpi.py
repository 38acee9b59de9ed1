"""Energy balance, money flows and KPIs of a slot or a run.

Self-sufficiency and self-consumption follow gsy-e: with *self-consumed* energy the
energy produced and consumed inside the grid (here: traded locally),
``self_sufficiency = self_consumed / demanded`` and
``self_consumption = self_consumed / produced``; ``None`` when the denominator is 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from actorgrid.market.clearing import ClearingResult
from actorgrid.market.settlement import SlotSettlement
from actorgrid.market.units import Iota, MarketError, Price, Wh, energy_value

__all__ = [
    "EnergyBalance",
    "MoneyFlows",
    "kpis",
    "retail_savings",
    "self_consumption",
    "self_sufficiency",
]


@dataclass(frozen=True, slots=True)
class EnergyBalance:
    """Energy of a slot or run; see :meth:`check` for the balance it must satisfy."""

    produced_wh: Wh
    consumed_wh: Wh
    local_wh: Wh
    imported_wh: Wh
    exported_wh: Wh

    @classmethod
    def of(cls, clearing: ClearingResult) -> EnergyBalance:
        """The balance of one cleared slot."""
        return cls(
            clearing.produced_wh,
            clearing.consumed_wh,
            clearing.local_wh,
            clearing.imported_wh,
            clearing.exported_wh,
        )

    @classmethod
    def total(cls, balances: Iterable[EnergyBalance]) -> EnergyBalance:
        """The sum of several balances (e.g. all slots of a run)."""
        rows = list(balances)
        return cls(
            Wh(sum(b.produced_wh for b in rows)),
            Wh(sum(b.consumed_wh for b in rows)),
            Wh(sum(b.local_wh for b in rows)),
            Wh(sum(b.imported_wh for b in rows)),
            Wh(sum(b.exported_wh for b in rows)),
        )

    def check(self) -> None:
        """Raise :class:`MarketError` unless local + exported = produced and
        local + imported = consumed."""
        if self.local_wh + self.exported_wh != self.produced_wh:
            raise MarketError(f"energy: local + exported != produced in {self}")
        if self.local_wh + self.imported_wh != self.consumed_wh:
            raise MarketError(f"energy: local + imported != consumed in {self}")

    def as_dict(self) -> dict[str, int]:
        """JSON-ready form (the report's ``energy`` object)."""
        return {
            "produced_wh": self.produced_wh,
            "consumed_wh": self.consumed_wh,
            "local_wh": self.local_wh,
            "imported_wh": self.imported_wh,
            "exported_wh": self.exported_wh,
        }


def self_sufficiency(balance: EnergyBalance) -> Fraction | None:
    """Share of demand met by local generation (gsy-e); ``None`` without demand."""
    if balance.consumed_wh == 0:
        return None
    return Fraction(balance.local_wh, balance.consumed_wh)


def self_consumption(balance: EnergyBalance) -> Fraction | None:
    """Share of local generation consumed locally (gsy-e); ``None`` without generation."""
    if balance.produced_wh == 0:
        return None
    return Fraction(balance.local_wh, balance.produced_wh)


def kpis(balance: EnergyBalance) -> dict[str, float | None]:
    """JSON-ready KPIs (the report's ``kpi`` object); floats here are ratios, not money."""
    ss, sc = self_sufficiency(balance), self_consumption(balance)
    return {
        "self_sufficiency": None if ss is None else float(ss),
        "self_consumption": None if sc is None else float(sc),
    }


@dataclass(frozen=True, slots=True)
class MoneyFlows:
    """Whole-iota flows of a slot or run; see :meth:`check`."""

    consumers_paid_i: Iota
    producers_received_i: Iota
    grid_fees_i: Iota
    utility_net_i: Iota

    @classmethod
    def of(cls, settlement: SlotSettlement) -> MoneyFlows:
        """The flows of one settled slot (as invoiced and paid out)."""
        return cls(
            settlement.invoiced_i,
            settlement.paid_out_i,
            settlement.grid_fee_i,
            settlement.utility_i,
        )

    @classmethod
    def total(cls, flows: Iterable[MoneyFlows]) -> MoneyFlows:
        """The sum of several flows."""
        rows = list(flows)
        return cls(
            Iota(sum(f.consumers_paid_i for f in rows)),
            Iota(sum(f.producers_received_i for f in rows)),
            Iota(sum(f.grid_fees_i for f in rows)),
            Iota(sum(f.utility_net_i for f in rows)),
        )

    def check(self) -> None:
        """Raise :class:`MarketError` unless consumers' payments = producers' payouts +
        grid fees + utility settlement, to the iota."""
        rhs = self.producers_received_i + self.grid_fees_i + self.utility_net_i
        if self.consumers_paid_i != rhs:
            raise MarketError(f"money: consumers paid {self.consumers_paid_i} != {rhs} in {self}")

    def as_dict(self) -> dict[str, int]:
        """JSON-ready form (the report's ``money`` object)."""
        return {
            "consumers_paid_i": self.consumers_paid_i,
            "producers_received_i": self.producers_received_i,
            "grid_fees_i": self.grid_fees_i,
            "utility_net_i": self.utility_net_i,
        }


def retail_savings(consumed_wh: int, paid: Fraction | int, retail: Price) -> Fraction:
    """Iotas saved against buying ``consumed_wh`` at the ``retail`` tariff (may be < 0)."""
    return energy_value(consumed_wh, retail) - Fraction(paid)
