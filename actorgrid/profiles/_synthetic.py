"""Synthetic profiles: a constant and seeded uniform random energies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._grid import SlotGrid
from ._spec import SpecReader

_MAX_WH = 10**9  # 1 GWh a slot: far above any device, well inside a reading's 10**12 Wh


@dataclass(frozen=True, slots=True)
class FixedModel:
    """``{"kind": "fixed", "wh"}``: the same integer Wh in every slot."""

    wh: int

    @classmethod
    def parse(cls, spec: Mapping[str, Any]) -> FixedModel:
        """Validate a ``fixed`` spec."""
        reader = SpecReader(spec, "fixed", ("wh",))
        wh = reader.integer("wh", low=0)
        if wh > _MAX_WH:
            raise reader.error("wh", f"must be <= {_MAX_WH}, got {wh}")
        return cls(wh)

    def energies(self, grid: SlotGrid) -> NDArray[np.float64]:
        """Float Wh per slot."""
        return np.full(grid.slots, float(self.wh))

    def describe(self) -> str:
        """One line for humans."""
        return f"fixed {self.wh} Wh per slot"


@dataclass(frozen=True, slots=True)
class RandomModel:
    """``{"kind": "random", "min_wh", "max_wh", "seed"}``: uniform integers in
    ``[min_wh, max_wh]``, drawn with numpy's PCG64 from ``seed`` (slot 0 first), so the
    same spec always gives the same series."""

    min_wh: int
    max_wh: int
    seed: int

    @classmethod
    def parse(cls, spec: Mapping[str, Any]) -> RandomModel:
        """Validate a ``random`` spec."""
        reader = SpecReader(spec, "random", ("min_wh", "max_wh", "seed"))
        low = reader.integer("min_wh", low=0)
        high = reader.integer("max_wh", low=0)
        if high < low:
            raise reader.error("max_wh", f"must be >= min_wh ({low}), got {high}")
        if high > _MAX_WH:
            raise reader.error("max_wh", f"must be <= {_MAX_WH}, got {high}")
        return cls(low, high, reader.integer("seed", low=0))

    def energies(self, grid: SlotGrid) -> NDArray[np.float64]:
        """Float Wh per slot (whole numbers)."""
        rng = np.random.Generator(np.random.PCG64(self.seed))
        draws = rng.integers(self.min_wh, self.max_wh, size=grid.slots, endpoint=True)
        return draws.astype(np.float64)

    def describe(self) -> str:
        """One line for humans."""
        return f"random {self.min_wh}..{self.max_wh} Wh per slot, seed {self.seed}"
