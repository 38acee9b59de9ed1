"""Publishing, promotion/reattachment, the process pool and an external node over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from actorgrid.ledger.actor import LedgerActor, LedgerConfig
from actorgrid.ledger.journal import Journal
from actorgrid.ledger.messages import (
    AddressIssued,
    AddressRequest,
    PublishAccepted,
    Published,
    PublishRequest,
    TransferConfirmed,
    TransferRequest,
)
from actorgrid.ledger.node import TangleNode, start_server
from actorgrid.ledger.node_client import NodeClient, NodeError
from actorgrid.ledger.testing import EventBox, Inbox, embedded_client, funded_node, test_seed
from actorgrid.ledger.workers import LedgerWorkers
from actorgrid.runtime import ActorRef, ActorSystem

A, B = test_seed("alice"), test_seed("bob")
SUPPLY = 1_000


async def start(
    system: ActorSystem, config: LedgerConfig, workers: LedgerWorkers | None
) -> tuple[ActorRef, ActorRef, EventBox]:
    box = EventBox()
    inbox = await system.spawn(lambda: Inbox(box), name="inbox")
    ledger = await system.spawn(lambda: LedgerActor(config, workers), name="ledger")
    return ledger, inbox, box


def config_for(tmp: Path, node: Callable[[], NodeClient], **kw: Any) -> LedgerConfig:
    base: dict[str, Any] = {
        "journal_path": str(tmp / "journal.db"),
        "node": node,
        "wallets": {"alice": A, "bob": B},
        "mwm": 1,
        "poll_interval_s": 0.01,
    }
    return LedgerConfig(**{**base, **kw})


async def pay_bob(ledger: ActorRef, inbox: ActorRef, amount: int, key: str) -> str:
    issued = await ledger.ask(AddressRequest("bob"), timeout=10)
    assert isinstance(issued, AddressIssued)
    await ledger.ask(TransferRequest("alice", issued.address, amount, "", key, inbox.path), 10)
    return issued.address


async def test_publish_attaches_payload_once(tmp_path: Path) -> None:
    node = funded_node({A: SUPPLY}, mwm=1)
    workers = LedgerWorkers("thread", 1)
    payload = "MAMPAYLOAD" * 500  # 5000 trytes: 3 transactions
    async with ActorSystem("publish") as system:
        ledger, inbox, box = await start(
            system, config_for(tmp_path, lambda: embedded_client(node)), workers
        )
        req = PublishRequest("M" * 81, payload, "MAMTEST", "pub-1", inbox.path)
        ack = await ledger.ask(req, timeout=10)
        assert isinstance(ack, PublishAccepted) and not ack.duplicate
        await box.wait_for(lambda ev: any(isinstance(e, Published) for e in ev), 30)
        again = await ledger.ask(req, timeout=10)
        assert isinstance(again, PublishAccepted) and again.duplicate
    workers.close()
    published = box.of_type(Published)
    assert len(published) == 1 and published[0].address == "M" * 81
    client = embedded_client(node)
    assert client.bundle_tails(published[0].bundle_hash) == [published[0].tail_hash]
    trytes = client.trytes(client.find_transactions(addresses=["M" * 81]))
    assert len(trytes) == 3
    from iota import Transaction

    txs = sorted(
        (Transaction.from_tryte_string(t.encode()) for t in trytes), key=lambda t: t.current_index
    )
    joined = "".join(str(t.signature_message_fragment) for t in txs)
    assert joined.startswith(payload) and all(t.value == 0 for t in txs)
    node.close()


async def _unconfirmed_then_milestone(tmp_path: Path, promote: bool) -> tuple[TangleNode, str]:
    node = funded_node({A: SUPPLY}, mwm=1, milestone_interval=None)
    workers = LedgerWorkers("thread", 1)
    seen: dict[str, int] = {}
    enough = asyncio.Event()

    def count(point: str, bundle_id: int) -> None:
        seen[point] = seen.get(point, 0) + 1
        if seen.get("promoted" if promote else "broadcast", 0) >= 2:
            enough.set()

    config = config_for(
        tmp_path,
        lambda: embedded_client(node),
        reattach_after_s=0.02,
        promote=promote,
        fault=count,
    )
    async with ActorSystem("confirm") as system:
        ledger, inbox, box = await start(system, config, workers)
        to = await pay_bob(ledger, inbox, 70, "slow-1")
        await asyncio.wait_for(enough.wait(), 30)
        assert not box.of_type(TransferConfirmed)
        node.issue_milestone()
        await box.wait_for(lambda ev: any(isinstance(e, TransferConfirmed) for e in ev), 30)
    workers.close()
    return node, to


async def test_unconfirmed_bundle_is_reattached_with_the_same_signature(tmp_path: Path) -> None:
    node, to = await _unconfirmed_then_milestone(tmp_path, promote=False)
    journal = Journal(tmp_path / "journal.db")
    (bundle,) = journal.bundles()
    journal.close()
    assert len(bundle.tails) >= 2  # first attachment + reattachments
    assert bundle.bundle_hash is not None
    client = embedded_client(node)
    assert set(client.bundle_tails(bundle.bundle_hash)) == set(bundle.tails)
    states = {node.attachment_status(t) for t in bundle.tails}
    assert "confirmed" in states and states <= {"confirmed", "conflicting"}
    assert node.confirmed_balances()[to] == 70  # paid once, whatever the attachments
    assert sum(node.confirmed_balances().values()) == SUPPLY
    node.close()


async def test_unconfirmed_bundle_is_promoted_when_consistent(tmp_path: Path) -> None:
    node, to = await _unconfirmed_then_milestone(tmp_path, promote=True)
    journal = Journal(tmp_path / "journal.db")
    (bundle,) = journal.bundles()
    journal.close()
    assert len(bundle.tails) == 1  # promotion never re-attaches the bundle itself
    assert node.attachment_status(bundle.tails[0]) == "confirmed"
    assert node.confirmed_balances()[to] == 70
    node.close()


async def test_process_pool_end_to_end(tmp_path: Path) -> None:
    node = funded_node({A: SUPPLY}, mwm=1)
    config = config_for(tmp_path, lambda: embedded_client(node), workers="process", max_workers=1)
    async with ActorSystem("pool") as system:
        ledger, inbox, box = await start(system, config, None)
        to = await pay_bob(ledger, inbox, 11, "pool-1")
        await box.wait_for(lambda ev: any(isinstance(e, TransferConfirmed) for e in ev), 60)
    assert node.confirmed_balances()[to] == 11
    node.close()


async def test_external_node_over_http_agrees_with_pyota(tmp_path: Path) -> None:
    from iota import Address, Iota

    node = funded_node({A: SUPPLY}, mwm=1)
    server = await start_server(node, "127.0.0.1", 0)
    workers = LedgerWorkers("thread", 1)
    try:
        config = config_for(tmp_path, lambda: NodeClient.connect(server.url))
        async with ActorSystem("http") as system:
            ledger, inbox, box = await start(system, config, workers)
            to = await pay_bob(ledger, inbox, 321, "http-1")
            await box.wait_for(lambda ev: any(isinstance(e, TransferConfirmed) for e in ev), 30)
        confirmed = box.of_type(TransferConfirmed)[0]
        api = Iota(server.url)  # PyOTA's own HTTP client; blocking, so off the loop
        balances = await asyncio.to_thread(api.get_balances, [Address(to.encode())])
        found = await asyncio.to_thread(
            api.find_transactions, bundles=[confirmed.bundle_hash.encode()]
        )
        assert int(balances["balances"][0]) == 321
        assert len(found["hashes"]) >= 4  # payment, 2 input fragments, remainder
        tails = NodeClient.connect(server.url).bundle_tails
        assert await asyncio.to_thread(tails, confirmed.bundle_hash) == embedded_client(
            node
        ).bundle_tails(confirmed.bundle_hash)
    finally:
        workers.close()
        await server.close()
        node.close()


class _Ticker(Inbox):
    async def on_start(self) -> None:
        self.ctx.schedule_periodic(1.0, "tick")


async def test_sim_clock_does_not_race_ahead_of_work_in_flight(tmp_path: Path) -> None:
    from actorgrid.runtime import SimClock

    node = funded_node({A: SUPPLY}, mwm=1)
    workers = LedgerWorkers("thread", 1)
    clock = SimClock()
    stamps: dict[str, float] = {}

    def stamp(point: str, bundle_id: int) -> None:
        stamps.setdefault(point, clock.now())

    config = config_for(tmp_path, lambda: embedded_client(node), poll_interval_s=5.0, fault=stamp)
    async with ActorSystem("sim", clock=clock) as system:
        await system.spawn(lambda: _Ticker(EventBox()), name="ticker")  # a 1 s timer keeps firing
        ledger, inbox, box = await start(system, config, workers)
        started = clock.now()
        await pay_bob(ledger, inbox, 5, "sim-1")
        await box.wait_for(lambda ev: any(isinstance(e, TransferConfirmed) for e in ev), 30)
    workers.close()
    node.close()
    # planning, signing, PoW and broadcast ran on threads while simulated time stood still
    assert set(stamps) == {"planned", "signed", "attached", "broadcast"}
    assert all(t == started for t in stamps.values()), (started, stamps)


class _Flaky:
    """A transport whose first ``failures`` storeTransactions calls fail like a dead node."""

    def __init__(self, inner: Any, failures: int) -> None:
        self.inner = inner
        self.failures = failures

    def send(self, payload: dict[str, Any]) -> dict[str, Any]:
        if payload["command"] == "storeTransactions" and self.failures > 0:
            self.failures -= 1
            raise NodeError("storeTransactions: connection refused")
        return self.inner.send(payload)  # type: ignore[no-any-return]


async def test_node_outage_is_retried_without_paying_twice(tmp_path: Path) -> None:
    node = funded_node({A: SUPPLY}, mwm=1)
    workers = LedgerWorkers("thread", 1)
    flaky = _Flaky(embedded_client(node).transport, failures=2)
    starts: list[str] = []

    def count(point: str, bundle_id: int) -> None:
        starts.append(point)

    config = config_for(tmp_path, lambda: NodeClient(flaky), fault=count)
    async with ActorSystem("flaky") as system:
        ledger, inbox, box = await start(system, config, workers)
        to = await pay_bob(ledger, inbox, 9, "flaky-1")
        await box.wait_for(lambda ev: any(isinstance(e, TransferConfirmed) for e in ev), 30)
    workers.close()
    assert flaky.failures == 0
    assert starts.count("signed") == 1  # signed once; only the attachment was retried
    assert starts.count("broadcast") == 1
    assert node.confirmed_balances()[to] == 9
    node.close()
