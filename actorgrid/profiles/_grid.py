"""The run's slot grid: slot ``k`` covers ``[start + k*slot, start + (k+1)*slot)``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from ._errors import ProfileError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SlotGrid:
    """Validated slot grid of one run (hashable: used as part of the profile cache key)."""

    start: datetime
    slot_minutes: int
    slots: int

    @classmethod
    def create(cls, start: object, slot_minutes: object, slots: object) -> SlotGrid:
        """Validate the arguments of :func:`make_profile` that describe the grid."""
        if not isinstance(start, datetime):
            raise ProfileError("grid", "start", f"must be a datetime, got {start!r}")
        if start.tzinfo is None or start.utcoffset() is None:
            raise ProfileError(
                "grid", "start", f"must be timezone-aware (e.g. tzinfo=UTC), got {start!r}"
            )
        if isinstance(slot_minutes, bool) or not isinstance(slot_minutes, int):
            raise ProfileError("grid", "slot_minutes", f"must be an int, got {slot_minutes!r}")
        if not 1 <= slot_minutes <= 24 * 60:
            raise ProfileError("grid", "slot_minutes", f"must be 1..1440, got {slot_minutes}")
        if isinstance(slots, bool) or not isinstance(slots, int) or slots < 0:
            raise ProfileError("grid", "slots", f"must be an int >= 0, got {slots!r}")
        return cls(start, slot_minutes, slots)

    @property
    def slot_hours(self) -> float:
        """Length of one slot in hours."""
        return self.slot_minutes / 60.0

    @property
    def end(self) -> datetime:
        """End of the last slot (exclusive)."""
        return self.start + timedelta(minutes=self.slot_minutes * self.slots)

    def edges_s(self) -> NDArray[np.float64]:
        """The ``slots + 1`` slot boundaries in seconds since the Unix epoch."""
        start_s = (self.start - _EPOCH) / timedelta(seconds=1)
        return start_s + np.arange(self.slots + 1, dtype=np.float64) * (self.slot_minutes * 60.0)

    def starts_us(self) -> NDArray[np.int64]:
        """The ``slots`` slot starts as exact integer microseconds since the Unix epoch."""
        start_us = (self.start - _EPOCH) // timedelta(microseconds=1)
        step_us = self.slot_minutes * 60_000_000
        return start_us + np.arange(self.slots, dtype=np.int64) * step_us


def integrate_steps(
    breaks_s: NDArray[np.float64],
    energy_wh: NDArray[np.float64],
    query_s: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Energy of a piecewise-constant-power series between consecutive query points.

    ``energy_wh[i]`` is spread evenly over ``[breaks_s[i], breaks_s[i+1])``; the result
    has ``len(query_s) - 1`` entries. Query points must lie within the breaks.
    """
    cumulative = np.concatenate(([0.0], np.cumsum(energy_wh)))
    at_query = np.interp(query_s, breaks_s, cumulative)
    return np.maximum(np.diff(at_query), 0.0)
