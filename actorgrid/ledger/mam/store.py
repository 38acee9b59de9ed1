"""``MamChannelStore``: channel state and unpublished payloads in SQLite.

The writer records the advanced state and the signed payload in one transaction *before*
handing the payload to the ledger, so a crash between signing and publishing never makes
it sign with the same Merkle leaf again: on restart the stored payload is re-submitted
with its original idempotency key. ``UNIQUE(channel_id, key_index)`` and ``UNIQUE(seed)``
are a last line of defence against leaf reuse.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import cast

from .channel import (
    ChannelState,
    MamMessage,
    Mode,
    advanced,
    channel_root,
    create_channel,
    random_trytes,
    validate_state,
)
from .errors import MamError

MAX_CHANNEL_ID = 64
#: every message derives the leaves of its tree and the next one: two trees must fit the
#: encoder's leaf cache (512), and a huge tree would take hours to create
MAX_TREE_SIZE = 256
_SCHEMA = """
CREATE TABLE IF NOT EXISTS mam_channels (
    channel_id TEXT PRIMARY KEY,
    seed TEXT NOT NULL UNIQUE,
    mode TEXT NOT NULL,
    side_key TEXT,
    security INTEGER NOT NULL,
    start INTEGER NOT NULL,
    count INTEGER NOT NULL,
    next_count INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    next_root TEXT,
    first_root TEXT NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS mam_messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id TEXT NOT NULL REFERENCES mam_channels(channel_id),
    key_index INTEGER NOT NULL,
    root TEXT NOT NULL,
    address TEXT NOT NULL,
    next_root TEXT NOT NULL,
    payload TEXT NOT NULL,
    tag TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    UNIQUE (channel_id, key_index)
);
"""


class MamStoreError(MamError):
    """A store operation that cannot be done (unknown channel, stale state, leaf reuse)."""


class PublishStatus(StrEnum):
    """Where a recorded payload is on its way to the tangle."""

    PENDING = "pending"  # signed and stored, not yet handed over
    ACCEPTED = "accepted"  # durably accepted by the ledger actor
    PUBLISHED = "published"  # on the tangle


@dataclass(frozen=True, slots=True)
class StoredChannel:
    """A channel as stored: its current state, first root and whether it was closed."""

    channel_id: str
    state: ChannelState
    first_root: str
    closed: bool


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A signed payload and its publication status."""

    seq: int
    channel_id: str
    key_index: int
    message: MamMessage
    tag: str
    idempotency_key: str
    status: PublishStatus


