"""Curl-P, trits and pascal: C extension and NumPy fallback agree, and match the spec."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from iota import TryteString
from iota.crypto.pycurl import Curl

from actorgrid.ledger.mam import _curl_numpy, curl
from actorgrid.ledger.mam._trinary import (
    add_int,
    int_to_trits,
    trits_to_trytes,
    trits_value,
    trytes_to_trits,
)
from actorgrid.ledger.mam.pascal import pascal_decode, pascal_encode

trit_lists = st.lists(st.integers(-1, 1), min_size=243, max_size=243)
tryte_strings = st.text(alphabet="9ABCDEFGHIJKLMNOPQRSTUVWXYZ", max_size=60)


def _c_backend() -> curl.CurlBackend:
    previous = curl.BACKEND
    try:
        curl.use_backend("c")
    except ImportError:
        return curl.NUMPY_BACKEND  # test_c_extension_is_built reports it
    backend = curl.backend()
    curl.use_backend(previous)
    return backend


C = _c_backend()
NP = curl.NUMPY_BACKEND


def test_c_extension_is_built() -> None:
    # `make venv` builds it; the NumPy path is only a fallback. Without it the
    # comparisons below compare the fallback with itself.
    assert C is not _curl_numpy


@given(trit_lists)
@settings(max_examples=20)
def test_81_round_transform_matches_pyota(trits: list[int]) -> None:
    pyota = Curl()
    pyota.absorb(list(trits))
    expected = [0] * 243
    pyota.squeeze(expected)
    for backend in (C, NP):
        state = np.zeros(729, dtype=np.int8)
        state[:243] = trits
        backend.transform(state, 81)
        assert state[:243].tolist() == expected


@given(st.lists(st.integers(-1, 1), min_size=729, max_size=729), st.integers(1, 81))
@settings(max_examples=20)
def test_transform_backends_agree(trits: list[int], rounds: int) -> None:
    a = np.array(trits, dtype=np.int8)
    b = a.copy()
    C.transform(a, rounds)
    NP.transform(b, rounds)
    assert (a == b).all()


@given(st.lists(st.tuples(trit_lists, st.integers(0, 30)), min_size=0, max_size=70))
@settings(max_examples=10)
def test_chains_backends_agree_and_equal_repeated_hashing(
    rows: list[tuple[list[int], int]],
) -> None:
    inputs = np.array([r for r, _ in rows], dtype=np.int8).reshape(-1, 243)
    counts = np.array([c for _, c in rows], dtype=np.uint8)
    got = C.chains(inputs.tobytes(), counts.tobytes(), 27)
    assert got == NP.chains(inputs.tobytes(), counts.tobytes(), 27)
    if rows:
        out = np.frombuffer(got, dtype=np.int8).reshape(-1, 243)
        value = inputs[-1]
        for _ in range(int(counts[-1])):
            value = curl.hash_trits(value)
        assert (out[-1] == value).all()


@given(st.lists(st.integers(-1, 1), min_size=729, max_size=729), st.integers(1, 3))
@settings(max_examples=10)
def test_nonce_search_backends_agree_and_satisfy_the_rule(trits: list[int], security: int) -> None:
    state = np.array(trits, dtype=np.int8)
    nonce = C.nonce_search(state.tobytes(), security, 27)
    assert nonce == NP.nonce_search(state.tobytes(), security, 27)
    n = np.frombuffer(nonce, dtype=np.int8)
    assert (n[4:54] == state[4:54]).all()  # only the lane digits and the counter move
    assert n[:4].tolist() != [0, 0, 0, 0]  # lane 0 is never chosen
    probe = state.copy()
    probe[:81] = n
    curl.backend().transform(probe, 27)
    assert curl.hash_security(probe[:243]) == security


def test_short_absorb_does_not_zero_pad() -> None:
    sponge = curl.Sponge()
    sponge.absorb(np.ones(243, dtype=np.int8))
    before = sponge.state.copy()
    sponge.absorb(np.array([1, -1, 0], dtype=np.int8))
    expected = before.copy()
    expected[:3] = [1, -1, 0]
    curl.backend().transform(expected, 27)
    assert (sponge.state == expected).all()


def test_backend_switch_rejects_unknown_names() -> None:
    with pytest.raises(ValueError):
        curl.use_backend("gpu")


@given(tryte_strings)
def test_trytes_trits_round_trip_and_match_pyota(trytes: str) -> None:
    trits = trytes_to_trits(trytes)
    assert trits.tolist() == TryteString(trytes).as_trits()
    assert trits_to_trytes(trits) == trytes


def test_tryte_example_from_the_spec() -> None:
    assert trytes_to_trits("9AMNZ").tolist() == [0, 0, 0, 1, 0, 0, 1, 1, 1, -1, -1, -1, -1, 0, 0]
    with pytest.raises(ValueError):
        trytes_to_trits("abc")


@given(st.lists(st.integers(-1, 1), min_size=6, max_size=6), st.integers(0, 800))
def test_add_int_is_repeated_increment_mod_3_pow_n(trits: list[int], n: int) -> None:
    t = np.array(trits, dtype=np.int8)
    expected = t.copy()
    for _ in range(n):
        for i in range(len(expected)):
            if expected[i] == 1:
                expected[i] = -1
            else:
                expected[i] += 1
                break
    assert add_int(t, n).tolist() == expected.tolist()


@pytest.mark.parametrize(
    ("value", "trits"),
    [
        (0, [1, 0, 0, -1]),
        (1, [1, 0, 0, 0]),
        (2, [-1, 1, 0, 0]),
        (13, [1, 1, 1, 0]),
        (14, [-1, -1, -1, 1, 0, 0, 0, 0]),
        (30, [0, -1, 0, 1, 0, 0, 1, 0]),
        (243, [0, 0, 0, 0, 0, 1, 1, 0]),
        (6561, [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0]),
    ],
)
def test_pascal_examples_from_the_spec(value: int, trits: list[int]) -> None:
    assert pascal_encode(value).tolist() == trits
    assert pascal_decode(np.array([*trits, 1, -1], dtype=np.int8)) == (value, len(trits))


def test_pascal_accepts_the_original_clients_zero_group_form() -> None:
    original_27 = np.array([0, 0, 0, 1, 0, 0, 0, 0], dtype=np.int8)
    assert pascal_decode(original_27) == (27, 8)
    assert pascal_encode(27).tolist() == [0, 0, 0, 1, 0, 0, 1, 0]


@given(st.integers(0, 3**20))
def test_pascal_round_trip(value: int) -> None:
    encoded = pascal_encode(value)
    assert len(encoded) % 4 == 0
    padded = np.concatenate([encoded, int_to_trits(trits_value(encoded[:3]), 3)])
    assert pascal_decode(padded, 0) == (value, len(encoded))


@given(
    st.lists(st.integers(-1, 1), min_size=729, max_size=729),
    st.lists(st.integers(-1, 1), max_size=700),
)
@settings(max_examples=15)
def test_sponge_loops_backends_agree(state: list[int], data: list[int]) -> None:
    trits = np.array(data, dtype=np.int8)
    results = []
    for backend in (C, NP):
        s = np.array(state, dtype=np.int8)
        backend.absorb(s, trits, 27)
        squeezed = backend.squeeze(s, 2, 27)
        masked = backend.mask(s, trits, 27)
        after_mask = s.copy()
        results.append((squeezed, masked, after_mask.tobytes()))
    assert results[0] == results[1]
    # unmask inverts mask from the same starting state.
    s1 = np.array(state, dtype=np.int8)
    s2 = s1.copy()
    cipher = np.frombuffer(C.mask(s1, trits, 27), dtype=np.int8)
    for backend in (C, NP):
        s = s2.copy()
        assert backend.unmask(s, cipher, 27) == trits.tobytes()
        assert (s == s1).all()


@given(trit_lists, st.integers(0, 10**15))
@settings(max_examples=30)
def test_add_int_on_a_seed_matches_integer_arithmetic(trits: list[int], n: int) -> None:
    t = np.array(trits, dtype=np.int8)
    modulus = 3**243
    expected = (trits_value(t) + n) % modulus
    if expected > modulus // 2:
        expected -= modulus
    assert trits_value(add_int(t, n)) == expected
