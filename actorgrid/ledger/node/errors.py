"""Typed errors of the tangle node; each maps to an IRI-style ``{"error": ...}`` (HTTP 400)."""

from __future__ import annotations

__all__ = [
    "BadRequest",
    "GenesisError",
    "InsufficientBalance",
    "InvalidBundle",
    "InvalidTransaction",
    "NodeError",
    "NotSolid",
]


class NodeError(ValueError):
    """Bad input to the node. The request changed no state."""


class BadRequest(NodeError):
    """Malformed request: unknown command, missing or ill-typed parameter."""


class InvalidTransaction(NodeError):
    """A transaction's trytes, fields or proof-of-work are invalid."""


class InvalidBundle(NodeError):
    """A bundle is incomplete, mis-indexed, mis-hashed, unbalanced or wrongly signed."""


class InsufficientBalance(NodeError):
    """A bundle spends more than an input address's confirmed balance."""


class NotSolid(NodeError):
    """A transaction approves a transaction the node does not know."""


class GenesisError(NodeError):
    """A genesis snapshot is malformed or does not match the stored tangle."""
