"""Every entity's audit stream as a MAM v0 channel, published through the ledger actor.

:class:`MamStreams` implements :class:`~actorgrid.actors.publishing.MamPort`: entities
append records (readings, offers, usage, invoices, statements, slot settlements) to a
per-entity buffer owned by the run (so a restart loses none). The
:class:`MamStreamActor` (at ``/ledger/mam``) flushes the buffers every ``mam_every`` slots:
each entity's buffered records become ONE MAM message ``{"command": "records", "entity":
..., "from_slot": ..., "records": [...]}`` on that entity's channel (opened with
``hello``), written by :class:`~actorgrid.ledger.mam.MamWriter` (state persisted before the
hand-over, so a Merkle leaf is never reused) and published by the ledger actor as a
zero-value bundle. ``actorgrid mam follow ROOT --side-key KEY`` reads a stream back.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from actorgrid.ledger.mam import MamChannelStore, MamWriter, ledger_publisher
from actorgrid.runtime import Actor

if TYPE_CHECKING:
    from actorgrid.actors.base import Entity, RunEnv

__all__ = ["FlushStreams", "MamStreamActor", "MamStreams"]

log = logging.getLogger("actorgrid.actors")

#: JSON characters of records per MAM message: one message must fit in one PublishRequest
#: (``MAX_PAYLOAD_TRYTES``, 32 transactions); each character is two trytes, and the
#: signature and siblings take up to 3 transactions at security 3.
RECORDS_CHARS_PER_MESSAGE = 16_000


class MamStreams:
    """Buffers per entity and one MAM channel per entity."""

    def __init__(self, *, security: int = 1, mode: str = "restricted", db: str = ":memory:"):
        self.security = security
        self.mode = mode
        self.store = MamChannelStore(db)
        self.buffers: dict[str, list[dict[str, Any]]] = {}
        self.writers: dict[str, MamWriter] = {}
        self.written = 0
        self.published = 0
        self.opened: set[str] = set()
        self.outstanding: set[str] = set()

    def record(self, actor: Entity, kind: str, data: dict[str, Any]) -> None:
        """Append a record to ``actor``'s stream (never waits)."""
        self.buffers.setdefault(actor.entity_id, []).append({"kind": kind, **data})

    def open(self, entities: list[str], ledger: Any, reply_to: str) -> None:
        """Create (or reuse) a channel per entity, published through ``ledger`` (a ref)."""
        publish = ledger_publisher(ledger, reply_to=reply_to, timeout=60.0)
        known = set(self.store.channel_ids())
        for entity in entities:
            if entity not in known:
                self.store.create_channel(entity, mode=self.mode, security=self.security)  # type: ignore[arg-type]
            self.writers[entity] = MamWriter(self.store, entity, publish)
            if self.store.messages(entity):
                self.opened.add(entity)  # its hello is already on the channel (a restart)

    def roots(self) -> dict[str, str]:
        """First root of every channel (where a follower starts)."""
        return {e: w.root for e, w in self.writers.items()}

    def side_keys(self) -> dict[str, str]:
        """Side key of every restricted channel (what a follower needs besides the root)."""
        return {e: w.side_key or "" for e, w in self.writers.items()}

    async def flush(self) -> int:
        """Re-submit what the ledger has not accepted yet, then write every non-empty buffer
        as MAM messages (one per :data:`RECORDS_CHARS_PER_MESSAGE` of JSON); returns how
        many were written. A record leaves its buffer only once its message is stored."""
        for pending in self.writers.values():
            await pending.resubmit_pending()
        count = 0
        for entity, records in list(self.buffers.items()):
            writer = self.writers.get(entity)
            if not records or writer is None:
                continue
            if entity not in self.opened:
                stored = await writer.hello(entity=entity)
                self.opened.add(entity)
                self._track(stored.idempotency_key)
            for chunk in _chunks(records, RECORDS_CHARS_PER_MESSAGE):
                payload = {"command": "records", "entity": entity, "records": chunk}
                stored = await writer.write_json(payload)
                self._track(stored.idempotency_key)
                del records[: len(chunk)]
                count += 1
        return count

    def _track(self, key: str) -> None:
        self.written += 1
        self.outstanding.add(key)

    def mark_published(self, key: str) -> None:
        """The ledger published ``key``."""
        if key in self.outstanding:
            self.outstanding.discard(key)
            self.published += 1
        for writer in self.writers.values():
            if key.startswith(f"mam:{writer.channel_id}:"):
                writer.mark_published(key)
                break


def _chunks(records: list[dict[str, Any]], limit: int) -> list[list[dict[str, Any]]]:
    """Consecutive runs of ``records`` whose JSON fits in about ``limit`` characters each."""
    out: list[list[dict[str, Any]]] = [[]]
    size = 0
    for record in records:
        length = len(json.dumps(record, separators=(",", ":"))) + 1
        if out[-1] and size + length > limit:
            out.append([])
            size = 0
        out[-1].append(record)
        size += length
    return out


@dataclass(frozen=True, slots=True)
class FlushStreams:
    """Flush every buffered stream now (answered with the number of messages written)."""


class MamStreamActor(Actor):
    """Flushes :class:`MamStreams` every ``mam_every`` slots; receives ``Published``."""

    def __init__(self, env: RunEnv, streams: MamStreams) -> None:
        self.env = env
        self.streams = streams

    async def on_start(self) -> None:
        """Arm the periodic flush."""
        every = self.env.spec.ledger.mam_every * self.env.spec.slot_s
        self.ctx.schedule_periodic(every, FlushStreams(), initial_delay_s=every + 1.0)

    async def on_receive(self, message: object) -> object:
        """Flush on :class:`FlushStreams`; record ``Published`` events."""
        from actorgrid.ledger.messages import Published, PublishFailed

        if isinstance(message, FlushStreams):
            return await self.streams.flush()
        if isinstance(message, Published):
            self.streams.mark_published(message.idempotency_key)
        elif isinstance(message, PublishFailed):
            log.warning("MAM publish %s failed: %s", message.idempotency_key, message.reason)
            self.streams.outstanding.discard(message.idempotency_key)
        return None
