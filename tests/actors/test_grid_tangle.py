"""A tiny grid paying for real: value bundles on the embedded node, MAM streams read back.

Low MWM (1) keeps proof-of-work out of the way; one run is shared by the tests of this file.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from grid_helpers import tiny_grid

from actorgrid.actors.results import RunResults
from actorgrid.actors.run import Fault, run_grid
from actorgrid.actors.tangle import TangleLedger


@pytest.fixture(scope="module")
def ledger_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ledger")


@pytest.fixture(scope="module")
def tangle_run(ledger_dir: Path) -> tuple[RunResults, TangleLedger]:
    spec = tiny_grid(slots=4, producers=2, sources_per_producer=1, consumers=2, threshold_i=10)
    spec = replace(
        spec,
        ledger=replace(
            spec.ledger,
            enabled=True,
            mwm=1,
            mam_enabled=True,
            mam_every=2,
            db_path=str(ledger_dir),
        ),
    )
    port = TangleLedger(spec)
    faults = (Fault(at_s=spec.slot_s * 2 + 5.0, entity="/ledger/writer"),)
    results = asyncio.run(asyncio.wait_for(run_grid(spec, ledger=port, faults=faults), 240))
    return results, port


def test_payments_are_real_bundles_and_books_match_the_ledger(
    tangle_run: tuple[RunResults, TangleLedger],
) -> None:
    results, _ = tangle_run
    assert results.ledger.node == "embedded"
    assert results.ledger.bundles > 0
    assert results.ledger.confirmed == results.ledger.bundles
    assert results.ledger.transfers == results.ledger.transfers_confirmed > 0
    assert results.ledger.failed == 0
    assert results.ledger.balances_agree is True
    for p in results.participants:
        assert p.paid_i == p.billed_i == p.confirmed_i
    for s in results.slots:
        assert s.consumers_paid_i == s.producers_received_i + s.grid_fees_i + s.utility_net_i


def test_ledger_actor_crash_was_survived(tangle_run: tuple[RunResults, TangleLedger]) -> None:
    results, _ = tangle_run
    assert results.faults == 1  # the ledger actor was crashed mid-run ...
    assert results.ledger.failed == 0  # ... and every payment still executed exactly once
    assert results.ledger.transfers == results.ledger.transfers_confirmed
    assert results.ledger.balances_agree is True


def test_mam_stream_of_the_grid_reads_back(tangle_run: tuple[RunResults, TangleLedger]) -> None:
    from iota import Iota

    from actorgrid.ledger.mam import MamSubscriber
    from actorgrid.ledger.node import EmbeddedAdapter

    results, port = tangle_run
    root = results.mam_roots[results.grid]
    subscriber = MamSubscriber(
        Iota(EmbeddedAdapter(port.node)), root, side_key=results.mam_side_keys[results.grid]
    )
    messages: list[Any] = [m.json() for m in subscriber.poll()]
    assert messages[0]["command"] == "hello"
    records = [r for m in messages[1:] for r in m["records"]]
    assert [r["slot"] for r in records if r["kind"] == "settlement"] == list(range(4))
    assert not subscriber.rejected


def test_mam_follow_command_reads_a_stream_from_the_kept_tangle(
    tangle_run: tuple[RunResults, TangleLedger],
    ledger_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``actorgrid node`` serves the run's tangle; ``actorgrid mam follow`` reads a stream."""
    from actorgrid.cli import main
    from actorgrid.ledger.node import TangleNode, start_server

    results, _ = tangle_run
    consumer = "c0"
    node = TangleNode(ledger_dir / "tangle.sqlite", mwm=1)
    ready = threading.Event()
    url: list[str] = []
    handles: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    async def serve() -> None:
        server = await start_server(node)
        done = asyncio.Event()
        handles.append((asyncio.get_running_loop(), done))
        url.append(server.url)
        ready.set()
        await done.wait()
        await server.close()

    thread = threading.Thread(target=lambda: asyncio.run(serve()))
    thread.start()
    try:
        assert ready.wait(30)
        args = ["mam", "follow", results.mam_roots[consumer]]
        args += ["--side-key", results.mam_side_keys[consumer], "--node", url[0]]
        assert main(args) == 0
    finally:
        if handles:
            loop, done = handles[0]
            loop.call_soon_threadsafe(done.set)
        thread.join(30)
        node.close()
    lines = capsys.readouterr().out.strip().splitlines()
    assert '"command":"hello"' in lines[0]
    assert any('"kind":"usage"' in line and '"kind":"invoice"' in line for line in lines[1:])
