"""MAM streams of the grid entities: large buffers are split, restarts send no second hello."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from actorgrid.actors.mam import RECORDS_CHARS_PER_MESSAGE, MamStreams
from actorgrid.ledger.mam import object_from_trytes, parse_message
from actorgrid.ledger.mam.store import PublishStatus
from actorgrid.ledger.mam.writer import MamWriter

METER: Any = SimpleNamespace(entity_id="meter")


class _Collect:
    """A publisher that accepts everything and keeps the payloads in order."""

    def __init__(self) -> None:
        self.payloads: list[str] = []

    async def __call__(self, address: str, payload: str, tag: str, key: str, /) -> PublishStatus:
        self.payloads.append(payload)
        return PublishStatus.ACCEPTED


def _streams(db: str, publisher: _Collect) -> MamStreams:
    """A stream set with one public channel, wired as ``MamStreams.open`` wires it."""
    streams = MamStreams(security=1, mode="public", db=db)
    if "meter" not in set(streams.store.channel_ids()):
        streams.store.create_channel("meter", mode="public", security=1)
    streams.writers["meter"] = MamWriter(streams.store, "meter", publisher)
    if streams.store.messages("meter"):
        streams.opened.add("meter")
    return streams


def _commands(streams: MamStreams) -> list[dict[str, Any]]:
    """Every stored message of the channel, decoded, in signing order."""
    out = []
    for stored in streams.store.messages("meter"):
        obj = object_from_trytes(parse_message(stored.message.payload, stored.message.root).message)
        assert isinstance(obj, dict)
        out.append(obj)
    return out


async def test_a_large_buffer_is_split_into_messages_that_each_fit(tmp_path: Path) -> None:
    streams = _streams(str(tmp_path / "mam.sqlite"), _Collect())
    for slot in range(3000):  # ~100 kB of JSON: far beyond one message
        streams.record(METER, "reading", {"slot": slot, "wh": 1000 + slot})
    written = await streams.flush()
    assert written >= 3
    assert streams.buffers["meter"] == []
    commands = _commands(streams)
    assert commands[0]["command"] == "hello"
    slots: list[int] = []
    for obj in commands[1:]:
        records = obj["records"]
        size = len(json.dumps(records, separators=(",", ":")))
        assert size <= RECORDS_CHARS_PER_MESSAGE + 64
        slots.extend(r["slot"] for r in records)
    assert slots == list(range(3000)), "every record exactly once, in order"


async def test_a_restarted_stream_does_not_say_hello_twice(tmp_path: Path) -> None:
    db = str(tmp_path / "mam.sqlite")
    streams = _streams(db, _Collect())
    streams.record(METER, "reading", {"slot": 0, "wh": 1})
    await streams.flush()
    restarted = _streams(db, _Collect())
    restarted.record(METER, "reading", {"slot": 1, "wh": 2})
    await restarted.flush()
    assert [c["command"] for c in _commands(restarted)] == ["hello", "records", "records"]
