"""Channel state and the encoder: ``create_channel``, ``channel_root``, ``create_message``.

Follows ``@iota/mam.js`` 1.6.3 ``mam/channel`` exactly, including its state-advance quirk
(mam-v0.md §4, §13.3), so payloads are byte-identical to the reference's.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, get_args

import numpy as np

from . import curl, merkle, signing
from ._trinary import ALPHABET, HASH_TRYTES, Trits, is_trytes, trits_to_trytes, trytes_to_trits
from .errors import MamMalformedError
from .pascal import pascal_encode

Mode = Literal["public", "private", "restricted"]
MODES: tuple[Mode, ...] = get_args(Mode)
NULL_KEY = "9" * HASH_TRYTES


@dataclass(slots=True)
class ChannelState:
    """Mutable MAM channel state (the reference's ``IMamChannelState``).

    ``start`` is the key index of the current tree's first leaf, ``count`` / ``next_count``
    the leaves of the current / next tree, ``index`` the leaf position inside the current
    tree; ``side_key`` is stored padded to 81 trytes (restricted mode only). Neither the
    seed nor the side key appears in ``repr``.
    """

    seed: str = field(repr=False)
    mode: Mode
    side_key: str | None = field(repr=False)
    security: int
    start: int = 0
    count: int = 1
    next_count: int = 1
    index: int = 0
    next_root: str | None = None


@dataclass(frozen=True, slots=True)
class MamMessage:
    """One created message: publish ``payload`` at ``address``."""

    payload: str
    root: str
    address: str
    next_root: str


def random_trytes(length: int = HASH_TRYTES) -> str:
    """Cryptographically random trytes (for seeds and side keys)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def pad_side_key(side_key: str) -> str:
    """Validate a 1–81 tryte side key and right-pad it with ``9`` to 81 trytes."""
    if not is_trytes(side_key) or not 1 <= len(side_key) <= HASH_TRYTES:
        raise MamMalformedError("side key must be 1-81 trytes of 9A-Z")
    return side_key.ljust(HASH_TRYTES, "9")


def create_channel(
    seed: str, security: int = 2, mode: Mode = "restricted", side_key: str | None = None
) -> ChannelState:
    """A fresh channel (start 0, one leaf per tree) as the reference's ``createChannel``.

    A restricted channel without ``side_key`` gets a random one; public and private
    channels must not have one.
    """
    if mode == "restricted" and side_key is None:
        side_key = random_trytes()
    state = ChannelState(
        seed=seed,
        mode=mode,
        side_key=pad_side_key(side_key) if side_key is not None else None,
        security=security,
    )
    validate_state(state)
    return state


def validate_state(state: ChannelState) -> None:
    """Raise ``MamMalformedError`` unless ``state`` is usable by ``create_message``."""
    if not is_trytes(state.seed) or len(state.seed) != HASH_TRYTES:
        raise MamMalformedError("seed must be 81 trytes of 9A-Z")
    if state.mode not in MODES:
        raise MamMalformedError(f"mode must be one of {MODES}")
    if (state.mode == "restricted") != (state.side_key is not None):
        raise MamMalformedError("a side key is required for restricted mode and only there")
    if state.side_key is not None and (
        not is_trytes(state.side_key) or len(state.side_key) != HASH_TRYTES
    ):
        raise MamMalformedError("stored side key must be 81 trytes")
    if state.security not in (1, 2, 3):
        raise MamMalformedError("security must be 1, 2 or 3")
    if state.start < 0 or state.count < 1 or state.next_count < 1:
        raise MamMalformedError("start must be >= 0, count and next_count >= 1")
    if not 0 <= state.index < state.count:
        raise MamMalformedError("index must be in 0..count-1")


def channel_root(state: ChannelState) -> str:
    """Root of the channel's current tree (its first message's root)."""
    validate_state(state)
    return trits_to_trytes(_tree_root(state.seed, state.start, state.count, state.security))


def message_address(root: str, mode: Mode) -> str:
    """Where a message with this root is stored: the root (public) or H81(root)."""
    if not is_trytes(root) or len(root) != HASH_TRYTES:
        raise MamMalformedError("root must be 81 trytes")
    if mode not in MODES:
        raise MamMalformedError(f"mode must be one of {MODES}")
    return root if mode == "public" else mask_hash(root)


def mask_hash(root: str) -> str:
    """Curl-P81 hash of a root (the reference's ``maskHash``)."""
    if not is_trytes(root) or len(root) != HASH_TRYTES:
        raise MamMalformedError("root must be 81 trytes")
    return trits_to_trytes(curl.hash_trits(trytes_to_trits(root), rounds=curl.ROUNDS_81))


def create_message(state: ChannelState, message: str) -> MamMessage:
    """Encode, sign and mask ``message`` (trytes) and advance ``state`` like the reference.

    Raises ``MamMalformedError`` (leaving ``state`` untouched) for bad input.
    """
    validate_state(state)
    if not is_trytes(message) or not message:
        raise MamMalformedError("message must be a non-empty tryte string")
    seed = trytes_to_trits(state.seed)
    levels = _tree_levels(state.seed, state.start, state.count, state.security)
    root = levels[-1][0]
    next_root = _tree_root(state.seed, state.start + state.count, state.next_count, state.security)
    private = signing.private_key(seed, state.start + state.index, state.security)
    path = merkle.siblings(levels, state.index)

    header = np.concatenate([pascal_encode(state.index), pascal_encode(3 * len(message))])
    sponge = curl.Sponge()
    sponge.absorb(trytes_to_trits(state.side_key or NULL_KEY))
    sponge.absorb(root)
    sponge.absorb(header)
    masked_body = mask(sponge, np.concatenate([next_root, trytes_to_trits(message)]))
    nonce = curl.nonce_search(sponge.state, state.security)
    masked_nonce = mask(sponge, nonce)
    hmac = sponge.rate()
    signature = signing.sign(private, hmac)
    tail = np.concatenate([signature, pascal_encode(len(path)), *path])
    masked_tail = mask(sponge, tail)
    payload = np.concatenate([header, masked_body, masked_nonce, masked_tail])
    payload = np.concatenate([payload, np.zeros(-len(payload) % 3, dtype=np.int8)])

    root_trytes = trits_to_trytes(root)
    next_root_trytes = trits_to_trytes(next_root)
    state.start, state.index = advanced(state)
    state.next_root = next_root_trytes
    return MamMessage(
        payload=trits_to_trytes(payload),
        root=root_trytes,
        address=message_address(root_trytes, state.mode),
        next_root=next_root_trytes,
    )


def advanced(state: ChannelState) -> tuple[int, int]:
    """``(start, index)`` after one message, as the reference advances them."""
    if state.index == state.count - 1:
        return state.start + state.next_count, 0  # sic: the reference's quirk (§13.3)
    return state.start, state.index + 1


def mask(sponge: curl.Sponge, plain: Trits) -> Trits:
    """Encrypt ``plain`` with the sponge (mam-v0.md §8)."""
    return sponge.mask(plain)


def unmask(sponge: curl.Sponge, cipher: Trits) -> Trits:
    """Decrypt ``cipher`` with the sponge (inverse of ``mask``)."""
    return sponge.unmask(cipher)


def _tree_levels(seed: str, start: int, count: int, security: int) -> list[list[Trits]]:
    leaves = [
        np.frombuffer(_leaf_address(seed, start + i, security), dtype=np.int8) for i in range(count)
    ]
    return merkle.tree_levels(leaves)


def _tree_root(seed: str, start: int, count: int, security: int) -> Trits:
    return _tree_levels(seed, start, count, security)[-1][0]


def clear_leaf_cache() -> None:
    """Forget cached leaf addresses (benchmarks; the cache never changes results)."""
    _leaf_address.cache_clear()


@lru_cache(maxsize=512)
def _leaf_address(seed: str, key_index: int, security: int) -> bytes:
    # Cached: with one leaf per tree, message n's root is message n-1's next root.
    address = signing.leaf_address(trytes_to_trits(seed), key_index, security)
    return bytes(address.tobytes())
