"""Fast tryte, Kerl and signature helpers shared by the tangle node and the wallets.

PyOTA's Kerl converts every 243-trit hash between Python lists of trits and bytes in
pure Python (about 0.3 ms per hash), so validating one security-2 signature costs
about 0.25 s and deriving one address about 0.5 s of GIL-holding CPU. Kerl itself is
Keccak-384 (C, via ``sha3``); only the conversions are slow. Here a 243-trit value is
kept as a Python ``int`` (balanced ternary value), which converts to Kerl's 48-byte
two's-complement form with ``int.to_bytes`` in C. The chains of Kerl hashes that keys,
addresses and signatures are made of (~1,400 links per security-2 address) run in the small C
extension ``_kerl`` when it is built (~0.4 us per link instead of ~1.5 us). Results are
bit-identical to PyOTA's ``iota.crypto.kerl.Kerl`` (the tests compare them on random input).

Transaction layout (2673 trytes) constants are here too, so node and wallet agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Final

from sha3 import keccak_384

_c_repeat: Callable[[bytes, int], bytes] | None
try:  # the C hash chain (actorgrid/ledger/_kerl.c); the same results ~4x faster
    from actorgrid.ledger._kerl import repeat as _c_repeat
except ImportError:  # pragma: no cover - the extension is optional
    _c_repeat = None

__all__ = [
    "ALPHABET",
    "HASH_TRYTES",
    "MAX_SUPPLY",
    "NULL_HASH",
    "TRANSACTION_TRYTES",
    "Layout",
    "address_checksum",
    "address_from_seed",
    "bundle_hash",
    "has_trailing_zero_trits",
    "int_to_trytes",
    "is_trytes",
    "kerl_hash_ints",
    "normalize_bundle_hash",
    "sign_input",
    "trytes_to_int",
    "validate_signature",
]

ALPHABET: Final = "9ABCDEFGHIJKLMNOPQRSTUVWXYZ"
HASH_TRYTES: Final = 81
TRANSACTION_TRYTES: Final = 2673
FRAGMENT_TRYTES: Final = 2187
MAX_SUPPLY: Final = (3**33 - 1) // 2
NULL_HASH: Final = "9" * HASH_TRYTES


class Layout:
    """Slices of the 2673-tryte transaction layout (IRI / PyOTA order)."""

    SIGNATURE: Final = slice(0, 2187)
    ADDRESS: Final = slice(2187, 2268)
    VALUE: Final = slice(2268, 2295)
    OBSOLETE_TAG: Final = slice(2295, 2322)
    TIMESTAMP: Final = slice(2322, 2331)
    CURRENT_INDEX: Final = slice(2331, 2340)
    LAST_INDEX: Final = slice(2340, 2349)
    BUNDLE: Final = slice(2349, 2430)
    TRUNK: Final = slice(2430, 2511)
    BRANCH: Final = slice(2511, 2592)
    TAG: Final = slice(2592, 2619)
    ATTACHMENT_TIMESTAMP: Final = slice(2619, 2628)
    ATTACHMENT_LOWER: Final = slice(2628, 2637)
    ATTACHMENT_UPPER: Final = slice(2637, 2646)
    NONCE: Final = slice(2646, 2673)
    #: address .. last index: the part of a transaction the bundle hash covers
    ESSENCE_REST: Final = slice(2268, 2349)


_TRYTE_VALUE: Final = {c: (i if i <= 13 else i - 27) for i, c in enumerate(ALPHABET)}
_VALUE_TRYTE: Final = {v: c for c, v in _TRYTE_VALUE.items()}
# Three trytes at a time: 19683 entries, so a hash converts in 27 steps, not 81.
_TRIPLE_VALUE: Final = {
    a + b + c: _TRYTE_VALUE[a] + 27 * _TRYTE_VALUE[b] + 729 * _TRYTE_VALUE[c]
    for a in ALPHABET
    for b in ALPHABET
    for c in ALPHABET
}
_VALUE_TRIPLE: Final = {v: s for s, v in _TRIPLE_VALUE.items()}
_TRYTES_RE: Final = re.compile("[9A-Z]*")  # 3x faster than a frozenset superset test

_T242: Final = 3**242
_HALF_242: Final = (_T242 - 1) // 2
_T243: Final = 3**243
_HALF_243: Final = (_T243 - 1) // 2


def is_trytes(value: object, length: int | None = None) -> bool:
    """Whether ``value`` is a ``str`` of tryte characters (of exactly ``length``, if given)."""
    if not isinstance(value, str) or (length is not None and len(value) != length):
        return False
    return _TRYTES_RE.fullmatch(value) is not None


def trytes_to_int(trytes: str) -> int:
    """The balanced-ternary value of ``trytes`` (first tryte least significant)."""
    value = 0
    n = len(trytes)
    head = n % 3
    for i in range(n - 3, head - 1, -3):
        value = value * 19683 + _TRIPLE_VALUE[trytes[i : i + 3]]
    for i in range(head - 1, -1, -1):
        value = value * 27 + _TRYTE_VALUE[trytes[i]]
    return value


def int_to_trytes(value: int, length: int) -> str:
    """``length`` trytes holding ``value`` in balanced ternary (wraps silently if too big)."""
    out: list[str] = []
    triples, rest = divmod(length, 3)
    for _ in range(triples):
        r = value % 19683
        if r > 9841:
            r -= 19683
        value = (value - r) // 19683
        out.append(_VALUE_TRIPLE[r])
    for _ in range(rest):
        r = value % 27
        if r > 13:
            r -= 27
        value = (value - r) // 27
        out.append(_VALUE_TRYTE[r])
    return "".join(out)


def _zero_top_trit(value: int) -> int:
    """Clear trit 242 of a 243-trit value (Kerl ignores it on absorb and squeeze)."""
    if value > _HALF_242:
        return value - _T242
    if value < -_HALF_242:
        return value + _T242
    return value


def _to_bytes(value: int) -> bytes:
    return value.to_bytes(48, "big", signed=True)


def _from_digest(digest: bytes) -> int:
    return _zero_top_trit(int.from_bytes(digest, "big", signed=True))


def kerl_hash_ints(chunks: Iterable[int]) -> int:
    """Kerl: absorb 243-trit chunks (as ints), squeeze one 243-trit hash (as int)."""
    k = keccak_384()
    for chunk in chunks:
        k.update(_to_bytes(_zero_top_trit(chunk)))
    return _from_digest(k.digest())


def _hash_repeat_py(value: int, times: int) -> int:
    for _ in range(times):
        value = _from_digest(keccak_384(_to_bytes(value)).digest())
    return value


def _hash_repeat(value: int, times: int) -> int:
    """``times`` chained Kerl hashes of a 243-trit value (trit 242 zero)."""
    if _c_repeat is None:
        return _hash_repeat_py(value, times)
    return int.from_bytes(_c_repeat(_to_bytes(value), times), "big", signed=True)


def _hash_repeat_bytes(value: int, times: int) -> bytes:
    """``_to_bytes(_hash_repeat(value, times))``, without the round trip through ``int``."""
    if _c_repeat is None:
        return _to_bytes(_hash_repeat_py(value, times))
    return _c_repeat(_to_bytes(value), times)


def has_trailing_zero_trits(hash_trytes: str, count: int) -> bool:
    """Whether the last ``count`` trits of ``hash_trytes`` are zero (the PoW condition)."""
    full, part = divmod(count, 3)
    if full and hash_trytes[len(hash_trytes) - full :] != "9" * full:
        return False
    if part == 0:
        return True
    last = _TRYTE_VALUE[hash_trytes[len(hash_trytes) - full - 1]]
    # trits of a tryte are (t0, t1, t2) with value t0 + 3 t1 + 9 t2; the top ones trail.
    return -4 <= last <= 4 if part == 1 else -1 <= last <= 1


def normalize_bundle_hash(bundle: str) -> list[int]:
    """The normalized bundle hash (81 values in -13..13, each 27-chunk summing to 0)."""
    out: list[int] = []
    for start in range(0, HASH_TRYTES, 27):
        chunk = [_TRYTE_VALUE[c] for c in bundle[start : start + 27]]
        total = sum(chunk)
        while total > 0:
            for j in range(27):
                if chunk[j] > -13:
                    chunk[j] -= 1
                    total -= 1
                    break
        while total < 0:
            for j in range(27):
                if chunk[j] < 13:
                    chunk[j] += 1
                    total += 1
                    break
        out.extend(chunk)
    return out


def bundle_hash(essences: Iterable[tuple[str, str]]) -> str:
    """Kerl bundle hash over ``(address, value..last_index trytes)`` pairs, in index order."""
    chunks: list[int] = []
    for address, rest in essences:
        chunks.append(trytes_to_int(address))
        chunks.append(trytes_to_int(rest))
    return int_to_trytes(kerl_hash_ints(chunks), HASH_TRYTES)


def validate_signature(fragments: Sequence[str], bundle: str, address: str) -> bool:
    """Whether signature ``fragments`` (2187 trytes each) sign ``bundle`` for ``address``.

    Same algorithm as ``iota.crypto.signing.validate_signature_fragments`` with Kerl.
    """
    normalized = normalize_bundle_hash(bundle)
    digests: list[int] = []
    for i, fragment in enumerate(fragments):
        part = normalized[(i % 3) * 27 : (i % 3) * 27 + 27]
        k = keccak_384()
        for j in range(27):
            chunk = trytes_to_int(fragment[j * 81 : j * 81 + 81])
            k.update(_hash_repeat_bytes(_zero_top_trit(chunk), 13 + part[j]))
        digests.append(_from_digest(k.digest()))
    return kerl_hash_ints(digests) == trytes_to_int(address)


def address_from_seed(seed: str, index: int, security: int = 2) -> str:
    """The address (81 trytes, no checksum) of ``seed`` at ``index``, like PyOTA's generator."""
    key = _private_key(seed, index, security)
    digests: list[int] = []
    for f in range(security):
        outer = keccak_384()
        for chunk in key[f * 27 : f * 27 + 27]:
            outer.update(_hash_repeat_bytes(chunk, 26))
        digests.append(_from_digest(outer.digest()))
    return int_to_trytes(kerl_hash_ints(digests), HASH_TRYTES)


