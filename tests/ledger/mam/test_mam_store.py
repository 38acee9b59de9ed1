"""Channel persistence: restart-resume, crash between signing and publishing, no leaf reuse."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from actorgrid.ledger.mam import (
    MamChannelStore,
    MamStoreError,
    MamWriter,
    PublishStatus,
    decode_command,
    parse_message,
)
from actorgrid.ledger.mam.channel import create_message
from actorgrid.ledger.mam.store import copy_state
from actorgrid.ledger.testing import FailingCommit


class RecordingPublisher:
    """Collects submissions; fails while ``down`` is set."""

    def __init__(self, status: PublishStatus = PublishStatus.PUBLISHED) -> None:
        self.sent: list[tuple[str, str, str, str]] = []
        self.down = False
        self.status = status

    async def __call__(self, address: str, payload: str, tag: str, key: str) -> PublishStatus:
        if self.down:
            raise ConnectionError("ledger unavailable")
        self.sent.append((address, payload, tag, key))
        return self.status


async def test_channel_state_survives_restart(tmp_path: Path) -> None:
    db = tmp_path / "mam.sqlite"
    store = MamChannelStore(db)
    created = store.create_channel("meter-1", mode="private", security=1)
    publisher = RecordingPublisher()
    writer = MamWriter(store, "meter-1", publisher)
    await writer.hello(entity="meter-1")
    await writer.write_json({"command": "output", "wh": 10})
    store.close()

    reopened = MamChannelStore(db)
    stored = reopened.get("meter-1")
    assert stored.first_root == created.first_root
    assert (stored.state.start, stored.state.index) == (2, 0)
    writer2 = MamWriter(reopened, "meter-1", publisher)
    await writer2.write_json({"command": "output", "wh": 20})

    root = stored.first_root
    texts = []
    for _address, payload, _tag, _key in publisher.sent:
        parsed = parse_message(payload, root)
        texts.append(decode_command(parsed.message))
        root = parsed.next_root
    assert texts == [
        {"command": "hello", "entity": "meter-1"},
        {"command": "output", "wh": 10},
        {"command": "output", "wh": 20},
    ]
    keys = [m.key_index for m in reopened.messages("meter-1")]
    assert keys == [0, 1, 2]


async def test_crash_between_signing_and_publishing_resubmits_same_payload(tmp_path: Path) -> None:
    db = tmp_path / "mam.sqlite"
    store = MamChannelStore(db)
    store.create_channel("c", mode="public", security=1)
    publisher = RecordingPublisher()
    publisher.down = True
    record = await MamWriter(store, "c", publisher).write_json({"command": "x"})
    assert publisher.sent == []  # the submission failed: "crash" before publishing
    assert store.messages("c", unpublished_only=True)[0].status is PublishStatus.PENDING
    store.close()

    store2 = MamChannelStore(db)  # restart
    publisher.down = False
    writer = MamWriter(store2, "c", publisher)
    assert await writer.resubmit_pending() == 1
    assert publisher.sent == [
        (record.message.address, record.message.payload, record.tag, record.idempotency_key)
    ]
    assert store2.messages("c", unpublished_only=True) == []
    nxt = await writer.write_json({"command": "y"})
    assert nxt.key_index == record.key_index + 1  # the leaf was not signed with again
    assert await writer.resubmit_pending() == 0


async def test_ledger_acceptance_then_published_event(tmp_path: Path) -> None:
    store = MamChannelStore(tmp_path / "m.sqlite")
    store.create_channel("c", mode="public", security=1)
    publisher = RecordingPublisher(PublishStatus.ACCEPTED)
    writer = MamWriter(store, "c", publisher)
    record = await writer.write("ABC")
    assert store.messages("c")[0].status is PublishStatus.ACCEPTED
    assert await writer.resubmit_pending() == 1  # accepted but not yet seen published
    writer.mark_published(record.idempotency_key)
    store.set_status(record.idempotency_key, PublishStatus.PENDING)  # never moves back
    assert store.messages("c")[0].status is PublishStatus.PUBLISHED
    assert await writer.resubmit_pending() == 0


def test_stale_state_and_leaf_reuse_are_refused() -> None:
    store = MamChannelStore()
    stored = store.create_channel("c", mode="public", security=1)
    before = stored.state
    after = copy_state(before)
    msg = create_message(after, "ONE")
    store.record_message("c", before, after, msg, tag="T", idempotency_key="k1")
    again = copy_state(before)
    msg2 = create_message(again, "TWO")  # a second writer still holding the old state
    with pytest.raises(MamStoreError, match="concurrent"):
        store.record_message("c", before, again, msg2, tag="T", idempotency_key="k2")
    assert [m.key_index for m in store.messages("c")] == [0]


async def test_goodbye_closes_the_channel() -> None:
    store = MamChannelStore()
    store.create_channel("c", mode="restricted", side_key="KEY", security=1)
    writer = MamWriter(store, "c", RecordingPublisher())
    await writer.hello()
    await writer.goodbye(reason="reset")
    assert store.get("c").closed
    with pytest.raises(MamStoreError, match="closed"):
        await writer.write("MORE")
    assert writer.side_key == "KEY".ljust(81, "9")


def test_create_channel_validation() -> None:
    store = MamChannelStore()
    store.create_channel("a", seed="A" * 81, mode="public", security=1)
    with pytest.raises(MamStoreError):
        store.create_channel("a", mode="public", security=1)
    with pytest.raises(MamStoreError):
        store.create_channel("b", seed="A" * 81, mode="public", security=1)  # same seed
    with pytest.raises(MamStoreError):
        store.get("missing")
    with pytest.raises(MamStoreError):
        store.create_channel("x" * 65, mode="public", security=1)
    for size in (0, 257, 1 << 30):  # 2**30 leaves would take years to derive
        with pytest.raises(MamStoreError, match="tree_size"):
            store.create_channel("t", mode="public", security=1, tree_size=size)
    assert store.channel_ids() == ["a"]


async def test_ledger_publisher_sends_publish_requests() -> None:
    from actorgrid.ledger.mam import MamPublishError, ledger_publisher
    from actorgrid.ledger.messages import PublishAccepted, PublishRequest

    class FakeLedger:
        def __init__(self) -> None:
            self.asked: list[PublishRequest] = []
            self.refuse = False

        async def ask(self, message: PublishRequest, timeout: float) -> object:  # noqa: ASYNC109
            self.asked.append(message)
            if self.refuse:
                return "no"
            return PublishAccepted(message.idempotency_key, len(self.asked), "pending")

    ledger = FakeLedger()
    publish = ledger_publisher(ledger, reply_to="/user/meter")
    status = await publish("A" * 81, "PAYLOAD", "MAM", "key-1")
    assert status is PublishStatus.ACCEPTED
    assert ledger.asked[0] == PublishRequest("A" * 81, "PAYLOAD", "MAM", "key-1", "/user/meter")
    ledger.refuse = True
    with pytest.raises(MamPublishError):
        await publish("A" * 81, "PAYLOAD", "MAM", "key-2")


async def test_too_long_message_is_refused_without_using_a_leaf() -> None:
    from actorgrid.ledger.mam import MamPublishError
    from actorgrid.ledger.mam.writer import MAX_PAYLOAD_TRYTES

    store = MamChannelStore()
    store.create_channel("c", mode="public", security=1)
    publisher = RecordingPublisher()
    writer = MamWriter(store, "c", publisher)
    with pytest.raises(MamPublishError, match="too long"):
        await writer.write("A" * MAX_PAYLOAD_TRYTES)
    assert store.messages("c") == [] and publisher.sent == []
    assert (await writer.write("SHORT")).key_index == 0
    with pytest.raises(MamPublishError):
        MamWriter(store, "c", publisher, tag="lowercase")


def test_record_message_refuses_a_state_that_does_not_advance_by_one_leaf() -> None:
    store = MamChannelStore()
    stored = store.create_channel("c", mode="public", security=1, tree_size=2)
    before = stored.state
    after = copy_state(before)
    msg = create_message(after, "ONE")
    for start, index in ((before.start, before.index), (before.start, 0), (5, 0)):
        wrong = dataclasses.replace(after, start=start, index=index)
        with pytest.raises(MamStoreError, match="advance"):
            store.record_message("c", before, wrong, msg, tag="T", idempotency_key="k")
    assert store.messages("c") == []
    store.record_message("c", before, after, msg, tag="T", idempotency_key="k")
    assert (store.get("c").state.start, store.get("c").state.index) == (0, 1)


async def test_a_failed_commit_leaves_the_channel_unadvanced_and_usable() -> None:
    store = MamChannelStore()
    store.create_channel("c", mode="public", security=1)
    writer = MamWriter(store, "c", RecordingPublisher())
    store._db = FailingCommit(store._db)  # type: ignore[assignment]
    with pytest.raises(sqlite3.OperationalError):
        await writer.write("ONE")
    assert store.messages("c") == [] and store.get("c").state.start == 0
    assert (await writer.write("TWO")).key_index == 0  # the leaf was never published
