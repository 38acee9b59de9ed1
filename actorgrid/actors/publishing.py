"""Each entity's audit stream on MAM: records buffered per entity, published at a cadence.

Entities call :meth:`MamPort.record` on their hot path (it only appends to a buffer in the
run's store, so it never waits). Every ``ledger.mam_every`` slots (and at the end of the
run) :class:`~actorgrid.actors.mam.MamStreams` turns each entity's buffer into one MAM
message on that entity's channel and hands it to the ledger actor (``PublishRequest``).
Publishing every record as its own MAM message is possible (``mam_every = 1``) but costs a
Merkle leaf and a bundle per record; the coarser cadence keeps the demo fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from actorgrid.actors.base import Entity

__all__ = ["MamPort"]


class MamPort(Protocol):
    """What the grid actors need from MAM."""

    def record(self, actor: Entity, kind: str, data: dict[str, Any]) -> None:
        """Append one record to ``actor``'s stream (published later, in order)."""
        ...
