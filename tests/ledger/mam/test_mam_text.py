"""Text / JSON ↔ trytes helpers (reference TrytesHelper) and command payloads."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from iota import TryteString
from mam_support import load_cases

from actorgrid.ledger.mam import (
    MamPayloadError,
    decode_command,
    encode_command,
    from_ascii,
    goodbye,
    hello,
    object_from_trytes,
    object_to_trytes,
    string_from_trytes,
    string_to_trytes,
    to_ascii,
)

ENCODERS = {"ascii": from_ascii, "string": string_to_trytes, "json": object_to_trytes}
TEXT_CASES = [
    c
    for c in load_cases()
    if c.get("message", {}).get("encoding") in ENCODERS and "source" in c["message"]
]


@pytest.mark.parametrize("case", TEXT_CASES, ids=[c["id"] for c in TEXT_CASES])
def test_encoders_match_the_vectors(case: dict[str, Any]) -> None:
    message = case["message"]
    assert ENCODERS[message["encoding"]](message["source"]) == message["trytes"]


def test_examples_from_the_spec() -> None:
    assert from_ascii("Hi!") == "RBXCFA"
    assert string_to_trytes("é") == from_ascii("\\u00e9") == "KCIDUAUATCCB"
    assert to_ascii("RBXCFA") == "Hi!"


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=50))
def test_ascii_matches_pyota(text: str) -> None:
    assert from_ascii(text) == str(TryteString.from_unicode(text))


@given(st.text(max_size=40))
def test_string_round_trip(text: str) -> None:
    if "\\u" in text or "\x00" in text[-1:]:
        return  # escapes are ambiguous and trailing NULs are stripped, as in the reference
    assert string_from_trytes(string_to_trytes(text)) == text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=10,
)


@given(json_values)
def test_json_round_trip(value: Any) -> None:
    assert object_from_trytes(object_to_trytes(value)) == value


def test_integral_floats_are_written_like_javascript() -> None:
    assert object_to_trytes({"v": 2.0}) == object_to_trytes({"v": 2})
    assert object_from_trytes(object_to_trytes({"v": 1.5})) == {"v": 1.5}


def test_command_payloads() -> None:
    assert decode_command(hello(entity="pv-1")) == {"command": "hello", "entity": "pv-1"}
    assert decode_command(goodbye()) == {"command": "goodbye"}
    assert decode_command(encode_command({"command": "output", "wh": 5})) == {
        "command": "output",
        "wh": 5,
    }
    with pytest.raises(MamPayloadError):
        encode_command({"wh": 5})
    with pytest.raises(MamPayloadError):
        decode_command(object_to_trytes([1, 2]))
    with pytest.raises(MamPayloadError):
        decode_command(from_ascii("not json"))
