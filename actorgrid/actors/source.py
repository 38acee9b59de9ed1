"""Source: one reading per slot from its profile, sent to its producer until acknowledged."""

from __future__ import annotations

from actorgrid.actors import wire
from actorgrid.actors.base import MeteredEntity, RunEnv
from actorgrid.actors.control import SlotTick
from actorgrid.actors.spec import ProducerSpec, SourceSpec

__all__ = ["SourceActor"]


class SourceActor(MeteredEntity):
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
        """Meter what is due and arm the timer for the next slot."""
        self.meter_due()

    async def handle(self, message: object) -> object:
        """Slot ticks and acknowledgements."""
        if isinstance(message, SlotTick):
            self.meter_due()
            return None
        return await super().handle(message)

    def metered(self, slot: int, energy_wh: int) -> None:
        """Send the reading to the producer (until acknowledged) and record it on MAM."""
        self.post(self.producer_id, wire.reading(self.entity_id, self.producer_id, slot, energy_wh))
        if self.env.mam is not None:
            self.env.mam.record(self, "reading", {"slot": slot, "wh": energy_wh})
