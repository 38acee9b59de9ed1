"""Trits and trytes as NumPy int8 arrays (mam-v0.md §1).

PyOTA's ``TryteString.as_trits()`` gives the same mapping but builds Python lists one
tryte at a time; MAM converts ~5 000-tryte payloads per message, so this module does it
with table look-ups.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

Trits = npt.NDArray[np.int8]

ALPHABET = "9ABCDEFGHIJKLMNOPQRSTUVWXYZ"
HASH_TRITS = 243
HASH_TRYTES = 81

_TRYTES_RE = re.compile(r"[9A-Z]*")
_TRITS_OF = np.zeros((256, 3), dtype=np.int8)
_VALID = np.zeros(256, dtype=bool)
for _pos, _ch in enumerate(ALPHABET):
    _v = _pos if _pos <= 13 else _pos - 27
    _digits = []
    for _ in range(3):
        _d = ((_v + 1) % 3) - 1
        _digits.append(_d)
        _v = (_v - _d) // 3
    _TRITS_OF[ord(_ch)] = _digits
    _VALID[ord(_ch)] = True
_ALPHABET_BYTES = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)


def is_trytes(value: object) -> bool:
    """True for a ``str`` made only of ``9A-Z`` (the empty string included)."""
    return isinstance(value, str) and _TRYTES_RE.fullmatch(value) is not None


def trytes_to_trits(trytes: str) -> Trits:
    """Little-endian balanced-ternary trits of ``trytes`` (3 per tryte)."""
    if not is_trytes(trytes):
        raise ValueError("not a tryte string (only 9A-Z allowed)")
    codes = np.frombuffer(trytes.encode("ascii"), dtype=np.uint8)
    return _TRITS_OF[codes].reshape(-1).copy()


def trits_to_trytes(trits: Trits) -> str:
    """Trytes of ``trits``; its length must be a multiple of 3."""
    if len(trits) % 3:
        raise ValueError("trit count must be a multiple of 3")
    values = tryte_values(trits)
    return _ALPHABET_BYTES[values % 27].tobytes().decode("ascii")


def tryte_values(trits: Trits) -> npt.NDArray[np.int16]:
    """Tryte values (-13..13) of consecutive groups of three trits."""
    t = trits.reshape(-1, 3).astype(np.int16)
    result: npt.NDArray[np.int16] = t[:, 0] + 3 * t[:, 1] + 9 * t[:, 2]
    return result


def trits_value(trits: Trits) -> int:
    """Integer value of a little-endian balanced-ternary trit string."""
    value = 0
    for t in reversed(trits.tolist()):
        value = value * 3 + int(t)
    return value


def int_to_trits(value: int, length: int) -> Trits:
    """``value`` as ``length`` little-endian balanced-ternary trits (must fit)."""
    out = np.zeros(length, dtype=np.int8)
    v = value
    for i in range(length):
        d = ((v + 1) % 3) - 1
        out[i] = d
        v = (v - d) // 3
    if v:
        raise ValueError(f"{value} does not fit in {length} trits")
    return out


def add_int(trits: Trits, n: int) -> Trits:
    """``trits + n`` modulo 3^len (n >= 0), as a new array (mam-v0.md §1).

    A ripple-carry add of n's balanced digits: it stops as soon as the digits of n are
    used up and no carry is left, so small n (key indices, counters) cost a few steps.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    out = trits.copy()
    carry, v, i = 0, n, 0
    while (v or carry) and i < len(out):
        digit = ((v + 1) % 3) - 1
        v = (v - digit) // 3
        total = int(out[i]) + digit + carry
        carry = 1 if total > 1 else -1 if total < -1 else 0
        out[i] = total - 3 * carry
        i += 1
    return out
