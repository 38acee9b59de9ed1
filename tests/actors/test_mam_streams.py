"""MAM streams of the grid entities: large buffers are split, restarts send no second hello."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from actorgrid.actors.mam import RECORDS_CHARS_PER_MESSAGE, MamStreams
from actorgrid.ledger.mam import object_from_trytes, parse_message
from actorgrid.ledger.messages import PublishAccepted, PublishRequest

METER: Any = SimpleNamespace(entity_id="meter")


class _Ledger:
    """Stands in for the ledger actor: journals (accepts) every publish request."""

    def __init__(self) -> None:
        self.requests: list[PublishRequest] = []

    async def ask(self, request: PublishRequest, timeout: float) -> PublishAccepted:  # noqa: ASYNC109
        self.requests.append(request)
        return PublishAccepted(request.idempotency_key, len(self.requests), "accepted")


def _streams(db: str) -> MamStreams:
    """A stream set with one public channel, opened the way a run opens it."""
    streams = MamStreams(security=1, mode="public", db=db)
    streams.open(["meter"], _Ledger(), reply_to="/ledger/mam")
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
    streams = _streams(str(tmp_path / "mam.sqlite"))
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
    streams = _streams(db)
    streams.record(METER, "reading", {"slot": 0, "wh": 1})
    await streams.flush()
    restarted = _streams(db)
    restarted.record(METER, "reading", {"slot": 1, "wh": 2})
    await restarted.flush()
    assert [c["command"] for c in _commands(restarted)] == ["hello", "records", "records"]
