"""Curl-P sponge for MAM: 27 rounds almost everywhere, 81 for the private address hash.

The transform runs in the ``_curl27`` C extension when it is built (``pip install -e .``
builds it) and in NumPy otherwise; ``BACKEND`` says which. Set ``ACTORGRID_MAM_PURE=1`` to
force the NumPy path. Both give identical results (tests compare them).

Unlike PyOTA's ``Curl``, absorbing a short chunk overwrites only its own length of the
rate, as the reference does (mam-v0.md §2).
"""

from __future__ import annotations

import importlib
import os
from typing import Any, Protocol, cast

import numpy as np
import numpy.typing as npt

from . import _curl_numpy
from ._trinary import HASH_TRITS, Trits

STATE_LEN = 729
ROUNDS_27 = 27
ROUNDS_81 = 81
_C_MODULE = "actorgrid.ledger.mam._curl27"


class CurlBackend(Protocol):
    """What the C extension and the NumPy fallback both provide."""

    def transform(self, state: Trits, rounds: int, /) -> None: ...
    def absorb(self, state: Trits, trits: Trits, rounds: int, /) -> None: ...
    def squeeze(self, state: Trits, n: int, rounds: int, /) -> bytes: ...
    def mask(self, state: Trits, plain: Trits, rounds: int, /) -> bytes: ...
    def unmask(self, state: Trits, cipher: Trits, rounds: int, /) -> bytes: ...
    def chains(self, inputs: bytes, counts: bytes, rounds: int, /) -> bytes: ...
    def nonce_search(self, state: bytes, security: int, rounds: int, /) -> bytes: ...


def _load_backend() -> tuple[CurlBackend, str]:
    if os.environ.get("ACTORGRID_MAM_PURE") not in (None, "", "0"):
        return cast(CurlBackend, _curl_numpy), "numpy"
    try:
        return cast(CurlBackend, importlib.import_module(_C_MODULE)), "c"
    except ImportError:
        return cast(CurlBackend, _curl_numpy), "numpy"


_backend, BACKEND = _load_backend()
NUMPY_BACKEND: CurlBackend = cast(CurlBackend, _curl_numpy)


def use_backend(name: str) -> None:
    """Switch to the ``"c"`` or ``"numpy"`` backend (for tests and benchmarks)."""
    global _backend, BACKEND
    if name == "numpy":
        _backend, BACKEND = NUMPY_BACKEND, "numpy"
    elif name == "c":
        _backend, BACKEND = cast(CurlBackend, importlib.import_module(_C_MODULE)), "c"
    else:
        raise ValueError(f"unknown Curl backend {name!r}")


def backend() -> CurlBackend:
    """The Curl backend currently in use."""
    return _backend


class Sponge:
    """A Curl-P sponge with the reference's absorb / squeeze / rate semantics."""

    __slots__ = ("rounds", "state")

    def __init__(self, rounds: int = ROUNDS_27) -> None:
        self.rounds = rounds
        self.state: Trits = np.zeros(STATE_LEN, dtype=np.int8)

    def absorb(self, trits: Trits) -> None:
        """Absorb in 243-trit chunks; a short last chunk overwrites only its length."""
        _backend.absorb(self.state, np.ascontiguousarray(trits, dtype=np.int8), self.rounds)

    def squeeze(self) -> Trits:
        """The rate, then a transform."""
        out: Trits = self.squeeze_many(1).reshape(HASH_TRITS)
        return out

    def squeeze_many(self, n: int) -> Trits:
        """``n`` squeezes as an (n, 243) array."""
        out = _backend.squeeze(self.state, n, self.rounds)
        return np.frombuffer(out, dtype=np.int8).reshape(n, HASH_TRITS).copy()

    def rate(self) -> Trits:
        """The rate, without transforming."""
        return self.state[:HASH_TRITS].copy()

    def mask(self, plain: Trits) -> Trits:
        """Encrypt ``plain`` chunk by chunk with the rate (mam-v0.md §8)."""
        out = _backend.mask(self.state, np.ascontiguousarray(plain, dtype=np.int8), self.rounds)
        return np.frombuffer(out, dtype=np.int8).copy()

    def unmask(self, cipher: Trits) -> Trits:
        """Decrypt ``cipher`` chunk by chunk (inverse of ``mask``)."""
        out = _backend.unmask(self.state, np.ascontiguousarray(cipher, dtype=np.int8), self.rounds)
        return np.frombuffer(out, dtype=np.int8).copy()


def hash_trits(*parts: Trits, rounds: int = ROUNDS_27) -> Trits:
    """Fresh sponge, absorb each part in turn, read the rate (H / H₂ of mam-v0.md §2)."""
    sponge = Sponge(rounds)
    for part in parts:
        sponge.absorb(part)
    return sponge.rate()


def chains(inputs: Trits, counts: npt.NDArray[Any], rounds: int = ROUNDS_27) -> Trits:
    """``H^counts[i](inputs[i])`` for each 243-trit row of ``inputs``."""
    rows = inputs.reshape(-1, HASH_TRITS)
    out = _backend.chains(
        np.ascontiguousarray(rows).tobytes(), counts.astype(np.uint8).tobytes(), rounds
    )
    return np.frombuffer(out, dtype=np.int8).reshape(rows.shape).copy()


def nonce_search(state: Trits, security: int) -> Trits:
    """The reference nonce for ``security`` on the given sponge state (mam-v0.md §9.2)."""
    out = _backend.nonce_search(state.tobytes(), security, ROUNDS_27)
    return np.frombuffer(out, dtype=np.int8).copy()


def hash_security(h: Trits) -> int:
    """Security level of a hash: smallest j with sum(h[:81j]) == 0, else 0 (§9.1)."""
    total = 0
    for j in range(3):
        total += int(h[81 * j : 81 * (j + 1)].sum(dtype=np.int32))
        if total == 0:
            return j + 1
    return 0
