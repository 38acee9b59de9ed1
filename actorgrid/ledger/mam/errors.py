"""Typed MAM errors; every decoder failure is one of these."""

from __future__ import annotations


class MamError(Exception):
    """Base class of every MAM error."""


class MamMalformedError(MamError, ValueError):
    """Input that is not a well-formed MAM value (bad trytes, truncated payload, ...)."""


class MamHammingWeightError(MamError):
    """The message hash has no valid security level: wrong key, root or a corrupted nonce."""


class MamSignatureError(MamError):
    """The signature and Merkle path do not lead to the expected root."""


class MamPayloadError(MamMalformedError):
    """A decoded message is not the JSON command object the channel helpers expect."""
