"""A tiny grid paying for real: value bundles on the embedded node, MAM streams read back.

Low MWM (1) keeps proof-of-work out of the way; one run is shared by the tests of this file.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest
from grid_helpers import tiny_grid

from actorgrid.actors.results import RunResults
from actorgrid.actors.run import Fault, run_grid
from actorgrid.actors.tangle import TangleLedger


@pytest.fixture(scope="module")
def tangle_run() -> tuple[RunResults, TangleLedger]:
    spec = tiny_grid(slots=4, producers=2, sources_per_producer=1, consumers=2, threshold_i=10)
    spec = replace(
        spec,
        ledger=replace(spec.ledger, enabled=True, mwm=1, mam_enabled=True, mam_every=2),
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
    root = results.mam_roots["grid"]
    subscriber = MamSubscriber(
        Iota(EmbeddedAdapter(port.node)), root, side_key=results.mam_side_keys["grid"]
    )
    messages: list[Any] = [m.json() for m in subscriber.poll()]
    assert messages[0]["command"] == "hello"
    records = [r for m in messages[1:] for r in m["records"]]
    assert [r["slot"] for r in records if r["kind"] == "settlement"] == list(range(4))
    assert not subscriber.rejected
