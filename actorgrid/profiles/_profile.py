"""The immutable per-run profile handed to Source and Consumer actors."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from ._errors import SlotOutOfRange
from ._grid import SlotGrid


class Profile:
    """Integer Wh for each slot of one run, precomputed; build it with :func:`make_profile`.

    >>> profile.energy_wh(42)        # Wh in slot 42, O(1)
    >>> profile.describe()           # "pv 5 kWp, tilt 30°, ... | 96 slots x 15 min, 21345 Wh"

    Instances are immutable and may be shared between actors (identical specs share one).
    """

    __slots__ = ("_grid", "_kind", "_model_text", "_wh")

    def __init__(self, kind: str, grid: SlotGrid, wh: NDArray[np.int64], model_text: str) -> None:
        self._kind = kind
        self._grid = grid
        self._wh = np.array(wh, dtype=np.int64)  # private copy, then frozen
        self._wh.flags.writeable = False
        self._model_text = model_text

    @property
    def kind(self) -> str:
        """The spec's ``kind``: ``pv``, ``wind``, ``bdew``, ``csv``, ``fixed`` or ``random``."""
        return self._kind

    @property
    def start(self) -> datetime:
        """Start of slot 0."""
        return self._grid.start

    @property
    def slot_minutes(self) -> int:
        """Slot length in minutes."""
        return self._grid.slot_minutes

    @property
    def slots(self) -> int:
        """Number of slots in the run (valid slot ids are ``0 .. slots - 1``)."""
        return self._grid.slots

    def energy_wh(self, slot: int) -> int:
        """Energy in Wh for ``slot``; :class:`SlotOutOfRange` outside ``0 .. slots - 1``."""
        if not 0 <= slot < self._grid.slots:
            raise SlotOutOfRange(self._kind, "slot", f"{slot} is outside 0..{self._grid.slots - 1}")
        return int(self._wh[slot])

    def total_wh(self, first: int = 0, stop: int | None = None) -> int:
        """Sum of ``energy_wh`` over slots ``first .. stop - 1`` (default: the whole run)."""
        end = self._grid.slots if stop is None else stop
        if not 0 <= first <= end <= self._grid.slots:
            raise SlotOutOfRange(
                self._kind, "slot", f"range {first}..{end} is outside 0..{self._grid.slots}"
            )
        return int(self._wh[first:end].sum())

    def as_array(self) -> NDArray[np.int64]:
        """All slots as a read-only int64 array."""
        return self._wh

    def describe(self) -> str:
        """One human-readable line: the model, then the run's slot grid and total."""
        return (
            f"{self._model_text} | {self.slots} slots x {self.slot_minutes} min "
            f"from {self.start.isoformat()}, total {self.total_wh()} Wh"
        )

    def __repr__(self) -> str:
        return f"<Profile {self.describe()}>"
