"""Curl-P81 transaction hashing and proof-of-work through libccurl (ships with pyota-pow).

We call the C library directly instead of ``pow.ccurl_interface`` because that module
configures the root logger at import (``logging.basicConfig``), round-trips every
transaction through PyOTA objects, and never frees the C strings it receives. ctypes
releases the GIL for the duration of each call, so PoW does not stall other threads.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time
from collections.abc import Sequence
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

__all__ = ["PowError", "attach_transaction", "pow_bundle", "transaction_hash"]

_UPPER_BOUND: Final = int_to_trytes((3**27 - 1) // 2, 9)
_POW_ATTEMPTS: Final = 8


class PowError(RuntimeError):
    """libccurl did not produce a transaction meeting the requested weight."""


def _load() -> ctypes.CDLL:
    spec = find_spec("pow")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("pyota-pow (module 'pow') is required for the tangle node")
    lib = ctypes.CDLL(str(Path(next(iter(spec.submodule_search_locations))) / "libccurl.so"))
    lib.ccurl_pow.restype = ctypes.c_void_p
    lib.ccurl_pow.argtypes = [ctypes.c_char_p, ctypes.c_int]
    lib.ccurl_digest_transaction.restype = ctypes.c_void_p
    lib.ccurl_digest_transaction.argtypes = [ctypes.c_char_p]
    return lib


_LIB: Final = _load()
_LIBC: Final = ctypes.CDLL(ctypes.util.find_library("c"))
_LIBC.free.argtypes = [ctypes.c_void_p]
_LIBC.free.restype = None
# libccurl's PoW keeps its search state in a global; one search at a time.
_POW_LOCK: Final = threading.Lock()


def _take(pointer: int | None, length: int) -> str:
    """Copy ``length`` chars out of a malloc'd C string and free it."""
    if not pointer:
        raise PowError("libccurl returned NULL")
    try:
        return ctypes.string_at(pointer, length).decode("ascii")
    finally:
        _LIBC.free(pointer)


def transaction_hash(trytes: str) -> str:
    """Curl-P81 hash (81 trytes) of a 2673-tryte transaction; caller checks the alphabet."""
    if len(trytes) != TRANSACTION_TRYTES:
        raise ValueError("transaction must be 2673 trytes")
    return _take(_LIB.ccurl_digest_transaction(trytes.encode("ascii")), HASH_TRYTES)


def attach_transaction(trytes: str, mwm: int) -> str:
    """Find a nonce so that the transaction hash ends in ``mwm`` zero trits."""
    if not is_trytes(trytes, TRANSACTION_TRYTES):
        raise ValueError("transaction must be 2673 trytes")
    with _POW_LOCK:
        return _take(_LIB.ccurl_pow(trytes.encode("ascii"), mwm), TRANSACTION_TRYTES)


def pow_bundle(ordered: Sequence[str], trunk: str, branch: str, mwm: int) -> tuple[list[str], str]:
    """Attach a whole bundle (transactions in index order): chain and proof-of-work.

    The head (last index) approves ``trunk`` and ``branch``; every other transaction approves
    the next one (trunk) and ``trunk`` (branch), as IRI's attachToTangle does. Only the
    attachment fields change, so a reattachment leaves the signed part untouched. Returns the
    attached trytes in index order and the tail hash. libccurl's search sometimes returns a
    wrong nonce (a few % at MWM 9), and does so again for the same input, so each retry uses a
    new attachment timestamp.
    """
    out: list[str] = [""] * len(ordered)
    previous: str | None = None
    for i in range(len(ordered) - 1, -1, -1):  # head first
        links = trunk + branch if previous is None else previous + trunk
        head = ordered[i][: Layout.TRUNK.start] + links + ordered[i][Layout.TAG]
        for attempt in range(_POW_ATTEMPTS):
            stamp = int_to_trytes(int(time.time() * 1000) + attempt, 9)
            done = attach_transaction(head + stamp + "9" * 9 + _UPPER_BOUND + "9" * 27, mwm)
            tx_hash = transaction_hash(done)
            if has_trailing_zero_trits(tx_hash, mwm):
                break
        else:
            raise PowError(f"proof-of-work failed {_POW_ATTEMPTS} times at MWM {mwm}")
        out[i], previous = done, tx_hash
    assert previous is not None, "empty bundle"
    return out, previous
