"""One-time Curl-P27 signing keys of one Merkle leaf (mam-v0.md §3, §10).

PyOTA's signing helpers are Kerl-based and sign normalised hashes, so MAM needs its own.
The 27·s hash chains of a key run together through ``curl.chains``.
"""

from __future__ import annotations

import numpy as np

from . import curl
from ._trinary import HASH_TRITS, Trits, add_int, tryte_values

FRAGMENTS_PER_LEVEL = 27
CHAIN_LENGTH = 27  # H applications from raw fragment to public fragment


def subseed(seed: Trits, key_index: int) -> Trits:
    """``H(seed + key_index)``."""
    return curl.hash_trits(add_int(seed, key_index))


def _raw_fragments(seed: Trits, key_index: int, security: int) -> Trits:
    sponge = curl.Sponge()
    sponge.absorb(subseed(seed, key_index))
    return sponge.squeeze_many(FRAGMENTS_PER_LEVEL * security)


def private_key(seed: Trits, key_index: int, security: int) -> Trits:
    """The 27·s private fragments ``H(raw_j)``, shape (27·s, 243)."""
    raw = _raw_fragments(seed, key_index, security)
    return curl.chains(raw, np.ones(len(raw), dtype=np.uint8))


def leaf_address(seed: Trits, key_index: int, security: int) -> Trits:
    """Leaf address ``H(H(pub_0 ‖ … ‖ pub_{27s-1}))`` of key ``key_index``."""
    raw = _raw_fragments(seed, key_index, security)
    public = curl.chains(raw, np.full(len(raw), CHAIN_LENGTH, dtype=np.uint8))
    return _address_from_public(public)


def sign(private: Trits, hmac: Trits) -> Trits:
    """Signature of the raw ``hmac``: fragment j hashed ``13 - v_j`` times, flattened."""
    values = tryte_values(hmac)[: len(private)]
    return curl.chains(private, (13 - values).astype(np.uint8)).reshape(-1)


def address_from_signature(signature: Trits, hmac: Trits) -> Trits:
    """Leaf address implied by ``signature`` over ``hmac`` (verification, §10)."""
    fragments = signature.reshape(-1, HASH_TRITS)
    values = tryte_values(hmac)[: len(fragments)]
    public = curl.chains(fragments, (13 + values).astype(np.uint8))
    return _address_from_public(public)


def _address_from_public(public: Trits) -> Trits:
    digest = curl.hash_trits(public.reshape(-1))
    return curl.hash_trits(digest)
