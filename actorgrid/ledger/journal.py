"""The ledger's durable journal: requests, bundles and wallet addresses in SQLite (WAL).

Every ``transfer``/``publish`` request is committed here (unique idempotency key) before the
ledger acknowledges it; bundles move through ``planned -> signed -> broadcast -> confirmed |
failed`` and their plan and signed trytes are stored *before* the next step, so a restarted
ledger continues exactly where the old one stopped.

The class is synchronous and not thread-safe: the ledger actor owns one instance and uses it from
a single dedicated thread (sqlite3 releases the GIL while it works and fsyncs, so the event loop
keeps running).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

__all__ = [
    "OPEN_BUNDLE_STATES",
    "AddressRecord",
    "BundleRecord",
    "BundleState",
    "Journal",
    "JournalError",
    "RequestKind",
    "RequestRecord",
    "RequestState",
]


class RequestState(StrEnum):
    """Life cycle of one journalled request."""

    ACCEPTED = "accepted"
    SIGNED = "signed"
    BROADCAST = "broadcast"
    CONFIRMED = "confirmed"
    FAILED = "failed"


class BundleState(StrEnum):
    """Life cycle of one bundle (one or many requests)."""

    PLANNED = "planned"
    SIGNED = "signed"
    BROADCAST = "broadcast"
    CONFIRMED = "confirmed"
    FAILED = "failed"


OPEN_BUNDLE_STATES: Final = (BundleState.PLANNED, BundleState.SIGNED, BundleState.BROADCAST)


class RequestKind(StrEnum):
    """What a request asks the ledger to do."""

    TRANSFER = "transfer"
    PUBLISH = "publish"


class JournalError(Exception):
    """The journal refused an operation (e.g. an illegal state transition)."""


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One journalled request; ``body`` is the protocol-encoded request message."""

    id: int
    idempotency_key: str
    kind: RequestKind
    lane: str
    amount: int
    address: str
    body: bytes
    reply_to: str
    state: RequestState
    bundle_id: int | None
    bundle_hash: str | None
    error: str | None
    notified: bool


@dataclass(frozen=True, slots=True)
class BundleRecord:
    """One bundle: its plan (JSON), signed trytes once signed, and attached tail hashes."""

    id: int
    lane: str
    kind: RequestKind
    state: BundleState
    plan: str
    bundle_hash: str | None
    trytes: tuple[str, ...]
    tails: tuple[str, ...]
    attached_at: float | None
    error: str | None


@dataclass(frozen=True, slots=True)
class AddressRecord:
    """An address derived from a wallet's seed; ``spent`` once used as an input."""

    wallet: str
    index: int
    address: str
    spent: bool


_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    lane TEXT NOT NULL,
    amount INTEGER NOT NULL,
    address TEXT NOT NULL,
    body BLOB NOT NULL,
    reply_to TEXT NOT NULL,
    state TEXT NOT NULL,
    bundle_id INTEGER REFERENCES bundles(id),
    error TEXT,
    notified INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_lane ON requests(lane, state, id);
