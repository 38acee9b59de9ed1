"""Grid: clears each slot, bills consumers and pays producers for *that* slot.

Per slot the Grid collects one usage report per consumer and one offer per producer
(de-duplicated by (entity, slot); every copy acknowledged). It clears the slot once all
expected reports are in, or when the grace window (``timing.grid_grace_s`` after the slot's
end) expires, whichever comes first; absent participants are counted as missing reports.
Then the market's pure functions decide everything (:func:`~actorgrid.market.clearing.clear`
and :func:`~actorgrid.market.settlement.settle`); this actor only records the result, tells
every participant what was matched and why, and hands the payouts and the utility's
settlement to the ledger. All of it is written to the store in one step, so a restart
neither loses nor repeats a slot.
"""

from __future__ import annotations

import logging
from collections import Counter
from fractions import Fraction

from actorgrid.actors import wire
from actorgrid.actors.base import Entity, RunEnv
from actorgrid.actors.control import Grace
from actorgrid.actors.results import SlotResult
from actorgrid.actors.store import PaymentRecord
from actorgrid.market.book import Bid, Offer
from actorgrid.market.clearing import ClearingResult, Reason, clear
from actorgrid.market.settlement import Carries, SlotSettlement, settle
from actorgrid.market.units import Price, SlotId, Wh
from actorgrid.protocol.energy import Role

__all__ = ["UTILITY", "GridActor", "collection_wallet"]

log = logging.getLogger("actorgrid.actors")

#: Wallet of the external utility (buyer and seller of last resort).
UTILITY = "utility"


def collection_wallet(grid_id: str) -> str:
    """The wallet consumers pay into. It only receives during a run, so its addresses are
    never spent from while invoices still point at them. Payouts and the utility's
    settlement go out of the grid's own wallet (named like the grid: its float)."""
    return f"{grid_id}.in"


