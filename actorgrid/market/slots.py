"""Slot arithmetic: which slot a moment belongs to, and when a slot starts and ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from actorgrid.market.units import MarketError, SlotId

__all__ = ["SlotCalendar"]


@dataclass(frozen=True, slots=True)
class SlotCalendar:
    """A run of ``slots`` consecutive slots of ``slot_minutes`` each from ``start``.

    ``start`` must be timezone-aware so slot boundaries are unambiguous.
    """

    start: datetime
    slot_minutes: int
    slots: int

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise MarketError("start: must be timezone-aware")
        if self.slot_minutes <= 0:
            raise MarketError(f"slot_minutes: must be > 0, got {self.slot_minutes}")
        if self.slots <= 0:
            raise MarketError(f"slots: must be > 0, got {self.slots}")

    @property
    def slot_length(self) -> timedelta:
        """Length of one slot."""
        return timedelta(minutes=self.slot_minutes)

    @property
    def slot_seconds(self) -> float:
        """Length of one slot in seconds (for timers)."""
        return self.slot_minutes * 60.0

    @property
    def end(self) -> datetime:
        """End of the last slot (exclusive)."""
        return self.start + self.slots * self.slot_length

    def ids(self) -> range:
        """All slot ids of the run, in order."""
        return range(self.slots)

    def contains(self, slot: int) -> bool:
        """Whether ``slot`` is a slot of this run."""
        return 0 <= slot < self.slots

    def slot_start(self, slot: int) -> datetime:
        """Start of ``slot`` (inclusive)."""
        return self.start + slot * self.slot_length

    def slot_end(self, slot: int) -> datetime:
        """End of ``slot`` (exclusive)."""
        return self.slot_start(slot + 1)

    def slot_of(self, moment: datetime) -> SlotId:
        """The slot that contains ``moment`` (may lie outside the run: check ``contains``)."""
        if moment.tzinfo is None:
            raise MarketError("moment: must be timezone-aware")
        return SlotId((moment - self.start) // self.slot_length)
