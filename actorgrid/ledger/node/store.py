"""SQLite persistence of the tangle: transactions, bundle attachments, ledger, milestones.

One connection, used under the node's lock. A file database runs in WAL mode, so a
restart of the process keeps the tangle; ``None`` gives an in-memory database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Final, Literal

from actorgrid.ledger.node.bundle import Bundle

__all__ = ["BundleRow", "Status", "TangleStore"]

Status = Literal["pending", "confirmed", "conflicting"]

#: (hash, address, value, trunk, branch) of one transaction of a stored bundle
BundleRow = tuple[str, str, int, str, str]

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tx (
    hash TEXT PRIMARY KEY,
    tail TEXT NOT NULL,
    seq INTEGER NOT NULL,
    current_index INTEGER NOT NULL,
    address TEXT NOT NULL,
    value INTEGER NOT NULL,
    bundle TEXT NOT NULL,
    tag TEXT NOT NULL,
    trunk TEXT NOT NULL,
    branch TEXT NOT NULL,
    approved INTEGER NOT NULL DEFAULT 0,
    trytes TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tx_address ON tx(address);
CREATE INDEX IF NOT EXISTS tx_bundle ON tx(bundle);
CREATE INDEX IF NOT EXISTS tx_tag ON tx(tag);
CREATE INDEX IF NOT EXISTS tx_trunk ON tx(trunk);
CREATE INDEX IF NOT EXISTS tx_branch ON tx(branch);
CREATE INDEX IF NOT EXISTS tx_tail ON tx(tail);
CREATE INDEX IF NOT EXISTS tx_tips ON tx(seq) WHERE approved = 0;
CREATE TABLE IF NOT EXISTS attachment (
    tail TEXT PRIMARY KEY,
    bundle TEXT NOT NULL,
    seq INTEGER NOT NULL UNIQUE,
    status TEXT NOT NULL,
    milestone INTEGER,
    reason TEXT
);
CREATE INDEX IF NOT EXISTS attachment_status ON attachment(status, seq);
CREATE INDEX IF NOT EXISTS attachment_bundle ON attachment(bundle, status);
CREATE TABLE IF NOT EXISTS balance (address TEXT PRIMARY KEY, value INTEGER NOT NULL)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS spent (address TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS milestone (
    idx INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, time REAL NOT NULL
);
"""


