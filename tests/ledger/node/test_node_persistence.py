"""The tangle survives a restart; genesis and time-based milestones behave."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from actorgrid.ledger.node import Genesis, GenesisError, TangleNode
from actorgrid.ledger.testing import FailingCommit
from actorgrid.ledger.trytes import address_checksum


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def now(self) -> float:
        return self.t


def test_restart_keeps_tangle_and_ledger(kit: Any, tmp_path: Path) -> None:
    db = tmp_path / "tangle.db"
    node = TangleNode(db, mwm=3, genesis=kit.genesis())
    to = kit.addr(kit.SEED_B, 0)
    trytes = kit.send(node, [kit.pay(to, 1000), kit.spend(kit.SEED_A, 0, 1000)])
    before = kit.snapshot(node)
    node.close()
    mode = TangleNode(db, mwm=3)._store._db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    again = TangleNode(db, mwm=3)  # genesis comes from the database
    assert kit.snapshot(again) == before
    got = again.handle({"command": "getTrytes", "hashes": [kit.tail_hash(trytes)]})
    assert got["trytes"] == [trytes[0]]
    assert again.confirmed_balances()[to] == 1000
    with pytest.raises(GenesisError):
        TangleNode(db, mwm=3, genesis=Genesis.from_dict({"balances": {to: 5}}))


def test_genesis_supply_and_formats(kit: Any, tmp_path: Path) -> None:
    a = kit.addr(kit.SEED_B, 3)
    g = Genesis.from_toml_text(
        f"""
        [genesis]
        balances = {{ "{a}" = 7 }}
        addresses = [{{ address = "{a}{address_checksum(a)}", balance = 3 }}]
        seeds = [{{ seed = "{kit.SEED_A}", index = 1, count = 2, balance = 5 }}]
        """
    )
    assert g.balances() == {a: 10, kit.addr(kit.SEED_A, 1): 5, kit.addr(kit.SEED_A, 2): 5}
    assert g.total_supply == 20
    assert "AAAA" not in repr(g)  # seeds are never printed
    path = tmp_path / "genesis.toml"
    path.write_text(f'[[seeds]]\nseed = "{kit.SEED_A}"\nbalance = 9\n')
    assert Genesis.from_toml(path).balances() == {kit.addr(kit.SEED_A, 0): 9}
    with pytest.raises(GenesisError):
        Genesis.from_toml(tmp_path / "missing.toml")
    with pytest.raises(GenesisError):
        Genesis.from_toml_text("balances = [")


@pytest.mark.parametrize(
    "data",
    [
        {"balances": {"A" * 81: 0}},
        {"balances": {"A" * 80: 1}},
        {"balances": {"M" * 81: 1}},  # not a Kerl address (last trit)
        {"balances": {"A" * 81: 3**34}},
        {"addresses": [{"address": "A" * 90, "balance": 1}]},  # bad checksum
        {"seeds": [{"seed": "a", "balance": 1}]},
        {"seeds": [{"seed": "A", "balance": 1, "security": 4}]},
        {"seeds": [{"seed": "A", "balance": 1, "colour": 1}]},
        {"other": 1},
    ],
)
def test_bad_genesis(data: dict[str, Any]) -> None:
    with pytest.raises(GenesisError):
        Genesis.from_dict(data)


def test_milestones_follow_the_clock(kit: Any) -> None:
    clock = FakeClock()
    node = TangleNode(mwm=3, genesis=kit.genesis(), milestone_interval=5.0, clock=clock)
    to = kit.addr(kit.SEED_B, 0)
    trytes = kit.send(node, [kit.pay(to, 1000), kit.spend(kit.SEED_A, 0, 1000)])
    tail = kit.tail_hash(trytes)
    request = {"command": "getInclusionStates", "transactions": [tail]}
    clock.t += 4.9
    assert node.handle(request)["states"] == [False]
    assert node.confirmed_balances().get(to) is None
    clock.t += 0.2
    assert node.handle(request)["states"] == [True]
    assert node.confirmed_balances()[to] == 1000


async def test_coordinator_task_issues_milestones(kit: Any) -> None:
    import asyncio

    clock = FakeClock()
    node = TangleNode(mwm=3, genesis=kit.genesis(), milestone_interval=1.0, clock=clock)
    task = asyncio.create_task(node.coordinate(poll_s=0.001))
    try:
        clock.t += 1.0
        for _ in range(1000):
            if node.handle({"command": "getNodeInfo"})["latestMilestoneIndex"] >= 1:
                break
            await asyncio.sleep(0.001)
        assert node.handle({"command": "getNodeInfo"})["latestMilestoneIndex"] >= 1
    finally:
        task.cancel()


def test_a_failed_commit_rolls_back_and_the_node_keeps_working(kit: Any) -> None:
    node = TangleNode(mwm=3, genesis=kit.genesis())
    before = kit.snapshot(node)
    node._store._db = FailingCommit(node._store._db)  # type: ignore[assignment]
    to = kit.addr(kit.SEED_B, 0)
    trytes = kit.attach(node, kit.build([kit.pay(to, 1000), kit.spend(kit.SEED_A, 0, 1000)]))
    assert "exception" in kit.store(node, trytes)
    assert kit.snapshot(node) == before  # nothing half-written
    kit.ok(kit.store(node, trytes))  # and the next request is not wedged
    assert node.confirmed_balances()[to] == 1000
