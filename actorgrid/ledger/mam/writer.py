"""``MamWriter``: creates messages on a stored channel and hands them to a publisher.

Order of operations per message (the crash-safety rule of ``store``): sign on a copy of
the state → persist the advanced state and the payload together → submit. A crash
after persisting leaves a pending payload that ``resubmit_pending`` sends again with the
same idempotency key; the Merkle leaf is never signed with twice.

Publishers are small async callables; ``ledger_publisher`` hands payloads to the ledger
actor (the normal path: the writer never waits for the tangle).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from ._trinary import is_trytes
from .channel import MamMessage, create_message
from .errors import MamError
from .payload import GOODBYE, HELLO, encode_command
from .store import MamChannelStore, MamStoreError, PublishStatus, StoredMessage, copy_state

DEFAULT_TAG = "ACTORGRID9MAM"
MAX_PAYLOAD_TRYTES = 2187 * 32  # what one PublishRequest may carry (ledger.messages)
log = logging.getLogger(__name__)


class MamPublishError(MamError):
    """The publisher refused a payload (it stays pending and is retried later)."""


class Publisher(Protocol):
    """Hands a payload over for publication; returns how far it got."""

    async def __call__(
        self, address: str, payload: str, tag: str, idempotency_key: str, /
    ) -> PublishStatus: ...


class MamWriter:
    """Writes messages to one channel of a ``MamChannelStore``.

    >>> writer = MamWriter(store, "meter-1", ledger_publisher(ledger_ref))
    >>> await writer.hello(entity="meter-1")
    >>> await writer.write_json({"command": "output", "wh": 1250})
    """

    def __init__(
        self,
        store: MamChannelStore,
        channel_id: str,
        publish: Publisher,
        *,
        tag: str = DEFAULT_TAG,
    ) -> None:
        if not is_trytes(tag) or len(tag) > 27:
            raise MamPublishError("tag must be at most 27 trytes")
        self.store = store
        self.channel_id = channel_id
        self.tag = tag
        self._publish = publish
        self._lock = asyncio.Lock()
        self._first_root = store.get(channel_id).first_root

    @property
    def root(self) -> str:
        """The channel's first root: what a subscriber starts from."""
        return self._first_root

    @property
    def side_key(self) -> str | None:
        """The padded side key (restricted channels), for subscribers."""
        return self.store.get(self.channel_id).state.side_key

    async def write(self, message: str, *, close: bool = False) -> StoredMessage:
        """Create, persist and submit one message of trytes; returns the stored record.

        If submission fails the message stays pending (``resubmit_pending`` retries it)
        and the error is logged, not raised: the caller's hot path never waits on the
        ledger beyond the hand-over.
        """
        async with self._lock:
            stored = self.store.get(self.channel_id)
            if stored.closed:
                raise MamStoreError(f"channel {self.channel_id!r} is closed")
            before = stored.state
            after = copy_state(before)
            # Signing costs milliseconds of CPU: keep it off the event loop.
            msg: MamMessage = await asyncio.to_thread(create_message, after, message)
            if len(msg.payload) > MAX_PAYLOAD_TRYTES:
                # Not persisted, so the leaf stays unused (this signature never leaves).
                raise MamPublishError(
                    f"message too long: payload of {len(msg.payload)} trytes exceeds "
                    f"{MAX_PAYLOAD_TRYTES}"
                )
            record = self.store.record_message(
                self.channel_id,
                before,
                after,
                msg,
                tag=self.tag,
                idempotency_key=self._idempotency_key(before.start + before.index),
                close=close,
            )
        await self._submit(record)
        return record

    async def write_json(self, payload: Mapping[str, Any], *, close: bool = False) -> StoredMessage:
        """Write a JSON command object (must have a string ``command``)."""
        return await self.write(encode_command(payload), close=close)

    async def hello(self, **fields: Any) -> StoredMessage:
        """Open the channel with ``{"command": "hello", ...}``."""
        return await self.write_json({"command": HELLO, **fields})

    async def goodbye(self, **fields: Any) -> StoredMessage:
        """Close the channel with ``{"command": "goodbye", ...}``; no writes after it."""
        return await self.write_json({"command": GOODBYE, **fields}, close=True)

    async def resubmit_pending(self) -> int:
        """Submit again every stored message of this channel not yet published."""
        pending = self.store.messages(self.channel_id, unpublished_only=True)
        for record in pending:
            await self._submit(record)
        return len(pending)

    def mark_published(self, idempotency_key: str) -> None:
        """Record the ledger's ``Published`` event for a message."""
        self.store.set_status(idempotency_key, PublishStatus.PUBLISHED)

    def _idempotency_key(self, key_index: int) -> str:
        # Unique per seed (via the first root), so a channel recreated under the same id
        # never collides with an old one in the ledger's journal.
        return f"mam:{self.channel_id}:{self._first_root[:20]}:{key_index}"

    async def _submit(self, record: StoredMessage) -> None:
        try:
            status = await self._publish(
                record.message.address, record.message.payload, record.tag, record.idempotency_key
            )
        except Exception:
            log.exception("MAM publish of %s failed; it stays pending", record.idempotency_key)
            return
        self.store.set_status(record.idempotency_key, status)


def ledger_publisher(ledger: Any, *, reply_to: str = "", timeout: float = 10.0) -> Publisher:
    """A publisher that asks the ledger actor (``ActorRef``) with a ``PublishRequest``.

    Returns ``ACCEPTED`` once the ledger has journalled the request; its later
    ``Published`` event goes to ``reply_to`` (see ``MamWriter.mark_published``).
    """
    from actorgrid.ledger.messages import PublishAccepted, PublishRequest

    async def publish(address: str, payload: str, tag: str, idempotency_key: str) -> PublishStatus:
        request = PublishRequest(
            address=address,
            payload_trytes=payload,
            tag=tag,
            idempotency_key=idempotency_key,
            reply_to=reply_to,
        )
        reply = await ledger.ask(request, timeout=timeout)
        if not isinstance(reply, PublishAccepted):
            raise MamPublishError(f"ledger refused {idempotency_key}: {reply!r}")
        return PublishStatus.ACCEPTED

    return publish
