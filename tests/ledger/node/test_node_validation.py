"""Every bad-input class is rejected with an IRI-style error and changes no state."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from iota import Bundle, TryteString
from iota.transaction.validator import BundleValidator

from actorgrid.ledger.curlp81 import transaction_hash
from actorgrid.ledger.node import TangleNode
from actorgrid.ledger.trytes import Layout, has_trailing_zero_trits, int_to_trytes


def _rejected(kit: Any, node: TangleNode, trytes: list[str], needle: str) -> None:
    before = kit.snapshot(node)
    response = kit.store(node, trytes)
    assert "error" in response, response
    assert needle.lower() in response["error"].lower(), response["error"]
    assert kit.snapshot(node) == before


def _replace(tx: str, part: slice, value: str) -> str:
    return tx[: part.start] + value + tx[part.stop :]


def test_valid_transfer_moves_balances_and_confirms(kit: Any, node: TangleNode) -> None:
    to = kit.addr(kit.SEED_B, 0)
    change = kit.addr(kit.SEED_A, 2)
    trytes = kit.send(
        node, [kit.pay(to, 300), kit.spend(kit.SEED_A, 0, 1000), kit.pay(change, 700)]
    )
    assert node.confirmed_balances() == {to: 300, change: 700, kit.addr(kit.SEED_A, 1): 1000}
    tail = kit.tail_hash(trytes)
    states = node.handle({"command": "getInclusionStates", "transactions": [tail]})
    assert states["states"] == [True]
    spent = node.handle(
        {"command": "wereAddressesSpentFrom", "addresses": [kit.addr(kit.SEED_A, 0), to]}
    )
    assert spent["states"] == [True, False]
    assert node.handle({"command": "checkConsistency", "tails": [tail]})["state"] is True


def test_storing_twice_is_idempotent(kit: Any, node: TangleNode) -> None:
    trytes = kit.send(node, [kit.pay(kit.addr(kit.SEED_B, 0), 0, "HELLO")])
    before = kit.snapshot(node)
    kit.ok(kit.store(node, trytes))
    kit.ok(node.handle({"command": "broadcastTransactions", "trytes": trytes}))
    assert kit.snapshot(node) == before


@pytest.mark.parametrize(
    ("mangle", "needle"),
    [
        (lambda t: t[:-1], "2673"),
        (lambda t: t[:100] + "a" + t[101:], "characters"),
        (lambda t: t[:100] + "é" + t[101:], "characters"),
    ],
)
def test_malformed_trytes(kit: Any, node: TangleNode, mangle: Any, needle: str) -> None:
    trytes = kit.attach(node, kit.build([kit.pay(kit.addr(kit.SEED_B, 0), 0)]))
    _rejected(kit, node, [mangle(trytes[0])], needle)


@pytest.mark.parametrize("bad", [None, 5, "ABC", [1], {"x": 1}, [None]])
def test_malformed_trytes_types(kit: Any, node: TangleNode, bad: Any) -> None:
    before = kit.snapshot(node)
    trytes = bad if isinstance(bad, list) else [bad]
    response = node.handle({"command": "storeTransactions", "trytes": trytes})
    assert "error" in response
    response = node.handle({"command": "storeTransactions", "trytes": bad})
    assert "error" in response
    assert kit.snapshot(node) == before


def test_wrong_proof_of_work(kit: Any) -> None:
    strict = TangleNode(mwm=14, genesis=kit.genesis())
    loose = TangleNode(mwm=1, genesis=kit.genesis())
    # attached at MWM 1: about 1 in 3**13 chance of meeting MWM 14 by luck
    trytes = kit.attach(loose, kit.build([kit.pay(kit.addr(kit.SEED_B, 0), 0)]), mwm=1)
    _rejected(kit, strict, trytes, "proof-of-work")
    nonce_changed = [_replace(trytes[0], Layout.NONCE, "A" * 27)]
    _rejected(kit, strict, nonce_changed, "proof-of-work")


def test_invalid_signature(kit: Any, node: TangleNode) -> None:
    trytes = kit.build([kit.pay(kit.addr(kit.SEED_B, 0), 1000), kit.spend(kit.SEED_A, 0, 1000)])
    sig = trytes[1][Layout.SIGNATURE]
    flipped = ("B" if sig[5] == "A" else "A").join((sig[:5], sig[6:]))
    trytes[1] = _replace(trytes[1], Layout.SIGNATURE, flipped)
    _rejected(kit, node, kit.attach(node, trytes), "signature")


def test_signature_of_another_key(kit: Any, node: TangleNode) -> None:
    good = kit.spend(kit.SEED_A, 0, 1000)
    forged = type(good)(good.address, good.value, kit.SEED_B, 0)
    trytes = kit.build([kit.pay(kit.addr(kit.SEED_B, 0), 1000), forged])
    _rejected(kit, node, kit.attach(node, trytes), "signature")


def test_unsigned_input_that_pyota_accepts(kit: Any, node: TangleNode) -> None:
    """[A: 0, A: -1000, B: +1000]: PyOTA skips the group (first tx not an input)."""
    a = kit.addr(kit.SEED_A, 0)
    unsigned = type(kit.pay(a, 0))(a, -1000, None)
    entries = [kit.pay(a, 0), unsigned, kit.pay(kit.addr(kit.SEED_B, 0), 1000)]
    trytes = kit.attach(node, kit.build(entries, sign=False))
    assert BundleValidator(Bundle.from_tryte_strings([TryteString(t) for t in trytes])).is_valid()
    _rejected(kit, node, trytes, "signature")


def test_wrong_bundle_hash(kit: Any, node: TangleNode) -> None:
    trytes = kit.build([kit.pay(kit.addr(kit.SEED_B, 0), 0, "X")])
    trytes = [_replace(t, Layout.BUNDLE, "C" * 81) for t in trytes]
    _rejected(kit, node, kit.attach(node, trytes), "bundle hash")


def test_values_not_summing_to_zero(kit: Any, node: TangleNode) -> None:
    trytes = kit.build([kit.pay(kit.addr(kit.SEED_B, 0), 1000), kit.spend(kit.SEED_A, 0, 1000)])
    trytes[0] = _replace(trytes[0], Layout.VALUE, int_to_trytes(1001, 27))
    _rejected(kit, node, kit.attach(node, trytes), "sum")
    minted = kit.build([kit.pay(kit.addr(kit.SEED_B, 0), 5)])  # value out of nothing
    _rejected(kit, node, kit.attach(node, minted), "sum")


def test_value_beyond_supply(kit: Any, node: TangleNode) -> None:
    trytes = kit.build([kit.pay(kit.addr(kit.SEED_B, 0), 0)])
    trytes[0] = _replace(trytes[0], Layout.VALUE, int_to_trytes(3**40, 27))
    _rejected(kit, node, kit.attach(node, trytes), "value")


def test_overspend(kit: Any, node: TangleNode) -> None:
    trytes = kit.build([kit.pay(kit.addr(kit.SEED_B, 0), 1500), kit.spend(kit.SEED_A, 0, 1500)])
    _rejected(kit, node, kit.attach(node, trytes), "insufficient balance")


def test_incomplete_bundle(kit: Any, node: TangleNode) -> None:
    trytes = kit.attach(
        node, kit.build([kit.pay(kit.addr(kit.SEED_B, 0), 1000), kit.spend(kit.SEED_A, 0, 1000)])
    )
    _rejected(kit, node, trytes[:-1], "incomplete")
    _rejected(kit, node, trytes[1:], "incomplete")


def test_not_solid(kit: Any, node: TangleNode) -> None:
    trytes = kit.build([kit.pay(kit.addr(kit.SEED_B, 0), 0)])
    response = node.handle(
        {
            "command": "attachToTangle",
            "trunkTransaction": "D" * 81,
            "branchTransaction": "E" * 81,
            "minWeightMagnitude": node.mwm,
            "trytes": trytes,
        }
    )
    _rejected(kit, node, response["trytes"], "unknown transaction")


def test_one_bad_bundle_rejects_the_whole_request(kit: Any, node: TangleNode) -> None:
    good = kit.attach(node, kit.build([kit.pay(kit.addr(kit.SEED_B, 1), 0, "OK")]))
    bad = kit.attach(
        node, kit.build([kit.pay(kit.addr(kit.SEED_B, 0), 1500), kit.spend(kit.SEED_A, 0, 1500)])
    )
    _rejected(kit, node, good + bad, "insufficient")


def test_double_spend_only_one_confirms(kit: Any, manual_node: TangleNode) -> None:
    node = manual_node
    source = kit.spend(kit.SEED_A, 0, 1000)
    first = kit.send(node, [kit.pay(kit.addr(kit.SEED_B, 0), 1000), source])
    second = kit.send(node, [kit.pay(kit.addr(kit.SEED_B, 1), 1000), source])
    tails = [kit.tail_hash(first), kit.tail_hash(second)]
    pending = node.handle({"command": "getInclusionStates", "transactions": tails})
    assert pending["states"] == [False, False]
    both = node.handle({"command": "checkConsistency", "tails": tails})
    assert both["state"] is False
    node.issue_milestone()
    states = node.handle({"command": "getInclusionStates", "transactions": tails})["states"]
    assert states == [True, False]
    assert node.attachment_status(tails[1]) == "conflicting"
    assert node.handle({"command": "checkConsistency", "tails": [tails[1]]})["state"] is False
    balances = node.confirmed_balances()
    assert balances[kit.addr(kit.SEED_B, 0)] == 1000
    assert kit.addr(kit.SEED_B, 1) not in balances
    assert sum(balances.values()) == 2 * kit.FUNDED
    node.issue_milestone()  # conflicting stays conflicting
    assert node.attachment_status(tails[1]) == "conflicting"


def test_double_spend_after_confirmation_is_rejected(kit: Any, node: TangleNode) -> None:
    kit.send(node, [kit.pay(kit.addr(kit.SEED_B, 0), 1000), kit.spend(kit.SEED_A, 0, 1000)])
    again = kit.build([kit.pay(kit.addr(kit.SEED_B, 1), 1000), kit.spend(kit.SEED_A, 0, 1000)])
    _rejected(kit, node, kit.attach(node, again), "insufficient")


def test_reattachment_confirms_once(kit: Any, manual_node: TangleNode) -> None:
    node = manual_node
    signed = kit.build([kit.pay(kit.addr(kit.SEED_B, 0), 1000), kit.spend(kit.SEED_A, 0, 1000)])
    one = kit.attach(node, signed)
    kit.ok(kit.store(node, one))
    two = kit.attach(node, signed)
    kit.ok(kit.store(node, two))
    node.issue_milestone()
    assert node.confirmed_balances()[kit.addr(kit.SEED_B, 0)] == 1000
    statuses = {node.attachment_status(kit.tail_hash(t)) for t in (one, two)}
    assert statuses == {"confirmed", "conflicting"}


def test_approving_a_conflict_never_confirms(kit: Any, manual_node: TangleNode) -> None:
    node = manual_node
    a = kit.send(node, [kit.pay(kit.addr(kit.SEED_B, 0), 1000), kit.spend(kit.SEED_A, 0, 1000)])
    b = kit.send(node, [kit.pay(kit.addr(kit.SEED_B, 1), 1000), kit.spend(kit.SEED_A, 0, 1000)])
    child = kit.build([kit.pay(kit.addr(kit.SEED_B, 2), 0, "CHILD")])
    response = node.handle(
        {
            "command": "attachToTangle",
            "trunkTransaction": kit.tail_hash(b),
            "branchTransaction": kit.tail_hash(a),
            "minWeightMagnitude": node.mwm,
            "trytes": child,
        }
    )
    kit.ok(kit.store(node, response["trytes"]))
    child_tail = kit.tail_hash(response["trytes"])
    # its past cone holds both spends: it can never confirm, so it is not consistent
    consistency = node.handle({"command": "checkConsistency", "tails": [child_tail]})
    assert consistency["state"] is False, consistency
    node.issue_milestone()
    assert node.attachment_status(kit.tail_hash(b)) == "conflicting"
    assert node.attachment_status(kit.tail_hash(response["trytes"])) == "conflicting"
    tips = node.handle({"command": "getTips"})["hashes"]
    assert kit.tail_hash(b) not in tips


@pytest.mark.parametrize(
    "request_",
    [
        {"command": "noSuchCommand"},
        {},
        {"command": 5},
        {"command": "getBalances"},
        {"command": "getBalances", "addresses": "A" * 81},
        {"command": "getBalances", "addresses": ["A" * 80]},
        {"command": "getBalances", "addresses": ["A" * 81], "threshold": 101},
        {"command": "getBalances", "addresses": ["A" * 90]},  # bad checksum
        {"command": "findTransactions"},
        {"command": "findTransactions", "tags": ["a"]},
        {"command": "getTrytes", "hashes": ["9" * 82]},
        {"command": "getInclusionStates", "transactions": [1]},
        {"command": "getTransactionsToApprove", "depth": 0},
        {"command": "getTransactionsToApprove", "depth": True},
        {"command": "getTransactionsToApprove", "depth": 3, "reference": "C" * 81},
        {"command": "attachToTangle", "trytes": ["9" * 2673]},
        {"command": "checkConsistency", "tails": ["C" * 81]},
        {"command": "checkConsistency", "tails": []},
        {"command": "wereAddressesSpentFrom", "addresses": ["A" * 81] * 10_001},
        {"command": "storeTransactions", "trytes": []},
    ],
)
def test_bad_parameters(kit: Any, node: TangleNode, request_: dict[str, Any]) -> None:
    before = kit.snapshot(node)
    response = node.handle(request_)
    assert isinstance(response.get("error"), str), response
    assert kit.snapshot(node) == before


def test_non_dict_request(node: TangleNode) -> None:
    assert "error" in node.handle([1, 2])  # type: ignore[arg-type]


def test_child_before_parent_in_one_request_confirms(kit: Any, node: TangleNode) -> None:
    parent = kit.attach(node, kit.build([kit.pay(kit.addr(kit.SEED_B, 0), 0, "PARENT")]))
    parent_tail = kit.tail_hash(parent)
    child = node.handle(
        {
            "command": "attachToTangle",
            "trunkTransaction": parent_tail,
            "branchTransaction": parent_tail,
            "minWeightMagnitude": node.mwm,
            "trytes": kit.build([kit.pay(kit.addr(kit.SEED_B, 1), 0, "CHILD")]),
        }
    )["trytes"]
    kit.ok(kit.store(node, child + parent))
    tails = [kit.tail_hash(child), parent_tail]
    states = node.handle({"command": "getInclusionStates", "transactions": tails})
    assert states["states"] == [True, True]
    approvers = node.handle({"command": "findTransactions", "approvees": [parent_tail]})
    assert approvers["hashes"] == [tails[0]]


def test_attach_refuses_an_unbounded_proof_of_work(kit: Any, node: TangleNode) -> None:
    """A request may not ask for PoW far above what any node needs (MWM 81 never ends)."""
    trytes = kit.build([kit.pay(kit.addr(kit.SEED_B, 0), 0)])
    request = {
        "command": "attachToTangle",
        "trunkTransaction": "9" * 81,
        "branchTransaction": "9" * 81,
        "minWeightMagnitude": 81,
        "trytes": trytes,
    }
    responses: list[dict[str, Any]] = []
    worker = threading.Thread(target=lambda: responses.append(node.handle(request)), daemon=True)
    worker.start()
    worker.join(30)
    assert responses, "attachToTangle at MWM 81 did not return"
    assert "minweightmagnitude" in responses[0]["error"].lower()


def _retagged(tx: str, mwm: int) -> str:
    """``tx`` with another tag (not part of the bundle essence) and fresh PoW."""
    for n in range(100_000):
        candidate = _replace(tx, Layout.TAG, int_to_trytes(n + 1, 27))
        if has_trailing_zero_trits(transaction_hash(candidate), mwm):
            return candidate
    raise AssertionError("no nonce found")


def test_two_tails_sharing_a_transaction_are_refused(kit: Any, node: TangleNode) -> None:
    """Two attachments may not share a transaction: a clear error, not a server failure."""
    trytes = kit.attach(
        node,
        kit.build([kit.pay(kit.addr(kit.SEED_B, 0), 0, "A"), kit.pay(kit.addr(kit.SEED_B, 1), 0)]),
    )
    other_tail = _retagged(trytes[0], node.mwm)
    _rejected(kit, node, [*trytes, other_tail], "bundle")
    kit.ok(kit.store(node, trytes))
    _rejected(kit, node, [other_tail, trytes[1]], "bundle")


def test_tip_selection_never_pairs_conflicting_spends(kit: Any, manual_node: TangleNode) -> None:
    """With two pending double spends as tips, an honest bundle approving both could never
    confirm: getTransactionsToApprove must return a consistent pair (IRI's walk validator)."""
    node = manual_node
    source = kit.spend(kit.SEED_A, 0, 1000)
    tails = []
    for i in range(2):
        attached = node.handle(
            {
                "command": "attachToTangle",
                "trunkTransaction": "9" * 81,
                "branchTransaction": "9" * 81,
                "minWeightMagnitude": node.mwm,
                "trytes": kit.build([kit.pay(kit.addr(kit.SEED_B, i), 1000), source]),
            }
        )["trytes"]
        kit.ok(kit.store(node, attached))
        tails.append(kit.tail_hash(attached))
    pair = {"command": "checkConsistency", "tails": tails}
    assert node.handle(pair)["state"] is False
    chosen = set()
    for _ in range(40):
        tips = kit.ok(node.handle({"command": "getTransactionsToApprove", "depth": 3}))
        approved = {tips["trunkTransaction"], tips["branchTransaction"]}
        chosen |= approved
        assert approved != set(tails), "an honest bundle would approve both double spends"
    assert chosen & set(tails)  # the spends are still chosen, just never together


def test_a_replayed_partial_spend_is_never_confirmed_twice(
    kit: Any, manual_node: TangleNode
) -> None:
    """The node accepts a bundle spending part of a balance; anyone can reattach that
    signed bundle, and each confirmed copy would pay again until the balance runs out."""
    node = manual_node
    to = kit.addr(kit.SEED_B, 0)
    signed = kit.build([kit.pay(to, 300), kit.spend(kit.SEED_A, 0, 300)])
    first, second = kit.attach(node, signed), kit.attach(node, signed)
    kit.ok(kit.store(node, first))
    kit.ok(kit.store(node, second))  # both pending, like a promote/reattach race
    tails = [kit.tail_hash(first), kit.tail_hash(second)]
    assert node.handle({"command": "checkConsistency", "tails": tails[:1]})["state"] is True
    assert node.handle({"command": "checkConsistency", "tails": tails})["state"] is False
    node.issue_milestone()
    assert sorted(node.attachment_status(t) or "" for t in tails) == ["confirmed", "conflicting"]
    _rejected(kit, node, kit.attach(node, signed), "already confirmed")  # a later replay
    node.issue_milestone()
    assert node.confirmed_balances()[to] == 300
    assert node.confirmed_balances()[kit.addr(kit.SEED_A, 0)] == 700
