"""Fixtures for the tangle node tests: a small funded tangle and a raw bundle builder.

The builder assembles bundles tryte by tryte (with the fast Kerl signing of
``actorgrid.ledger.trytes``) so tests can also craft bundles PyOTA refuses to build:
unbalanced, unsigned, mis-hashed. Real PyOTA clients are exercised in test_node_pyota.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from actorgrid.ledger.curlp81 import transaction_hash
from actorgrid.ledger.node import Genesis, TangleNode
from actorgrid.ledger.trytes import (
    NULL_HASH,
    address_from_seed,
    bundle_hash,
    int_to_trytes,
    normalize_bundle_hash,
    sign_input,
)

SEED_A = "A" * 81
SEED_B = "B" * 81
FUNDED = 1000  # per funded address of SEED_A (indexes 0 and 1)
TEST_MWM = 3  # tests not about PoW stay fast


@dataclass(frozen=True)
class Entry:
    """One bundle entry: an output (value >= 0) or an input signed by ``seed``/``index``."""

    address: str
    value: int
    seed: str | None = None
    index: int = 0
    security: int = 2
    message: str = ""


def addr(seed: str, index: int) -> str:
    return address_from_seed(seed, index, 2)


def spend(seed: str, index: int, value: int) -> Entry:
    """An input entry taking ``value`` from ``seed``'s address ``index``."""
    return Entry(addr(seed, index), -value, seed, index)


def pay(address: str, value: int, message: str = "") -> Entry:
    return Entry(address, value, message=message)


def _message(text: str) -> str:
    encoded = "".join("9ABCDEFGHIJKLMNOPQRSTUVWXYZ"[b % 27] for b in text.encode())
    return encoded.ljust(2187, "9")[:2187]


def ok(response: dict[str, Any]) -> dict[str, Any]:
    """Assert a node response is not an error and return it."""
    assert "error" not in response and "exception" not in response, response
    return response


def tail_hash(trytes: list[str]) -> str:
    return transaction_hash(trytes[0])


def snapshot(node: TangleNode) -> tuple[Any, ...]:
    """Everything a rejected request must leave unchanged."""
    info = ok(node.handle({"command": "getNodeInfo"}))
    tips = ok(node.handle({"command": "getTips"}))["hashes"]
    addresses = [addr(SEED_A, i) for i in range(4)] + [addr(SEED_B, i) for i in range(4)]
    spent = ok(node.handle({"command": "wereAddressesSpentFrom", "addresses": addresses}))
    return (
        node.confirmed_balances(),
        info["latestMilestoneIndex"],
        sorted(tips),
        spent["states"],
        node._store.count_transactions(),
    )


def genesis() -> Genesis:
    return Genesis.from_dict({"seeds": [{"seed": SEED_A, "count": 2, "balance": FUNDED}]})


class Kit:
    """Build, attach and store bundles against a node; helpers as attributes."""

    SEED_A = SEED_A
    SEED_B = SEED_B
    FUNDED = FUNDED
    addr = staticmethod(addr)
    spend = staticmethod(spend)
    pay = staticmethod(pay)
    ok = staticmethod(ok)
    snapshot = staticmethod(snapshot)
    tail_hash = staticmethod(tail_hash)
    genesis = staticmethod(genesis)

    def build(
        self,
        entries: list[Entry],
        *,
        sign: bool = True,
        tag: str = "ACTORGRIDTEST",
        obsolete: int = 0,
    ) -> list[str]:
        """Unattached trytes, tail first. Inputs take ``security`` transactions."""
        rows: list[tuple[Entry, int]] = []  # (entry, value of this tx)
        for e in entries:
            rows.append((e, e.value))
            if e.value < 0:
                rows.extend((e, 0) for _ in range(e.security - 1))
        last = len(rows) - 1
        has_inputs = any(e.value < 0 for e in entries)
        while True:
            essence = [
                (
                    e.address,
                    int_to_trytes(v, 27)
                    + int_to_trytes(obsolete if i == 0 else 0, 27)
                    + int_to_trytes(1_700_000_000, 9)
                    + int_to_trytes(i, 9)
                    + int_to_trytes(last, 9),
                )
                for i, (e, v) in enumerate(rows)
            ]
            bundle = bundle_hash(essence)
            if not has_inputs or 13 not in normalize_bundle_hash(bundle):
                break
            obsolete += 1
        fragments: list[str] = []
        i = 0
        while i < len(rows):
            e, v = rows[i]
            if v < 0 and e.seed is not None and sign:
                fragments.extend(sign_input(e.seed, e.index, e.security, bundle))
                i += e.security
                continue
            fragments.append(_message(e.message if v >= 0 else ""))
            i += 1
        tag = tag.ljust(27, "9")
        return [
            fragments[i] + a + rest + bundle + NULL_HASH + NULL_HASH + tag + "9" * 54
            for i, (a, rest) in enumerate(essence)
        ]

    def attach(self, node: TangleNode, trytes: list[str], mwm: int | None = None) -> list[str]:
        tips = ok(node.handle({"command": "getTransactionsToApprove", "depth": 3}))
        response = ok(
            node.handle(
                {
                    "command": "attachToTangle",
                    "trunkTransaction": tips["trunkTransaction"],
                    "branchTransaction": tips["branchTransaction"],
                    "minWeightMagnitude": mwm or node.mwm,
                    "trytes": trytes,
                }
            )
        )
        attached: list[str] = response["trytes"]
        return attached

    def store(self, node: TangleNode, trytes: list[str]) -> dict[str, Any]:
        return node.handle({"command": "storeTransactions", "trytes": trytes})

    def send(self, node: TangleNode, entries: list[Entry]) -> list[str]:
        """Build, attach and store a bundle; returns the stored trytes (tail first)."""
        trytes = self.attach(node, self.build(entries))
        ok(self.store(node, trytes))
        return trytes


@pytest.fixture(scope="session")
def kit() -> Kit:
    return Kit()


@pytest.fixture
def node() -> Iterator[TangleNode]:
    """In-memory node, MWM 3, funded SEED_A[0..1], confirm on every store."""
    n = TangleNode(mwm=TEST_MWM, genesis=genesis())
    yield n
    n.close()


@pytest.fixture
def manual_node() -> Iterator[TangleNode]:
    """Like ``node`` but milestones only on ``issue_milestone()``."""
    n = TangleNode(mwm=TEST_MWM, genesis=genesis(), milestone_interval=None)
    yield n
    n.close()
