"""Paying invoices: the consumer's payment policy and an idempotent invoice book.

:class:`InvoiceBook` is the same pure structure on both sides of a bill: the grid keeps
one per consumer (receivables), the consumer keeps its own (payables). Payments are
applied oldest invoice first; a payment key is applied at most once, and no invoice is
ever paid beyond its amount (an excess becomes credit for the next invoices).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from actorgrid.market.ids import payment_key
from actorgrid.market.units import Iota, MarketError

_NO_IOTA = Iota(0)
_ONE_IOTA = Iota(1)

__all__ = [
    "Allocation",
    "InvoiceBook",
    "PaymentPlan",
    "PaymentPolicy",
    "payment_due",
    "plan_payment",
]


@dataclass(frozen=True, slots=True)
class PaymentPolicy:
    """Pay once ``threshold_i`` is outstanding, in whole multiples of ``batch_i``.

    The PoC pays ``floor(outstanding / 25) * 25``: ``PaymentPolicy(25, 25)``.
    """

    threshold_i: Iota = _ONE_IOTA
    batch_i: Iota = _ONE_IOTA

    def __post_init__(self) -> None:
        if self.threshold_i < 1:
            raise MarketError(f"threshold_i: must be >= 1, got {self.threshold_i}")
        if self.batch_i < 1:
            raise MarketError(f"batch_i: must be >= 1, got {self.batch_i}")


def payment_due(outstanding: Iota, policy: PaymentPolicy) -> Iota:
    """Whole iotas to pay now for ``outstanding`` under ``policy`` (0: wait)."""
    if outstanding < policy.threshold_i:
        return Iota(0)
    return Iota(outstanding // policy.batch_i * policy.batch_i)


@dataclass(frozen=True, slots=True)
class Allocation:
    """``amount_i`` of a payment applied to ``invoice_id``."""

    invoice_id: str
    amount_i: Iota


@dataclass(frozen=True, slots=True)
class InvoiceBook:
    """One consumer's invoices and payments (immutable; every change returns a new book)."""

    amounts: Mapping[str, Iota] = field(default_factory=dict)
    """Invoice amounts, oldest first (by slot when slots are given, else by arrival)."""
    applied: Mapping[str, Iota] = field(default_factory=dict)
    slots: Mapping[str, int] = field(default_factory=dict)
    payment_keys: frozenset[str] = frozenset()
    credit_i: Iota = _NO_IOTA
    paid_i: Iota = _NO_IOTA
    """Total of every payment applied, withdrawn ones included (payment keys derive from it,
    so a payment made after a withdrawal gets a key of its own)."""
    withdrawn: Mapping[str, Iota] = field(default_factory=dict)
    """Payments the ledger failed, by key: their amounts cover no invoice."""

    @property
    def invoiced_i(self) -> Iota:
        """All iotas ever invoiced."""
        return Iota(sum(self.amounts.values()))

    @property
    def outstanding_i(self) -> Iota:
        """Iotas invoiced and not yet covered by payments."""
        return Iota(self.invoiced_i - sum(self.applied.values()))

    def is_paid(self, invoice_id: str) -> bool:
        """Whether ``invoice_id`` is known and fully paid."""
        amount = self.amounts.get(invoice_id)
        return amount is not None and self.applied.get(invoice_id, 0) == amount

    def open_invoices(self) -> list[str]:
        """Ids of invoices not fully paid, oldest first."""
        return [i for i, a in self.amounts.items() if self.applied.get(i, 0) < a]

    def add(self, invoice_id: str, amount_i: Iota, slot: int | None = None) -> InvoiceBook:
        """Record an invoice; a redelivered one (same id and amount) changes nothing.

        With ``slot``, invoices are kept in slot order, and a late invoice takes its
        place as if it had arrived in time: everything paid so far is re-applied oldest
        first. So grid and consumer allocate payments to the same invoices whatever order
        the invoices arrived in. Raises :class:`MarketError` for a negative amount or a
        known id with another amount. Available credit is applied to the new invoice.
        """
        if amount_i < 0:
            raise MarketError(f"invoice {invoice_id}: amount must be >= 0, got {amount_i}")
        known = self.amounts.get(invoice_id)
        if known is not None:
            if known != amount_i:
                raise MarketError(f"invoice {invoice_id}: amount {amount_i} != known {known}")
            return self
        amounts = {**self.amounts, invoice_id: amount_i}
        slots = self.slots
        if slot is not None:
            slots = {**self.slots, invoice_id: slot}
            if any(s > slot for s in self.slots.values()):  # arrived late: restore order
                order = sorted(amounts, key=lambda i: slots.get(i, -1))  # stable
                amounts = {i: amounts[i] for i in order}
                paid = Iota(sum(self.applied.values()) + self.credit_i)
                fresh = replace(self, amounts=amounts, slots=slots, applied={}, credit_i=_NO_IOTA)
                return fresh._allocate(paid)[0]
        book = replace(self, amounts=amounts, slots=slots)
        if self.credit_i:
            book, _ = book._allocate(_NO_IOTA)
        return book

    def apply_payment(self, key: str, amount_i: Iota) -> tuple[InvoiceBook, tuple[Allocation, ...]]:
        """Apply a payment oldest invoice first; a known ``key`` changes nothing.

        Returns the new book and the allocations made. Any excess becomes credit.
        """
        if amount_i <= 0:
            raise MarketError(f"payment {key}: amount must be > 0, got {amount_i}")
        if key in self.payment_keys:
            return self, ()
        book = replace(
            self, payment_keys=self.payment_keys | {key}, paid_i=Iota(self.paid_i + amount_i)
        )
        return book._allocate(amount_i)

    def withdraw_payment(self, key: str, amount_i: Iota) -> InvoiceBook:
        """Take back a payment the ledger failed: its invoices are open again.

        Everything still paid is re-applied oldest invoice first, as if the failed payment had
        never been made. Withdrawing a key twice changes nothing; an unknown key, or an amount
        other than the one applied under it, raises :class:`MarketError`.
        """
        if key not in self.payment_keys:
            raise MarketError(f"payment {key}: not applied, so it cannot be withdrawn")
        if key in self.withdrawn:
            if self.withdrawn[key] != amount_i:
                raise MarketError(f"payment {key}: withdrawn with {self.withdrawn[key]} before")
            return self
        covered = Iota(sum(self.applied.values()) + self.credit_i - amount_i)
        if amount_i <= 0 or covered < 0:
            raise MarketError(f"payment {key}: cannot withdraw {amount_i}")
        fresh = replace(
            self, applied={}, credit_i=_NO_IOTA, withdrawn={**self.withdrawn, key: amount_i}
        )
        return fresh._allocate(covered)[0]

    def _allocate(self, amount_i: Iota) -> tuple[InvoiceBook, tuple[Allocation, ...]]:
        available = self.credit_i + amount_i
        applied = dict(self.applied)
        allocations: list[Allocation] = []
        for invoice, amount in self.amounts.items():
            if available == 0:
                break
            gap = amount - applied.get(invoice, 0)
            if gap > 0:
                part = min(gap, available)
                applied[invoice] = Iota(applied.get(invoice, 0) + part)
                allocations.append(Allocation(invoice, Iota(part)))
                available -= part
        return replace(self, applied=applied, credit_i=Iota(available)), tuple(allocations)


@dataclass(frozen=True, slots=True)
class PaymentPlan:
    """A payment to make now: its idempotency key, amount and the invoices it covers."""

    key: str
    amount_i: Iota
    allocations: tuple[Allocation, ...]

    @property
    def invoice_ids(self) -> tuple[str, ...]:
        """Invoices (fully or partly) covered by this payment, oldest first."""
        return tuple(a.invoice_id for a in self.allocations)


def plan_payment(book: InvoiceBook, consumer_id: str, policy: PaymentPolicy) -> PaymentPlan | None:
    """The payment ``consumer_id`` should make now, or ``None`` if none is due.

    Record the plan with ``book.apply_payment(plan.key, plan.amount_i)`` as soon as it is
    handed to the ledger: the key derives from the total paid before it, so re-planning
    from the same book (e.g. after a restart) yields the same key.
    """
    amount = payment_due(Iota(book.outstanding_i - book.credit_i), policy)
    if amount <= 0:
        return None
    key = payment_key(consumer_id, book.paid_i, amount)
    _, allocations = book.apply_payment(key, amount)
    return PaymentPlan(key, amount, allocations)
