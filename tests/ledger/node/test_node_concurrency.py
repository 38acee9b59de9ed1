"""The node is called from several threads at once: no lost writes, no double confirmation."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from actorgrid.ledger.node import TangleNode


def test_concurrent_double_spends_confirm_once(kit: Any, manual_node: TangleNode) -> None:
    node = manual_node
    source = kit.spend(kit.SEED_A, 0, 1000)
    bundles = [
        kit.attach(node, kit.build([kit.pay(kit.addr(kit.SEED_B, i), 1000), source]))
        for i in range(4)
    ]
    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(lambda t: kit.store(node, t), bundles))
    assert all("error" not in r for r in responses)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: node.issue_milestone(), range(2)))
    statuses = [node.attachment_status(kit.tail_hash(t)) for t in bundles]
    assert statuses.count("confirmed") == 1
    assert statuses.count("conflicting") == 3
    balances = node.confirmed_balances()
    assert sum(balances.values()) == 2 * kit.FUNDED
    assert sum(balances.get(kit.addr(kit.SEED_B, i), 0) for i in range(4)) == 1000


def test_concurrent_stores_and_reads(kit: Any, node: TangleNode) -> None:
    bundles = [
        kit.attach(node, kit.build([kit.pay(kit.addr(kit.SEED_B, i), 0, f"M{i}")]))
        for i in range(8)
    ]

    def store_and_read(trytes: list[str]) -> bool:
        kit.ok(kit.store(node, trytes))
        tail = kit.tail_hash(trytes)
        got = node.handle({"command": "getTrytes", "hashes": [tail]})
        return bool(got["trytes"] == [trytes[0]])

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(store_and_read, bundles))
    tails = [kit.tail_hash(t) for t in bundles]
    states = node.handle({"command": "getInclusionStates", "transactions": tails})
    assert states["states"] == [True] * 8


def test_validation_in_a_process_pool(kit: Any) -> None:
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1) as pool:
        node = TangleNode(mwm=3, genesis=kit.genesis(), validator=pool)
        good = kit.build([kit.pay(kit.addr(kit.SEED_B, 0), 1000), kit.spend(kit.SEED_A, 0, 1000)])
        forged = kit.build([kit.pay(kit.addr(kit.SEED_B, 1), 1000), kit.spend(kit.SEED_A, 1, 1000)])
        forged[1] = kit.build([kit.spend(kit.SEED_A, 0, 1000)])[0][:2187] + forged[1][2187:]
        before = kit.snapshot(node)
        response = kit.store(node, kit.attach(node, forged))
        assert "signature" in response["error"].lower()
        assert kit.snapshot(node) == before
        kit.ok(kit.store(node, kit.attach(node, good)))
        assert node.confirmed_balances()[kit.addr(kit.SEED_B, 0)] == 1000


def test_validator_process_answers_bad_input_like_the_node_itself(kit: Any) -> None:
    """Parsing moves to the validator process with the signature checks; the answers to bad
    input (type, position in the request) and the state afterwards must not change."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1) as pool:
        inline = TangleNode(mwm=3, genesis=kit.genesis())
        pooled = TangleNode(mwm=3, genesis=kit.genesis(), validator=pool)
        good = kit.attach(
            inline,
            kit.build([kit.pay(kit.addr(kit.SEED_B, 0), 1000), kit.spend(kit.SEED_A, 0, 1000)]),
        )
        cases = [
            [good[0], "9" * 2672 + "a"],  # bad character in the second transaction
            [good[0], 42],  # not a string
            good[:1],  # incomplete bundle
            [good[0][:2290] + "A" + good[0][2291:], *good[1:]],  # value beyond 33 trits
        ]
        for case in cases:
            before = (kit.snapshot(inline), kit.snapshot(pooled))
            a = inline.handle({"command": "storeTransactions", "trytes": case})
            b = pooled.handle({"command": "storeTransactions", "trytes": case})
            assert "error" in a and a.get("error") == b.get("error"), (a, b)
            assert (kit.snapshot(inline), kit.snapshot(pooled)) == before
        kit.ok(kit.store(pooled, good))
        # a repeated store is answered from the parse cache, without the pool
        kit.ok(kit.store(pooled, good))
        assert pooled.confirmed_balances()[kit.addr(kit.SEED_B, 0)] == 1000
        inline.close()
        pooled.close()
