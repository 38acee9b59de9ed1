"""Hypothesis: random transfers, overspends and double spends against a reference model.

The node must accept exactly the bundles the model accepts (spend <= confirmed balance),
confirm pending bundles in arrival order at each milestone, mark the rest conflicting,
and keep the confirmed balances summing to the genesis supply, none negative.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from actorgrid.ledger.node import TangleNode
from actorgrid.ledger.trytes import NULL_HASH

ops = st.lists(
    st.tuples(st.integers(0, 1), st.integers(0, 3), st.integers(1, 1200), st.booleans()),
    min_size=1,
    max_size=6,
)


@settings(max_examples=20)
@given(ops)
def test_node_matches_ledger_model(kit: Any, operations: list[tuple[int, int, int, bool]]) -> None:
    node = TangleNode(mwm=1, genesis=kit.genesis(), milestone_interval=None)
    model = {kit.addr(kit.SEED_A, i): kit.FUNDED for i in range(2)}
    supply = sum(model.values())
    pending: list[tuple[str, str, str, int]] = []  # (tail, from, to, amount)
    try:
        for n, (src, dst, amount, milestone) in enumerate(operations):
            source, target = kit.addr(kit.SEED_A, src), kit.addr(kit.SEED_B, dst)
            entries = [kit.pay(target, amount), kit.spend(kit.SEED_A, src, amount)]
            # a distinct bundle per payment (identical essences are one payment, replayed)
            built = kit.build(entries, obsolete=1000 * n)
            attached = node.handle(
                {
                    "command": "attachToTangle",
                    "trunkTransaction": NULL_HASH,  # no approval links: the model stays simple
                    "branchTransaction": NULL_HASH,
                    "minWeightMagnitude": 1,
                    "trytes": built,
                }
            )["trytes"]
            response = kit.store(node, attached)
            if amount <= model.get(source, 0):
                kit.ok(response)
                pending.append((kit.tail_hash(attached), source, target, amount))
            else:
                assert "insufficient balance" in response["error"].lower()
            if milestone:
                _milestone(node, model, pending)
            _check_ledger(node, model, supply)
        _milestone(node, model, pending)
        _check_ledger(node, model, supply)
    finally:
        node.close()


def _milestone(node: TangleNode, model: dict[str, int], pending: list[Any]) -> None:
    node.issue_milestone()
    for tail, source, target, amount in pending:
        expected = "confirmed" if model.get(source, 0) >= amount else "conflicting"
        if expected == "confirmed":
            model[source] -= amount
            model[target] = model.get(target, 0) + amount
        assert node.attachment_status(tail) == expected
    pending.clear()


def _check_ledger(node: TangleNode, model: dict[str, int], supply: int) -> None:
    balances = node.confirmed_balances()
    assert balances == {a: v for a, v in model.items() if v}
    assert sum(balances.values()) == supply
    assert all(v > 0 for v in balances.values())