class GridActor(Entity):
    """The grid operator: market, billing, payouts and the utility's settlement."""

    def __init__(self, env: RunEnv) -> None:
        self.book = env.store.grid_book(env.grid_id)
        super().__init__(env, env.grid_id, self.book.outbox)
        self.consumer_ids = tuple(c.id for c in env.spec.consumers)
        self.producer_ids = tuple(p.id for p in env.spec.producers)

    async def started(self) -> None:
        """Re-submit unaccepted transfers, clear overdue slots, arm the grace timer."""
        await self.submit_all(list(self.book.transfers.values()))
        await self._clear_ready(force_until=self._overdue_slot())
        self._arm_grace()

    async def handle(self, message: object) -> object:
        """Usage reports, offers, grace timers, acks and ledger events."""
        if isinstance(message, wire.UsageReport):
            await self._on_usage(message)
        elif isinstance(message, wire.Offer):
            await self._on_offer(message)
        elif isinstance(message, Grace):
            await self._clear_ready(force_until=message.slot)
            self._arm_grace()
        else:
            event = self.env.ledger.outcome(message)
            if event is None:
                return await super().handle(message)
            key, confirmed, detail = event
            record = self.book.transfers.get(key)
            if record is not None and not (record.confirmed or record.failed):
                if confirmed:
                    record.confirmed = True
                else:
                    record.failed = detail or "failed"
                    log.warning("grid transfer %s failed: %s", key, record.failed)
        return None

    # -- collecting -----------------------------------------------------------------------

    async def _on_usage(self, report: wire.UsageReport) -> None:
        cid, slot = report.consumer_id, report.slot
        self.ack(cid, report)
        if cid not in self.consumer_ids or not 0 <= slot < self.env.spec.slots:
            log.warning("grid: usage from unknown consumer/slot %s/%s", cid, slot)
            return
        if slot < self.book.next_clear:
            if cid not in self.book.usage.get(slot, {}):
                self.book.late_reports += 1
            return
        self.book.usage.setdefault(slot, {}).setdefault(cid, (report.energy_wh, report.max_price))
        await self._clear_ready(force_until=-1)

    async def _on_offer(self, offer: wire.Offer) -> None:
        pid, slot = offer.producer_id, offer.slot
        self.ack(pid, offer)
        if pid not in self.producer_ids or not 0 <= slot < self.env.spec.slots:
            log.warning("grid: offer from unknown producer/slot %s/%s", pid, slot)
            return
        if slot < self.book.next_clear:
            if pid not in self.book.offers.get(slot, {}):
                self.book.late_reports += 1
            return
        missing = len(offer.sources_missing)
        self.book.offers.setdefault(slot, {}).setdefault(
            pid, (offer.energy_wh, offer.price, missing)
        )
        await self._clear_ready(force_until=-1)

    def _overdue_slot(self) -> int:
        env = self.env
        elapsed = self.ctx.clock.now() - env.t0 - env.spec.timing.grid_grace_s
        return int(elapsed // env.spec.slot_s) - 1

    def _arm_grace(self) -> None:
        slot = self.book.next_clear
        if slot < self.env.spec.slots:
            due = self.env.slot_end(slot) + self.env.spec.timing.grid_grace_s
            self.ctx.schedule_once(max(0.0, due - self.ctx.clock.now()), Grace(slot))

    # -- clearing -------------------------------------------------------------------------

    async def _clear_ready(self, force_until: int) -> None:
        book = self.book
        while book.next_clear < self.env.spec.slots:
            slot = book.next_clear
            complete = len(book.usage.get(slot, {})) == len(self.consumer_ids) and len(
                book.offers.get(slot, {})
            ) == len(self.producer_ids)
            if not complete and slot > force_until:
                return
            await self._clear(slot)

    async def _clear(self, slot: int) -> None:
        """Clear, settle and record ``slot`` (one step), then notify and pay."""
        env, book = self.env, self.book
        usage = book.usage.get(slot, {})
        offered = book.offers.get(slot, {})
        bids = [Bid(cid, Wh(usage[cid][0]), Price(usage[cid][1])) for cid in sorted(usage)]
        offers = [
            Offer(pid, Wh(offered[pid][0]), Price(offered[pid][1])) for pid in sorted(offered)
        ]
        clearing = clear(SlotId(slot), offers, bids, env.spec.rule, env.spec.tariffs)
        carries = book.settlement_state if isinstance(book.settlement_state, Carries) else None
        settlement = settle(clearing, env.grid_id, carries or Carries())
        result = _slot_result(clearing, settlement)
        result.missing_readings = sum(m for _, _, m in offered.values())
        result.missing_reports = (len(self.consumer_ids) - len(usage)) + (
            len(self.producer_ids) - len(offered)
        )
        pay_to = await env.ledger.collection_address(self, slot)
        transfers, due = self._plan_transfers(slot, settlement)
        # -- commit (no await between here and the end of the commit) --
        book.cleared[slot] = result
        book.settlement_state = settlement.carries
        book.pay_to[slot] = pay_to
        self._book_participants(clearing, settlement)
        for record in transfers:
            book.transfers[record.key] = record
        book.due = due
        book.next_clear = slot + 1
        book.usage.pop(slot, None)
        book.offers.pop(slot, None)
        self._notify(clearing, settlement, pay_to)
        # -- end of commit --
        if env.mam is not None:
            env.mam.record(
                self, "settlement", wire.settlement_record(env.grid_id, clearing, settlement)
            )
        if env.on_slot is not None:
            env.on_slot(result)
        await self.submit_all(transfers)
        if book.next_clear >= env.spec.slots:
            done = env.extra.get("done")
            if done is not None:
                done.set()

    def _plan_transfers(
        self, slot: int, settlement: SlotSettlement
    ) -> tuple[list[PaymentRecord], dict[str, int]]:
        """The transfers to make after ``slot`` and the amounts still due afterwards.

        Each slot's payouts (and the utility's net) are due at once; they are transferred
        at the end of every payout period of ``payout_every`` slots (1: after every slot),
        so a period's transfers to one payee are one ledger payment. Never a 0-i transfer.
        """
        every = self.env.spec.payout_every
        due = dict(self.book.due)
        for line in settlement.payouts:
            due[line.producer_id] = due.get(line.producer_id, 0) + int(line.amount_i)
        due[UTILITY] = due.get(UTILITY, 0) + int(settlement.utility_i)
        if (slot + 1) % every and slot + 1 < self.env.spec.slots:
            return [], due
        period = slot // every
        grid_id = self.env.grid_id
        records = [
            PaymentRecord(
                key=wire.payout_key(grid_id, pid, period, every),
                amount_i=amount,
                wallet=grid_id,
                to_entity=pid,
                reference=f"payout {pid} period {period}",
            )
            for pid, amount in sorted(due.items())
            if pid != UTILITY and amount > 0
        ]
        utility = due.get(UTILITY, 0)
        key = wire.payout_key(grid_id, UTILITY, period, every)
        if utility > 0:
            records.append(
                PaymentRecord(key, utility, wallet=grid_id, to_entity=UTILITY, reference="imports")
            )
        elif utility < 0:
            records.append(
                PaymentRecord(key, -utility, wallet=UTILITY, to_entity=grid_id, reference="exports")
            )
        return records, {}

    def _book_participants(self, clearing: ClearingResult, settlement: SlotSettlement) -> None:
        book = self.book
        for c in clearing.consumers:
            book.energy[c.consumer_id] = book.energy.get(c.consumer_id, 0) + c.consumed_wh
            book.local[c.consumer_id] = book.local.get(c.consumer_id, 0) + c.matched_wh
            book.utility_wh[c.consumer_id] = book.utility_wh.get(c.consumer_id, 0) + c.imported_wh
        for p in clearing.producers:
            book.energy[p.producer_id] = book.energy.get(p.producer_id, 0) + p.produced_wh
            book.local[p.producer_id] = book.local.get(p.producer_id, 0) + p.matched_wh
            book.utility_wh[p.producer_id] = book.utility_wh.get(p.producer_id, 0) + p.exported_wh
        for inv in settlement.invoices:
            book.billed[inv.consumer_id] = book.billed.get(inv.consumer_id, 0) + inv.amount_i
        for line in settlement.payouts:
            book.owed[line.producer_id] = book.owed.get(line.producer_id, 0) + line.amount_i

    def _notify(self, clearing: ClearingResult, settlement: SlotSettlement, pay_to: str) -> None:
        """Tell every participant what happened to its energy in the slot, and why; send
        invoices and statements. Participants without a report get a 0-Wh outcome."""
        slot = int(clearing.slot)
        outcomes = wire.outcomes(clearing)
        for pid in self.producer_ids:
            self.post(pid, outcomes.get(pid) or _absent(pid, slot, Role.PRODUCER))
        for cid in self.consumer_ids:
            self.post(cid, outcomes.get(cid) or _absent(cid, slot, Role.CONSUMER))
        for inv in settlement.invoices:
            self.post(inv.consumer_id, wire.invoice(inv, pay_to))
        ledger = self.env.ledger
        for line in settlement.payouts:
            self.post(
                line.producer_id, wire.statement(line, ledger.known_address(line.producer_id))
            )

    async def on_retry(self) -> None:
        """Re-submit transfers the ledger has not accepted yet."""
        if self.entity_id in self.env.store.unsubmitted:
            await self.submit_all(list(self.book.transfers.values()))


def _absent(participant: str, slot: int, role: Role) -> wire.SlotOutcome:
    return wire.SlotOutcome(slot, participant, role, 0, 0, 0, None, Reason.NO_ENERGY)


def _slot_result(clearing: ClearingResult, settlement: SlotSettlement) -> SlotResult:
    price = clearing.clearing_price
    if price is None and clearing.fills:  # pay-as-bid: volume-weighted average, rounded down
        value = sum(Fraction(f.energy_wh * f.consumer_price) for f in clearing.fills)
        price = Price(int(value / clearing.local_wh))
    all_reasons = [c.reason for c in clearing.consumers] + [p.reason for p in clearing.producers]
    reasons = Counter(str(r) for r in all_reasons if r not in (Reason.MATCHED, Reason.NO_ENERGY))
    return SlotResult(
        slot=int(clearing.slot),
        produced_wh=int(clearing.produced_wh),
        consumed_wh=int(clearing.consumed_wh),
        local_wh=int(clearing.local_wh),
        imported_wh=int(clearing.imported_wh),
        exported_wh=int(clearing.exported_wh),
        clearing_price=None if price is None else int(price),
        consumers_paid_i=int(settlement.invoiced_i),
        producers_received_i=int(settlement.paid_out_i),
        grid_fees_i=int(settlement.grid_fee_i),
        utility_net_i=int(settlement.utility_i),
        reason=",".join(sorted(reasons)) if reasons else "matched",
    )
