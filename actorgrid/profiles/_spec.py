"""Validation of the plain-dict profile specs handed over by the config."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any, Final

from ._errors import ProfileError

_MISSING: Final = object()


class SpecReader:
    """Typed, validating access to one profile spec; rejects unknown keys up front."""

    def __init__(
        self,
        spec: Mapping[str, Any],
        kind: str,
        required: Collection[str],
        optional: Collection[str] = (),
    ) -> None:
        self.spec = spec
        self.kind = kind
        allowed = {"kind", *required, *optional}
        for key in spec:
            if key not in allowed:
                raise ProfileError(
                    kind, str(key), f"unknown key (allowed: {', '.join(sorted(allowed))})"
                )
        for key in required:
            if key not in spec:
                raise ProfileError(kind, key, "is required")

    def error(self, key: str, problem: str) -> ProfileError:
        """A :class:`ProfileError` for ``key`` of this spec."""
        return ProfileError(self.kind, key, problem)

    def number(
        self,
        key: str,
        *,
        default: float | None = None,
        low: float | None = None,
        high: float | None = None,
        low_exclusive: bool = False,
    ) -> float:
        """A finite real number in ``[low, high]`` (``(low, high]`` if ``low_exclusive``)."""
        value = self.spec.get(key, _MISSING)
        if value is _MISSING:
            if default is None:
                raise self.error(key, "is required")
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"must be a number, got {type(value).__name__} {value!r}")
        number = float(value)
        if not math.isfinite(number):
            raise self.error(key, f"must be finite, got {value!r}")
        if low is not None and (number <= low if low_exclusive else number < low):
            relation = ">" if low_exclusive else ">="
            raise self.error(key, f"must be {relation} {low:g}, got {value!r}")
        if high is not None and number > high:
            raise self.error(key, f"must be <= {high:g}, got {value!r}")
        return number

    def integer(self, key: str, *, default: int | None = None, low: int | None = None) -> int:
        """An ``int`` (not ``bool``) that is ``>= low``."""
        value = self.spec.get(key, _MISSING)
        if value is _MISSING:
            if default is None:
                raise self.error(key, "is required")
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"must be an integer, got {type(value).__name__} {value!r}")
        if low is not None and value < low:
            raise self.error(key, f"must be >= {low}, got {value!r}")
        return value

    def string(
        self,
        key: str,
        *,
        default: str | None = None,
        choices: Collection[str] | None = None,
    ) -> str:
        """A non-empty string, optionally one of ``choices`` (compared case-insensitively)."""
        value = self.spec.get(key, _MISSING)
        if value is _MISSING:
            if default is None:
                raise self.error(key, "is required")
            return default
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"must be a non-empty string, got {value!r}")
        if choices is not None:
            for choice in choices:
                if value.lower() == choice.lower():
                    return choice
            raise self.error(key, f"must be one of {', '.join(choices)}; got {value!r}")
        return value

    def optional_string(self, key: str) -> str | None:
        """A non-empty string, or ``None`` when the key is absent."""
        if key not in self.spec or self.spec[key] is None:
            return None
        return self.string(key)

    def boolean(self, key: str, *, default: bool) -> bool:
        """A real ``bool``."""
        value = self.spec.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, got {value!r}")
        return value