def sign_input(seed: str, index: int, security: int, bundle: str) -> list[str]:
    """Signature fragments (2187 trytes each) of ``seed``'s address ``index`` for ``bundle``.

    Same output as PyOTA's ``SignatureFragmentGenerator``, ~100x faster. Signing reveals
    part of the private key: never sign two different bundle hashes with one address.
    """
    key = _private_key(seed, index, security)
    normalized = normalize_bundle_hash(bundle)
    fragments: list[str] = []
    for f in range(security):
        part = normalized[(f % 3) * 27 : (f % 3) * 27 + 27]
        fragments.append(
            "".join(
                int_to_trytes(_hash_repeat(key[f * 27 + j], 13 - part[j]), HASH_TRYTES)
                for j in range(27)
            )
        )
    return fragments


def _private_key(seed: str, index: int, security: int) -> list[int]:
    """The 27 x ``security`` key chunks (243-trit ints) of PyOTA's ``KeyGenerator``."""
    if not is_trytes(seed) or not 0 < len(seed) <= HASH_TRYTES:
        raise ValueError("seed must be 1..81 trytes")
    if index < 0 or security not in (1, 2, 3):
        raise ValueError("index must be >= 0 and security 1, 2 or 3")
    sub = trytes_to_int(seed.ljust(HASH_TRYTES, "9")) + index
    if sub > _HALF_243:  # trit-wise addition drops the carry out of trit 242
        sub -= _T243
    seed2 = _from_digest(keccak_384(_to_bytes(_zero_top_trit(sub))).digest())
    k = keccak_384(_to_bytes(seed2))
    chunks: list[int] = []
    for _ in range(27 * security):
        digest = k.digest()
        chunks.append(_from_digest(digest))
        # Kerl's squeeze continues from the bit-flipped digest
        k = keccak_384(bytes(b ^ 0xFF for b in digest))
    return chunks


def address_checksum(address: str) -> str:
    """The 9-tryte checksum PyOTA and IRI append to an 81-tryte address."""
    return int_to_trytes(kerl_hash_ints([trytes_to_int(address)]), HASH_TRYTES)[-9:]
