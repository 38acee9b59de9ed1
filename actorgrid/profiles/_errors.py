"""Typed errors raised by the profiles package."""

from __future__ import annotations


class ProfileError(ValueError):
    """An invalid profile spec, slot grid or input file.

    ``key`` names the offending spec key (or ``"start"``, ``"slot_minutes"``,
    ``"slots"`` for the slot grid) and ``problem`` says what is wrong with it.
    """

    def __init__(self, kind: str, key: str, problem: str) -> None:
        self.kind = kind
        self.key = key
        self.problem = problem
        super().__init__(f"{kind} profile: {key!r}: {problem}")


class SlotOutOfRange(ProfileError, IndexError):
    """A slot id outside the run the profile was built for."""
