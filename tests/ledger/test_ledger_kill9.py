"""kill -9 of a process running the ledger: the restarted process pays every acked transfer once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from actorgrid.ledger.journal import BundleState, Journal
from actorgrid.ledger.node import start_server
from actorgrid.ledger.testing import embedded_client, funded_node, test_seed
from actorgrid.ledger.trytes import address_from_seed

SUPPLY = 10_000
CHILD = r"""
import asyncio, json, sys
from actorgrid.ledger.actor import LedgerActor, LedgerConfig
from actorgrid.ledger.messages import StatusQuery, TransferRequest
from actorgrid.ledger.node_client import NodeClient
from actorgrid.ledger.testing import test_seed
from actorgrid.runtime import ActorSystem

url, journal = sys.argv[1], sys.argv[2]
plan, wait = json.loads(sys.argv[3]), json.loads(sys.argv[4])

async def main():
    cfg = LedgerConfig(journal_path=journal, node=lambda: NodeClient.connect(url),
                       wallets={"alice": test_seed("alice")}, mwm=6, workers="thread",
                       poll_interval_s=0.01, max_batch=3)
    async with ActorSystem("child") as system:
        ledger = await system.spawn(lambda: LedgerActor(cfg), name="ledger")
        for key, amount, to in plan:
            ack = await ledger.ask(TransferRequest("alice", to, amount, "", key), timeout=30)
            print("ACK", key, type(ack).__name__, flush=True)
        while True:  # the driver polls the ledger's journal state until all are final
            states = {k: (await ledger.ask(StatusQuery(k), timeout=30)).state for k in wait}
            if all(s in ("confirmed", "failed", "unknown") for s in states.values()):
                print("DONE", json.dumps(states), flush=True)
                return
            await asyncio.sleep(0.01)

asyncio.run(main())
"""


async def run_child(url: str, journal: Path, plan: list[list[object]], wait: list[str]) -> Any:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, url, str(journal), json.dumps(plan), json.dumps(wait),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [1, 3, 5])
async def test_kill_9_then_restart_pays_each_acked_transfer_once(
    tmp_path: Path, kill_after: int
) -> None:
    node = funded_node({test_seed("alice"): SUPPLY}, mwm=1)
    server = await start_server(node, "127.0.0.1", 0)
    dest = test_seed("dest").reveal()
    plan: list[list[object]] = [[f"k{i}", 100 + i, address_from_seed(dest, i, 2)] for i in range(6)]
    journal = tmp_path / "journal.db"
    try:
        first = await run_child(server.url, journal, plan, [])
        assert first.stdout is not None
        acked: list[str] = []
        while len(acked) < kill_after:
            line = (await asyncio.wait_for(first.stdout.readline(), 60)).decode().split()
            assert line[:1] == ["ACK"] and line[2] == "TransferAccepted", line
            acked.append(line[1])
        os.kill(first.pid, signal.SIGKILL)  # mid-flight: planning, signing, PoW or broadcast
        await first.wait()
        second = await run_child(server.url, journal, [], [str(p[0]) for p in plan])
        assert second.stdout is not None
        out = (await asyncio.wait_for(second.stdout.readline(), 120)).decode().split(" ", 1)
        await second.wait()
        assert out[0] == "DONE"
        states: dict[str, str] = json.loads(out[1])
    finally:
        await server.close()
    assert all(states[k] in ("confirmed", "failed") for k in acked)  # no acked request lost
    balances = node.confirmed_balances()
    for key, amount, address in plan:  # paid exactly once, or not at all
        expect = amount if states[str(key)] == "confirmed" else 0
        assert balances.get(str(address), 0) == expect, (key, states[str(key)])
    assert all(states[k] == "confirmed" for k in acked)  # funds suffice for all
    assert sum(balances.values()) == SUPPLY
    j = Journal(journal)
    client = embedded_client(node)
    for bundle in j.bundles():
        assert bundle.state == BundleState.CONFIRMED
        assert bundle.bundle_hash is not None
        assert set(client.bundle_tails(bundle.bundle_hash)) == set(bundle.tails)
    j.close()
    node.close()
