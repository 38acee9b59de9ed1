"""Create → parse round trips, tampering, state advance and input validation."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actorgrid.ledger.mam import (
    MamError,
    MamHammingWeightError,
    MamMalformedError,
    MamSignatureError,
    Mode,
    channel_root,
    create_channel,
    create_message,
    mask_hash,
    parse_message,
)
from actorgrid.ledger.mam.channel import ChannelState

TRYTES = "9ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SEED = "MAMTESTSEED" + "9" * 60 + "ABCDEFGHIJ"
messages = st.text(alphabet=TRYTES, min_size=1, max_size=400)
modes = st.sampled_from(["public", "private", "restricted"])
side_keys = st.text(alphabet=TRYTES, min_size=1, max_size=81)
crypto = settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _channel(mode: Mode, security: int, side_key: str | None) -> ChannelState:
    return create_channel(SEED, security, mode, side_key if mode == "restricted" else None)


@given(message=messages, mode=modes, security=st.integers(1, 3), side_key=side_keys)
@crypto
def test_round_trip(message: str, mode: Mode, security: int, side_key: str) -> None:
    state = _channel(mode, security, side_key)
    root = channel_root(state)
    msg = create_message(state, message)
    assert msg.root == root
    assert msg.address == (root if mode == "public" else mask_hash(root))
    parsed = parse_message(msg.payload, msg.root, state.side_key)
    assert parsed.message == message
    assert parsed.next_root == msg.next_root
    assert parsed.security == security


def test_successive_messages_chain_through_next_roots(backend: str) -> None:
    state = create_channel(SEED, 1, "private")
    root = channel_root(state)
    for i in range(3):
        msg = create_message(state, f"MESSAGE{'9' * i}A")
        assert msg.root == root
        parsed = parse_message(msg.payload, root)
        assert parsed.message == f"MESSAGE{'9' * i}A"
        root = parsed.next_root
        assert (state.start, state.index, state.next_root) == (i + 1, 0, root)


def test_tree_of_four_verifies_every_leaf_and_advances_like_the_reference(backend: str) -> None:
    state = create_channel(SEED, 1, "public")
    state.count = state.next_count = 4
    root = channel_root(state)
    for i in range(4):
        msg = create_message(state, "LEAF")
        assert msg.root == root
        assert parse_message(msg.payload, root).index == i
    assert (state.start, state.index) == (4, 0)
    assert channel_root(state) == msg.next_root


@given(data=st.data())
@settings(max_examples=40)
def test_any_flipped_tryte_is_rejected(data: st.DataObject) -> None:
    payload, root, key = _SAMPLES[data.draw(st.integers(0, len(_SAMPLES) - 1))]
    # The last tryte may hold only the 0-2 zero padding trits the decoder ignores.
    pos = data.draw(st.integers(0, len(payload) - 2))
    new = data.draw(st.sampled_from(TRYTES.replace(payload[pos], "")))
    tampered = payload[:pos] + new + payload[pos + 1 :]
    with pytest.raises(MamError):
        parse_message(tampered, root, key)


def _samples() -> list[tuple[str, str, str | None]]:
    out = []
    for mode, security, key in (("public", 1, None), ("restricted", 2, "SIDEKEY")):
        state = create_channel(SEED, security, mode, key)  # type: ignore[arg-type]
        state.count = state.next_count = 2
        msg = create_message(state, "TAMPERME")
        out.append((msg.payload, msg.root, key))
    return out


_SAMPLES = _samples()


def test_wrong_side_key_root_and_signature_raise_typed_errors() -> None:
    state = create_channel(SEED, 2, "restricted", "RIGHTKEY")
    msg = create_message(state, "SECRET")
    with pytest.raises(MamHammingWeightError):
        parse_message(msg.payload, msg.root, "WRONGKEY")
    with pytest.raises(MamHammingWeightError):
        parse_message(msg.payload, msg.next_root, "RIGHTKEY")
    assert parse_message(msg.payload + "9" * 30, msg.root, "RIGHTKEY").message == "SECRET"


def test_tampered_signature_is_a_signature_error() -> None:
    state = create_channel(SEED, 1, "public")
    msg = create_message(state, "SIGNED")
    # Header (4 + 8 trits) + next root + message + nonce end at trit 372 = tryte 124;
    # the hmac does not depend on what follows, so only the signature check can fail.
    pos = 200
    flipped = "A" if msg.payload[pos] != "A" else "B"
    tampered = msg.payload[:pos] + flipped + msg.payload[pos + 1 :]
    with pytest.raises(MamSignatureError):
        parse_message(tampered, msg.root)


def test_unverifiable_odd_tree_leaf_is_rejected_like_the_reference() -> None:
    state = create_channel(SEED, 1, "public")
    state.count = state.next_count = 3
    state.index = 2
    msg = create_message(state, "THREE")
    with pytest.raises(MamSignatureError):
        parse_message(msg.payload, msg.root)


@pytest.mark.parametrize(
    ("payload", "root"),
    [("abc", "9" * 81), ("A" * 10, "9" * 81), ("A" * 100, "9" * 80), ("", "9" * 81)],
)
def test_malformed_input(payload: str, root: str) -> None:
    with pytest.raises(MamMalformedError):
        parse_message(payload, root)


@pytest.mark.parametrize(
    "change",
    [
        {"seed": "SHORT"},
        {"security": 4},
        {"index": 1},
        {"count": 0},
        {"mode": "secret"},
        {"side_key": None},
    ],
)
def test_bad_state_raises_and_changes_nothing(change: dict[str, object]) -> None:
    state = dataclasses.replace(create_channel(SEED, 1, "restricted", "K"), **change)  # type: ignore[arg-type]
    before = dataclasses.replace(state)
    with pytest.raises(MamMalformedError):
        create_message(state, "HELLO")
    assert state == before


@pytest.mark.parametrize("message", ["", "lower", "ÄB"])
def test_bad_message_raises_and_changes_nothing(message: str) -> None:
    state = create_channel(SEED, 1, "public")
    with pytest.raises(MamMalformedError):
        create_message(state, message)
    assert (state.start, state.index, state.next_root) == (0, 0, None)


def test_side_key_rules() -> None:
    with pytest.raises(MamMalformedError):
        create_channel(SEED, 1, "public", "KEY")
    with pytest.raises(MamMalformedError):
        create_channel(SEED, 1, "restricted", "K" * 82)
    generated = create_channel(SEED, 1, "restricted")
    assert generated.side_key is not None and len(generated.side_key) == 81
    assert create_channel(SEED, 1, "restricted", "MYKEY").side_key == "MYKEY".ljust(81, "9")


def test_repr_does_not_leak_seed_or_side_key() -> None:
    state = create_channel(SEED, 1, "restricted", "TOPSECRETKEY")
    assert SEED not in repr(state) and "TOPSECRETKEY" not in repr(state)
