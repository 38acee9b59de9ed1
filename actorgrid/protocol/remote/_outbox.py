"""Per-peer outgoing queues of reliable envelopes, optionally journalled to SQLite.

The journal also keeps the receive side's de-duplication state (per peer stream: the
highest sequence number delivered), so a restarted receiver still recognises resent
envelopes it had delivered before; acknowledgements never run ahead of that state.

Every reliable envelope gets the next sequence number of its peer stream and stays in the
outbox until the peer acknowledges it (cumulative acks); after a reconnect everything still
in the outbox is sent again. With a journal file, appends and trims are written in one
transaction per event-loop iteration, so a process that is killed and restarted reloads its
unacknowledged envelopes and its sequence counters (``sent_count``) and carries on: what was
not yet committed when it died is, consistently, neither counted nor sent.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
from pathlib import Path

__all__ = ["Journal", "Outbox"]


class Outbox:
    """Unacknowledged envelopes for one peer, in sequence order, bounded."""

    __slots__ = ("_first", "_head", "_items", "_journal", "capacity", "next_seq", "peer")

    def __init__(self, peer: str, capacity: int, journal: Journal | None) -> None:
        self.peer = peer
        self.capacity = capacity
        self._journal = journal
        self._items: list[bytes] = []  # envelope bodies; items[_head] has seq _first
        self._head = 0
        self._first = 1
        self.next_seq = 1
        if journal is not None:
            self.next_seq, rows = journal.load(peer)
            self._first = rows[0][0] if rows else self.next_seq
            self._items = [body for _, body in rows]

    def __len__(self) -> int:
        return len(self._items) - self._head

    @property
    def full(self) -> bool:
        """True when no more envelopes may be queued."""
        return len(self) >= self.capacity

    @property
    def first_seq(self) -> int:
        """Sequence number of the oldest unacknowledged envelope (``next_seq`` if none)."""
        return self._first

    def append(self, seq: int, body: bytes) -> None:
        """Queue the envelope ``body`` numbered ``seq`` (== ``next_seq``; caller checks room)."""
        assert seq == self.next_seq
        if not len(self):
            self._first = seq
        self._items.append(body)
        self.next_seq = seq + 1
        if self._journal is not None:
            self._journal.append(self.peer, seq, body)

    def take_seq(self) -> int:
        """The number the next appended envelope must carry."""
        return self.next_seq

    def since(self, seq: int, max_bytes: int) -> tuple[list[bytes], int]:
        """Envelopes from ``seq`` on, up to about ``max_bytes``; returns them and the next seq."""
        start = max(seq, self._first)
        i = self._head + (start - self._first)
        out: list[bytes] = []
        size = 0
        items = self._items
        while i < len(items) and (size < max_bytes or not out):
            out.append(items[i])
            size += len(items[i])
            i += 1
        return out, start + len(out)

    def ack(self, seq: int) -> int:
        """Drop everything numbered ``<= seq``; returns how many were dropped."""
        n = min(seq - self._first + 1, len(self))
        if n <= 0:
            return 0
        self._head += n
        self._first += n
        if self._head > 1024 and self._head * 2 > len(self._items):
            del self._items[: self._head]
            self._head = 0
        if self._journal is not None:
            self._journal.trim(self.peer, seq)
        return n


class Journal:
    """SQLite store behind the outboxes of one node (WAL, one commit per loop iteration).

    ``synchronous=NORMAL`` in WAL mode survives a killed process (the OS keeps the data);
    a power cut may lose the last commits, which then count as never sent.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(
            """
            CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS peers (peer TEXT PRIMARY KEY, next_seq INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS outbox (
                peer TEXT NOT NULL, seq INTEGER NOT NULL, body BLOB NOT NULL,
                PRIMARY KEY (peer, seq)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS received (
                peer TEXT NOT NULL, epoch INTEGER NOT NULL, hw INTEGER NOT NULL,
                PRIMARY KEY (peer, epoch)) WITHOUT ROWID;
            """
        )
        row = self._db.execute("SELECT v FROM meta WHERE k = 'epoch'").fetchone()
        if row is None:
            self.epoch = secrets.randbits(63) | 1
            self._db.execute("INSERT INTO meta VALUES ('epoch', ?)", (self.epoch,))
        else:
            self.epoch = int(row[0])
        self._appends: list[tuple[str, int, bytes]] = []
        self._trims: dict[str, int] = {}
        self._next: dict[str, int] = {}
        self._received: dict[tuple[str, int], int] = {}
        self._scheduled = False

    def load(self, peer: str) -> tuple[int, list[tuple[int, bytes]]]:
        """``(next_seq, [(seq, body), ...])`` recorded for ``peer``."""
        row = self._db.execute("SELECT next_seq FROM peers WHERE peer = ?", (peer,)).fetchone()
        rows = self._db.execute(
            "SELECT seq, body FROM outbox WHERE peer = ? ORDER BY seq", (peer,)
        ).fetchall()
        return (int(row[0]) if row else 1), [(int(s), bytes(b)) for s, b in rows]

    def load_received(self, peer: str) -> dict[int, int]:
        """``{stream epoch: highest delivered seq}`` recorded for what ``peer`` sent us."""
        rows = self._db.execute("SELECT epoch, hw FROM received WHERE peer = ?", (peer,))
        return {int(epoch): int(hw) for epoch, hw in rows}

    def received(self, peer: str, epoch: int, hw: int) -> None:
        """Record that ``peer``'s stream ``epoch`` was delivered up to ``hw``."""
        self._received[(peer, epoch)] = hw
        self._schedule()

    def forget_received(self, peer: str, keep: list[int]) -> None:
        """Drop the receive state of ``peer``'s streams other than ``keep``."""
        self.commit()
        marks = ",".join("?" * len(keep)) or "NULL"
        self._db.execute(
            f"DELETE FROM received WHERE peer = ? AND epoch NOT IN ({marks})", (peer, *keep)
        )

    def append(self, peer: str, seq: int, body: bytes) -> None:
        """Record an envelope (committed at the end of this loop iteration)."""
        self._appends.append((peer, seq, body))
        self._next[peer] = seq + 1
        self._schedule()

    def trim(self, peer: str, upto: int) -> None:
        """Forget envelopes ``<= upto`` of ``peer``."""
        self._trims[peer] = max(upto, self._trims.get(peer, 0))
        self._schedule()

    def _schedule(self) -> None:
        if not self._scheduled:
            self._scheduled = True
            try:
                asyncio.get_running_loop().call_soon(self.commit)
            except RuntimeError:  # no loop (e.g. used from a plain script): commit now
                self.commit()

    def commit(self) -> None:
        """Write pending appends, trims and receive state in one transaction."""
        self._scheduled = False
        if not (self._appends or self._trims or self._received):
            return
        received, self._received = self._received, {}
        appends, self._appends = self._appends, []
        trims, self._trims = self._trims, {}
        nexts, self._next = self._next, {}
        db = self._db
        db.execute("BEGIN")
        try:
            db.executemany("INSERT OR REPLACE INTO outbox VALUES (?, ?, ?)", appends)
            db.executemany(
                "INSERT INTO peers VALUES (?, ?) ON CONFLICT(peer) DO UPDATE SET "
                "next_seq = max(next_seq, excluded.next_seq)",
                list(nexts.items()),
            )
            db.executemany("DELETE FROM outbox WHERE peer = ? AND seq <= ?", list(trims.items()))
            db.executemany(
                "INSERT OR REPLACE INTO received VALUES (?, ?, ?)",
                [(peer, epoch, hw) for (peer, epoch), hw in received.items()],
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        """Commit what is pending and close the database."""
        self.commit()
        self._db.close()
