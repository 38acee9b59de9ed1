"""Message declaration: validation on construction, registration rules, versions."""

from __future__ import annotations

import enum
import importlib.util
import math
from dataclasses import FrozenInstanceError, dataclass
from typing import Annotated

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actorgrid.protocol import (
    DecodeError,
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
from actorgrid.protocol.catalog import MESSAGE_MODULES, load_all

LOCAL = Registry()  # keeps these test-only tags out of the process-wide registry


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@message("test.reading", version=1, registry=LOCAL)
@dataclass(frozen=True, slots=True)
class Reading(Message):
    source_id: Annotated[str, MaxLen(8)]
    slot: Annotated[int, Range(0, 100)]
    energy_wh: Annotated[int, Range(0, 10**9)]


@message("test.everything", version=(2, 3), registry=LOCAL)
@dataclass(frozen=True, slots=True)
class Everything(Message):
    n: int
    flag: bool
    text: str
    blob: bytes
    ratio: Annotated[float, Range(0.0, 1.0)]
    colour: Colour
    inner: Reading
    maybe: Annotated[int | None, Range(-5, 5)]
    many: Annotated[tuple[Reading, ...], MaxLen(3)]
    tags: tuple[Annotated[str, MaxLen(2)], ...] = ()


def _everything(**overrides: object) -> Everything:
    values: dict[str, object] = {
        "n": -3,
        "flag": True,
        "text": "héllo",
        "blob": b"\x00\xff",
        "ratio": 0.25,
        "colour": Colour.BLUE,
        "inner": Reading("pv-1", 7, 1250),
        "maybe": None,
        "many": (Reading("a", 0, 0), Reading("b", 100, 10**9)),
        "tags": ("x", "yz"),
    }
    values.update(overrides)
    return Everything(**values)  # type: ignore[arg-type]


def test_valid_message_round_trips_and_is_immutable() -> None:
    msg = _everything()
    assert decode(encode(msg), registry=LOCAL) == msg
    with pytest.raises(FrozenInstanceError):
        msg.n = 4  # type: ignore[misc]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("n", True, "expected int, got bool"),
        ("n", 2**63, "outside"),
        ("n", 1.0, "expected int"),
        ("flag", 1, "expected bool"),
        ("text", "x" * 1025, "exceeds max 1024"),
        ("text", b"x", "expected str"),
        ("blob", bytearray(b"x"), "expected bytes"),
        ("blob", b"x" * (64 * 1024 + 1), "exceeds max"),
        ("ratio", math.nan, "finite"),
        ("ratio", 1.5, "outside"),
        ("ratio", 1, "expected float"),
        ("colour", "red", "expected Colour"),
        ("inner", ("pv-1", 7, 1250), "expected Reading"),
        ("maybe", 6, "outside"),
        ("many", [Reading("a", 0, 0)], "expected tuple"),
        ("many", (Reading("a", 0, 0),) * 4, "exceeds max 3"),
        ("many", (Reading("a", 0, 0), "b"), "item 1"),
        ("tags", ("abc",), "item 0"),
    ],
)
def test_construction_rejects_invalid_values(field: str, value: object, reason: str) -> None:
    with pytest.raises(MessageValidationError, match=reason) as info:
        _everything(**{field: value})
    assert f"Everything.{field}" in str(info.value)
    assert isinstance(info.value, ValueError)


@given(st.integers(), st.integers())
def test_ranges_are_inclusive_bounds(slot: int, energy: int) -> None:
    valid = 0 <= slot <= 100 and 0 <= energy <= 10**9
    try:
        msg = Reading("x", slot, energy)
    except MessageValidationError:
        assert not valid
    else:
        assert valid and (msg.slot, msg.energy_wh) == (slot, energy)


def test_user_post_init_runs_after_schema_checks() -> None:
    reg = Registry()

    @message("test.checked", registry=reg)
    @dataclass(frozen=True, slots=True)
    class Checked(Message):
        lo: int
        hi: int

        def __post_init__(self) -> None:
            if self.lo > self.hi:
                raise MessageValidationError("lo > hi")

    assert Checked(1, 2).hi == 2
    with pytest.raises(MessageValidationError, match="lo > hi"):
        Checked(3, 2)
    with pytest.raises(MessageValidationError, match="expected int"):
        Checked("3", 2)  # type: ignore[arg-type]
    with pytest.raises(DecodeError, match="lo > hi"):
        decode(encode(Checked(1, 2)).replace(b"\x01\x02", b"\x03\x02"), registry=reg)


def test_registration_rejects_bad_declarations() -> None:
    reg = Registry()
    with pytest.raises(TypeError, match="frozen"):

        @message("t.a", registry=reg)
        @dataclass(slots=True)
        class NotFrozen(Message):
            x: int

    with pytest.raises(TypeError, match="slots"):

        @message("t.b", registry=reg)
        @dataclass(frozen=True)
        class NoSlots(Message):
            x: int

    with pytest.raises(TypeError, match="unsupported field type"):

        @message("t.c", registry=reg)
        @dataclass(frozen=True, slots=True)
        class BadType(Message):
            x: dict[str, int]

    with pytest.raises(TypeError, match="Range applies"):

        @message("t.d", registry=reg)
        @dataclass(frozen=True, slots=True)
        class BadRange(Message):
            x: Annotated[str, Range(0, 1)]

    with pytest.raises(ValueError, match="version"):
        message("t.e", version=-1)
    assert len(reg) == 0


def test_tag_cannot_be_reused_by_another_class() -> None:
    reg = Registry()

    @message("t.same", registry=reg)
    @dataclass(frozen=True, slots=True)
    class First(Message):
        x: int

    with pytest.raises(ValueError, match="already used"):

        @message("t.same", registry=reg)
        @dataclass(frozen=True, slots=True)
        class Second(Message):
            x: int

    assert reg.classes() == {"t.same": First}


def test_unregistered_subclass_cannot_be_constructed_or_encoded() -> None:
    @dataclass(frozen=True, slots=True)
    class Loose(Message):
        x: int

    with pytest.raises(TypeError, match="not registered"):
        Loose(1)
    with pytest.raises(TypeError, match="not a registered"):
        spec_of(Loose)


def test_spec_records_tag_and_version() -> None:
    spec = spec_of(Everything)
    assert (spec.tag, spec.major, spec.minor) == ("test.everything", 2, 3)
    assert [f.name for f in spec.fields][-1] == "tags"
    assert spec.n_required == len(spec.fields) - 1


def test_catalog_loads_every_existing_message_module() -> None:
    registry = load_all()
    modules = {cls.__module__ for cls in registry.classes().values()}
    existing = {name for name in MESSAGE_MODULES if importlib.util.find_spec(name) is not None}
    assert "actorgrid.protocol.control" in existing
    assert existing <= modules
