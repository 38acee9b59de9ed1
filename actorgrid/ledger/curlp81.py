"""Curl-P81 for transactions: the transaction hash and proof-of-work.

Two backends, the same results. ``"c"`` is our extension ``actorgrid.ledger._curl81``
(``_curl81.c``, built by ``pip install``): a 256-lane bit-sliced nonce search on the calling
thread, without the GIL, ~8 ms per transaction at MWM 9 on this kind of machine. ``"libccurl"``
is the C library shipped by pyota-pow, called through ctypes (which releases the GIL): ~75 ms
per transaction, because it starts a search thread per CPU on every call, keeps its state in a
global (one search per process, hence the lock) and returns a nonce below the requested weight
a few per cent of the time (:func:`pow_bundle` checks every hash and retries). It is used when
the extension is not built, or when ``ACTORGRID_POW=libccurl`` asks for it. ``BACKEND`` says
which one is in use. We call libccurl directly rather than through ``pow.ccurl_interface``:
that module configures the root logger at import, round-trips every transaction through PyOTA
objects, and never frees the C strings it receives.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib
import os
import threading
import time
from collections.abc import Callable, Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Final

from actorgrid.ledger.trytes import (
    HASH_TRYTES,
    TRANSACTION_TRYTES,
    Layout,
    has_trailing_zero_trits,
    int_to_trytes,
    is_trytes,
)

__all__ = [
    "BACKEND",
    "PowError",
    "attach_transaction",
    "pow_bundle",
    "prefix_states",
    "transaction_hash",
    "transaction_hashes",
]

_UPPER_BOUND: Final = int_to_trytes((3**27 - 1) // 2, 9)
_POW_ATTEMPTS: Final = 8
MAX_MWM: Final = 81


class PowError(RuntimeError):
    """Proof-of-work did not produce a transaction meeting the requested weight."""


class _LibCcurl:
    """pyota-pow's libccurl through ctypes."""

    def __init__(self) -> None:
        spec = find_spec("pow")
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("pyota-pow (module 'pow') provides libccurl")
        path = Path(next(iter(spec.submodule_search_locations))) / "libccurl.so"
        lib = ctypes.CDLL(str(path))
        lib.ccurl_pow.restype = ctypes.c_void_p
        lib.ccurl_pow.argtypes = [ctypes.c_char_p, ctypes.c_int]
        lib.ccurl_digest_transaction.restype = ctypes.c_void_p
        lib.ccurl_digest_transaction.argtypes = [ctypes.c_char_p]
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.free.argtypes = [ctypes.c_void_p]
        libc.free.restype = None
        self._lib, self._libc = lib, libc
        self._lock = threading.Lock()  # libccurl's search state is a global

    def _take(self, pointer: int | None, length: int) -> str:
        """Copy ``length`` chars out of a malloc'd C string and free it."""
        if not pointer:
            raise PowError("libccurl returned NULL")
        try:
            return ctypes.string_at(pointer, length).decode("ascii")
        finally:
            self._libc.free(pointer)

    def digest(self, trytes: str) -> str:
        return self._take(self._lib.ccurl_digest_transaction(trytes.encode("ascii")), HASH_TRYTES)

    def digest_many(self, many: Sequence[str]) -> list[str]:
        return [self.digest(t) for t in many]

    def prefix_states(self, prefixes: Sequence[str]) -> list[bytes | None]:
        return [None] * len(prefixes)  # libccurl absorbs every transaction from scratch

    def attach(self, trytes: str, mwm: int, prefix_state: bytes | None = None) -> tuple[str, str]:
        with self._lock:
            done = self._take(self._lib.ccurl_pow(trytes.encode("ascii"), mwm), TRANSACTION_TRYTES)
        return done, self.digest(done)


class _Extension:
    """Our ``_curl81`` extension."""

    def __init__(self) -> None:
        self._c = importlib.import_module("actorgrid.ledger._curl81")

    def digest(self, trytes: str) -> str:
        return str(self._c.digest(trytes).decode("ascii"))

    def digest_many(self, many: Sequence[str]) -> list[str]:
        return list(self._c.digest_many(list(many)))

    def prefix_states(self, prefixes: Sequence[str]) -> list[bytes | None]:
        return list(self._c.midstates(list(prefixes)))

    def attach(self, trytes: str, mwm: int, prefix_state: bytes | None = None) -> tuple[str, str]:
        if prefix_state is None:
            done, tx_hash = self._c.attach(trytes, mwm)
        else:
            done, tx_hash = self._c.attach(trytes, mwm, prefix_state)
        return done.decode("ascii"), tx_hash.decode("ascii")


