"""Deterministic ids: the same (grid, party, slot) always names the same document.

Because ids are derived, not drawn, a redelivered or re-issued invoice, payout or payment
carries the id of the original, and every book that keys on it is idempotent.
"""

from __future__ import annotations

from hashlib import blake2b

__all__ = ["invoice_id", "payment_key", "payout_id"]


def invoice_id(grid_id: str, consumer_id: str, slot: int) -> str:
    """Id of the invoice from ``grid_id`` to ``consumer_id`` for ``slot`` (28 chars)."""
    return "inv-" + _digest("invoice", grid_id, consumer_id, str(slot))


def payout_id(grid_id: str, producer_id: str, slot: int) -> str:
    """Id of the payout from ``grid_id`` to ``producer_id`` for ``slot`` (28 chars)."""
    return "pay-" + _digest("payout", grid_id, producer_id, str(slot))


def payment_key(consumer_id: str, paid_before: int, amount_i: int) -> str:
    """Idempotency key of a consumer's payment: its total paid before it, and its amount.

    A consumer that restarts and plans the same payment again from the same books gets
    the same key, so the ledger journal executes it once.
    """
    return "cpay-" + _digest("payment", consumer_id, str(paid_before), str(amount_i))


def _digest(*parts: str) -> str:
    joined = "\x00".join(parts).encode()
    return blake2b(joined, digest_size=12).hexdigest()
