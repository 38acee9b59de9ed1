"""State that must survive an actor restart, kept outside the actor instances.

A restart builds a fresh actor from its factory; the factory hands the fresh instance the
same book from the run's :class:`RunStore`, so acknowledged readings, open slot books,
outstanding invoices and payment records are never lost. Every mutation that matters is a
single step on a book (no half-applied updates to undo if the actor crashes between two).

The store is in-memory and owned by the run (one process, one event loop: no locking).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from actorgrid.actors.results import SlotResult
from actorgrid.market.payments import InvoiceBook

__all__ = [
    "ConsumerBook",
    "GridBook",
    "Outbox",
    "PaymentRecord",
    "ProducerBook",
    "RunStore",
    "SourceBook",
]


@dataclass(slots=True)
class Outbox:
    """Messages sent but not yet acknowledged, by key; resent until their ack arrives.

    ``owner`` is added to the shared ``waiting`` set while anything is pending, so the
    run's retry sweep finds the entities that have something to resend without a timer
    per entity.
    """

    owner: str = ""
    waiting: set[str] = field(default_factory=set)
    pending: dict[Any, tuple[str, object]] = field(default_factory=dict)
    sent: int = 0
    resent: int = 0

    def put(self, key: Any, path: str, message: object) -> None:
        """Remember ``message`` for ``path`` until :meth:`ack` of ``key``."""
        self.pending[key] = (path, message)
        self.sent += 1
        self.waiting.add(self.owner)

    def ack(self, key: Any) -> bool:
        """Forget ``key``; True if it was pending."""
        found = self.pending.pop(key, None) is not None
        if not self.pending:
            self.waiting.discard(self.owner)
        return found


@dataclass(slots=True)
class SourceBook:
    """A source's next slot to meter and its unacknowledged readings."""

    next_slot: int = 0
    outbox: Outbox = field(default_factory=Outbox)


@dataclass(slots=True)
class ProducerBook:
    """A producer's acknowledged readings per slot, closed slots and statements."""

    readings: dict[int, dict[str, int]] = field(default_factory=dict)
    next_close: int = 0
    late_readings: int = 0
    missing: dict[int, tuple[str, ...]] = field(default_factory=dict)
    offered_wh: dict[int, int] = field(default_factory=dict)
    statements: dict[int, int] = field(default_factory=dict)  # slot -> iotas due
    unverified: dict[str, int] = field(default_factory=dict)  # payout id -> iotas
    verified_i: int = 0  # payouts seen confirmed on the ledger
    outcomes: dict[int, str] = field(default_factory=dict)  # slot -> reason
    matched_wh: int = 0
    exported_wh: int = 0
    ledger_balance_i: int | None = None
    outbox: Outbox = field(default_factory=Outbox)


@dataclass(slots=True)
class PaymentRecord:
    """One transfer an entity asked the ledger to make (idempotency key = ``key``).

    Written to the store *before* the ledger is asked, re-submitted with the same key after
    a restart until the ledger accepts it (the ledger executes a key once).
    """

    key: str
    amount_i: int
    invoice_ids: tuple[str, ...] = ()
    to_address: str = ""
    wallet: str = ""
    to_entity: str = ""
    reference: str = ""
    accepted: bool = False
    confirmed: bool = False
    failed: str = ""