def _chunks(items: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _marks(n: int) -> str:
    return ",".join("?" * n)


class TangleStore:
    """Tables and queries; every method expects the caller to hold the node's lock."""

    def __init__(self, path: str | Path | None = None) -> None:
        target = ":memory:" if path is None else str(path)
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        if path is not None:
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together, or none do."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:  # also when COMMIT itself failed (I/O error)
                self._db.execute("ROLLBACK")
            raise

    # -- meta ------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        """A stored setting (genesis fingerprint, supply), None if unset."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting."""
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- transactions ----------------------------------------------------------------
    def known(self, hashes: Iterable[str]) -> set[str]:
        """The subset of ``hashes`` stored as transactions."""
        found: set[str] = set()
        for part in _chunks(list(hashes)):
            rows = self._db.execute(
                f"SELECT hash FROM tx WHERE hash IN ({_marks(len(part))})", part
            )
            found.update(r[0] for r in rows)
        return found

    def insert_bundle(self, bundle: Bundle) -> None:
        """Store one attachment (``pending``) and mark what it approves."""
        seq = self._next_seq()
        tail = bundle[0].hash
        self._db.execute(
            "INSERT INTO attachment (tail, bundle, seq, status) VALUES (?, ?, ?, 'pending')",
            (tail, bundle[0].bundle, seq),
        )
        self._db.executemany(
            "INSERT INTO tx (hash, tail, seq, current_index, address, value, bundle, tag,"
            " trunk, branch, trytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    t.hash,
                    tail,
                    seq,
                    t.current_index,
                    t.address,
                    t.value,
                    t.bundle,
                    t.tag,
                    t.trunk,
                    t.branch,
                    t.trytes,
                )
                for t in bundle
            ],
        )
        approvees = sorted({t.trunk for t in bundle} | {t.branch for t in bundle})
        for part in _chunks(approvees):
            self._db.execute(
                f"UPDATE tx SET approved = 1 WHERE hash IN ({_marks(len(part))})", part
            )

    def _next_seq(self) -> int:
        row = self._db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM attachment").fetchone()
        return int(row[0])

    def trytes(self, hashes: Sequence[str]) -> list[str | None]:
        """Stored trytes per hash, ``None`` where unknown."""
        found: dict[str, str] = {}
        for part in _chunks(hashes):
            rows = self._db.execute(
                f"SELECT hash, trytes FROM tx WHERE hash IN ({_marks(len(part))})", part
            )
            found.update((r[0], r[1]) for r in rows)
        return [found.get(h) for h in hashes]

    def find(self, criteria: dict[str, list[str]], limit: int) -> list[str]:
        """Hashes matching all given fields (any value within a field), oldest first."""
        clauses: list[str] = []
        params: list[str] = []
        for field, values in criteria.items():
            if not values:
                return []
            marks = _marks(len(values))
            if field == "approvees":
                clauses.append(f"(trunk IN ({marks}) OR branch IN ({marks}))")
                params.extend(values + values)
            else:
                clauses.append(f"{field} IN ({marks})")
                params.extend(values)
        sql = f"SELECT hash FROM tx WHERE {' AND '.join(clauses)} ORDER BY seq, current_index"
        rows = self._db.execute(f"{sql} LIMIT ?", [*params, limit])
        return [r[0] for r in rows]

    def tail_info(self, hashes: Sequence[str]) -> dict[str, tuple[int, Status]]:
        """For each known hash: (current index, status of its attachment)."""
        out: dict[str, tuple[int, Status]] = {}
        for part in _chunks(hashes):
            rows = self._db.execute(
                "SELECT tx.hash, tx.current_index, a.status FROM tx JOIN attachment a"
                f" ON a.tail = tx.tail WHERE tx.hash IN ({_marks(len(part))})",
                part,
            )
            out.update((r[0], (int(r[1]), r[2])) for r in rows)
        return out

    def attachments_of(self, hashes: Sequence[str]) -> dict[str, tuple[str, Status]]:
        """For each known hash: (tail of its attachment, status of that attachment)."""
        out: dict[str, tuple[str, Status]] = {}
        for part in _chunks(hashes):
            rows = self._db.execute(
                "SELECT tx.hash, a.tail, a.status FROM tx JOIN attachment a"
                f" ON a.tail = tx.tail WHERE tx.hash IN ({_marks(len(part))})",
                part,
            )
            out.update((r[0], (r[1], r[2])) for r in rows)
        return out

    def tips(self, limit: int) -> list[str]:
        """Most recent unapproved transactions of non-conflicting attachments."""
        rows = self._db.execute(
            "SELECT tx.hash FROM tx JOIN attachment a ON a.tail = tx.tail"
            " WHERE tx.approved = 0 AND a.status != 'conflicting'"
            " ORDER BY tx.seq DESC LIMIT ?",
            (limit,),
        )
        return [r[0] for r in rows]

    def count_transactions(self) -> int:
        """Number of stored transactions."""
        return int(self._db.execute("SELECT COUNT(*) FROM tx").fetchone()[0])

    # -- attachments -----------------------------------------------------------------
    def pending(self) -> list[str]:
        """Tails of pending attachments in arrival order."""
        rows = self._db.execute("SELECT tail FROM attachment WHERE status = 'pending' ORDER BY seq")
        return [r[0] for r in rows]

    def bundle_rows(self, tail: str) -> list[BundleRow]:
        """The transactions of the attachment with ``tail``, in index order."""
        rows = self._db.execute(
            "SELECT hash, address, value, trunk, branch FROM tx WHERE tail = ?"
            " ORDER BY current_index",
            (tail,),
        )
        return [(r[0], r[1], int(r[2]), r[3], r[4]) for r in rows]

    def set_status(self, tail: str, status: Status, milestone: int | None, reason: str) -> None:
        """Settle an attachment (``milestone``: the one that confirmed it)."""
        self._db.execute(
            "UPDATE attachment SET status = ?, milestone = ?, reason = ? WHERE tail = ?",
            (status, milestone, reason, tail),
        )

    def bundle_of(self, tail: str) -> str:
        """The bundle hash of the (stored) attachment with ``tail``."""
        row = self._db.execute("SELECT bundle FROM attachment WHERE tail = ?", (tail,)).fetchone()
        return str(row[0])

    def bundle_confirmed(self, bundle: str) -> bool:
        """Whether some attachment of ``bundle`` is confirmed."""
        row = self._db.execute(
            "SELECT 1 FROM attachment WHERE bundle = ? AND status = 'confirmed' LIMIT 1",
            (bundle,),
        ).fetchone()
        return row is not None

    def attachment_status(self, tail: str) -> tuple[Status, str | None] | None:
        """(status, reason) of the attachment with ``tail``, None if unknown."""
        row = self._db.execute(
            "SELECT status, reason FROM attachment WHERE tail = ?", (tail,)
        ).fetchone()
        return None if row is None else (row[0], row[1])

    # -- ledger ----------------------------------------------------------------------
    def balances(self, addresses: Sequence[str]) -> list[int]:
        """Confirmed balance per address (0 where none)."""
        found: dict[str, int] = {}
        for part in _chunks(addresses):
            rows = self._db.execute(
                f"SELECT address, value FROM balance WHERE address IN ({_marks(len(part))})",
                part,
            )
            found.update((r[0], int(r[1])) for r in rows)
        return [found.get(a, 0) for a in addresses]

    def all_balances(self) -> dict[str, int]:
        """Every non-zero confirmed balance."""
        rows = self._db.execute("SELECT address, value FROM balance WHERE value != 0")
        return {r[0]: int(r[1]) for r in rows}

    def set_balance(self, address: str, value: int) -> None:
        """Set an address's confirmed balance."""
        self._db.execute("INSERT OR REPLACE INTO balance VALUES (?, ?)", (address, value))

    def mark_spent(self, addresses: Iterable[str]) -> None:
        """Record that ``addresses`` were spent from."""
        self._db.executemany("INSERT OR IGNORE INTO spent VALUES (?)", [(a,) for a in addresses])

    def spent(self, addresses: Sequence[str]) -> list[bool]:
        """Whether each address was spent from."""
        found: set[str] = set()
        for part in _chunks(addresses):
            rows = self._db.execute(
                f"SELECT address FROM spent WHERE address IN ({_marks(len(part))})", part
            )
            found.update(r[0] for r in rows)
        return [a in found for a in addresses]

    # -- milestones ------------------------------------------------------------------
    def latest_milestone(self) -> tuple[int, str, float] | None:
        """(index, hash, time) of the latest milestone, None before genesis."""
        row = self._db.execute(
            "SELECT idx, hash, time FROM milestone ORDER BY idx DESC LIMIT 1"
        ).fetchone()
        return None if row is None else (int(row[0]), str(row[1]), float(row[2]))

    def add_milestone(self, index: int, hash_: str, time: float) -> None:
        """Record a milestone."""
        self._db.execute("INSERT INTO milestone VALUES (?, ?, ?)", (index, hash_, time))
