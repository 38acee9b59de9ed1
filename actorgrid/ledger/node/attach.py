"""attachToTangle: chain a bundle onto trunk/branch and do the proof-of-work."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from actorgrid.ledger.curlp81 import pow_bundle
from actorgrid.ledger.node.errors import BadRequest
from actorgrid.ledger.trytes import (
    HASH_TRYTES,
    TRANSACTION_TRYTES,
    Layout,
    is_trytes,
    trytes_to_int,
)

__all__ = ["MAX_ATTACH", "attach_bundle"]

MAX_ATTACH: Final = 1000


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
    order = sorted(range(len(raw)), key=indexes.__getitem__)
    attached, _tail = pow_bundle([raw[i] for i in order], trunk, branch, mwm)
    out: list[str] = [""] * len(raw)
    for position, i in enumerate(order):
        out[i] = attached[position]
    return out
