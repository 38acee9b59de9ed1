"""How the grid actors pay: a small port over the ledger, and a books-only stand-in.

The entities never talk to wallets directly. They hand a
:class:`~actorgrid.actors.store.PaymentRecord` (already written to the run's store) to
:meth:`LedgerPort.submit`, which returns once the ledger has *journalled* it (or refused
it); the outcome arrives later as a ledger event that :meth:`LedgerPort.outcome` decodes.

* :class:`~actorgrid.actors.tangle.TangleLedger` is the real one: the ledger actor on the
  embedded node (real value bundles, PoW, confirmation).
* :class:`BookLedger` keeps balances in memory and confirms at once. It is for runs with
  ``ledger.enabled = false`` (unit tests of the market flows, fast property tests); a run
  using it says so in its report (``ledger.node = "books-only"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from actorgrid.actors.results import LedgerFigures
from actorgrid.actors.store import PaymentRecord
from actorgrid.actors.wire import pseudo_address

if TYPE_CHECKING:
    from actorgrid.actors.base import Entity

__all__ = ["BookLedger", "BookTransferDone", "LedgerPort"]


class LedgerPort(Protocol):
    """What the grid actors need from a ledger."""

    async def submit(self, actor: Entity, record: PaymentRecord) -> bool:
        """Hand ``record`` to the ledger; True once journalled (also for a known key)."""
        ...

    def outcome(self, message: object) -> tuple[str, bool, str] | None:
        """``(key, confirmed, detail)`` if ``message`` is a transfer outcome event."""
        ...

    def known_address(self, entity: str) -> str:
        """A receive address of ``entity`` fixed for the run."""
        ...

    async def collection_address(self, actor: Entity, slot: int) -> str:
        """The grid's receive address for invoices of ``slot``."""
        ...

    async def balance(self, entity: str) -> int | None:
        """Confirmed balance of ``entity``'s wallet."""
        ...

    async def is_confirmed(self, key: str) -> bool:
        """Whether the transfer with idempotency key ``key`` is confirmed on the ledger."""
        ...

    async def figures(self) -> LedgerFigures:
        """Bundles, confirmations and transfers so far."""
        ...


@dataclass(frozen=True, slots=True)
class BookTransferDone:
    """Event of :class:`BookLedger`: the transfer ``key`` is booked."""

    key: str


class BookLedger:
    """In-memory balances that confirm every transfer at once (no tangle)."""

    def __init__(self, initial: dict[str, int] | None = None) -> None:
        self.balances: dict[str, int] = dict(initial or {})
        self.done: dict[str, PaymentRecord] = {}

    async def submit(self, actor: Entity, record: PaymentRecord) -> bool:
        """Book ``record`` once per key and tell ``actor`` it is confirmed."""
        if record.key not in self.done:
            self.done[record.key] = record
            self.balances[record.wallet] = self.balances.get(record.wallet, 0) - record.amount_i
            self.balances[record.to_entity] = (
                self.balances.get(record.to_entity, 0) + record.amount_i
            )
        actor.ctx.self_ref.tell(BookTransferDone(record.key))
        return True

    def outcome(self, message: object) -> tuple[str, bool, str] | None:
        """Decode :class:`BookTransferDone`."""
        if isinstance(message, BookTransferDone):
            return message.key, True, ""
        return None

    def known_address(self, entity: str) -> str:
        """A well-formed stand-in address (no tangle)."""
        return pseudo_address(entity)

    async def collection_address(self, actor: Entity, slot: int) -> str:
        """A well-formed stand-in address (no tangle)."""
        return pseudo_address(actor.entity_id)

    async def balance(self, entity: str) -> int | None:
        """The booked balance."""
        return self.balances.get(entity, 0)

    async def is_confirmed(self, key: str) -> bool:
        """Booked transfers are confirmed at once."""
        return key in self.done

    async def figures(self) -> LedgerFigures:
        """Transfers booked (no bundles)."""
        n = len(self.done)
        return LedgerFigures(transfers=n, transfers_confirmed=n, node="books-only")
