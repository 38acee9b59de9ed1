"""Payment policy and the idempotent invoice book (properties)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actorgrid.market import (
    InvoiceBook,
    Iota,
    MarketError,
    PaymentPolicy,
    payment_due,
    plan_payment,
)

policies = st.builds(PaymentPolicy, st.integers(1, 200).map(Iota), st.integers(1, 100).map(Iota))


@given(st.integers(0, 10_000).map(Iota), policies)
def test_payment_due_follows_threshold_and_batch(outstanding: Iota, policy: PaymentPolicy) -> None:
    due = payment_due(outstanding, policy)
    assert 0 <= due <= outstanding
    assert due % policy.batch_i == 0
    if outstanding < policy.threshold_i:
        assert due == 0
    else:
        assert outstanding - due < policy.batch_i


def test_poc_policy_pays_in_multiples_of_25() -> None:
    poc = PaymentPolicy(Iota(25), Iota(25))
    assert [payment_due(Iota(n), poc) for n in (24, 25, 49, 50, 74)] == [0, 25, 25, 50, 50]


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(MarketError):
        PaymentPolicy(Iota(0), Iota(1))
    with pytest.raises(MarketError):
        PaymentPolicy(Iota(1), Iota(0))


events = st.lists(
    st.one_of(
        st.tuples(st.just("invoice"), st.integers(0, 12), st.integers(0, 60)),
        st.tuples(st.just("pay"), st.integers(0, 12), st.integers(1, 90)),
    ),
    max_size=40,
)


@given(events)
def test_no_invoice_is_paid_twice_and_replays_change_nothing(
    script: list[tuple[str, int, int]],
) -> None:
    book = InvoiceBook()
    amounts: dict[str, int] = {}
    paid_keys: dict[str, int] = {}
    for kind, n, amount in script:
        if kind == "invoice":
            inv = f"inv-{n}"
            amount = amounts.setdefault(inv, amount)  # a redelivery carries the same amount
            book = book.add(inv, Iota(amount))
            assert book.add(inv, Iota(amount)) is book
        else:
            key = f"key-{n}"
            amount = paid_keys.setdefault(key, amount)
            before = book
            book, _ = book.apply_payment(key, Iota(amount))
            replay, allocations = book.apply_payment(key, Iota(amount))
            assert replay is book and allocations == ()
            assert before.paid_i <= book.paid_i
        for inv, applied in book.applied.items():
            assert 0 <= applied <= book.amounts[inv]
        assert sum(book.applied.values()) + book.credit_i == book.paid_i
        assert book.paid_i == sum(paid_keys.values())
        assert book.invoiced_i == sum(amounts.values())
        # credit only exists when nothing is open
        assert book.credit_i == 0 or book.outstanding_i == 0


def test_payments_apply_oldest_first_and_excess_becomes_credit() -> None:
    book = InvoiceBook().add("a", Iota(10)).add("b", Iota(20))
    book, alloc = book.apply_payment("k1", Iota(15))
    assert [(a.invoice_id, a.amount_i) for a in alloc] == [("a", 10), ("b", 5)]
    assert book.is_paid("a") and not book.is_paid("b")
    assert book.open_invoices() == ["b"]
    book, _ = book.apply_payment("k2", Iota(30))
    assert book.credit_i == 15 and book.outstanding_i == 0
    book = book.add("c", Iota(12))
    assert book.is_paid("c") and book.credit_i == 3


def test_conflicting_redelivery_is_an_error() -> None:
    book = InvoiceBook().add("a", Iota(10))
    with pytest.raises(MarketError):
        book.add("a", Iota(11))
    with pytest.raises(MarketError):
        book.apply_payment("k", Iota(0))


def test_plan_payment_is_stable_across_restarts() -> None:
    poc = PaymentPolicy(Iota(25), Iota(25))
    book = InvoiceBook().add("a", Iota(20))
    assert plan_payment(book, "c1", poc) is None
    book = book.add("b", Iota(17))
    plan = plan_payment(book, "c1", poc)
    assert plan is not None and plan.amount_i == 25
    assert plan.invoice_ids == ("a", "b")
    assert plan_payment(book, "c1", poc) == plan  # re-planned after a crash: same key
    book, _ = book.apply_payment(plan.key, plan.amount_i)
    assert book.outstanding_i == 12
    assert plan_payment(book, "c1", poc) is None
    book = book.add("c", Iota(13))
    second = plan_payment(book, "c1", poc)
    assert second is not None and second.key != plan.key


@given(st.permutations(list(range(6))), st.integers(1, 200))
def test_invoice_order_follows_slots_not_arrival(order: list[int], payment: int) -> None:
    in_order = InvoiceBook()
    for slot in range(6):
        in_order = in_order.add(f"inv-{slot}", Iota(10 + slot), slot)
    shuffled = InvoiceBook()
    for slot in order:
        shuffled = shuffled.add(f"inv-{slot}", Iota(10 + slot), slot)
    assert list(shuffled.amounts) == list(in_order.amounts)
    _, a = in_order.apply_payment("k", Iota(payment))
    _, b = shuffled.apply_payment("k", Iota(payment))
    assert a == b


@given(st.permutations(list(range(6))), st.lists(st.integers(1, 40), max_size=6), st.data())
def test_late_invoices_leave_both_books_agreeing_per_invoice(
    order: list[int], payments: list[int], data: st.DataObject
) -> None:
    """Grid and consumer see invoices in different orders, with payments in between; per
    invoice, both books still end up where oldest-first allocation of the total puts them."""
    book = InvoiceBook()
    pending = list(payments)
    for slot in order:
        book = book.add(f"inv-{slot}", Iota(10 + slot), slot)
        while pending and data.draw(st.booleans()):
            book, _ = book.apply_payment(f"k{len(pending)}", Iota(pending.pop()))
    for i, amount in enumerate(pending):
        book, _ = book.apply_payment(f"rest-{i}", Iota(amount))
    reference = InvoiceBook()
    for slot in range(6):
        reference = reference.add(f"inv-{slot}", Iota(10 + slot), slot)
    if payments:
        reference, _ = reference.apply_payment("all", Iota(sum(payments)))

    def nonzero(applied: Mapping[str, int]) -> dict[str, int]:
        return {k: v for k, v in applied.items() if v}

    assert book.paid_i == reference.paid_i == sum(payments)
    assert nonzero(book.applied) == nonzero(reference.applied)
    assert book.credit_i == reference.credit_i
    assert book.open_invoices() == reference.open_invoices()


@given(
    invoices=st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=8),
    payments=st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=6),
    fail=st.data(),
)
def test_a_withdrawn_payment_reopens_exactly_its_amount(
    invoices: list[int], payments: list[int], fail: st.DataObject
) -> None:
    book = InvoiceBook()
    for i, amount in enumerate(invoices):
        book = book.add(f"inv-{i}", Iota(amount), slot=i)
    keys = []
    for k, amount in enumerate(payments):
        book, _ = book.apply_payment(f"pay-{k}", Iota(amount))
        keys.append((f"pay-{k}", amount))
    key, amount = fail.draw(st.sampled_from(keys))
    before_cover = sum(book.applied.values()) + book.credit_i
    after = book.withdraw_payment(key, Iota(amount))
    # money is neither lost nor created: what still covers invoices is what was paid minus it
    assert sum(after.applied.values()) + after.credit_i == before_cover - amount
    assert sum(after.applied.values()) + after.credit_i == sum(payments) - amount
    assert after.outstanding_i >= book.outstanding_i
    assert all(0 <= after.applied.get(i, 0) <= a for i, a in after.amounts.items())
    # withdrawing twice changes nothing; the next payment gets a key of its own
    assert after.withdraw_payment(key, Iota(amount)) == after
    assert after.paid_i == book.paid_i


def test_withdrawing_an_unknown_or_resized_payment_is_an_error() -> None:
    book, _ = InvoiceBook().add("a", Iota(10)).apply_payment("p", Iota(10))
    with pytest.raises(MarketError, match="not applied"):
        book.withdraw_payment("q", Iota(10))
    book = book.withdraw_payment("p", Iota(10))
    assert book.outstanding_i == 10
    with pytest.raises(MarketError, match="withdrawn with"):
        book.withdraw_payment("p", Iota(5))
