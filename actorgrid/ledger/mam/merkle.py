"""Merkle tree of leaf addresses, siblings and root recomputation (mam-v0.md §4).

Keeps the reference's quirk: an unpaired node is promoted unchanged, and appears as its
own sibling in the authentication path.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import curl
from ._trinary import Trits


def tree_levels(leaves: Sequence[Trits]) -> list[list[Trits]]:
    """All levels of the tree, leaves first, root level last."""
    if not leaves:
        raise ValueError("a Merkle tree needs at least one leaf")
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        level = levels[-1]
        nxt = [
            curl.hash_trits(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
            for i in range(0, len(level), 2)
        ]
        levels.append(nxt)
    return levels


def siblings(levels: Sequence[Sequence[Trits]], position: int) -> list[Trits]:
    """Authentication path of leaf ``position``, leaf level first (reference quirk kept)."""
    path = []
    i = position
    for level in levels[:-1]:
        pair = i ^ 1
        path.append(level[pair] if pair < len(level) else level[i])
        i //= 2
    return path


def root_from_path(leaf: Trits, path: Sequence[Trits], position: int) -> Trits:
    """Root implied by ``leaf`` at in-tree ``position`` and its sibling ``path``."""
    node = leaf
    for level, sibling in enumerate(path):
        if position >> level & 1:
            node = curl.hash_trits(sibling, node)
        else:
            node = curl.hash_trits(node, sibling)
    return node