@dataclass(slots=True)
class ConsumerBook:
    """A consumer's next slot, unacknowledged reports, invoices and payments.

    ``invoices`` is the market's immutable :class:`InvoiceBook` (replaced on each change):
    it de-duplicates invoices by id and payments by key.
    """

    next_slot: int = 0
    outbox: Outbox = field(default_factory=Outbox)
    invoices: InvoiceBook = field(default_factory=InvoiceBook)
    payments: dict[str, PaymentRecord] = field(default_factory=dict)
    consumed_wh: int = 0
    matched_wh: int = 0
    imported_wh: int = 0
    outcomes: dict[int, str] = field(default_factory=dict)  # slot -> reason
    pay_to: str = ""
    flushed: bool = False

    @property
    def billed_i(self) -> int:
        """Sum of all invoices received."""
        return int(self.invoices.invoiced_i)

    @property
    def paid_i(self) -> int:
        """Sum of payments the ledger accepted and did not fail."""
        return sum(p.amount_i for p in self.payments.values() if p.accepted and not p.failed)

    @property
    def confirmed_i(self) -> int:
        """Sum of payments the ledger confirmed."""
        return sum(p.amount_i for p in self.payments.values() if p.confirmed)


@dataclass(slots=True)
class GridBook:
    """The grid's slot books, cleared slots, carried fractions and transfers."""

    usage: dict[int, dict[str, tuple[int, int]]] = field(default_factory=dict)
    offers: dict[int, dict[str, tuple[int, int, int]]] = field(default_factory=dict)
    next_clear: int = 0
    cleared: dict[int, SlotResult] = field(default_factory=dict)
    late_reports: int = 0
    carries: dict[str, Fraction] = field(default_factory=dict)
    settlement_state: Any = None  # whatever the market's settlement carries between slots
    billed: dict[str, int] = field(default_factory=dict)  # consumer -> iotas
    owed: dict[str, int] = field(default_factory=dict)  # producer -> iotas
    local: dict[str, int] = field(default_factory=dict)  # participant -> local Wh
    utility_wh: dict[str, int] = field(default_factory=dict)  # import/export per participant
    energy: dict[str, int] = field(default_factory=dict)
    transfers: dict[str, PaymentRecord] = field(default_factory=dict)
    due: dict[str, int] = field(default_factory=dict)  # payee -> iotas not yet transferred
    pay_to: dict[int, str] = field(default_factory=dict)  # slot -> collection address
    outbox: Outbox = field(default_factory=Outbox)


@dataclass(slots=True)
class RunStore:
    """All books of one run, by entity id."""

    sources: dict[str, SourceBook] = field(default_factory=dict)
    producers: dict[str, ProducerBook] = field(default_factory=dict)
    consumers: dict[str, ConsumerBook] = field(default_factory=dict)
    grid: GridBook = field(default_factory=GridBook)
    restarts: dict[str, int] = field(default_factory=dict)
    waiting: set[str] = field(default_factory=set)  # entities with unacknowledged messages
    unsubmitted: set[str] = field(default_factory=set)  # entities with transfers to re-submit

    def source(self, source_id: str) -> SourceBook:
        """The book of ``source_id`` (created empty on first use)."""
        if source_id not in self.sources:
            self.sources[source_id] = SourceBook(outbox=self._outbox(source_id))
        return self.sources[source_id]

    def producer(self, producer_id: str) -> ProducerBook:
        """The book of ``producer_id`` (created empty on first use)."""
        if producer_id not in self.producers:
            self.producers[producer_id] = ProducerBook(outbox=self._outbox(producer_id))
        return self.producers[producer_id]

    def consumer(self, consumer_id: str) -> ConsumerBook:
        """The book of ``consumer_id`` (created empty on first use)."""
        if consumer_id not in self.consumers:
            self.consumers[consumer_id] = ConsumerBook(outbox=self._outbox(consumer_id))
        return self.consumers[consumer_id]

    def grid_book(self, grid_id: str) -> GridBook:
        """The grid's book, its outbox owned by ``grid_id``."""
        if not self.grid.outbox.owner:
            self.grid.outbox = self._outbox(grid_id)
        return self.grid

    def _outbox(self, owner: str) -> Outbox:
        return Outbox(owner=owner, waiting=self.waiting)

    def started(self, entity: str) -> int:
        """Count a start of ``entity``; returns how many times it was started before."""
        before = self.restarts.get(entity, -1) + 1
        self.restarts[entity] = before
        return before
