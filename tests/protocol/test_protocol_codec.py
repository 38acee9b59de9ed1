"""The msgpack codec: exact round trips, hostile input, frame limits, forward compatibility."""

from __future__ import annotations

import contextlib
import enum
import math
import tracemalloc
from dataclasses import dataclass
from typing import Annotated, Any

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actorgrid.protocol import (
    DEFAULT_MAX_FRAME,
    DecodeError,
    EncodeError,
    MaxLen,
    Message,
    MessageValidationError,
    Range,
    Registry,
    decode,
    encode,
    message,
    spec_of,
)
from actorgrid.protocol.catalog import load_all
from actorgrid.protocol.control import ErrorCode, ErrorReply, Ping
from actorgrid.protocol.registry import MessageSpec, TypeSpec

ALL_SPECS: list[MessageSpec] = sorted(load_all(), key=lambda s: s.tag)

_TRYTES = "9ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _strategy(t: TypeSpec) -> st.SearchStrategy[Any]:
    """Valid values of one field type (small, to keep examples cheap)."""
    k = t.kind
    if k == "int":
        return st.integers(int(t.lo or 0), int(t.hi or 0))
    if k == "bool":
        return st.booleans()
    if k == "float":
        lo = None if t.lo is None or math.isinf(t.lo) else t.lo
        hi = None if t.hi is None or math.isinf(t.hi) else t.hi
        return st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    if k == "str":
        n = int(t.max_len or 0)
        # Many domain messages add checks of their own (tryte addresses, keys); offer
        # tryte strings of the usual lengths beside arbitrary text so they get valid values.
        options = [st.text(max_size=min(n, 12))]
        options += [st.text(_TRYTES, min_size=m, max_size=m) for m in (1, 27, 81) if m <= n]
        return st.one_of(options)
    if k == "bytes":
        return st.binary(max_size=min(int(t.max_len or 0), 24))
    if k == "enum":
        assert t.cls is not None
        members: list[Any] = list(t.cls.__members__.values())
        return st.sampled_from(members)
    if k == "message":
        assert t.cls is not None
        return _message_strategy(spec_of(t.cls))
    assert t.item is not None
    if k == "optional":
        return st.none() | _strategy(t.item)
    return st.lists(_strategy(t.item), max_size=min(int(t.max_len or 0), 3)).map(tuple)


def _build(spec: MessageSpec, values: tuple[Any, ...]) -> Message:
    try:
        return spec.cls(*values)
    except MessageValidationError:  # a cross-field rule of the message itself
        from hypothesis import reject

        reject()


def _message_strategy(spec: MessageSpec) -> st.SearchStrategy[Message]:
    fields = [_strategy(f.type) for f in spec.fields]
    return st.tuples(*fields).map(lambda values: _build(spec, values))


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: s.tag)
@settings(
    max_examples=25, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow]
)
@given(data=st.data())
def test_every_registered_message_round_trips_exactly(spec: MessageSpec, data: Any) -> None:
    msg = data.draw(_message_strategy(spec))
    out = decode(encode(msg))
    assert type(out) is spec.cls
    assert out == msg
    assert encode(out) == encode(msg)


KITCHEN = Registry()


class Phase(enum.IntEnum):
    L1 = 1
    L2 = 2


@message("test.part", version=(1, 4), registry=KITCHEN)
@dataclass(frozen=True, slots=True)
class Part(Message):
    name: Annotated[str, MaxLen(5)]
    phase: Phase


@message("test.kitchen", version=3, registry=KITCHEN)
@dataclass(frozen=True, slots=True)
class KitchenSink(Message):
    flag: bool
    blob: Annotated[bytes, MaxLen(10)]
    ratio: float
    scaled: Annotated[float, Range(-1.0, 1.0)]
    big: Annotated[int, Range(0, 2**64 - 1)]
    part: Part
    maybe_part: Part | None
    parts: tuple[Part, ...]
    grid: tuple[tuple[Annotated[int, Range(-3, 3)], ...], ...]
    note: str | None = None


@given(data=st.data())
def test_every_supported_field_type_round_trips_exactly(data: Any) -> None:
    msg = data.draw(_message_strategy(spec_of(KitchenSink)))
    assert decode(encode(msg), registry=KITCHEN) == msg


@given(st.binary(max_size=256))
def test_arbitrary_bytes_decode_or_raise_decode_error(data: bytes) -> None:
    try:
        msg = decode(data)
    except DecodeError:
        return
    assert decode(encode(msg)) == msg  # whatever decodes is a valid, registered message


_msgpack_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats()
    | st.text(max_size=8)
    | st.binary(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=10,
)


@given(
    tag=st.sampled_from([s.tag for s in ALL_SPECS] + ["nope"]),
    major=st.integers(-1, 3),
    minor=st.integers(0, 3),
    fields=st.lists(_msgpack_values, max_size=12),
)
def test_structured_garbage_decodes_or_raises_decode_error(
    tag: str, major: int, minor: int, fields: list[Any]
) -> None:
    data = msgpack.packb([tag, major, minor, *fields])
    try:
        msg = decode(data)
    except DecodeError:
        return
    assert spec_of(type(msg)).tag == tag


