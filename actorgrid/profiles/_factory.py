"""``make_profile``: validate a spec, run its model once per distinct spec, round to Wh."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from ._bdew import BdewModel
from ._csv import CsvModel
from ._errors import ProfileError
from ._grid import SlotGrid
from ._profile import Profile
from ._pv import PvModel
from ._rounding import round_conserving
from ._synthetic import FixedModel, RandomModel
from ._wind import WindModel


class Model(Protocol):
    """A validated, hashable profile spec that can compute its energies."""

    def energies(self, grid: SlotGrid) -> NDArray[np.float64]: ...

    def describe(self) -> str: ...

    def __hash__(self) -> int: ...


KINDS: dict[str, Callable[[Mapping[str, Any]], Model]] = {
    "pv": PvModel.parse,
    "wind": WindModel.parse,
    "bdew": BdewModel.parse,
    "csv": CsvModel.parse,
    "fixed": FixedModel.parse,
    "random": RandomModel.parse,
}


def make_profile(
    spec: Mapping[str, Any], *, start: datetime, slot_minutes: int, slots: int
) -> Profile:
    """Build the integer-Wh profile of ``slots`` slots of ``slot_minutes`` from ``start``.

    ``spec`` is a plain mapping whose ``kind`` selects the model (see the package
    docstring for every kind's keys). Raises :class:`ProfileError` naming the bad key.
    Identical specs on the same grid return the same (immutable) :class:`Profile`.
    """
    grid = SlotGrid.create(start, slot_minutes, slots)
    kind = _kind_of(spec)
    # tzinfo joins the key: grids at the same instant compare equal, but Profile.start
    # should come back in the caller's own time zone.
    return _build(kind, KINDS[kind](spec), grid, start.tzinfo)


def parse_spec(spec: Mapping[str, Any]) -> Model:
    """Validate ``spec`` into its hashable model without computing anything."""
    return KINDS[_kind_of(spec)](spec)


def clear_cache() -> None:
    """Forget every built profile (the per-model caches of hourly series are kept)."""
    _build.cache_clear()


def _kind_of(spec: Mapping[str, Any]) -> str:
    if not isinstance(spec, Mapping):
        raise ProfileError("?", "spec", f"must be a mapping, got {type(spec).__name__}")
    kind = spec.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise ProfileError(str(kind), "kind", f"must be one of {', '.join(KINDS)}; got {kind!r}")
    return kind


@lru_cache(maxsize=256)
def _build(kind: str, model: Model, grid: SlotGrid, _tz: object) -> Profile:
    # Keyed by the validated model (i.e. by spec) and grid: a benchmark with hundreds of
    # identical PV or BDEW devices computes each distinct profile once.
    return Profile(kind, grid, round_conserving(model.energies(grid)), model.describe())
