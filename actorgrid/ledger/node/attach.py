"""attachToTangle: chain a bundle onto trunk/branch and do the proof-of-work (libccurl)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Final

from actorgrid.ledger.node._ccurl import PowError, attach_transaction, transaction_hash
from actorgrid.ledger.node.errors import BadRequest
from actorgrid.ledger.trytes import (
    HASH_TRYTES,
    TRANSACTION_TRYTES,
    Layout,
    has_trailing_zero_trits,
    int_to_trytes,
    is_trytes,
    trytes_to_int,
)

__all__ = ["MAX_ATTACH", "attach_bundle"]

MAX_ATTACH: Final = 1000
_UPPER_BOUND: Final = int_to_trytes((3**27 - 1) // 2, 9)


def attach_bundle(trytes: Sequence[object], trunk: object, branch: object, mwm: int) -> list[str]:
    """IRI ``attachToTangle``: the head approves trunk and branch, every other transaction
    approves the next one (trunk) and ``trunk`` (branch); attachment timestamps set, PoW
    done. Takes one whole bundle in any order; returns the trytes in the same order.

    Raises :class:`BadRequest` for malformed input. PoW runs in C without the GIL.
    """
    if not is_trytes(trunk, HASH_TRYTES) or not is_trytes(branch, HASH_TRYTES):
        raise BadRequest("Invalid trunkTransaction / branchTransaction input")
    assert isinstance(trunk, str) and isinstance(branch, str)
    if not 0 < len(trytes) <= MAX_ATTACH:
        raise BadRequest(f"Invalid params: attach 1..{MAX_ATTACH} transactions")
    raw: list[str] = []
    for t in trytes:
        if not is_trytes(t, TRANSACTION_TRYTES):
            raise BadRequest("Invalid trytes input")
        assert isinstance(t, str)
        raw.append(t)
    indexes = [trytes_to_int(t[Layout.CURRENT_INDEX]) for t in raw]
    lasts = {trytes_to_int(t[Layout.LAST_INDEX]) for t in raw}
    if sorted(indexes) != list(range(len(raw))) or lasts != {len(raw) - 1}:
        raise BadRequest("Invalid trytes input: attachToTangle takes one whole bundle")
    out: list[str] = [""] * len(raw)
    previous: str | None = None
    for i in sorted(range(len(raw)), key=lambda i: -indexes[i]):  # head first
        links = trunk + branch if previous is None else previous + trunk
        out[i], previous = _pow(raw[i][: Layout.TRUNK.start] + links + raw[i][Layout.TAG], mwm)
    return out


def _pow(head: str, mwm: int) -> tuple[str, str]:
    """PoW one transaction given its trytes up to the tag (attachment fields are ours).

    libccurl's search sometimes returns a wrong nonce (a few % at MWM 9), and does so
    again for the same input, so each retry uses a new attachment timestamp.
    """
    for attempt in range(8):
        stamp = int_to_trytes(int(time.time() * 1000) + attempt, 9)
        done = attach_transaction(head + stamp + "9" * 9 + _UPPER_BOUND + "9" * 27, mwm)
        tx_hash = transaction_hash(done)
        if has_trailing_zero_trits(tx_hash, mwm):
            return done, tx_hash
    raise PowError(f"proof-of-work failed 8 times at MWM {mwm}")