@given(st.data())
def test_mutated_valid_frames_decode_or_raise_decode_error(data: Any) -> None:
    spec = data.draw(st.sampled_from(ALL_SPECS))
    frame = bytearray(encode(data.draw(_message_strategy(spec))))
    pos = data.draw(st.integers(0, len(frame) - 1))
    frame[pos] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(frame)))
    with contextlib.suppress(DecodeError):
        decode(bytes(frame[:cut]))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not a valid msgpack"),
        (b"\xc1", "not a valid msgpack"),
        (msgpack.packb(5), "expected an array"),
        (msgpack.packb({"a": 1}), "expected an array"),
        (msgpack.packb(["x"]), "expected an array"),
        (msgpack.packb([1, 1, 0]), "bad tag"),
        (msgpack.packb(["nope", 1, 0]), "unknown message tag"),
        (msgpack.packb(["control.ping", 2, 0, 1]), "unsupported major version 2"),
        (msgpack.packb(["control.ping", True, 0, 1]), "bad tag/version header"),
        (msgpack.packb(["control.ping", 1, False, 1]), "bad tag/version header"),
        (msgpack.packb(["control.ping", 1.0, 0, 1]), "bad tag/version header"),
        (msgpack.packb(["control.ping", 1, 0, -1]), "outside"),
        (msgpack.packb(["control.ping", 1, 0, "1"]), "expected int"),
        (msgpack.packb(["control.ping", 1, 0]), "needs 1"),
        (msgpack.packb(["control.ping", 1, 0, 1, 2]), "schema has 1"),
        (msgpack.packb(["control.error", 1, 0, 99, "x"]), "expected ErrorCode"),
        (msgpack.packb([{1: 2}, 1, 0]), "not a valid msgpack"),  # strict_map_key
        (msgpack.packb(["control.ping", 1, 0, msgpack.ExtType(5, b"x")]), "extension"),
        (b"\x94\xaacontrol.ping\x01\x00\xdd\xff\xff\xff\xff", "not a valid msgpack"),
        (b"\xdd\xff\xff\xff\xff", "not a valid msgpack"),
        (b"\xc6\xff\xff\xff\xff", "not a valid msgpack"),
        (b"\x91" * 5000, "not a valid msgpack"),  # nesting deeper than the unpacker's stack
    ],
)
def test_invalid_frames_raise_one_clear_decode_error(data: bytes, reason: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(DecodeError, match=reason):
            decode(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 + 64 * len(data)  # a claimed 4 GiB array allocates nothing


def test_frame_limit_applies_to_encode_and_decode() -> None:
    big = ErrorReply(ErrorCode.INTERNAL, "x" * 1000)
    data = encode(big)
    with pytest.raises(EncodeError, match="frame limit"):
        encode(big, max_size=len(data) - 1)
    with pytest.raises(DecodeError, match="exceeds limit"):
        decode(data, max_size=len(data) - 1)
    assert decode(data, max_size=len(data)) == big
    with pytest.raises(DecodeError, match="exceeds limit"):
        decode(b"\x00" * (DEFAULT_MAX_FRAME + 1))


def test_encode_rejects_unregistered_objects() -> None:
    with pytest.raises(EncodeError, match="not a registered"):
        encode({"a": 1})  # type: ignore[arg-type]


def test_wire_form_is_a_compact_positional_array() -> None:
    assert msgpack.unpackb(encode(Ping(7))) == ["control.ping", 1, 0, 7]


# --- forward compatibility: two readers of the same tag, as two processes would have ---

OLD, NEW, NEXT_MAJOR = Registry(), Registry(), Registry()


@message("test.fc", version=(1, 0), registry=OLD)
@dataclass(frozen=True, slots=True)
class ReadingV10(Message):
    slot: Annotated[int, Range(0, 10)]
    energy_wh: int


@message("test.fc", version=(1, 1), registry=NEW)
@dataclass(frozen=True, slots=True)
class ReadingV11(Message):
    slot: Annotated[int, Range(0, 10)]
    energy_wh: int
    note: Annotated[str, MaxLen(16)] = ""
    peers: tuple[str, ...] = ()


@message("test.fc", version=(2, 0), registry=NEXT_MAJOR)
@dataclass(frozen=True, slots=True)
class ReadingV20(Message):
    energy_wh: int


@given(st.integers(0, 10), st.integers(0, 10**6), st.text(max_size=16))
def test_old_reader_accepts_newer_minor_and_ignores_appended_fields(
    slot: int, energy: int, note: str
) -> None:
    new = ReadingV11(slot, energy, note, ("a", "b"))
    old = decode(encode(new), registry=OLD)
    assert old == ReadingV10(slot, energy)


def test_new_reader_fills_defaults_for_older_minor() -> None:
    assert decode(encode(ReadingV10(3, 4)), registry=NEW) == ReadingV11(3, 4)


def test_newer_major_and_malformed_minor_frames_are_rejected() -> None:
    with pytest.raises(DecodeError, match="unsupported major version 2"):
        decode(encode(ReadingV20(5)), registry=NEW)
    # Same minor with extra fields, or a newer minor with fewer fields, is malformed.
    with pytest.raises(DecodeError, match="schema has 2"):
        decode(msgpack.packb(["test.fc", 1, 0, 1, 2, "x"]), registry=OLD)
    with pytest.raises(DecodeError, match="needs 4"):
        decode(msgpack.packb(["test.fc", 1, 2, 1, 2]), registry=NEW)
    # Appended fields are still checked for shape: a newer minor cannot smuggle ext types.
    with pytest.raises(DecodeError, match="extension"):
        decode(msgpack.packb(["test.fc", 1, 1, 1, 2, msgpack.ExtType(1, b"")]), registry=OLD)
