"""Producer: aggregates its sources per slot and offers the energy to the grid.

A slot closes as soon as every source reported it, or when its grace window
(``timing.producer_grace_s`` after the slot's end) expires; missing sources are named in the
offer (their energy is not guessed). Readings that arrive after their slot closed are
acknowledged and counted as late, never added to a closed offer. Statements from the grid
are recorded per slot (once), and checked against the producer's balance on the ledger.
"""

from __future__ import annotations

import logging

from actorgrid.actors import wire
from actorgrid.actors.base import Entity, RunEnv
from actorgrid.actors.control import Grace, VerifyPayouts
from actorgrid.actors.spec import ProducerSpec

__all__ = ["ProducerActor"]

log = logging.getLogger("actorgrid.actors")


class ProducerActor(Entity):
    """One producer (its sources are siblings under the producer's supervisor)."""

    def __init__(self, env: RunEnv, spec: ProducerSpec) -> None:
        self.book = env.store.producer(spec.id)
        super().__init__(env, spec.id, self.book.outbox)
        self.spec = spec
        self.source_ids = tuple(s.id for s in spec.sources)

    async def started(self) -> None:
        """Close whatever is complete or overdue, arm the next grace timer."""
        self._close_ready(force_until=self._overdue_slot())
        self._arm_grace()

    async def handle(self, message: object) -> object:
        """Readings, grace timers, acks, statements, payout checks."""
        if isinstance(message, wire.MeterReading):
            self._on_reading(message)
        elif isinstance(message, Grace):
            self._close_ready(force_until=message.slot)
            self._arm_grace()
            await self._check_payouts()
        elif isinstance(message, wire.SettlementStatement):
            self._on_statement(message)
        elif isinstance(message, wire.SlotOutcome):
            self._on_outcome(message)
        elif isinstance(message, VerifyPayouts):
            await self._verify()
        else:
            return await super().handle(message)
        return None

    def _on_reading(self, reading: wire.MeterReading) -> None:
        book = self.book
        slot, source = reading.slot, reading.source_id
        self.ack(source, reading)
        if source not in self.source_ids or not 0 <= slot < self.env.spec.slots:
            log.warning("%s: reading from unknown source/slot %s/%s", self.entity_id, source, slot)
            return
        if slot < book.next_close:
            if source not in book.readings.get(slot, {}):
                book.late_readings += 1
            return
        book.readings.setdefault(slot, {}).setdefault(source, reading.energy_wh)
        self._close_ready(force_until=-1)

    def _close_ready(self, force_until: int) -> None:
        """Close slots in order while complete, or up to ``force_until`` regardless."""
        book = self.book
        while book.next_close < self.env.spec.slots:
            slot = book.next_close
            got = book.readings.get(slot, {})
            if len(got) < len(self.source_ids) and slot > force_until:
                return
            missing = tuple(s for s in self.source_ids if s not in got)
            energy = sum(got.values())
            reported = tuple(s for s in self.source_ids if s in got)
            offer = wire.offer(
                self.entity_id,
                slot,
                energy,
                self.spec.price,
                self.env.ledger.known_address(self.entity_id),
                reported,
                missing,
            )
            book.offered_wh[slot] = energy
            if missing:
                book.missing[slot] = missing
            book.next_close = slot + 1
            book.readings.pop(slot, None)  # closed: the offer holds the figure (bounded store)
            self.post(self.env.grid_id, offer)
            if self.env.mam is not None:
                self.env.mam.record(self, "offer", {"slot": slot, "wh": energy, "missing": missing})

    def _overdue_slot(self) -> int:
        """Latest slot whose grace window has expired by now."""
        env = self.env
        elapsed = self.ctx.clock.now() - env.t0 - env.spec.timing.producer_grace_s
        return int(elapsed // env.spec.slot_s) - 1

    def _arm_grace(self) -> None:
        slot = self.book.next_close
        if slot < self.env.spec.slots:
            due = self.env.slot_end(slot) + self.env.spec.timing.producer_grace_s
            self.ctx.schedule_once(max(0.0, due - self.ctx.clock.now()), Grace(slot))

    def _on_statement(self, statement: wire.SettlementStatement) -> None:
        self.ack(self.env.grid_id, statement)
        book = self.book
        if statement.slot in book.statements:
            return
        book.statements[statement.slot] = statement.amount_i
        if statement.amount_i > 0:
            every = self.env.spec.payout_every
            key = wire.payout_key(self.env.grid_id, self.entity_id, statement.slot // every, every)
            book.unverified[key] = book.unverified.get(key, 0) + statement.amount_i
        if self.env.mam is not None:
            self.env.mam.record(
                self, "statement", {"slot": statement.slot, "i": statement.amount_i}
            )

    def _on_outcome(self, outcome: wire.SlotOutcome) -> None:
        if self.record_outcome(self.book, outcome):
            self.book.exported_wh += outcome.utility_wh

    async def _check_payouts(self) -> None:
        """Look every unverified payout up on the ledger; confirmed ones count as verified."""
        book = self.book
        for key, amount in list(book.unverified.items()):
            if await self.env.ledger.is_confirmed(key):
                del book.unverified[key]
                book.verified_i += amount

    async def _verify(self) -> None:
        """Check the remaining payouts and read the confirmed balance from the ledger."""
        await self._check_payouts()
        self.book.ledger_balance_i = await self.env.ledger.balance(self.entity_id)
