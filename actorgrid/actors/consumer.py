"""Consumer: reports usage per slot, receives invoices, pays them through the ledger.

Invoices are de-duplicated by their deterministic id, so a redelivered invoice is owed once.
Payments follow the configured policy (whole multiples of ``threshold_i`` once that much is
owed, or every ``batch`` invoices); each payment is recorded in the store under its
idempotency key *before* it is handed to the ledger actor, and re-submitted with the same
key after a restart, so the ledger executes it once. Paid and confirmed figures come from
the ledger's answers and events, not from the consumer's intentions; a payment the ledger
fails is withdrawn from the invoice book, so its invoices are owed again.
"""

from __future__ import annotations

import logging

from actorgrid.actors import wire
from actorgrid.actors.base import MeteredEntity, RunEnv
from actorgrid.actors.control import Flush, SlotTick
from actorgrid.actors.grid import collection_wallet
from actorgrid.actors.spec import ConsumerSpec
from actorgrid.actors.store import PaymentRecord
from actorgrid.market.payments import PaymentPolicy, plan_payment
from actorgrid.market.units import Iota

__all__ = ["ConsumerActor"]

log = logging.getLogger("actorgrid.actors")
_PAY_ALL = PaymentPolicy(Iota(1), Iota(1))


class ConsumerActor(MeteredEntity):
    """One consumer."""

    def __init__(self, env: RunEnv, spec: ConsumerSpec) -> None:
        self.book = env.store.consumer(spec.id)
        super().__init__(env, spec.id, self.book.outbox)
        self.spec = spec
        self.profile = env.profiles[spec.id]

    async def started(self) -> None:
        """Catch up on metering, re-submit payments the ledger has not accepted yet."""
        self.meter_due()
        await self.submit_all(list(self.book.payments.values()))

    async def handle(self, message: object) -> object:
        """Ticks, acks, invoices, ledger events, the end-of-run flush."""
        if isinstance(message, SlotTick):
            self.meter_due()
        elif isinstance(message, wire.Invoice):
            await self._on_invoice(message)
        elif isinstance(message, wire.SlotOutcome):
            self._on_outcome_message(message)
        elif isinstance(message, Flush):
            self.book.flushed = True
            await self._pay(force=True)
        else:
            event = self.env.ledger.outcome(message)
            if event is None:
                return await super().handle(message)
            self._on_outcome(*event)
        return None

    # -- usage ------------------------------------------------------------------------------

    def metered(self, slot: int, energy_wh: int) -> None:
        """Report the slot's usage to the grid (until acknowledged) and record it on MAM."""
        self.book.consumed_wh += energy_wh
        self.post(
            self.env.grid_id, wire.usage(self.entity_id, slot, energy_wh, self.spec.max_price)
        )
        if self.env.mam is not None:
            self.env.mam.record(self, "usage", {"slot": slot, "wh": energy_wh})

    # -- billing ----------------------------------------------------------------------------

    async def _on_invoice(self, inv: wire.Invoice) -> None:
        self.ack(self.env.grid_id, inv)
        book = self.book
        book.pay_to = inv.pay_to
        if inv.invoice_id in book.invoices.amounts:
            return
        book.invoices = book.invoices.add(inv.invoice_id, Iota(inv.amount_i), slot=inv.slot)
        if self.env.mam is not None:
            self.env.mam.record(self, "invoice", {"slot": inv.slot, "i": inv.amount_i})
        await self._pay(force=book.flushed)

    def _on_outcome_message(self, outcome: wire.SlotOutcome) -> None:
        if self.record_outcome(self.book, outcome):
            self.book.imported_wh += outcome.utility_wh

    async def _pay(self, *, force: bool) -> None:
        """Plan a payment with the market's policy and hand it to the ledger."""
        book = self.book
        policy = _PAY_ALL if force else self.env.spec.payment
        plan = plan_payment(book.invoices, self.entity_id, policy)
        if plan is None or plan.key in book.payments:
            return
        record = PaymentRecord(
            key=plan.key,
            amount_i=int(plan.amount_i),
            invoice_ids=plan.invoice_ids,
            to_address=book.pay_to,
            wallet=self.entity_id,
            to_entity=collection_wallet(self.env.grid_id),
            reference=f"{self.entity_id} pays {len(plan.invoice_ids)} invoices",
        )
        book.payments[record.key] = record
        book.invoices, _ = book.invoices.apply_payment(plan.key, plan.amount_i)
        await self.submit_all([record])

    async def on_retry(self) -> None:
        """Re-submit payments the ledger has not accepted yet."""
        if self.entity_id in self.env.store.unsubmitted:
            await self.submit_all(list(self.book.payments.values()))

    def _on_outcome(self, key: str, confirmed: bool, detail: str) -> None:
        record = self.book.payments.get(key)
        if record is None or record.confirmed or record.failed:
            return
        if confirmed:
            record.confirmed = True
        else:
            record.failed = detail or "failed"
            # the money did not move: its invoices are owed again, and the next payment the
            # policy makes (at the latest the end-of-run flush) covers them under a new key
            self.book.invoices = self.book.invoices.withdraw_payment(key, Iota(record.amount_i))
            log.warning("%s: payment %s failed: %s", self.entity_id, key, record.failed)