class MamChannelStore:
    """SQLite persistence of MAM channels (``path`` may be ``":memory:"``).

    Thread-safe: one connection guarded by a lock (calls are short).
    """

    def __init__(self, path: str | Path = ":memory:") -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        if str(path) != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def create_channel(
        self,
        channel_id: str,
        *,
        seed: str | None = None,
        mode: Mode = "restricted",
        side_key: str | None = None,
        security: int = 2,
        tree_size: int = 1,
    ) -> StoredChannel:
        """Create and persist a channel (random seed, and side key when restricted).

        ``channel_id`` is 1-64 characters; ``tree_size`` leaves per Merkle tree (1, the
        reference's default, makes every message a tree boundary).
        """
        if not 1 <= len(channel_id) <= MAX_CHANNEL_ID:
            raise MamStoreError(f"channel id must be 1-{MAX_CHANNEL_ID} characters")
        if not 1 <= tree_size <= MAX_TREE_SIZE:
            raise MamStoreError(f"tree_size must be 1-{MAX_TREE_SIZE}")
        state = create_channel(seed or random_trytes(), security, mode, side_key)
        state.count = state.next_count = tree_size
        root = channel_root(state)
        try:
            with self._transaction() as db:
                db.execute(
                    "INSERT INTO mam_channels (channel_id, seed, mode, side_key, security, start,"
                    " count, next_count, idx, next_root, first_root)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        channel_id,
                        state.seed,
                        state.mode,
                        state.side_key,
                        state.security,
                        state.start,
                        state.count,
                        state.next_count,
                        state.index,
                        state.next_root,
                        root,
                    ),
                )
        except sqlite3.IntegrityError as exc:
            raise MamStoreError(f"channel {channel_id!r} or its seed already exists") from exc
        return StoredChannel(channel_id, state, root, closed=False)

    def get(self, channel_id: str) -> StoredChannel:
        """The stored channel; ``MamStoreError`` if unknown."""
        with self._lock:
            row = self._db.execute(
                "SELECT seed, mode, side_key, security, start, count, next_count, idx,"
                " next_root, first_root, closed FROM mam_channels WHERE channel_id = ?",
                (channel_id,),
            ).fetchone()
        if row is None:
            raise MamStoreError(f"unknown channel {channel_id!r}")
        state = ChannelState(
            seed=row[0],
            mode=cast(Mode, row[1]),
            side_key=row[2],
            security=row[3],
            start=row[4],
            count=row[5],
            next_count=row[6],
            index=row[7],
            next_root=row[8],
        )
        return StoredChannel(channel_id, state, row[9], bool(row[10]))

    def channel_ids(self) -> list[str]:
        """All stored channel ids, sorted."""
        with self._lock:
            rows = self._db.execute("SELECT channel_id FROM mam_channels ORDER BY 1").fetchall()
        return [r[0] for r in rows]

    def record_message(
        self,
        channel_id: str,
        before: ChannelState,
        after: ChannelState,
        message: MamMessage,
        *,
        tag: str,
        idempotency_key: str,
        close: bool = False,
    ) -> StoredMessage:
        """Atomically store ``after`` and the signed ``message`` (status pending).

        ``before`` must equal the stored state (else ``MamStoreError``: someone else
        advanced the channel); ``close`` marks the channel closed (after ``goodbye``).
        """
        validate_state(after)
        if (after.start, after.index) != advanced(before):
            raise MamStoreError("the new state must advance the channel by exactly one leaf")
        key_index = before.start + before.index
        with self._transaction() as db:
            row = db.execute(
                "SELECT start, idx, closed FROM mam_channels WHERE channel_id = ?", (channel_id,)
            ).fetchone()
            if row is None:
                raise MamStoreError(f"unknown channel {channel_id!r}")
            if (row[0], row[1]) != (before.start, before.index):
                raise MamStoreError("channel state changed since it was read (concurrent writer)")
            if row[2]:
                raise MamStoreError(f"channel {channel_id!r} is closed")
            try:
                cur = db.execute(
                    "INSERT INTO mam_messages (channel_id, key_index, root, address, next_root,"
                    " payload, tag, idempotency_key, status) VALUES (?,?,?,?,?,?,?,?,?)",
                    (
                        channel_id,
                        key_index,
                        message.root,
                        message.address,
                        message.next_root,
                        message.payload,
                        tag,
                        idempotency_key,
                        PublishStatus.PENDING.value,
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise MamStoreError(f"Merkle leaf {key_index} was already used") from exc
            db.execute(
                "UPDATE mam_channels SET start=?, idx=?, next_root=?, closed=? WHERE channel_id=?",
                (after.start, after.index, after.next_root, int(close), channel_id),
            )
        return StoredMessage(
            seq=int(cur.lastrowid or 0),
            channel_id=channel_id,
            key_index=key_index,
            message=message,
            tag=tag,
            idempotency_key=idempotency_key,
            status=PublishStatus.PENDING,
        )

    def set_status(self, idempotency_key: str, status: PublishStatus) -> None:
        """Advance a message's status (never moves it backwards)."""
        order = [s.value for s in PublishStatus]
        with self._transaction() as db:
            row = db.execute(
                "SELECT status FROM mam_messages WHERE idempotency_key = ?", (idempotency_key,)
            ).fetchone()
            if row is None:
                raise MamStoreError(f"unknown message {idempotency_key!r}")
            if order.index(status.value) > order.index(row[0]):
                db.execute(
                    "UPDATE mam_messages SET status = ? WHERE idempotency_key = ?",
                    (status.value, idempotency_key),
                )

    def messages(
        self, channel_id: str | None = None, *, unpublished_only: bool = False
    ) -> list[StoredMessage]:
        """Recorded messages in signing order, optionally only those not yet published."""
        sql = (
            "SELECT seq, channel_id, key_index, root, address, next_root, payload, tag,"
            " idempotency_key, status FROM mam_messages WHERE 1=1"
        )
        args: list[object] = []
        if channel_id is not None:
            sql += " AND channel_id = ?"
            args.append(channel_id)
        if unpublished_only:
            sql += " AND status != ?"
            args.append(PublishStatus.PUBLISHED.value)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY seq", args).fetchall()
        return [
            StoredMessage(
                seq=r[0],
                channel_id=r[1],
                key_index=r[2],
                message=MamMessage(payload=r[6], root=r[3], address=r[4], next_root=r[5]),
                tag=r[7],
                idempotency_key=r[8],
                status=PublishStatus(r[9]),
            )
            for r in rows
        ]

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # also when COMMIT itself failed (I/O error)
                    self._db.execute("ROLLBACK")
                raise


def copy_state(state: ChannelState) -> ChannelState:
    """An independent copy of ``state``."""
    return dataclasses.replace(state)
