"""Hypothesis: random mutations of a valid value bundle are rejected with no state change."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from actorgrid.ledger.curlp81 import transaction_hash
from actorgrid.ledger.node import TangleNode
from actorgrid.ledger.trytes import ALPHABET, Layout, has_trailing_zero_trits

POW_MWM = 9
# txs of the bundle: 0 payment, 1-2 the signed input (security 2), 3 change
SIGNED = {1, 2}


def _entries(kit: Any) -> list[Any]:
    return [
        kit.pay(kit.addr(kit.SEED_B, 0), 300, "PAYMENT"),
        kit.spend(kit.SEED_A, 0, 1000),
        kit.pay(kit.addr(kit.SEED_A, 2), 700),
    ]


@pytest.fixture(scope="module")
def pow_bundle(kit: Any) -> tuple[TangleNode, list[str], Any]:
    """A node at MWM 9 and a valid bundle for it, not yet stored (built once)."""
    node = TangleNode(mwm=POW_MWM, genesis=kit.genesis(), milestone_interval=None)
    return node, kit.attach(node, kit.build(_entries(kit))), kit


def _top_trit_of_a_signature_chunk(old: str, new: str, position: int) -> bool:
    """Whether a one-tryte change only touches trit 242 of a 243-trit signature chunk: Kerl
    ignores that trit on absorb, so the signature stays valid (IOTA signature malleability)."""
    if position >= Layout.SIGNATURE.stop or position % 81 != 80:
        return False
    value = {c: (i if i <= 13 else i - 27) for i, c in enumerate(ALPHABET)}
    # trytes t0 + 3 t1 + 9 t2 share t0, t1 exactly when their values differ by a multiple of 9
    return new != old and (value[new] - value[old]) % 9 == 0


def _mutate(tx: str, position: int, choice: int) -> str:
    options = ALPHABET.replace(tx[position], "")
    return tx[:position] + options[choice % len(options)] + tx[position + 1 :]


@given(st.integers(0, 3), st.integers(0, 2672), st.integers(0, 25))
def test_mutated_attached_bundle_is_rejected(
    pow_bundle: tuple[TangleNode, list[str], Any], index: int, position: int, choice: int
) -> None:
    node, trytes, kit = pow_bundle
    mutated = list(trytes)
    mutated[index] = _mutate(trytes[index], position, choice)
    # a mutated transaction meets MWM 9 again with probability 3**-9; that is not a bug
    assume(not has_trailing_zero_trits(transaction_hash(mutated[index]), POW_MWM))
    before = kit.snapshot(node)
    response = node.handle({"command": "storeTransactions", "trytes": mutated})
    assert "error" in response
    assert kit.snapshot(node) == before


def test_unmutated_bundle_is_accepted(pow_bundle: tuple[TangleNode, list[str], Any]) -> None:
    _node, trytes, kit = pow_bundle
    fresh = TangleNode(mwm=POW_MWM, genesis=kit.genesis())
    kit.ok(kit.store(fresh, trytes))
    assert fresh.confirmed_balances()[kit.addr(kit.SEED_B, 0)] == 300


# positions that attachToTangle does not overwrite: everything up to trunk, and the tag
_FREE = st.one_of(st.integers(0, Layout.TRUNK.start - 1), st.integers(2592, 2618))


@given(st.integers(0, 3), _FREE, st.integers(0, 25))
def test_mutated_then_reattached_bundle(kit: Any, index: int, position: int, choice: int) -> None:
    """After fresh PoW, only unsigned content (tags, messages) may change."""
    node = TangleNode(mwm=1, genesis=kit.genesis())
    built = kit.build(_entries(kit))
    original = built[index][position]
    built[index] = _mutate(built[index], position, choice)
    before = kit.snapshot(node)
    attached = node.handle(
        {
            "command": "attachToTangle",
            "trunkTransaction": "9" * 81,
            "branchTransaction": "9" * 81,
            "minWeightMagnitude": 1,
            "trytes": built,
        }
    )
    in_tag = Layout.TAG.start <= position < Layout.TAG.stop
    in_message = position < Layout.SIGNATURE.stop and index not in SIGNED
    if _top_trit_of_a_signature_chunk(original, built[index][position], position):
        in_message = True  # still a valid signature: Kerl ignores the chunk's top trit
    if "error" in attached:  # index fields broken: refused before any PoW
        assert Layout.CURRENT_INDEX.start <= position < Layout.LAST_INDEX.stop
        assert kit.snapshot(node) == before
        return
    response = kit.store(node, attached["trytes"])
    if in_tag or in_message:
        kit.ok(response)
        assert node.confirmed_balances()[kit.addr(kit.SEED_B, 0)] == 300
    else:
        assert "error" in response, (index, position)
        assert kit.snapshot(node) == before
    node.close()
