"""``MamSubscriber``: fetch, verify and follow a channel through any PyOTA client.

Works with ``iota.Iota(EmbeddedAdapter(node))`` and ``iota.Iota("http://host:14265")``
alike: ``find_transactions(addresses=[...])``, ``get_trytes``, group by bundle, order by
``currentIndex``, concatenate the message fragments, ``parse_message``.

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
        for bundle_hash, payload in self._payloads_at(address):
            try:
                parsed = parse_message(payload, self.root, self.side_key)
            except MamError as exc:
                if (self.root, bundle_hash) not in self._seen_bad:
                    self._seen_bad.add((self.root, bundle_hash))
                    self.rejected.append(RejectedMessage(self.root, address, bundle_hash, exc))
                    log.warning("rejected MAM bundle %s at %s: %s", bundle_hash, address, exc)
                continue
            if good is None:
                good = ReceivedMessage(
                    self.root, address, parsed.message, parsed.next_root, bundle_hash
                )
        return good

    def _payloads_at(self, address: str) -> list[tuple[str, str]]:
        from iota import Address, Transaction

        try:
            hashes = self.api.find_transactions(addresses=[Address(address)])["hashes"]
            if not hashes:
                return []
            trytes = self.api.get_trytes(hashes)["trytes"]
        except Exception as exc:  # any client/transport failure
            raise MamFetchError(f"node query for {address} failed: {exc}") from exc
        bundles: dict[str, dict[int, Any]] = {}
        last_index: dict[str, int] = {}
        for raw in trytes:
            try:
                tx = Transaction.from_tryte_string(raw)
            except ValueError:
                continue
            if str(tx.address) != address:
                continue
            key = str(tx.bundle_hash)
            bundles.setdefault(key, {})[tx.current_index] = tx
            last_index[key] = tx.last_index
        payloads = []
        for key, txs in sorted(bundles.items(), key=lambda kv: _attached_at(kv[1])):
            if sorted(txs) != list(range(last_index[key] + 1)):
                continue  # incomplete bundle (not all transactions at this address yet)
            payloads.append(
                (key, "".join(str(txs[i].signature_message_fragment) for i in sorted(txs)))
            )
        return _dedupe(payloads)


def _attached_at(txs: dict[int, Any]) -> int:
    tail = txs.get(0)
    return int(getattr(tail, "attachment_timestamp", 0) or getattr(tail, "timestamp", 0) or 0)


def _dedupe(payloads: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    out = []
    for bundle_hash, payload in payloads:
        trimmed = payload.rstrip("9")
        if trimmed not in seen:
            seen.add(trimmed)
            out.append((bundle_hash, payload))
    return out
