"""``MamSubscriber``: fetch, verify and follow a channel through any PyOTA client.

Works with ``iota.Iota(EmbeddedAdapter(node))`` and ``iota.Iota("http://host:14265")``
alike: ``find_transactions(addresses=[...])``, ``get_trytes``, follow each attachment's
trunk chain from its tail, concatenate the message fragments, ``parse_message``.

Every message is verified. A bundle at the expected address that does not verify
(tampered, wrongly signed, spam) is recorded in ``rejected`` with its error and logged,
and is never delivered; the subscriber stays on that root, so a genuine message
published there later is still found.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .channel import Mode, message_address
from .errors import MamError, MamPayloadError
from .parser import parse_message
from .payload import GOODBYE, decode_command
from .text import object_from_trytes, string_from_trytes

log = logging.getLogger(__name__)


class MamFetchError(MamError):
    """The node could not be queried."""


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    """A verified message of the followed channel."""

    root: str
    address: str
    message: str
    next_root: str
    bundle_hash: str

    def json(self) -> Any:
        """The message decoded as JSON (``ValueError`` if it is not JSON)."""
        return object_from_trytes(self.message)

    def text(self) -> str:
        """The message decoded as text (the reference's ``stringFromTrytes``)."""
        return string_from_trytes(self.message)

    @property
    def command(self) -> str | None:
        """The ``command`` of a JSON command message (``hello``, ``goodbye``, ...), else None."""
        try:
            return str(decode_command(self.message)["command"])
        except MamPayloadError:
            return None


@dataclass(frozen=True, slots=True)
class RejectedMessage:
    """A bundle found at a channel address that failed verification."""

    root: str
    address: str
    bundle_hash: str
    error: MamError


@dataclass(slots=True)
class MamSubscriber:
    """Follows a channel from ``root``; ``root`` is always the next message's root.

    ``mode`` defaults to ``restricted`` when a side key is given, else ``public``. After a
    ``goodbye`` command the channel is ``closed``: polling stops there, as the PoC's
    readers drop a channel that said goodbye.
    """

    api: Any
    root: str
    side_key: str | None = None
    mode: Mode | None = None
    rejected: list[RejectedMessage] = field(default_factory=list)
    closed: bool = False
    _seen_bad: set[tuple[str, str]] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.mode is None:
            self.mode = "restricted" if self.side_key else "public"
        message_address(self.root, self.mode)  # validates root and mode

    @property
    def address(self) -> str:
        """Where the next message is expected."""
        assert self.mode is not None
        return message_address(self.root, self.mode)

    def has_bundles(self) -> bool:
        """True if anything at all (verified or not) is stored at the next address."""
        return bool(self._payloads_at(self.address))

    def poll(self, limit: int | None = None) -> list[ReceivedMessage]:
        """Fetch every message available now (up to ``limit``), advancing ``root``."""
        received: list[ReceivedMessage] = []
        while not self.closed and (limit is None or len(received) < limit):
            message = self._fetch_one()
            if message is None:
                break
            received.append(message)
            self.root = message.next_root
            self.closed = message.command == GOODBYE
        return received

    async def poll_async(self, limit: int | None = None) -> list[ReceivedMessage]:
        """``poll`` in a worker thread (PyOTA clients are blocking)."""
        return await asyncio.to_thread(self.poll, limit)

    async def follow(self, interval: float = 1.0) -> AsyncIterator[ReceivedMessage]:
        """Yield messages until ``goodbye``, polling every ``interval`` seconds when idle.

        Node errors are logged and retried at the next poll.
        """
        while not self.closed:
            try:
                batch = await self.poll_async()
            except MamFetchError:
                log.warning("MAM fetch at %s failed; retrying", self.address, exc_info=True)
                batch = []
            for message in batch:
                yield message
            if not batch:
                await asyncio.sleep(interval)

    def _fetch_one(self) -> ReceivedMessage | None:
        address = self.address
        good: ReceivedMessage | None = None
        for found in self._payloads_at(address):
            try:
                parsed = parse_message(found.payload, self.root, self.side_key)
            except MamError as exc:
                if (self.root, found.tail) not in self._seen_bad:
                    self._seen_bad.add((self.root, found.tail))
                    self.rejected.append(RejectedMessage(self.root, address, found.bundle, exc))
                    log.warning("rejected MAM bundle %s at %s: %s", found.bundle, address, exc)
                continue
            if good is None:
                good = ReceivedMessage(
                    self.root, address, parsed.message, parsed.next_root, found.bundle
                )
        return good

    def _payloads_at(self, address: str) -> list[_Attachment]:
        from iota import Address, Transaction, TransactionHash

        try:
            hashes = self.api.find_transactions(addresses=[Address(address)])["hashes"]
            if not hashes:
                return []
            trytes = self.api.get_trytes(hashes)["trytes"]
        except Exception as exc:  # any client/transport failure
            raise MamFetchError(f"node query for {address} failed: {exc}") from exc
        by_hash: dict[str, Any] = {}
        for tx_hash, raw in zip(hashes, trytes, strict=False):
            try:
                tx = Transaction.from_tryte_string(raw, TransactionHash(str(tx_hash)))
            except ValueError:
                continue
            if str(tx.address) == address:
                by_hash[str(tx.hash)] = tx
        # Group per attachment by following trunks from each tail, never per bundle hash:
        # a zero-value bundle hash does not cover the fragments, so anyone can reattach a
        # genuine bundle with altered fragments under the same bundle hash.
        found: list[_Attachment] = []
        for tail in sorted(by_hash.values(), key=_attached_at):
            if tail.current_index != 0:
                continue
            chain = [tail]
            while len(chain) <= tail.last_index:
                nxt = by_hash.get(str(chain[-1].trunk_transaction_hash))
                if (
                    nxt is None
                    or nxt.current_index != len(chain)
                    or nxt.bundle_hash != tail.bundle_hash
                ):
                    break
                chain.append(nxt)
            if len(chain) != tail.last_index + 1:
                continue  # incomplete attachment (not all transactions stored yet)
            payload = "".join(str(tx.signature_message_fragment) for tx in chain)
            found.append(_Attachment(str(tail.bundle_hash), str(tail.hash), payload))
        return _dedupe(found)


@dataclass(frozen=True, slots=True)
class _Attachment:
    """One complete attachment of a bundle at the channel address."""

    bundle: str
    tail: str
    payload: str


def _attached_at(tx: Any) -> int:
    return int(getattr(tx, "attachment_timestamp", 0) or getattr(tx, "timestamp", 0) or 0)


def _dedupe(found: Sequence[_Attachment]) -> list[_Attachment]:
    seen: set[str] = set()
    out = []
    for attachment in found:
        trimmed = attachment.payload.rstrip("9")
        if trimmed not in seen:
            seen.add(trimmed)
            out.append(attachment)
    return out
