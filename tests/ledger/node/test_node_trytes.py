"""The fast Kerl / tryte helpers are bit-identical to PyOTA's reference code."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from iota import Address, Hash, TryteString
from iota.crypto.addresses import AddressGenerator
from iota.crypto.kerl import Kerl
from iota.crypto.signing import KeyGenerator, SignatureFragmentGenerator, normalize
from iota.crypto.types import Seed

from actorgrid.ledger import trytes as T

tryte_strings = st.text(alphabet=T.ALPHABET, min_size=1, max_size=200)
hashes = st.text(alphabet=T.ALPHABET, min_size=81, max_size=81)


@given(tryte_strings)
def test_int_round_trip_matches_pyota_trits(s: str) -> None:
    value = T.trytes_to_int(s)
    assert value == sum(t * 3**i for i, t in enumerate(TryteString(s).as_trits()))
    assert T.int_to_trytes(value, len(s)) == s


@given(st.lists(hashes, min_size=1, max_size=4))
def test_kerl_matches_pyota(chunks: list[str]) -> None:
    sponge = Kerl()
    sponge.absorb(TryteString("".join(chunks)).as_trits())
    out = [0] * 243
    sponge.squeeze(out)
    ours = T.kerl_hash_ints(T.trytes_to_int(c) for c in chunks)
    assert T.int_to_trytes(ours, 81) == str(TryteString.from_trits(out))


@given(hashes)
def test_normalize_matches_pyota(h: str) -> None:
    assert T.normalize_bundle_hash(h) == [v for part in normalize(Hash(h)) for v in part]


@given(hashes, st.integers(0, 3))
def test_trailing_zero_trits(h: str, mwm: int) -> None:
    trits = TryteString(h).as_trits()
    assert T.has_trailing_zero_trits(h, mwm) == (mwm == 0 or trits[-mwm:] == [0] * mwm)


@pytest.mark.parametrize(
    ("seed", "index", "security"),
    [
        ("MXYDUTHLAYOJGRTXJJYZGMTEALAZTOPMOSXKWPMEVJTIAQHYQWNUIPITSDYZWM9FETJ9GWVCCKARCY9BK", 7, 2),
        ("9" * 81, 0, 1),
        ("SHORTSEED", 3, 3),
    ],
)
def test_address_and_signature_match_pyota(seed: str, index: int, security: int) -> None:
    generator = AddressGenerator(Seed(seed), security_level=security)
    expected = generator.get_addresses(index, 1)[0]
    address = T.address_from_seed(seed, index, security)
    assert address == str(expected)
    assert T.address_checksum(address) == str(Address(address).with_valid_checksum().checksum)
    bundle = "ABCDEFGHIJKLMNOPQRSTUVWXYZ9" * 3
    key = KeyGenerator(Seed(seed)).get_key(index, security)
    fragments = [str(f) for f in SignatureFragmentGenerator(key, Hash(bundle))]
    assert T.sign_input(seed, index, security, bundle) == fragments
    assert T.validate_signature(fragments, bundle, address)
    assert not T.validate_signature(fragments, "9" * 81, address)
    assert not T.validate_signature(fragments, bundle, T.address_from_seed(seed, index + 1, 1))


def test_trytes_checks() -> None:
    assert T.is_trytes("AB9", 3) and not T.is_trytes("ab9") and not T.is_trytes(5)
    assert not T.is_trytes("AB9", 4)


_HALF_242 = (3**242 - 1) // 2


@given(
    value=st.one_of(
        st.integers(min_value=-_HALF_242, max_value=_HALF_242),
        st.sampled_from([-_HALF_242, _HALF_242, 0, 1, -1]),
    ),
    times=st.integers(min_value=0, max_value=30),
)
def test_c_hash_chain_matches_the_sha3_chain(value: int, times: int) -> None:
    from actorgrid.ledger import _kerl

    expected = T._hash_repeat_py(value, times)
    assert int.from_bytes(_kerl.repeat(T._to_bytes(value), times), "big", signed=True) == expected
    assert T._hash_repeat(value, times) == expected


def test_c_hash_chain_rejects_bad_input() -> None:
    from actorgrid.ledger import _kerl

    with pytest.raises(ValueError, match="48 bytes"):
        _kerl.repeat(b"\0" * 47, 1)
    with pytest.raises(ValueError, match="times"):
        _kerl.repeat(b"\0" * 48, -1)


@given(st.text(alphabet=st.one_of(st.sampled_from(T.ALPHABET), st.characters()), max_size=300))
def test_is_trytes_accepts_exactly_the_tryte_alphabet(text: str) -> None:
    assert T.is_trytes(text) == all(c in T.ALPHABET for c in text)
    assert T.is_trytes(text, len(text)) == T.is_trytes(text)
    assert not T.is_trytes(text, len(text) + 1)
