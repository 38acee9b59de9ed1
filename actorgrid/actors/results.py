"""The plain results of a grid run: what the summary, the JSON report and the plot are made of.

Everything here is plain data (integers for energy in Wh and money in iotas), filled in by the
run driver from what the Grid actor recorded, so the report code needs no actor at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

__all__ = ["LedgerFigures", "ParticipantResult", "RunResults", "SlotResult"]


@dataclass(slots=True)
class SlotResult:
    """Energy and money of one cleared slot.

    Energy balance: ``local_wh + exported_wh == produced_wh`` and
    ``local_wh + imported_wh == consumed_wh``.  Money balance:
    ``consumers_paid_i == producers_received_i + grid_fees_i + utility_net_i``.
    """

    slot: int
    produced_wh: int = 0
    consumed_wh: int = 0
    local_wh: int = 0
    imported_wh: int = 0
    exported_wh: int = 0
    clearing_price: int | None = None  # i/kWh, ``None`` when nothing was traded locally
    consumers_paid_i: int = 0
    producers_received_i: int = 0
    grid_fees_i: int = 0
    utility_net_i: int = 0
    reason: str = ""
    missing_readings: int = 0
    missing_reports: int = 0


@dataclass(slots=True)
class ParticipantResult:
    """Totals of one producer or consumer over the run."""

    id: str
    kind: str  # "producer" | "consumer"
    energy_wh: int = 0  # produced (producer) or consumed (consumer)
    local_wh: int = 0  # matched locally
    utility_wh: int = 0  # exported (producer) or imported (consumer)
    billed_i: int = 0  # consumer: invoiced; producer: owed by the grid
    paid_i: int = 0  # consumer: paid through the ledger; producer: received
    confirmed_i: int = 0  # confirmed on the ledger
    retail_cost_i: int = 0  # consumer: what the same energy costs at the retail tariff
    ledger_balance_i: int | None = None
    invoices: int = 0
    missing_slots: int = 0

    @property
    def outstanding_i(self) -> int:
        """Billed but not (yet) paid."""
        return self.billed_i - self.paid_i


@dataclass(slots=True)
class LedgerFigures:
    """What the ledger did during the run."""

    bundles: int = 0
    confirmed: int = 0
    transfers: int = 0
    transfers_confirmed: int = 0
    mam_messages: int = 0
    failed: int = 0
    balances_agree: bool | None = None
    node: str = "embedded"


@dataclass(slots=True)
class RunResults:
    """Everything a run produced, in plain data."""

    grid: str
    clearing_rule: str
    retail_i_per_kwh: int
    feed_in_i_per_kwh: int
    slot_minutes: int
    slots: list[SlotResult] = field(default_factory=list)
    participants: list[ParticipantResult] = field(default_factory=list)
    ledger: LedgerFigures = field(default_factory=LedgerFigures)
    clock: str = "sim"
    wall_s: float = 0.0
    readings: int = 0
    restarts: int = 0
    faults: int = 0  # faults injected (crashes/stops of entities or the ledger)
    mam_roots: dict[str, str] = field(default_factory=dict)
    mam_side_keys: dict[str, str] = field(default_factory=dict)

    def total(self, name: str) -> int:
        """Sum of one integer field of :class:`SlotResult` over all slots."""
        return sum(int(getattr(s, name)) for s in self.slots)

    def retail_cost_i(self) -> int:
        """What consumers would have paid buying all their energy at the retail tariff."""
        exact = Fraction(self.total("consumed_wh") * self.retail_i_per_kwh, 1000)
        return exact.numerator // exact.denominator
