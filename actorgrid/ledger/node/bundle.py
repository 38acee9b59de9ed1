"""Assemble transactions into bundles and validate each bundle on its own (no ledger state).

What PyOTA's ``BundleValidator`` checks: indexes, last index, one bundle hash field,
value sum, and signatures of address groups whose *first* transaction is an input.
What it does not, and we do here: the bundle hash recomputed from the essence (Kerl),
trunk chaining inside the bundle, every negative-value transaction being a signed input
(PyOTA skips a group that starts with a non-negative transaction of the same address,
so ``[A:0, A:-100]`` would pass unsigned), at most 3 signature fragments per input, and
the insecure normalized bundle hash (containing 13, 'M') for bundles that spend.
Signatures use the fast Kerl in :mod:`actorgrid.ledger.trytes`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from actorgrid.ledger.node.errors import InvalidBundle
from actorgrid.ledger.node.transaction import Transaction
from actorgrid.ledger.trytes import (
    MAX_SUPPLY,
    bundle_hash,
    normalize_bundle_hash,
    validate_signature,
)

__all__ = ["Bundle", "assemble_bundles", "spends", "validate_bundle"]

#: the transactions of one attachment of a bundle, tail (index 0) first
Bundle = tuple[Transaction, ...]

_MAX_SECURITY = 3


def assemble_bundles(transactions: Iterable[Transaction]) -> list[Bundle]:
    """Group transactions into complete bundles by following trunks from each tail.

    Raises :class:`InvalidBundle` if a transaction is not part of a complete bundle.
    """
    by_hash: dict[str, Transaction] = {}
    for tx in transactions:
        by_hash.setdefault(tx.hash, tx)
    used: set[str] = set()
    bundles: list[Bundle] = []
    for tail in by_hash.values():
        if tail.current_index != 0:
            continue
        chain = [tail]
        while chain[-1].current_index < chain[-1].last_index:
            nxt = by_hash.get(chain[-1].trunk)
            if nxt is None:
                raise InvalidBundle(f"Incomplete bundle {tail.bundle}: missing transactions")
            if len(chain) > tail.last_index:
                raise InvalidBundle(f"Invalid bundle {tail.bundle}: trunk chain too long")
            chain.append(nxt)
        if any(tx.hash in used for tx in chain):
            raise InvalidBundle(f"Invalid bundle {tail.bundle}: attachments share transactions")
        bundles.append(tuple(chain))
        used.update(tx.hash for tx in chain)
    if len(used) != len(by_hash):
        raise InvalidBundle("Incomplete bundle: transactions without their tail")
    return bundles


def validate_bundle(bundle: Sequence[Transaction]) -> None:
    """Check structure, bundle hash, value sum and signatures of one assembled bundle."""
    tail = bundle[0]
    last = tail.last_index
    if len(bundle) != last + 1:
        raise InvalidBundle(f"Invalid bundle {tail.bundle}: wrong number of transactions")
    total = 0
    for i, tx in enumerate(bundle):
        if tx.current_index != i or tx.last_index != last:
            raise InvalidBundle(f"Invalid bundle {tail.bundle}: bad index at {i}")
        if tx.bundle != tail.bundle:
            raise InvalidBundle(f"Invalid bundle {tail.bundle}: mixed bundle hashes")
        total += tx.value
    if total != 0:
        raise InvalidBundle(f"Invalid bundle {tail.bundle}: values sum to {total}, not 0")
    if bundle_hash((tx.address, tx.essence_rest) for tx in bundle) != tail.bundle:
        raise InvalidBundle(f"Invalid bundle hash {tail.bundle}")
    _check_balances_per_address(bundle)
    inputs = list(_signature_groups(bundle))
    if inputs and 13 in normalize_bundle_hash(tail.bundle):
        raise InvalidBundle(f"Invalid bundle {tail.bundle}: insecure bundle hash")
    for group in inputs:
        if not validate_signature([tx.signature for tx in group], tail.bundle, group[0].address):
            raise InvalidBundle(
                f"Invalid signature in bundle {tail.bundle} at {group[0].current_index}"
            )


def spends(bundle: Sequence[Transaction]) -> dict[str, int]:
    """Net value change per address in ``bundle`` (negative: spent from)."""
    delta: dict[str, int] = defaultdict(int)
    for tx in bundle:
        if tx.value:
            delta[tx.address] += tx.value
    return dict(delta)


def _check_balances_per_address(bundle: Sequence[Transaction]) -> None:
    for address, change in spends(bundle).items():
        if abs(change) > MAX_SUPPLY:
            raise InvalidBundle(f"Invalid bundle: value for {address} exceeds the supply")


def _signature_groups(bundle: Sequence[Transaction]) -> Iterable[Sequence[Transaction]]:
    """Each input with its signature fragments: the zero-value same-address followers."""
    i = 0
    n = len(bundle)
    while i < n:
        tx = bundle[i]
        if tx.value >= 0:
            i += 1
            continue
        j = i + 1
        while j < n and bundle[j].address == tx.address and bundle[j].value == 0:
            j += 1
        if j - i > _MAX_SECURITY:
            raise InvalidBundle(f"Invalid bundle {tx.bundle}: more than 3 signature fragments")
        yield bundle[i:j]
        i = j
