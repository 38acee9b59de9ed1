"""From a validated :class:`actorgrid.config.GridConfig` to the run's :class:`GridSpec`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from actorgrid.actors.spec import (
    ConsumerSpec,
    GridSpec,
    LedgerSpec,
    ProducerSpec,
    SourceSpec,
    TimingSpec,
)
from actorgrid.config import GridConfig, load_config

__all__ = ["grid_spec_from_config", "load_grid_spec", "without_ledger"]


def grid_spec_from_config(
    config: GridConfig,
    *,
    clock: str | None = None,
    mam_every: int = 24,
    retry_s: float | None = None,
    speed: float = 1.0,
) -> GridSpec:
    """The run's view of ``config``; ``clock`` overrides ``grid.clock``.

    Timing: producers wait ``grid.reading_grace_s`` for late readings; the grid waits twice
    that for reports (so a producer's grace window always ends first); senders retransmit
    every ``retry_s`` (default: a third of the reading grace, at least 1 s). ``speed`` runs
    the clock that many times faster than real time (all of these scale with it).
    """
    if not speed > 0:
        raise ValueError(f"speed: must be > 0, got {speed}")
    grace = config.grid.reading_grace_s / speed
    timing = TimingSpec(
        producer_grace_s=grace,
        grid_grace_s=max(2 * grace, grace + 1.0 / speed),
        retry_s=retry_s if retry_s is not None else max(1.0 / speed, grace / 3),
    )
    ledger = LedgerSpec(
        enabled=True,
        mwm=config.ledger.mwm,
        milestone_interval_s=config.ledger.milestone_interval_s,
        genesis=dict(config.ledger.genesis),
        mam_enabled=config.mam.enabled,
        mam_every=mam_every,
        mam_security=config.mam.security,
        mam_mode=config.mam.mode,
        seeds=config.seeds,
    )
    return GridSpec(
        name=config.grid.name,
        slots=config.grid.slots,
        slot_minutes=config.grid.slot_minutes,
        start=config.grid.start,
        rule=config.clearing.build(),
        tariffs=config.tariffs,
        producers=tuple(
            ProducerSpec(
                p.id, int(p.asking_price), tuple(SourceSpec(s.id, s.profile) for s in p.sources)
            )
            for p in config.producers
        ),
        consumers=tuple(ConsumerSpec(c.id, c.profile, int(c.max_price)) for c in config.consumers),
        payment=config.payments,
        timing=timing,
        ledger=ledger,
        clock=clock or config.grid.clock,
        speed=speed,
        raw=config,
    )


def load_grid_spec(path: str | Path, *, clock: str | None = None, mam_every: int = 24) -> GridSpec:
    """:func:`grid_spec_from_config` of the TOML file at ``path``."""
    return grid_spec_from_config(load_config(path), clock=clock, mam_every=mam_every)


def without_ledger(spec: GridSpec) -> GridSpec:
    """``spec`` with books-only payments and no MAM (fast tests)."""
    return replace(spec, ledger=replace(spec.ledger, enabled=False, mam_enabled=False))