def _load() -> tuple[_Extension | _LibCcurl, str]:
    if os.environ.get("ACTORGRID_POW", "") != "libccurl":
        try:
            return _Extension(), "c"
        except ImportError:
            pass
    return _LibCcurl(), "libccurl"


_impl, BACKEND = _load()


def use_backend(name: str) -> None:
    """Switch to the ``"c"`` or ``"libccurl"`` backend (tests, benchmarks)."""
    global _impl, BACKEND
    factories: dict[str, Callable[[], _Extension | _LibCcurl]] = {
        "c": _Extension,
        "libccurl": _LibCcurl,
    }
    if name not in factories:
        raise ValueError(f"unknown proof-of-work backend {name!r}")
    _impl, BACKEND = factories[name](), name


def transaction_hash(trytes: str) -> str:
    """Curl-P81 hash (81 trytes) of a 2673-tryte transaction; the caller checks the alphabet."""
    if len(trytes) != TRANSACTION_TRYTES:
        raise ValueError("transaction must be 2673 trytes")
    return _impl.digest(trytes)


def transaction_hashes(many: Sequence[str]) -> list[str]:
    """:func:`transaction_hash` of each transaction, computed together (64 at a time on the
    bit-sliced transform with the C backend: a 4-transaction bundle costs ~1.3x one hash)."""
    if any(len(t) != TRANSACTION_TRYTES for t in many):
        raise ValueError("transaction must be 2673 trytes")
    return _impl.digest_many(many)


def attach_transaction(trytes: str, mwm: int, prefix_state: bytes | None = None) -> tuple[str, str]:
    """Find a nonce so that the transaction hash ends in ``mwm`` zero trits.

    Returns the transaction with its nonce (last 27 trytes) set and its hash. Raises
    ``ValueError`` for malformed trytes or an MWM outside 0..81 (no search is started).
    ``prefix_state``: the sponge after the transaction's first 2430 trytes, from
    :func:`prefix_states` (must match them: the search starts from it).
    """
    if not is_trytes(trytes, TRANSACTION_TRYTES):
        raise ValueError("transaction must be 2673 trytes")
    if not 0 <= mwm <= MAX_MWM:
        raise ValueError(f"mwm must be in 0..{MAX_MWM}")
    return _impl.attach(trytes, mwm, prefix_state)


def prefix_states(transactions: Sequence[str]) -> list[bytes | None]:
    """Sponge states after the first 2430 trytes of each transaction (everything before the
    trunk, which attachment never changes), computed together; ``None`` entries where the
    backend has no use for them (libccurl)."""
    return _impl.prefix_states([t[: Layout.TRUNK.start] for t in transactions])


def pow_bundle(ordered: Sequence[str], trunk: str, branch: str, mwm: int) -> tuple[list[str], str]:
    """Attach a whole bundle (transactions in index order): chain and proof-of-work.

    The head (last index) approves ``trunk`` and ``branch``; every other transaction approves
    the next one (trunk) and ``trunk`` (branch), as IRI's attachToTangle does. Only the
    attachment fields change, so a reattachment leaves the signed part untouched. Returns the
    attached trytes in index order and the tail hash. Every hash is checked against ``mwm``; a
    miss (libccurl's wrong nonces) is retried with a new attachment timestamp, since libccurl
    returns the same wrong nonce again for the same input.
    """
    out: list[str] = [""] * len(ordered)
    previous: str | None = None
    # checked once here: every attempt below is made of these and of trytes made by us
    if not all(is_trytes(t, TRANSACTION_TRYTES) for t in ordered):
        raise ValueError("transaction must be 2673 trytes")
    if not (is_trytes(trunk, HASH_TRYTES) and is_trytes(branch, HASH_TRYTES)):
        raise ValueError("trunk and branch must be 81 trytes")
    if not 0 <= mwm <= MAX_MWM:
        raise ValueError(f"mwm must be in 0..{MAX_MWM}")
    prefixes = prefix_states(ordered)
    for i in range(len(ordered) - 1, -1, -1):  # head first
        links = trunk + branch if previous is None else previous + trunk
        head = ordered[i][: Layout.TRUNK.start] + links + ordered[i][Layout.TAG]
        for attempt in range(_POW_ATTEMPTS):
            stamp = int_to_trytes(int(time.time() * 1000) + attempt, 9)
            done, tx_hash = _impl.attach(
                head + stamp + "9" * 9 + _UPPER_BOUND + "9" * 27, mwm, prefixes[i]
            )
            if has_trailing_zero_trits(tx_hash, mwm):
                break
        else:
            raise PowError(f"proof-of-work failed {_POW_ATTEMPTS} times at MWM {mwm}")
        out[i], previous = done, tx_hash
    assert previous is not None, "empty bundle"
    return out, previous
