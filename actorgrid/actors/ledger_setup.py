"""Starting the ledger side of a run: embedded node, wallets, ``/ledger`` subtree, MAM.

Wallets (one seed each): every consumer, every producer, the grid's float (named like the
grid), the grid's collection wallet (``<grid>.in``) and the utility. The genesis funds each
payer's address 0 with its configured balance (``ledger.genesis``; the spec's default for
payers without an entry). Seeds come from the config's ``[seeds]`` section; without one
(tests, the benchmark) they are derived from a public phrase and are NOT secret.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actorgrid.actors.grid import UTILITY, collection_wallet
from actorgrid.actors.mam import FlushStreams, MamStreamActor, MamStreams
from actorgrid.actors.results import LedgerFigures
from actorgrid.actors.tree import LEDGER, LEDGER_MAM, LEDGER_WRITER
from actorgrid.config import demo_seed
from actorgrid.ledger.actor import LedgerActor, LedgerConfig
from actorgrid.ledger.journal import Journal
from actorgrid.ledger.keystore import SecretSeed
from actorgrid.ledger.node import EmbeddedAdapter, Genesis, SeedFunding, TangleNode
from actorgrid.ledger.node_client import NodeClient
from actorgrid.ledger.workers import LedgerWorkers
from actorgrid.runtime import ChildSpec, SimClock, SupervisorSpec

if TYPE_CHECKING:
    from actorgrid.actors.base import RunEnv
    from actorgrid.actors.tangle import TangleLedger

__all__ = ["finish_mam", "ledger_figures", "start_ledger", "wallet_names"]

log = logging.getLogger("actorgrid.actors")

DEMO_PHRASE = "actorgrid run - PUBLIC DEMO SEEDS, NOT SECRET"
WALLET_SECURITY = 2


def wallet_names(env: RunEnv) -> list[str]:
    """Every wallet of the run."""
    spec = env.spec
    names = [c.id for c in spec.consumers] + [p.id for p in spec.producers]
    return [*names, env.grid_id, collection_wallet(env.grid_id), UTILITY]


def _seed(env: RunEnv, name: str) -> SecretSeed:
    seeds = env.spec.ledger.seeds
    if seeds is not None:
        return seeds.seed_for(name)  # type: ignore[no-any-return]
    return SecretSeed(demo_seed(DEMO_PHRASE, name))


async def start_ledger(port: TangleLedger, env: RunEnv) -> tuple[Any, MamStreams | None]:
    """Node + ``/ledger`` subtree; returns the node and the MAM streams (None if off)."""
    from actorgrid.actors.run import initial_balances

    spec = env.spec
    seeds = {name: _seed(env, name) for name in wallet_names(env)}
    balances = initial_balances(spec, env.grid_id)
    genesis = Genesis(
        tuple(
            SeedFunding(seed=seeds[w].reveal(), balance=amount, security=WALLET_SECURITY)
            for w, amount in balances.items()
            if amount > 0
        )
    )
    # The node of a run without ``db_path`` lives in memory, so its journal goes to
    # memory-backed storage too (tmpfs when there is one): it still survives restarts of the
    # ledger actor within the run, without paying an fsync per journal write.
    tmp = await asyncio.to_thread(_ledger_dir, spec.ledger.db_path)
    if spec.ledger.db_path is None:
        env.extra["ledger_tmp"] = tmp
    # On the simulated clock no metering waits on wall time, so signing and PoW may use every
    # CPU (still niced); on the wall clock the first CPU is left to the event loop.
    simulated = isinstance(env.system.clock, SimClock)
    workers = LedgerWorkers("process", cpus=None if simulated else "auto")
    env.extra["ledger_workers"] = workers
    await workers.warm_up()
    # The node parses and validates incoming bundles on the same worker processes, so the
    # metering process keeps only the node's bookkeeping.
    node = await asyncio.to_thread(
        TangleNode,
        str(tmp / "tangle.sqlite") if spec.ledger.db_path else None,
        mwm=spec.ledger.mwm,
        genesis=genesis,
        milestone_interval=spec.ledger.milestone_interval_s,
        clock=env.system.clock,
        validator=workers.executor,
    )
    config = LedgerConfig(
        journal_path=str(tmp / "journal.sqlite"),
        node=lambda: NodeClient.connect(EmbeddedAdapter(node)),
        wallets=seeds,
        mwm=spec.ledger.mwm,
        security=WALLET_SECURITY,
        poll_interval_s=max(0.5, spec.ledger.milestone_interval_s),
    )
    port.journal_path = config.journal_path
    streams = (
        MamStreams(
            security=spec.ledger.mam_security,
            mode=spec.ledger.mam_mode,
            db=str(tmp / "mam.sqlite") if spec.ledger.db_path else ":memory:",
        )
        if spec.ledger.mam_enabled
        else None
    )
    children = [ChildSpec(LEDGER_WRITER, lambda: LedgerActor(config, workers))]
    if streams is not None:
        children.append(ChildSpec(LEDGER_MAM, lambda: MamStreamActor(env, streams)))
    await env.system.spawn_supervisor(
        SupervisorSpec(children=children, intensity=20, period=60.0), name=LEDGER
    )
    for producer in spec.producers:
        port.addresses[producer.id] = await port.fresh_address(producer.id)
    if streams is not None:
        env.mam = streams
        entities = [env.grid_id, *env.paths.keys()]
        streams.open(sorted(set(entities)), port.writer, reply_to=f"/{LEDGER}/{LEDGER_MAM}")
    return node, streams


def _ledger_dir(db_path: str | None) -> Path:
    if db_path is None:
        return Path(tempfile.mkdtemp(prefix="actorgrid-ledger-", dir=_tmpfs()))
    path = Path(db_path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _tmpfs() -> str | None:
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


async def finish_mam(port: TangleLedger, env: RunEnv, timeout_s: float = 600.0) -> None:
    """Flush every stream and wait (on the run's clock) until all is published."""
    streams = port.mam
    ref = env.system.lookup(f"/{LEDGER}/{LEDGER_MAM}")
    if streams is None or ref is None:
        return
    await ref.ask(FlushStreams(), timeout=timeout_s)
    clock = env.system.clock
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while streams.outstanding and loop.time() < deadline:
        await clock.sleep(1.0)
    if streams.outstanding:
        log.warning("%d MAM messages not published in time", len(streams.outstanding))


async def ledger_figures(port: TangleLedger) -> LedgerFigures:
    """Bundles and confirmations from the ledger's journal."""
    figures = LedgerFigures(node="embedded")
    path = getattr(port, "journal_path", None)
    if path:
        journal = await asyncio.to_thread(Journal, path)
        try:
            bundles = await asyncio.to_thread(journal.bundles)
            requests = await asyncio.to_thread(journal.requests)
        finally:
            journal.close()
        figures.bundles = len(bundles)
        figures.confirmed = sum(1 for b in bundles if str(b.state) == "confirmed")
        transfers = [r for r in requests if str(r.kind) == "transfer"]
        figures.transfers = len(transfers)
        figures.transfers_confirmed = sum(1 for r in transfers if str(r.state) == "confirmed")
        figures.failed = sum(1 for r in requests if str(r.state) == "failed")
        figures.mam_messages = sum(1 for r in requests if str(r.kind) == "publish")
    return figures


def cleanup(env: RunEnv) -> None:
    """Close the worker pool and remove the temporary ledger directory."""
    workers = env.extra.pop("ledger_workers", None)
    if workers is not None:
        workers.close()
    tmp = env.extra.pop("ledger_tmp", None)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
