"""The decoder: ``parse_message`` (the reference's ``mam/parser › parseMessage``)."""

from __future__ import annotations

from dataclasses import dataclass

from . import curl, merkle, signing
from ._trinary import HASH_TRITS, HASH_TRYTES, is_trytes, trits_to_trytes, trytes_to_trits
from .channel import NULL_KEY, pad_side_key, unmask
from .errors import (
    MamHammingWeightError,
    MamMalformedError,
    MamSignatureError,
)
from .pascal import pascal_decode

NONCE_TRITS = 81
SIGNATURE_TRITS_PER_LEVEL = 27 * HASH_TRITS


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    """A verified message: its trytes and the root of the channel's next message."""

    message: str
    next_root: str
    security: int = 0
    index: int = 0


def parse_message(payload: str, root: str, side_key: str | None = None) -> ParsedMessage:
    """Decrypt and verify ``payload`` against ``root``.

    Raises ``MamMalformedError`` for input that is not a MAM payload,
    ``MamHammingWeightError`` when the hash has no valid security level (wrong key or
    root, corrupted data) and ``MamSignatureError`` when the signature does not lead to
    ``root``. Anything after the sibling list is ignored.
    """
    if not is_trytes(payload):
        raise MamMalformedError("payload must be a tryte string")
    if not is_trytes(root) or len(root) != HASH_TRYTES:
        raise MamMalformedError("root must be 81 trytes")
    key = pad_side_key(side_key) if side_key else NULL_KEY
    trits = trytes_to_trits(payload)
    index, index_len = pascal_decode(trits, 0)
    length, length_len = pascal_decode(trits, index_len)
    header_len = index_len + length_len
    body_end = header_len + HASH_TRITS + length + NONCE_TRITS
    if body_end > len(trits):
        raise MamMalformedError("payload shorter than its header announces")

    sponge = curl.Sponge()
    sponge.absorb(trytes_to_trits(key))
    sponge.absorb(trytes_to_trits(root))
    sponge.absorb(trits[:header_len])
    next_root = unmask(sponge, trits[header_len : header_len + HASH_TRITS])
    message = unmask(sponge, trits[header_len + HASH_TRITS : body_end - NONCE_TRITS])
    unmask(sponge, trits[body_end - NONCE_TRITS : body_end])
    hmac = sponge.rate()
    security = curl.hash_security(hmac)
    if security == 0:
        raise MamHammingWeightError(
            "message hash did not have a hamming weight of zero: wrong root or side key, "
            "or corrupted payload"
        )

    rest = unmask(sponge, trits[body_end:])
    sig_len = SIGNATURE_TRITS_PER_LEVEL * security
    # Past a valid-looking hmac, a payload too short for the signature, or with an
    # unreadable sibling list, does not verify: a signature failure, as in the reference
    # (a wrong key passes the hash check by chance ~12 % of the time and lands here).
    if len(rest) < sig_len:
        raise MamSignatureError(
            f"signature did not match: payload too short for a security-{security} signature"
        )
    try:
        count, count_len = pascal_decode(rest, sig_len)
    except MamMalformedError as exc:
        raise MamSignatureError(
            f"signature did not match: unreadable sibling count ({exc})"
        ) from exc
    siblings_start = sig_len + count_len
    if siblings_start + count * HASH_TRITS > len(rest):
        raise MamSignatureError("signature did not match: sibling list runs past the payload")
    path = [
        rest[siblings_start + i * HASH_TRITS : siblings_start + (i + 1) * HASH_TRITS]
        for i in range(count)
    ]
    leaf = signing.address_from_signature(rest[:sig_len], hmac)
    recomputed = merkle.root_from_path(leaf, path, index)
    if trits_to_trytes(recomputed) != root:
        raise MamSignatureError("signature did not match the expected root")
    if length % 3:
        raise MamMalformedError("message length is not a whole number of trytes")
    return ParsedMessage(
        message=trits_to_trytes(message),
        next_root=trits_to_trytes(next_root),
        security=security,
        index=index,
    )
