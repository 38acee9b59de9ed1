"""Integer pro-rata allocation (largest remainder), used wherever Wh are rationed."""

from __future__ import annotations

from collections.abc import Sequence

from actorgrid.market.units import MarketError

__all__ = ["allocate"]


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` into whole parts proportional to ``weights`` (Hamilton's method).

    The parts sum to ``total`` exactly and no part exceeds its weight. Leftover units go
    to the largest fractional remainders; ties go to the earlier position, so the result
    is deterministic for a deterministic order of ``weights``.
    """
    weight_sum = sum(weights)
    if total < 0 or any(w < 0 for w in weights) or total > weight_sum:
        raise MarketError(f"allocate: cannot split {total} over weights summing to {weight_sum}")
    if total == 0:
        return [0] * len(weights)
    parts = [total * w // weight_sum for w in weights]
    leftover = total - sum(parts)
    by_remainder = sorted(
        range(len(weights)), key=lambda i: (-((total * weights[i]) % weight_sum), i)
    )
    for i in by_remainder[:leftover]:
        parts[i] += 1
    return parts
