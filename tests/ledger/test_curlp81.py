"""Curl-P81 transaction hash and proof-of-work: our C extension against independent Curls.

The references are PyOTA's pure-Python Curl (``iota.crypto.pycurl``) and pyota-ccurl's C Curl
(what ``iota.crypto.Curl`` resolves to here); libccurl is the other backend of the module.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from iota import Hash, TryteString
from iota.crypto import Curl as CCurl
from iota.crypto.pycurl import Curl as PyCurl

from actorgrid.ledger import curlp81
from actorgrid.ledger.trytes import ALPHABET, TRANSACTION_TRYTES, has_trailing_zero_trits


def _random_transaction(seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choices(ALPHABET, k=TRANSACTION_TRYTES))


# transactions from a drawn seed: 2673 drawn characters each would exceed hypothesis's
# entropy budget for lists of them
transactions = st.integers(min_value=0, max_value=2**64).map(_random_transaction)


def reference_hash(trytes: str, curl: type = CCurl) -> str:
    sponge = curl()
    sponge.absorb(TryteString(trytes).as_trits())
    out = [0] * 243
    sponge.squeeze(out)
    return str(Hash.from_trits(out))


@pytest.fixture(params=["c", "libccurl"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    before = curlp81.BACKEND
    curlp81.use_backend(request.param)
    try:
        yield request.param
    finally:
        curlp81.use_backend(before)


def test_the_extension_is_the_default_backend() -> None:
    # make test installs the project with its C extension; a silent fallback would hide a
    # broken build behind a 10x slower proof-of-work
    assert curlp81.BACKEND == "c"


@settings(max_examples=8, deadline=None)
@given(trytes=transactions)
def test_digest_matches_pure_python_curl(trytes: str) -> None:
    expected = reference_hash(trytes, PyCurl)
    for name in ("c", "libccurl"):
        curlp81.use_backend(name)
        try:
            assert curlp81.transaction_hash(trytes) == expected
        finally:
            curlp81.use_backend("c")


@settings(max_examples=15, deadline=None)
@given(trytes=transactions, mwm=st.integers(min_value=0, max_value=11))
def test_attach_meets_the_weight_and_changes_only_the_nonce(trytes: str, mwm: int) -> None:
    done, tx_hash = curlp81.attach_transaction(trytes, mwm)
    assert len(done) == TRANSACTION_TRYTES
    assert done[:-27] == trytes[:-27]
    assert tx_hash == reference_hash(done)
    assert has_trailing_zero_trits(tx_hash, mwm)


def test_attach_is_deterministic_for_the_same_input() -> None:
    trytes = "A" * TRANSACTION_TRYTES
    assert curlp81.attach_transaction(trytes, 9) == curlp81.attach_transaction(trytes, 9)


def test_libccurl_backend_attaches_too(backend: str) -> None:
    trytes = "B" * (TRANSACTION_TRYTES - 27) + "9" * 27
    done, tx_hash = curlp81.attach_transaction(trytes, 7)
    assert done[:-27] == trytes[:-27]
    assert tx_hash == reference_hash(done)
    # libccurl may return a nonce below the weight (pow_bundle retries); ours never does
    if backend == "c":
        assert has_trailing_zero_trits(tx_hash, 7)


@pytest.mark.parametrize(
    ("trytes", "mwm", "message"),
    [
        ("A" * (TRANSACTION_TRYTES - 1), 9, "2673 trytes"),
        ("a" * TRANSACTION_TRYTES, 9, "2673 trytes"),
        ("A" * TRANSACTION_TRYTES, -1, "mwm"),
        ("A" * TRANSACTION_TRYTES, 82, "mwm"),
    ],
)
def test_bad_input_is_rejected(trytes: str, mwm: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        curlp81.attach_transaction(trytes, mwm)


def test_the_extension_checks_its_own_input() -> None:
    from actorgrid.ledger import _curl81

    with pytest.raises(ValueError, match="9A-Z"):
        _curl81.attach("!" * TRANSACTION_TRYTES, 9)
    with pytest.raises(ValueError, match="2673"):
        _curl81.attach("A" * 81, 9)
    with pytest.raises(ValueError, match="multiple of 81"):
        _curl81.digest("A" * 80)
    with pytest.raises(ValueError, match="mwm"):
        _curl81.attach("A" * TRANSACTION_TRYTES, 200)


def test_unknown_backend_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown proof-of-work backend"):
        curlp81.use_backend("gpu")
    assert curlp81.BACKEND == "c"


@settings(max_examples=10, deadline=None)
@given(many=st.lists(transactions, min_size=0, max_size=70))
def test_hashes_together_equal_hashes_one_by_one(many: list[str]) -> None:
    # 70 crosses the 64-lane boundary of the bit-sliced pass
    assert curlp81.transaction_hashes(many) == [reference_hash(t) for t in many]


def test_hashes_together_need_whole_transactions() -> None:
    with pytest.raises(ValueError, match="2673 trytes"):
        curlp81.transaction_hashes(["A" * TRANSACTION_TRYTES, "A" * 81])


@settings(max_examples=8, deadline=None)
@given(trytes=transactions, mwm=st.integers(min_value=0, max_value=9))
def test_attach_from_a_prefix_state_equals_attach_from_scratch(trytes: str, mwm: int) -> None:
    [prefix] = curlp81.prefix_states([trytes])
    assert prefix is not None and len(prefix) == 729
    assert curlp81.attach_transaction(trytes, mwm, prefix) == curlp81.attach_transaction(
        trytes, mwm
    )


def test_prefix_states_of_a_bundle_are_each_transactions_own() -> None:
    many = [_random_transaction(seed) for seed in range(5)]
    states = curlp81.prefix_states(many)
    for trytes, state in zip(many, states, strict=True):
        done, tx_hash = curlp81.attach_transaction(trytes, 5, state)
        assert tx_hash == reference_hash(done)


def test_a_bad_prefix_state_is_rejected() -> None:
    from actorgrid.ledger import _curl81

    with pytest.raises(ValueError, match="prefix state"):
        _curl81.attach("A" * TRANSACTION_TRYTES, 5, b"\x05" * 729)
    with pytest.raises(ValueError, match="prefix state"):
        _curl81.attach("A" * TRANSACTION_TRYTES, 5, b"\x00" * 728)