CREATE TABLE IF NOT EXISTS bundles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lane TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    plan TEXT NOT NULL,
    bundle_hash TEXT,
    trytes TEXT NOT NULL DEFAULT '[]',
    tails TEXT NOT NULL DEFAULT '[]',
    attached_at REAL,
    error TEXT
);
CREATE TABLE IF NOT EXISTS addresses (
    wallet TEXT NOT NULL,
    idx INTEGER NOT NULL,
    address TEXT NOT NULL UNIQUE,
    spent INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (wallet, idx)
);
CREATE TABLE IF NOT EXISTS wallets (
    name TEXT PRIMARY KEY,
    next_index INTEGER NOT NULL
);
"""

_REQ_COLS: Final = (
    "r.id, r.idempotency_key, r.kind, r.lane, r.amount, r.address, r.body, r.reply_to, r.state, "
    "r.bundle_id, b.bundle_hash, r.error, r.notified"
)
_REQ_FROM: Final = "FROM requests r LEFT JOIN bundles b ON b.id = r.bundle_id"
_BUNDLE_COLS: Final = "id, lane, kind, state, plan, bundle_hash, trytes, tails, attached_at, error"


class Journal:
    """SQLite journal (WAL, ``synchronous=FULL``); ``":memory:"`` for throw-away use."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    # -- requests ---------------------------------------------------------------------------

    def accept(
        self,
        *,
        kind: RequestKind,
        idempotency_key: str,
        lane: str,
        amount: int,
        address: str,
        body: bytes,
        reply_to: str,
    ) -> tuple[RequestRecord, bool]:
        """Durably record a request; returns ``(record, created)``.

        A request whose idempotency key is already journalled is not recorded again: the
        existing record is returned with ``created=False``.
        """
        try:
            with self._tx():
                cur = self._db.execute(
                    "INSERT INTO requests (idempotency_key, kind, lane, amount, address, body,"
                    " reply_to, state, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        idempotency_key,
                        kind.value,
                        lane,
                        amount,
                        address,
                        body,
                        reply_to,
                        RequestState.ACCEPTED.value,
                        time.time(),
                    ),
                )
                new_id = cur.lastrowid
        except sqlite3.IntegrityError:
            existing = self.request_by_key(idempotency_key)
            if existing is None:  # pragma: no cover - the constraint names only this key
                raise
            return existing, False
        record = self._request_where("r.id = ?", (new_id,))
        assert record is not None
        return record, True

    def request_by_key(self, idempotency_key: str) -> RequestRecord | None:
        """The request journalled under ``idempotency_key``, if any."""
        return self._request_where("r.idempotency_key = ?", (idempotency_key,))

    def requests(self, *, lane: str | None = None) -> list[RequestRecord]:
        """All requests (of one lane), in acceptance order."""
        if lane is None:
            return self._requests_where("1", ())
        return self._requests_where("r.lane = ?", (lane,))

    def queued(self, lane: str) -> list[RequestRecord]:
        """Accepted requests of ``lane`` not yet in a bundle, in acceptance order."""
        return self._requests_where(
            "r.lane = ? AND r.state = ? AND r.bundle_id IS NULL",
            (lane, RequestState.ACCEPTED.value),
        )

    def lanes_with_work(self) -> list[str]:
        """Lanes that have queued requests or open bundles."""
        rows = self._db.execute(
            "SELECT lane FROM requests WHERE state = ? AND bundle_id IS NULL"
            " UNION SELECT lane FROM bundles WHERE state IN (?, ?, ?)",
            (RequestState.ACCEPTED.value, *(s.value for s in OPEN_BUNDLE_STATES)),
        ).fetchall()
        return sorted(r[0] for r in rows)

    def pending_amount(self, lane: str) -> int:
        """Sum of the amounts of ``lane``'s requests not yet confirmed or failed."""
        row = self._db.execute(
            "SELECT COALESCE(SUM(amount), 0) FROM requests WHERE lane = ? AND state IN (?, ?, ?)",
            (
                lane,
                RequestState.ACCEPTED.value,
                RequestState.SIGNED.value,
                RequestState.BROADCAST.value,
            ),
        ).fetchone()
        return int(row[0])

    def unnotified(self) -> list[RequestRecord]:
        """Finished (confirmed/failed) requests whose requester has not been told yet."""
        return self._requests_where(
            "r.notified = 0 AND r.state IN (?, ?)",
            (RequestState.CONFIRMED.value, RequestState.FAILED.value),
        )

    def fail_requests(self, request_ids: Iterable[int], reason: str) -> None:
        """Mark queued requests failed (e.g. insufficient funds); never touches bundled ones."""
        with self._tx():
            for rid in request_ids:
                cur = self._db.execute(
                    "UPDATE requests SET state = ?, error = ? WHERE id = ? AND state = ?",
                    (RequestState.FAILED.value, reason, rid, RequestState.ACCEPTED.value),
                )
                if cur.rowcount != 1:
                    raise JournalError(f"request {rid} is not in state accepted")

    def mark_notified(self, *request_ids: int) -> None:
        """Remember that the requesters have been told the outcome (one transaction)."""
        with self._tx():
            self._db.executemany(
                "UPDATE requests SET notified = 1 WHERE id = ?", [(i,) for i in request_ids]
            )

    # -- bundles ----------------------------------------------------------------------------

    def plan_bundle(
        self,
        *,
        lane: str,
        kind: RequestKind,
        plan: str,
        request_ids: Sequence[int],
        spent_inputs: Sequence[str] = (),
    ) -> int:
        """Create a ``planned`` bundle for queued requests and mark its inputs spent, atomically."""
        with self._tx():
            cur = self._db.execute(
                "INSERT INTO bundles (lane, kind, state, plan) VALUES (?, ?, ?, ?)",
                (lane, kind.value, BundleState.PLANNED.value, plan),
            )
            bundle_id = cur.lastrowid
            assert bundle_id is not None
            for rid in request_ids:
                upd = self._db.execute(
                    "UPDATE requests SET bundle_id = ? WHERE id = ? AND state = ?"
                    " AND bundle_id IS NULL",
                    (bundle_id, rid, RequestState.ACCEPTED.value),
                )
                if upd.rowcount != 1:
                    raise JournalError(f"request {rid} is not queued")
            for addr in spent_inputs:
                self._db.execute("UPDATE addresses SET spent = 1 WHERE address = ?", (addr,))
        return bundle_id

    def mark_signed(self, bundle_id: int, bundle_hash: str, trytes: Sequence[str]) -> None:
        """Store the signed trytes (before any broadcast)."""
        self._advance(bundle_id, BundleState.PLANNED, BundleState.SIGNED, RequestState.SIGNED)
        with self._tx():
            self._db.execute(
                "UPDATE bundles SET bundle_hash = ?, trytes = ? WHERE id = ?",
                (bundle_hash, json.dumps(list(trytes)), bundle_id),
            )

    def add_attachment(self, bundle_id: int, tail_hash: str, at: float) -> None:
        """Record one attachment (first broadcast or a reattachment/promotion) of the bundle."""
        with self._tx():
            row = self._db.execute(
                "SELECT state, tails FROM bundles WHERE id = ?", (bundle_id,)
            ).fetchone()
            if row is None or row[0] not in (BundleState.SIGNED, BundleState.BROADCAST):
                raise JournalError(f"bundle {bundle_id} cannot be attached in state {row}")
            tails = json.loads(row[1])
            if tail_hash not in tails:
                tails.append(tail_hash)
            self._db.execute(
                "UPDATE bundles SET state = ?, tails = ?, attached_at = ? WHERE id = ?",
                (BundleState.BROADCAST.value, json.dumps(tails), at, bundle_id),
            )
            self._db.execute(
                "UPDATE requests SET state = ? WHERE bundle_id = ?",
                (RequestState.BROADCAST.value, bundle_id),
            )

    def mark_confirmed(self, bundle_id: int) -> None:
        """The bundle is confirmed on the tangle (terminal)."""
        with self._tx():
            self._db.execute(
                "UPDATE bundles SET state = ? WHERE id = ?",
                (BundleState.CONFIRMED.value, bundle_id),
            )
            self._db.execute(
                "UPDATE requests SET state = ? WHERE bundle_id = ?",
                (RequestState.CONFIRMED.value, bundle_id),
            )

    def mark_bundle_failed(self, bundle_id: int, reason: str) -> None:
        """The bundle can never be executed (terminal); its requests fail with ``reason``."""
        with self._tx():
            self._db.execute(
                "UPDATE bundles SET state = ?, error = ? WHERE id = ?",
                (BundleState.FAILED.value, reason, bundle_id),
            )
            self._db.execute(
                "UPDATE requests SET state = ?, error = ? WHERE bundle_id = ?",
                (RequestState.FAILED.value, reason, bundle_id),
            )

    def bundle(self, bundle_id: int) -> BundleRecord:
        """One bundle by id."""
        row = self._db.execute(
            f"SELECT {_BUNDLE_COLS} FROM bundles WHERE id = ?", (bundle_id,)
        ).fetchone()
        if row is None:
            raise JournalError(f"no bundle {bundle_id}")
        return _bundle(row)

    def open_bundles(self, lane: str | None = None) -> list[BundleRecord]:
        """Bundles not yet confirmed or failed (of one lane), oldest first."""
        states = tuple(s.value for s in OPEN_BUNDLE_STATES)
        sql = f"SELECT {_BUNDLE_COLS} FROM bundles WHERE state IN (?, ?, ?)"
        args: tuple[object, ...] = states
        if lane is not None:
            sql += " AND lane = ?"
            args = (*states, lane)
        return [_bundle(r) for r in self._db.execute(sql + " ORDER BY id", args).fetchall()]

    def bundles(self) -> list[BundleRecord]:
        """Every bundle, oldest first."""
        rows = self._db.execute(f"SELECT {_BUNDLE_COLS} FROM bundles ORDER BY id").fetchall()
        return [_bundle(r) for r in rows]

    def bundle_requests(self, bundle_id: int) -> list[RequestRecord]:
        """The requests carried by a bundle, in acceptance order."""
        return self._requests_where("r.bundle_id = ?", (bundle_id,))

    # -- wallet addresses -------------------------------------------------------------------

    def next_index(self, wallet: str) -> int:
        """The first key index of ``wallet`` never handed out."""
        row = self._db.execute(
            "SELECT next_index FROM wallets WHERE name = ?", (wallet,)
        ).fetchone()
        return int(row[0]) if row else 0

    def record_addresses(
        self, wallet: str, start: int, addresses: Sequence[str], spent: Sequence[bool]
    ) -> None:
        """Persist derived addresses ``start..`` and advance the wallet's next index past them."""
        with self._tx():
            for offset, (addr, is_spent) in enumerate(zip(addresses, spent, strict=True)):
                self._db.execute(
                    "INSERT INTO addresses (wallet, idx, address, spent) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT(wallet, idx) DO UPDATE SET spent = max(spent, excluded.spent)",
                    (wallet, start + offset, addr, int(is_spent)),
                )
            self._db.execute(
                "INSERT INTO wallets (name, next_index) VALUES (?, ?) ON CONFLICT(name)"
                " DO UPDATE SET next_index = max(next_index, excluded.next_index)",
                (wallet, start + len(addresses)),
            )

    def addresses(self, wallet: str) -> list[AddressRecord]:
        """All handed-out addresses of ``wallet``, by index."""
        rows = self._db.execute(
            "SELECT wallet, idx, address, spent FROM addresses WHERE wallet = ? ORDER BY idx",
            (wallet,),
        ).fetchall()
        return [AddressRecord(w, int(i), a, bool(s)) for w, i, a, s in rows]

    def spent_addresses(self, candidates: Iterable[str]) -> set[str]:
        """Those of ``candidates`` that any wallet of this journal has spent from."""
        out: set[str] = set()
        for addr in candidates:
            row = self._db.execute(
                "SELECT 1 FROM addresses WHERE address = ? AND spent = 1", (addr,)
            ).fetchone()
            if row:
                out.add(addr)
        return out

    def mark_spent(self, addresses: Iterable[str]) -> None:
        """Record addresses as spent (e.g. the node reported it)."""
        with self._tx():
            for addr in addresses:
                self._db.execute("UPDATE addresses SET spent = 1 WHERE address = ?", (addr,))

    # -- helpers ----------------------------------------------------------------------------

    def _advance(
        self, bundle_id: int, old: BundleState, new: BundleState, req_state: RequestState
    ) -> None:
        with self._tx():
            cur = self._db.execute(
                "UPDATE bundles SET state = ? WHERE id = ? AND state = ?",
                (new.value, bundle_id, old.value),
            )
            if cur.rowcount != 1:
                raise JournalError(f"bundle {bundle_id} is not in state {old}")
            self._db.execute(
                "UPDATE requests SET state = ? WHERE bundle_id = ?", (req_state.value, bundle_id)
            )

    def _request_where(self, where: str, args: tuple[object, ...]) -> RequestRecord | None:
        rows = self._requests_where(where, args)
        return rows[0] if rows else None

    def _requests_where(self, where: str, args: tuple[object, ...]) -> list[RequestRecord]:
        rows = self._db.execute(
            f"SELECT {_REQ_COLS} {_REQ_FROM} WHERE {where} ORDER BY r.id", args
        ).fetchall()
        return [
            RequestRecord(
                id=int(r[0]),
                idempotency_key=r[1],
                kind=RequestKind(r[2]),
                lane=r[3],
                amount=int(r[4]),
                address=r[5],
                body=bytes(r[6]),
                reply_to=r[7],
                state=RequestState(r[8]),
                bundle_id=r[9],
                bundle_hash=r[10],
                error=r[11],
                notified=bool(r[12]),
            )
            for r in rows
        ]

    def _tx(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK`` on error); nests by doing nothing."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._outer = False

    def __enter__(self) -> None:
        if not self._db.in_transaction:
            self._db.execute("BEGIN IMMEDIATE")
            self._outer = True

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if not self._outer:
            return
        if exc_type is None:
            self._db.execute("COMMIT")
        else:
            self._db.execute("ROLLBACK")


def _bundle(row: tuple[object, ...]) -> BundleRecord:
    return BundleRecord(
        id=int(str(row[0])),
        lane=str(row[1]),
        kind=RequestKind(str(row[2])),
        state=BundleState(str(row[3])),
        plan=str(row[4]),
        bundle_hash=None if row[5] is None else str(row[5]),
        trytes=tuple(json.loads(str(row[6]))),
        tails=tuple(json.loads(str(row[7]))),
        attached_at=None if row[8] is None else float(str(row[8])),
        error=None if row[9] is None else str(row[9]),
    )
