"""Parse and check one 2673-tryte transaction: layout, field ranges, Curl-P81 hash, PoW."""

from __future__ import annotations

from dataclasses import dataclass

from actorgrid.ledger.curlp81 import transaction_hash
from actorgrid.ledger.node.errors import InvalidTransaction
from actorgrid.ledger.trytes import (
    MAX_SUPPLY,
    TRANSACTION_TRYTES,
    Layout,
    has_trailing_zero_trits,
    is_trytes,
    trytes_to_int,
)

__all__ = ["Transaction", "parse_transaction"]

# A value transaction's address must be a Kerl address: its last trit is zero,
# i.e. its last tryte is one of these (values -4..4).
_KERL_LAST_TRYTES = frozenset("9ABCDWXYZ")


@dataclass(frozen=True, slots=True)
class Transaction:
    """The fields of a stored or incoming transaction the node works with."""

    hash: str
    trytes: str
    address: str
    value: int
    current_index: int
    last_index: int
    bundle: str
    trunk: str
    branch: str
    tag: str
    attachment_timestamp: int

    @property
    def signature(self) -> str:
        """The signature / message fragment (2187 trytes)."""
        return self.trytes[Layout.SIGNATURE]

    @property
    def essence_rest(self) -> str:
        """Value .. last index trytes: with the address, what the bundle hash covers."""
        return self.trytes[Layout.ESSENCE_REST]


def parse_transaction(trytes: object, mwm: int, tx_hash: str | None = None) -> Transaction:
    """Parse ``trytes`` and check layout, value range and PoW (``mwm`` trailing zero trits).

    ``tx_hash``: the transaction's Curl-P81 hash when the caller has already computed it
    (:func:`~actorgrid.ledger.curlp81.transaction_hashes` does many at once); computed here
    otherwise. Raises :class:`InvalidTransaction` on any defect.
    """
    if not isinstance(trytes, str) or len(trytes) != TRANSACTION_TRYTES:
        raise InvalidTransaction("Invalid trytes: a transaction is 2673 trytes")
    if not is_trytes(trytes):
        raise InvalidTransaction("Invalid trytes: characters outside 9A-Z")
    value_trytes = trytes[Layout.VALUE]
    if value_trytes[11:] != "9" * 16:
        raise InvalidTransaction("Invalid transaction value: beyond 33 trits")
    value = trytes_to_int(value_trytes[:11])
    if abs(value) > MAX_SUPPLY:
        raise InvalidTransaction("Invalid transaction value: exceeds the supply")
    address = trytes[Layout.ADDRESS]
    if value != 0 and address[-1] not in _KERL_LAST_TRYTES:
        raise InvalidTransaction("Invalid address: a value transaction needs last trit 0")
    current_index = trytes_to_int(trytes[Layout.CURRENT_INDEX])
    last_index = trytes_to_int(trytes[Layout.LAST_INDEX])
    if not 0 <= current_index <= last_index:
        raise InvalidTransaction("Invalid transaction index")
    if tx_hash is None:
        tx_hash = transaction_hash(trytes)
    if not has_trailing_zero_trits(tx_hash, mwm):
        raise InvalidTransaction(f"Invalid transaction hash: proof-of-work below MWM {mwm}")
    return Transaction(
        hash=tx_hash,
        trytes=trytes,
        address=address,
        value=value,
        current_index=current_index,
        last_index=last_index,
        bundle=trytes[Layout.BUNDLE],
        trunk=trytes[Layout.TRUNK],
        branch=trytes[Layout.BRANCH],
        tag=trytes[Layout.TAG],
        attachment_timestamp=trytes_to_int(trytes[Layout.ATTACHMENT_TIMESTAMP]),
    )
