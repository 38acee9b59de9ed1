"""Pascal integer encoding (mam-v0.md §7), in the reference's canonical form."""

from __future__ import annotations

import numpy as np

from ._trinary import Trits, int_to_trits, trits_value
from .errors import MamMalformedError

_ZERO = np.array([1, 0, 0, -1], dtype=np.int8)


def pascal_encode(value: int) -> Trits:
    """Encode ``value >= 0``; zero groups below the top group get their flag set."""
    if value < 0:
        raise ValueError("pascal values are non-negative")
    if value == 0:
        return _ZERO.copy()
    n = 1
    while value > (3**n - 1) // 2:
        n += 1
    groups = -(-n // 3)
    trits = int_to_trits(value, 3 * groups)
    flags = 0
    for k in range(groups):
        group = trits[3 * k : 3 * k + 3]
        group_value = int(group[0]) + 3 * int(group[1]) + 9 * int(group[2])
        last = k == groups - 1
        if (not last and group_value >= 0) or (last and group_value < 0):
            group *= -1
            flags |= 1 << k
    return np.concatenate([trits, int_to_trits(flags, groups)])


def pascal_decode(trits: Trits, start: int = 0) -> tuple[int, int]:
    """Decode the value at ``start``; returns ``(value, trits consumed)``.

    Accepts the original client's form too (zero groups without their flag).
    """
    head = trits[start : start + 4]
    if len(head) == 4 and (head == _ZERO).all():
        return 0, 4
    groups = 0
    while True:
        group = trits[start + 3 * groups : start + 3 * groups + 3]
        if len(group) < 3:
            raise MamMalformedError("truncated pascal-encoded integer")
        groups += 1
        if int(group[0]) + 3 * int(group[1]) + 9 * int(group[2]) > 0:
            break
    flag_trits = trits[start + 3 * groups : start + 4 * groups]
    if len(flag_trits) < groups:
        raise MamMalformedError("truncated pascal-encoded integer")
    flags = trits_value(flag_trits)
    value = 0
    for k in range(groups):
        group = trits[start + 3 * k : start + 3 * k + 3]
        group_value = int(group[0]) + 3 * int(group[1]) + 9 * int(group[2])
        if flags >> k & 1:
            group_value = -group_value
        value += group_value * 27**k
    if value < 0:
        raise MamMalformedError("negative pascal-encoded integer")
    return value, 4 * groups
