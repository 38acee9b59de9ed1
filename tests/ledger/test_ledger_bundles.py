"""Bundle building and signing: valid for PyOTA, deterministic, batched, pure planning rules."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from iota import Bundle, TryteString
from iota.transaction.validator import BundleValidator

from actorgrid.ledger.journal import RequestKind, RequestRecord, RequestState
from actorgrid.ledger.messages import FailureReason
from actorgrid.ledger.testing import test_seed
from actorgrid.ledger.trytes import Layout, address_from_seed, normalize_bundle_hash
from actorgrid.ledger.wallet import Funds, plan_batch
from actorgrid.ledger.workers import (
    BundlePlan,
    PlannedInput,
    PlannedOutput,
    attach_bundle,
    build_zero_value_bundle,
    derive_addresses,
    sign_bundle,
)

SEED = test_seed("bundles").reveal()


def pyota_bundle(trytes: tuple[str, ...] | list[str]) -> Bundle:
    return Bundle.from_tryte_strings([TryteString(t.encode()) for t in trytes])


def test_derived_addresses_match_pyota() -> None:
    from iota.crypto.addresses import AddressGenerator
    from iota.crypto.types import Seed

    ours = derive_addresses(SEED, 3, 2, 2)
    theirs = [str(a) for a in AddressGenerator(Seed(SEED.encode()), 2).get_addresses(3, 2)]
    assert ours == theirs


@settings(max_examples=5, deadline=None)
@given(
    amounts=st.lists(st.integers(1, 50), min_size=1, max_size=5),
    timestamp=st.integers(1, 2**31),
    extra=st.integers(0, 30),
)
def test_signed_bundles_validate_with_pyota_and_resign_identically(
    amounts: list[int], timestamp: int, extra: int
) -> None:
    addrs = [address_from_seed(SEED, i, 2) for i in range(3)]
    total = sum(amounts) + extra
    plan = BundlePlan(
        outputs=tuple(PlannedOutput("B" * 80 + "9", a, "RE" * i) for i, a in enumerate(amounts)),
        inputs=(
            PlannedInput(addrs[0], 0, 2, total // 2),
            PlannedInput(addrs[1], 1, 2, total - total // 2),
        ),
        remainder=addrs[2],
        tag="ACTORGRID",
        timestamp=timestamp,
    )
    signed = sign_bundle(SEED, plan)
    bundle = pyota_bundle(signed.trytes)
    assert BundleValidator(bundle).errors == []
    assert str(bundle.hash) == signed.bundle_hash
    # one bundle carries every payment: outputs + 2 inputs x 2 fragments (+ remainder)
    assert len(bundle) == len(amounts) + 4 + (1 if extra else 0)
    # re-signing the journalled plan after a crash reproduces the same signature
    assert sign_bundle(SEED, BundlePlan.from_json(plan.to_json())) == signed


def test_insecure_bundle_hash_is_fixed_through_the_legacy_tag() -> None:
    # Timestamps whose first bundle hash normalizes to a 13 (the "M bug") make sign_bundle
    # count the first transaction's legacy tag up; the result must still be a valid bundle.
    addrs = [address_from_seed(SEED, i, 2) for i in range(2)]
    fixed = 0
    for timestamp in range(1, 40):
        plan = BundlePlan(
            outputs=(PlannedOutput("C" * 80 + "9", 5),),
            inputs=(PlannedInput(addrs[0], 0, 2, 9),),
            remainder=addrs[1],
            tag="ACTORGRID",
            timestamp=timestamp,
        )
        signed = sign_bundle(SEED, plan)
        tail = signed.trytes[-1]  # head first: the tail (index 0) is last
        if tail[Layout.OBSOLETE_TAG] == tail[Layout.TAG]:
            continue
        fixed += 1
        bundle = pyota_bundle(signed.trytes)
        assert BundleValidator(bundle).errors == []
        assert str(bundle.hash) == signed.bundle_hash
        assert 13 not in normalize_bundle_hash(signed.bundle_hash)
    assert fixed > 0, "no timestamp in range needed the fix: widen the range"


def test_zero_value_bundle_carries_payload_in_ceil_fragments() -> None:
    payload = "ABC" * 1500  # 4500 trytes -> 3 transactions
    signed = build_zero_value_bundle("C" * 81, payload, "MAM", 1234)
    bundle = pyota_bundle(signed.trytes)
    assert len(bundle) == 3 and all(t.value == 0 for t in bundle)
    joined = "".join(str(t.signature_message_fragment) for t in bundle)
    assert joined.startswith(payload) and set(joined[len(payload) :]) <= {"9"}


def test_attach_keeps_signatures_and_chains_the_bundle() -> None:
    addrs = [address_from_seed(SEED, i, 2) for i in range(2)]
    plan = BundlePlan(
        (PlannedOutput("D" * 81, 5),), (PlannedInput(addrs[0], 0, 2, 9),), addrs[1], "T", 1
    )
    signed = sign_bundle(SEED, plan)
    a1 = attach_bundle(signed.trytes, "9" * 81, "9" * 81, 1)
    a2 = attach_bundle(signed.trytes, "9" * 81, "9" * 81, 1)
    b1, b2 = pyota_bundle(a1.trytes), pyota_bundle(a2.trytes)
    assert BundleValidator(b1).errors == [] and str(b1.hash) == signed.bundle_hash
    assert [str(t.signature_message_fragment) for t in b1] == [
        str(t.signature_message_fragment) for t in b2
    ]
    assert str(b1.tail_transaction.hash) == a1.tail_hash
    for prev, nxt in zip(b1.transactions, b1.transactions[1:], strict=False):
        assert prev.trunk_transaction_hash == nxt.hash


def record(rid: int, amount: int, address: str = "B" * 81) -> RequestRecord:
    return RequestRecord(
        rid, f"k{rid}", RequestKind.TRANSFER, "w", amount, address, b"", "",
        RequestState.ACCEPTED, None, None, None, False,
    )  # fmt: skip


@given(
    amounts=st.lists(st.integers(1, 100), max_size=10),
    balances=st.lists(st.integers(0, 150), max_size=5),
    max_payments=st.integers(1, 8),
)
def test_plan_batch_never_overspends_and_keeps_order(
    amounts: list[int], balances: list[int], max_payments: int
) -> None:
    queued = [record(i + 1, a) for i, a in enumerate(amounts)]
    funds = [Funds(i, chr(67 + i) * 81, b) for i, b in enumerate(balances)]
    plan = plan_batch(queued, funds, frozenset(), max_payments)
    paid = sum(r.amount for r in plan.pay)
    assert len(plan.pay) <= max_payments
    assert sum(f.balance for f in plan.inputs) == paid + plan.change and plan.change >= 0
    assert all(f.balance > 0 for f in plan.inputs)
    decided = sorted([r.id for r in plan.pay] + [r.id for r, _, _ in plan.fail])
    assert decided == list(range(1, len(decided) + 1))  # a prefix of the queue, in order
    available = sum(balances)
    for r, reason, _ in plan.fail:  # failed only if it could not be paid at its turn
        assert reason == FailureReason.INSUFFICIENT_FUNDS
        before = sum(p.amount for p in plan.pay if p.id < r.id)
        assert r.amount > available - before


def test_plan_batch_refuses_spent_and_own_input_destinations() -> None:
    funds = [Funds(0, "A" * 81, 50), Funds(1, "C" * 81, 50)]
    queued = [record(1, 10, "S" * 81), record(2, 10, "C" * 81)]
    plan = plan_batch(queued, funds, frozenset({"S" * 81}), 10)
    assert [(r.id, reason) for r, reason, _ in plan.fail] == [(1, FailureReason.SPENT_DESTINATION)]
    assert [r.id for r in plan.pay] == [2]
    assert [f.address for f in plan.inputs] == ["A" * 81]  # C is a destination, not an input
