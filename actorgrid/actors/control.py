"""In-process control messages of the grid actors (timers, retries, fault injection).

These never leave the process (they are not wire messages), so they are plain frozen
dataclasses rather than registered protocol messages.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Crash", "Flush", "Grace", "InjectedCrash", "Retry", "SlotTick", "VerifyPayouts"]


@dataclass(frozen=True, slots=True)
class SlotTick:
    """Timer: ``slot`` has ended; meter it (sources, consumers)."""

    slot: int


@dataclass(frozen=True, slots=True)
class Grace:
    """Timer: the grace window for ``slot`` has expired (producer, grid)."""

    slot: int


@dataclass(frozen=True, slots=True)
class Retry:
    """Timer: resend everything not yet acknowledged."""


@dataclass(frozen=True, slots=True)
class Flush:
    """End of run: a consumer pays everything it still owes, whatever its threshold."""


@dataclass(frozen=True, slots=True)
class VerifyPayouts:
    """A producer compares its statements with its balance on the ledger."""


@dataclass(frozen=True, slots=True)
class Crash:
    """Fault injection: the receiving entity raises :class:`InjectedCrash`."""

    note: str = ""


class InjectedCrash(RuntimeError):
    """Raised by an entity on :class:`Crash` (its supervisor restarts it)."""
