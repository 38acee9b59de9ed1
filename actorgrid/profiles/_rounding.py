"""Integer rounding of per-slot energies that never drifts."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def round_conserving(energy_wh: NDArray[np.float64]) -> NDArray[np.int64]:
    """Round non-negative per-slot energies to integer Wh, carrying the remainder.

    Slot ``k`` gets ``R(c[k+1]) - R(c[k])`` where ``c`` is the running total and ``R``
    rounds half up, so every prefix sums to its rounded float total, no value is
    negative, and each slot differs from its float value by less than 1 Wh.
    """
    values = np.asarray(energy_wh, dtype=np.float64)
    if values.size and (not np.all(np.isfinite(values)) or values.min() < 0.0):
        raise ValueError("energies must be finite and non-negative")
    running = np.concatenate(([0.0], np.cumsum(values)))
    rounded = np.floor(running + 0.5).astype(np.int64)
    return np.diff(rounded)
