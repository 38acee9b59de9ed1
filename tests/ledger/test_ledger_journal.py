"""The journal: durable, idempotent, strict state transitions."""

from __future__ import annotations

from pathlib import Path

import pytest

from actorgrid.ledger.journal import (
    BundleState,
    Journal,
    JournalError,
    RequestKind,
    RequestState,
)


def accept(j: Journal, key: str, lane: str = "alice", amount: int = 5) -> int:
    record, created = j.accept(
        kind=RequestKind.TRANSFER,
        idempotency_key=key,
        lane=lane,
        amount=amount,
        address="B" * 81,
        body=key.encode(),
        reply_to="/inbox",
    )
    assert created
    return record.id


def test_wal_mode_and_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    j = Journal(path)
    assert j._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    rid = accept(j, "k1")
    j.close()
    again = Journal(path)
    record = again.request_by_key("k1")
    assert record is not None and record.id == rid and record.state == RequestState.ACCEPTED
    again.close()


def test_duplicate_key_returns_existing_record() -> None:
    j = Journal(":memory:")
    rid = accept(j, "k1")
    record, created = j.accept(
        kind=RequestKind.TRANSFER,
        idempotency_key="k1",
        lane="alice",
        amount=999,
        address="C" * 81,
        body=b"other",
        reply_to="",
    )
    assert not created and record.id == rid and record.amount == 5
    assert len(j.requests()) == 1


def test_bundle_state_machine_and_queue_order() -> None:
    j = Journal(":memory:")
    j.record_addresses("alice", 0, ["A" * 81, "D" * 81], [False, False])
    ids = [accept(j, f"k{i}") for i in range(3)]
    assert [r.id for r in j.queued("alice")] == ids
    bid = j.plan_bundle(
        lane="alice",
        kind=RequestKind.TRANSFER,
        plan="{}",
        request_ids=ids[:2],
        spent_inputs=["A" * 81],
    )
    assert [r.id for r in j.queued("alice")] == ids[2:]
    assert j.spent_addresses(["A" * 81, "D" * 81]) == {"A" * 81}
    with pytest.raises(JournalError):  # already bundled
        j.plan_bundle(lane="alice", kind=RequestKind.TRANSFER, plan="{}", request_ids=ids[:1])
    with pytest.raises(JournalError):  # cannot attach before signing
        j.add_attachment(bid, "T" * 81, 0.0)
    j.mark_signed(bid, "H" * 81, ["X" * 2673])
    with pytest.raises(JournalError):  # cannot sign twice
        j.mark_signed(bid, "H" * 81, ["Y" * 2673])
    j.add_attachment(bid, "T" * 81, 1.0)
    j.add_attachment(bid, "U" * 81, 2.0)
    b = j.bundle(bid)
    assert b.state == BundleState.BROADCAST and b.tails == ("T" * 81, "U" * 81)
    assert b.trytes == ("X" * 2673,)
    j.mark_confirmed(bid)
    assert {r.state for r in j.bundle_requests(bid)} == {RequestState.CONFIRMED}
    assert [r.id for r in j.unnotified()] == ids[:2]
    j.mark_notified(ids[0])
    assert [r.id for r in j.unnotified()] == ids[1:2]
    j.mark_notified(ids[1], ids[0])  # several at once; repeating one is harmless
    assert j.unnotified() == []
    assert j.open_bundles() == []


def test_failed_plan_changes_nothing() -> None:
    j = Journal(":memory:")
    j.record_addresses("alice", 0, ["A" * 81], [False])
    rid = accept(j, "k1")
    with pytest.raises(JournalError):
        j.plan_bundle(
            lane="alice",
            kind=RequestKind.TRANSFER,
            plan="{}",
            request_ids=[rid, 12345],
            spent_inputs=["A" * 81],
        )
    assert j.bundles() == [] and j.spent_addresses(["A" * 81]) == set()
    assert [r.id for r in j.queued("alice")] == [rid]


def test_address_index_is_persisted_and_monotonic() -> None:
    j = Journal(":memory:")
    assert j.next_index("w") == 0
    j.record_addresses("w", 0, ["A" * 81, "B" * 81], [False, True])
    assert j.next_index("w") == 2
    j.record_addresses("w", 0, ["A" * 81], [False])  # never goes back
    assert j.next_index("w") == 2
    assert [(a.index, a.spent) for a in j.addresses("w")] == [(0, False), (1, True)]
