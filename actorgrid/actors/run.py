"""The run driver: build the supervision tree, run the slots, settle, collect results.

:func:`run_grid` is the whole job behind ``actorgrid demo`` and ``bench/grid.py``::

    results = await run_grid(spec, ledger="tangle", progress=print_progress)

It starts an :class:`~actorgrid.runtime.ActorSystem` on the spec's clock (``SimClock``:
a simulated day runs as fast as the CPU allows; ``WallClock``: live), spawns the ledger and
the grid subtree, optionally injects faults (crashes of any entity at given clock times),
waits until the last slot is cleared, tells every consumer to pay what it still owes, waits
until every transfer is confirmed, and returns plain :class:`RunResults`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from actorgrid.actors.base import RunEnv
from actorgrid.actors.consumer import ConsumerActor
from actorgrid.actors.control import Crash, Flush, Retry, VerifyPayouts
from actorgrid.actors.grid import UTILITY, GridActor
from actorgrid.actors.payments import BookLedger, LedgerPort
from actorgrid.actors.producer import ProducerActor
from actorgrid.actors.results import ParticipantResult, RunResults, SlotResult
from actorgrid.actors.source import SourceActor
from actorgrid.actors.spec import ConsumerSpec, GridSpec, ProducerSpec, SourceSpec
from actorgrid.actors.store import RunStore
from actorgrid.actors.tree import CONSUMERS, GRID, OPERATOR, PRODUCER_AGENT
from actorgrid.market.units import energy_value
from actorgrid.profiles import Profile, make_profile
from actorgrid.runtime import ActorSystem, ChildSpec, Clock, SimClock, SupervisorSpec, WallClock

__all__ = [
    "Fault",
    "RunError",
    "build_profiles",
    "collect_results",
    "entity_paths",
    "grid_supervisor",
    "initial_balances",
    "is_settled",
    "make_clock",
    "reconcile",
    "run_grid",
]

log = logging.getLogger("actorgrid.actors")

#: Restarts a supervisor tolerates within ``RESTART_PERIOD_S`` of clock time.
RESTART_INTENSITY = 20
RESTART_PERIOD_S = 60.0


class RunError(RuntimeError):
    """The run could not complete (e.g. settlement did not finish in time)."""


@dataclass(frozen=True, slots=True)
class Fault:
    """At ``at_s`` seconds of clock time after the start, ``kind`` happens to ``entity``
    (an entity id, or the grid's id): ``"crash"`` (it raises; its supervisor restarts it)
    or ``"stop"`` (it is stopped for good, e.g. a dead meter)."""

    at_s: float
    entity: str
    kind: str = "crash"


def build_profiles(spec: GridSpec) -> dict[str, Profile]:
    """One profile per source and consumer (the profiles package caches identical specs)."""
    out: dict[str, Profile] = {}
    for _, source in spec.sources:
        out[source.id] = _profile(spec, source.profile)
    for consumer in spec.consumers:
        out[consumer.id] = _profile(spec, consumer.profile)
    return out


def _profile(spec: GridSpec, profile: object) -> Profile:
    return make_profile(
        dict(profile),  # type: ignore[call-overload]
        start=spec.start,
        slot_minutes=spec.slot_minutes,
        slots=spec.slots,
    )


def entity_paths(spec: GridSpec, grid_id: str) -> dict[str, str]:
    """Actor path of every entity id."""
    paths = {grid_id: f"/{GRID}/{OPERATOR}"}
    for producer in spec.producers:
        paths[producer.id] = f"/{GRID}/{producer.id}/{PRODUCER_AGENT}"
        for source in producer.sources:
            paths[source.id] = f"/{GRID}/{producer.id}/{source.id}"
    for consumer in spec.consumers:
        paths[consumer.id] = f"/{GRID}/{CONSUMERS}/{consumer.id}"
    return paths


def grid_supervisor(env: RunEnv) -> SupervisorSpec:
    """The grid's subtree as runtime specs (see :mod:`actorgrid.actors.tree`)."""
    spec = env.spec

    def sup(children: list[ChildSpec]) -> SupervisorSpec:
        return SupervisorSpec(
            children=children, intensity=RESTART_INTENSITY, period=RESTART_PERIOD_S
        )

    def producer_children(p: ProducerSpec) -> list[ChildSpec]:
        return [
            ChildSpec(PRODUCER_AGENT, lambda: ProducerActor(env, p)),
            *(ChildSpec(s.id, _source_factory(env, p, s)) for s in p.sources),
        ]

    children = [ChildSpec(OPERATOR, lambda: GridActor(env))]
    children.extend(ChildSpec(p.id, sup(producer_children(p))) for p in spec.producers)
    children.append(
        ChildSpec(
            CONSUMERS, sup([ChildSpec(c.id, _consumer_factory(env, c)) for c in spec.consumers])
        )
    )
    return sup(children)


def _source_factory(env: RunEnv, p: ProducerSpec, s: SourceSpec) -> Callable[[], SourceActor]:
    return lambda: SourceActor(env, p, s)


def _consumer_factory(env: RunEnv, c: ConsumerSpec) -> Callable[[], ConsumerActor]:
    return lambda: ConsumerActor(env, c)


def make_clock(kind: str) -> Clock:
    """``SimClock()`` for ``"sim"``, ``WallClock()`` for ``"wall"``."""
    if kind == "sim":
        return SimClock()
    if kind == "wall":
        return WallClock()
    raise ValueError(f"clock: must be 'sim' or 'wall', got {kind!r}")


async def run_grid(
    spec: GridSpec,
    *,
    ledger: LedgerPort | None = None,
    clock: Clock | None = None,
    progress: Callable[[SlotResult], None] | None = None,
    faults: Sequence[Fault] = (),
    profiles: dict[str, Profile] | None = None,
    settle_timeout_s: float = 900.0,
    grid_id: str | None = None,
) -> RunResults:
    """Run ``spec`` to the end and return its results (see the module docstring).

    ``ledger`` defaults to a books-only :class:`BookLedger`; pass a
    :class:`~actorgrid.actors.tangle.TangleLedger` for real payments. ``grid_id`` (default:
    the grid's name) names the Grid entity, its wallet and its documents.
    """
    started = time.perf_counter()
    grid_id = grid_id or spec.name
    clock = clock or make_clock(spec.clock)
    profiles = profiles if profiles is not None else build_profiles(spec)
    port: LedgerPort = ledger if ledger is not None else BookLedger(initial_balances(spec, grid_id))
    store = RunStore()
    env: RunEnv | None = None
    try:
        async with ActorSystem(
            spec.name, clock=clock, intensity=RESTART_INTENSITY, period=RESTART_PERIOD_S
        ) as system:
            env = RunEnv(
                spec=spec,
                store=store,
                system=system,
                paths=entity_paths(spec, grid_id),
                profiles=profiles,
                ledger=port,
                t0=clock.now(),
                on_slot=progress,
                grid_id=grid_id,
            )
            done = asyncio.Event()
            env.extra["done"] = done
            start_hook = getattr(port, "start", None)
            if start_hook is not None:
                await start_hook(env)
            await system.spawn_supervisor(grid_supervisor(env), name=GRID)
            for fault in faults:
                clock.call_later(max(0.0, fault.at_s), _inject, env, fault)
            sweep = _RetrySweep(env)
            await done.wait()
            for consumer in spec.consumers:
                ref = env.ref(consumer.id)
                if ref is not None:
                    ref.tell(Flush())
            await _settled(env, clock, settle_timeout_s)
            for producer in spec.producers:
                ref = env.ref(producer.id)
                if ref is not None:
                    await ref.ask(VerifyPayouts(), timeout=60.0)
            sweep.stop()
            stop_hook = getattr(port, "stop", None)
            if stop_hook is not None:
                await stop_hook(env)
            results = await collect_results(env)

    finally:
        close_hook = getattr(port, "close", None)
        if close_hook is not None and env is not None:
            await close_hook(env)
    results.wall_s = time.perf_counter() - started
    results.clock = "sim" if isinstance(clock, SimClock) else "wall"
    return results


def initial_balances(spec: GridSpec, grid_id: str) -> dict[str, int]:
    """Starting balance of every wallet: the spec's genesis, else the default for payers
    (consumers, the grid's float, the utility) and 0 for receivers."""
    genesis = spec.ledger.genesis
    payers = [c.id for c in spec.consumers] + [grid_id, UTILITY]
    books = {w: int(genesis.get(w, spec.ledger.default_balance_i)) for w in payers}
    for p in spec.producers:
        books[p.id] = int(genesis.get(p.id, 0))
    return books


class _RetrySweep:
    """Every ``retry_s`` of clock time, tell :class:`Retry` to each entity that has
    unacknowledged messages (one timer for the whole run instead of one per entity)."""

    def __init__(self, env: RunEnv) -> None:
        self.env = env
        self.every = env.spec.timing.retry_s
        self.handle = env.system.clock.call_later(self.every, self._tick)

    def _tick(self) -> None:
        store = self.env.store
        for entity in sorted(store.waiting | store.unsubmitted):
            ref = self.env.ref(entity)
            if ref is not None:
                ref.tell(Retry())
        self.handle = self.env.system.clock.call_later(self.every, self._tick)

    def stop(self) -> None:
        self.handle.cancel()


def _inject(env: RunEnv, fault: Fault) -> None:
    ref = env.ref(fault.entity)
    if ref is None:
        return
    env.extra["faults"] = env.extra.get("faults", 0) + 1
    if fault.kind == "stop":
        task = asyncio.get_running_loop().create_task(env.system.stop(ref))
        env.extra.setdefault("tasks", set()).add(task)
        task.add_done_callback(env.extra["tasks"].discard)
    else:
        ref.tell(Crash(f"at {env.system.clock.now():.0f}s"))


def is_settled(env: RunEnv) -> bool:
    """Every message acknowledged, every invoice paid, every transfer confirmed or failed."""
    store = env.store
    if store.grid.outbox.pending:
        return False
    if any(b.outbox.pending for b in store.sources.values()):
        return False
    if any(b.outbox.pending for b in store.producers.values()):
        return False
    for cbook in store.consumers.values():
        if cbook.outbox.pending or cbook.invoices.outstanding_i > 0:
            return False
        if any(not (p.confirmed or p.failed) for p in cbook.payments.values()):
            return False
    return all(r.confirmed or r.failed for r in store.grid.transfers.values())


def _unsettled(env: RunEnv) -> str:
    """What is still open (for the error message)."""
    store = env.store
    open_transfers = [r.key for r in store.grid.transfers.values() if not (r.confirmed or r.failed)]
    open_payments = [
        p.key
        for b in store.consumers.values()
        for p in b.payments.values()
        if not (p.confirmed or p.failed)
    ]
    return (
        f"{len(store.waiting)} entities with unacknowledged messages, "
        f"{len(open_payments)} consumer payments and {len(open_transfers)} grid transfers "
        "not confirmed by the ledger"
    )


async def _settled(env: RunEnv, clock: Clock, timeout_s: float) -> None:
    """Wait (advancing the clock in retry steps) until :func:`is_settled`."""
    deadline = time.monotonic() + timeout_s
    while not is_settled(env):
        if time.monotonic() > deadline:
            raise RunError(f"settlement did not finish in {timeout_s:.0f} s: {_unsettled(env)}")
        if isinstance(clock, SimClock):
            await clock.quiescent()
            if is_settled(env):
                return
        await clock.sleep(min(env.spec.timing.retry_s, 1.0))


async def collect_results(env: RunEnv) -> RunResults:
    """Plain results from the run's store and the ledger."""
    spec, store = env.spec, env.store
    gbook = store.grid
    results = RunResults(
        grid=spec.name,
        clearing_rule=spec.clearing_rule,
        retail_i_per_kwh=int(spec.tariffs.retail),
        feed_in_i_per_kwh=int(spec.tariffs.feed_in),
        slot_minutes=spec.slot_minutes,
        slots=[gbook.cleared[k] for k in sorted(gbook.cleared)],
        readings=env.readings,
        restarts=sum(store.restarts.values()),
        mam_roots=dict(env.extra.get("mam_roots", {})),
        mam_side_keys=dict(env.extra.get("mam_side_keys", {})),
        faults=int(env.extra.get("faults", 0)),
    )
    received: dict[str, int] = {}
    for record in gbook.transfers.values():
        if record.accepted and not record.failed:
            received[record.to_entity] = received.get(record.to_entity, 0) + record.amount_i
    for producer in spec.producers:
        pbook = store.producer(producer.id)
        results.participants.append(
            ParticipantResult(
                id=producer.id,
                kind="producer",
                energy_wh=gbook.energy.get(producer.id, 0),
                local_wh=gbook.local.get(producer.id, 0),
                utility_wh=gbook.utility_wh.get(producer.id, 0),
                billed_i=gbook.owed.get(producer.id, 0),
                paid_i=received.get(producer.id, 0),
                confirmed_i=pbook.verified_i,
                ledger_balance_i=pbook.ledger_balance_i,
                invoices=len(pbook.statements),
                missing_slots=len(pbook.missing),
            )
        )
    retail = spec.tariffs.retail
    for consumer in spec.consumers:
        cbook = store.consumer(consumer.id)
        energy = gbook.energy.get(consumer.id, 0)
        exact = energy_value(energy, retail)
        results.participants.append(
            ParticipantResult(
                id=consumer.id,
                kind="consumer",
                energy_wh=energy,
                local_wh=gbook.local.get(consumer.id, 0),
                utility_wh=gbook.utility_wh.get(consumer.id, 0),
                billed_i=cbook.billed_i,
                paid_i=cbook.paid_i,
                confirmed_i=cbook.confirmed_i,
                retail_cost_i=exact.numerator // exact.denominator,
                ledger_balance_i=await env.ledger.balance(consumer.id),
                invoices=len(cbook.invoices.amounts),
            )
        )
    figures = await env.ledger.figures()
    figures.balances_agree = await reconcile(env, results)
    results.ledger = figures
    return results


async def reconcile(env: RunEnv, results: RunResults) -> bool:
    """Whether every wallet's confirmed ledger balance equals what the books say: its
    genesis balance, minus confirmed transfers out, plus confirmed transfers in."""
    from actorgrid.actors.grid import collection_wallet

    expected = dict(initial_balances(env.spec, env.grid_id))
    records = list(env.store.grid.transfers.values())
    for cbook in env.store.consumers.values():
        records.extend(cbook.payments.values())
    for record in records:
        if record.confirmed:
            expected[record.wallet] = expected.get(record.wallet, 0) - record.amount_i
            expected[record.to_entity] = expected.get(record.to_entity, 0) + record.amount_i
    expected.setdefault(collection_wallet(env.grid_id), 0)
    ok = True
    for wallet, amount in sorted(expected.items()):
        actual = await env.ledger.balance(wallet)
        if actual is not None and actual != amount:
            log.error("%s: ledger balance %s != books %s", wallet, actual, amount)
            ok = False
    return ok
