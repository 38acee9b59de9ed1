"""The run's view of a grid description: plain, frozen data the actors are built from.

:func:`actorgrid.actors.configure.grid_spec_from_config` fills it from a validated
``actorgrid.config`` object; tests build it directly (tiny grids, fixed profiles).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from actorgrid.market.book import Tariffs
from actorgrid.market.payments import PaymentPolicy
from actorgrid.market.rules import ClearingRule

__all__ = [
    "ConsumerSpec",
    "GridSpec",
    "LedgerSpec",
    "ProducerSpec",
    "SourceSpec",
    "TimingSpec",
]


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One generator: its id and the profile dict handed to ``make_profile``."""

    id: str
    profile: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ProducerSpec:
    """A producer, its asking price (i/kWh) and its sources."""

    id: str
    price: int
    sources: tuple[SourceSpec, ...]


@dataclass(frozen=True, slots=True)
class ConsumerSpec:
    """A consumer, its load profile dict and the most it pays (i/kWh)."""

    id: str
    profile: Mapping[str, Any]
    max_price: int


@dataclass(frozen=True, slots=True)
class TimingSpec:
    """Grace windows and retransmission, in seconds of the run's clock."""

    producer_grace_s: float = 30.0
    grid_grace_s: float = 60.0
    retry_s: float = 10.0


@dataclass(frozen=True, slots=True)
class LedgerSpec:
    """Ledger and MAM settings of the run.

    ``genesis`` is each wallet's starting balance (by wallet name: entity ids, the grid's
    name for its payout float, ``utility``); ``default_balance_i`` funds payers without an
    entry (books-only runs and tests).
    """

    enabled: bool = True
    mwm: int = 1
    milestone_interval_s: float = 1.0
    db_path: str | None = None  # None: in-memory node and journal
    genesis: Mapping[str, int] = field(default_factory=dict)
    default_balance_i: int = 10**9
    mam_enabled: bool = True
    mam_every: int = 8  # publish each entity's buffered records every N slots
    mam_security: int = 1
    mam_mode: str = "restricted"
    seeds: Any = None  # a SeedsConfig (seed_for(entity) -> SecretSeed), or None for demo seeds


@dataclass(frozen=True, slots=True)
class GridSpec:
    """Everything a run needs."""

    name: str
    slots: int
    slot_minutes: int
    start: datetime
    rule: ClearingRule
    tariffs: Tariffs
    producers: tuple[ProducerSpec, ...]
    consumers: tuple[ConsumerSpec, ...]
    payment: PaymentPolicy = field(default_factory=PaymentPolicy)
    timing: TimingSpec = field(default_factory=TimingSpec)
    ledger: LedgerSpec = field(default_factory=LedgerSpec)
    clock: str = "sim"
    payout_every: int = 1  # slots per payout transfer (statements are always per slot)
    speed: float = 1.0  # clock runs this many times faster than the slots' real time
    raw: Any = None  # the original config object, for the market functions that want it

    @property
    def clearing_rule(self) -> str:
        """The clearing rule's name."""
        return self.rule.name

    @property
    def slot_s(self) -> float:
        """Slot length in seconds of the run's clock (real slot length / ``speed``)."""
        return self.slot_minutes * 60.0 / self.speed

    @property
    def sources(self) -> tuple[tuple[ProducerSpec, SourceSpec], ...]:
        """Every (producer, source) pair."""
        return tuple((p, s) for p in self.producers for s in p.sources)

    @property
    def devices(self) -> int:
        """Sources plus consumers."""
        return len(self.sources) + len(self.consumers)
