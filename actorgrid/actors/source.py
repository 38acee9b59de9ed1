"""Source: one reading per slot from its profile, sent to its producer until acknowledged."""

from __future__ import annotations

from actorgrid.actors import wire
from actorgrid.actors.base import Entity, RunEnv
from actorgrid.actors.control import SlotTick
from actorgrid.actors.spec import ProducerSpec, SourceSpec

__all__ = ["SourceActor"]

_EPS = 1e-6


class SourceActor(Entity):
    """Meters slot ``k`` when it ends (catching up on slots missed while down).

    The reading is kept in the source's outbox (in the run's store) and resent until the
    producer acknowledges (source, slot); the slot counter lives in the store too, so a
    restarted source neither skips nor repeats a slot.
    """

    def __init__(self, env: RunEnv, producer: ProducerSpec, source: SourceSpec) -> None:
        self.book = env.store.source(source.id)
        super().__init__(env, source.id, self.book.outbox)
        self.producer_id = producer.id
        self.profile = env.profiles[source.id]

    async def started(self) -> None:
        """Arm the timer for the next slot to meter."""
        self._meter_due()
        self._arm_tick()

    async def handle(self, message: object) -> object:
        """Slot ticks and acknowledgements."""
        if isinstance(message, SlotTick):
            self._meter_due()
            self._arm_tick()
        else:
            return await super().handle(message)
        return None

    def _meter_due(self) -> None:
        env, book = self.env, self.book
        now = self.ctx.clock.now()
        while book.next_slot < env.spec.slots and env.slot_end(book.next_slot) <= now + _EPS:
            slot = book.next_slot
            energy = self.profile.energy_wh(slot)
            reading = wire.reading(self.entity_id, self.producer_id, slot, energy)
            book.next_slot = slot + 1
            env.readings += 1
            self.post(self.producer_id, reading)
            if env.mam is not None:
                env.mam.record(self, "reading", {"slot": slot, "wh": energy})

    def _arm_tick(self) -> None:
        slot = self.book.next_slot
        if slot < self.env.spec.slots:
            delay = max(0.0, self.env.slot_end(slot) - self.ctx.clock.now())
            self.ctx.schedule_once(delay, SlotTick(slot))
