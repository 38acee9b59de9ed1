"""What every grid entity shares: the run environment, at-least-once delivery, fault injection.

Delivery between entities is *at least once*: a sender keeps each message in its
:class:`~actorgrid.actors.store.Outbox` (which lives in the run's store, so it survives a
restart) and resends everything unacknowledged when told :class:`Retry` (the run's retry
sweep tells every entity with pending messages, every ``retry_s`` seconds of the run's
clock) and when it restarts; the receiver de-duplicates by (entity, slot) or document id
and acknowledges every copy. Together that is *exactly once* in the books.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from actorgrid.actors import wire
from actorgrid.actors.control import Crash, InjectedCrash, Retry, SlotTick
from actorgrid.actors.results import SlotResult
from actorgrid.actors.spec import GridSpec
from actorgrid.actors.store import Outbox, PaymentRecord, RunStore
from actorgrid.runtime import Actor, Overflow

if TYPE_CHECKING:
    from actorgrid.actors.payments import LedgerPort
    from actorgrid.actors.publishing import MamPort
    from actorgrid.profiles import Profile
    from actorgrid.runtime import ActorRef, ActorSystem

__all__ = ["Entity", "MeteredEntity", "RunEnv"]

_EPS = 1e-6  # clock slack when deciding whether a slot has ended

log = logging.getLogger("actorgrid.actors")


@dataclass(slots=True)
class RunEnv:
    """Everything the entities of one run share (built by the run driver)."""

    spec: GridSpec
    store: RunStore
    system: ActorSystem
    paths: dict[str, str]
    profiles: dict[str, Profile]
    ledger: LedgerPort
    mam: MamPort | None = None
    t0: float = 0.0
    on_slot: Callable[[SlotResult], None] | None = None
    readings: int = 0
    grid_id: str = "grid"
    extra: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, ActorRef] = field(default_factory=dict)

    def slot_end(self, slot: int) -> float:
        """Clock time at which ``slot`` ends."""
        return self.t0 + (slot + 1) * self.spec.slot_s

    def ref(self, entity: str) -> ActorRef | None:
        """The current ref of ``entity`` (by id or path), or None if it is not running.

        Refs survive restarts, so they are cached; a stopped actor's ref is looked up again.
        """
        ref = self.refs.get(entity)
        if ref is not None and ref.is_alive:
            return ref
        ref = self.system.lookup(self.paths.get(entity, entity))
        if ref is not None:
            self.refs[entity] = ref
        return ref


class Entity(Actor):
    """Base of Source, Producer, Consumer and Grid actors."""

    mailbox_size = 1 << 16
    overflow = Overflow.BACKPRESSURE

    def __init__(self, env: RunEnv, entity_id: str, outbox: Outbox) -> None:
        self.env = env
        self.entity_id = entity_id
        self.outbox = outbox

    async def on_start(self) -> None:
        """Count the (re)start, re-arm retransmission, then :meth:`started`."""
        self.env.store.started(self.entity_id)
        if self.outbox.pending:
            self._resend()
        await self.started()

    async def started(self) -> None:
        """Subclass hook run at each (re)start, after the outbox is re-armed."""

    async def on_receive(self, message: object) -> object:
        """Crash on :class:`Crash`, resend on :class:`Retry`, else :meth:`handle`."""
        if isinstance(message, Retry):
            self._resend()
            await self.on_retry()
            return None
        if isinstance(message, wire.Ack):
            self.acked(message.ref)
            return None
        if isinstance(message, Crash):
            raise InjectedCrash(f"{self.entity_id}: injected crash {message.note}".strip())
        return await self.handle(message)

    async def on_retry(self) -> None:
        """Subclass hook run on every :class:`Retry` (e.g. re-submit refused transfers)."""

    async def submit_all(self, records: list[PaymentRecord]) -> None:
        """Hand every not yet accepted record to the ledger; remember this entity for the
        retry sweep while any is left (the ledger may be restarting)."""
        left = False
        for record in records:
            if record.accepted or record.failed:
                continue
            if await self.env.ledger.submit(self, record):
                record.accepted = True
            else:
                left = left or not record.failed
        if left:
            self.env.store.unsubmitted.add(self.entity_id)
        else:
            self.env.store.unsubmitted.discard(self.entity_id)

    async def handle(self, message: object) -> object:
        """Subclass hook: one domain message."""
        log.warning("%s: unexpected message %r", self.entity_id, message)
        return None

    # -- delivery -------------------------------------------------------------------------

    def post(self, to: str, message: object) -> None:
        """Send ``message`` to entity ``to`` and keep resending it until :meth:`acked`."""
        self.outbox.put(wire.key_of(message), to, message)
        self.deliver(to, message)

    def acked(self, key: str) -> None:
        """The receiver acknowledged ``key``: stop resending it."""
        self.outbox.ack(key)

    def ack(self, to: str, message: object) -> None:
        """Acknowledge ``message`` to entity ``to`` (every copy, also duplicates)."""
        self.deliver(to, wire.ack_for(message))

    def record_outcome(self, book: Any, outcome: wire.SlotOutcome) -> bool:
        """Acknowledge ``outcome`` and record it once per slot in ``book`` (a store record
        with ``outcomes`` and ``matched_wh``); False for a redelivered copy."""
        self.ack(self.env.grid_id, outcome)
        if outcome.slot in book.outcomes:
            return False
        book.outcomes[outcome.slot] = str(outcome.reason)
        book.matched_wh += outcome.matched_wh
        return True

    def deliver(self, to: str, message: object) -> None:
        """Best-effort ``tell``; a lost message is resent by the outbox or the sender."""
        ref = self.env.ref(to)
        if ref is None:
            return
        try:
            ref.tell(message)
        except Exception as exc:  # MailboxFull, stopped: the retry timer resends
            log.debug("%s: tell to %s failed: %r", self.entity_id, to, exc)

    def _resend(self) -> None:
        for to, message in list(self.outbox.pending.values()):
            self.outbox.resent += 1
            self.deliver(to, message)


class MeteredEntity(Entity):
    """An entity that meters its profile once per slot: a Source or a Consumer.

    Slot ``k`` is metered when it ends, catching up on slots missed while the actor was
    down; the slot counter (``next_slot``) lives in the run's store, so a restarted entity
    neither skips nor repeats a slot. Subclasses set ``book`` and ``profile`` and say what a
    metered slot means in :meth:`metered`.
    """

    book: Any  # a store record with a ``next_slot`` counter
    profile: Profile

    def metered(self, slot: int, energy_wh: int) -> None:
        """Report ``energy_wh`` of ``slot`` (runs once per slot, in slot order)."""
        raise NotImplementedError

    def meter_due(self) -> None:
        """Meter every slot that has ended, then arm the timer for the next one."""
        env, book = self.env, self.book
        now = self.ctx.clock.now()
        while book.next_slot < env.spec.slots and env.slot_end(book.next_slot) <= now + _EPS:
            slot = book.next_slot
            book.next_slot = slot + 1
            env.readings += 1
            self.metered(slot, self.profile.energy_wh(slot))
        if book.next_slot < env.spec.slots:
            delay = max(0.0, env.slot_end(book.next_slot) - now)
            self.ctx.schedule_once(delay, SlotTick(book.next_slot))
