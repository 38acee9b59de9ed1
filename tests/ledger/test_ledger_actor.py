"""End to end: wallets pay each other through the ledger actor on the embedded node."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from actorgrid.ledger.actor import LedgerActor, LedgerConfig
from actorgrid.ledger.messages import (
    AddressIssued,
    AddressRequest,
    Balance,
    BalanceQuery,
    FailureReason,
    RejectReason,
    RequestRejected,
    RequestStatus,
    StatusQuery,
    TransferAccepted,
    TransferConfirmed,
    TransferFailed,
    TransferRequest,
)
from actorgrid.ledger.node import TangleNode
from actorgrid.ledger.testing import EventBox, Inbox, embedded_client, funded_node, test_seed
from actorgrid.ledger.trytes import address_checksum, address_from_seed
from actorgrid.ledger.workers import LedgerWorkers
from actorgrid.protocol import MessageValidationError
from actorgrid.runtime import ActorRef, ActorSystem

SUPPLY = 1_000
A, B = test_seed("alice"), test_seed("bob")


@dataclass
class Rig:
    system: ActorSystem
    node: TangleNode
    ledger: ActorRef
    inbox: ActorRef
    box: EventBox
    config: LedgerConfig


@pytest.fixture(scope="module")
def workers() -> Iterator[LedgerWorkers]:
    w = LedgerWorkers("thread", 2)
    yield w
    w.close()


@pytest.fixture
async def rig(tmp_path: Path, workers: LedgerWorkers) -> AsyncIterator[Rig]:
    node = funded_node({A: SUPPLY}, mwm=1)
    config = LedgerConfig(
        journal_path=str(tmp_path / "journal.db"),
        node=lambda: embedded_client(node),
        wallets={"alice": A, "bob": B},
        mwm=1,
        poll_interval_s=0.01,
    )
    box = EventBox()
    async with ActorSystem("ledger-test") as system:
        inbox = await system.spawn(lambda: Inbox(box), name="inbox")
        ledger = await system.spawn(lambda: LedgerActor(config, workers), name="ledger")
        yield Rig(system, node, ledger, inbox, box, config)
    node.close()


async def bob_address(rig: Rig) -> str:
    issued = await rig.ledger.ask(AddressRequest("bob"), timeout=10)
    assert isinstance(issued, AddressIssued)
    return issued.address


def total_on_node(node: TangleNode) -> int:
    return sum(node.confirmed_balances().values())


async def test_alice_pays_bob_and_balances_move(rig: Rig) -> None:
    to = await bob_address(rig)
    ack = await rig.ledger.ask(
        TransferRequest("alice", to, 250, "slot 7", "pay-1", rig.inbox.path), timeout=10
    )
    assert isinstance(ack, TransferAccepted) and not ack.duplicate
    await rig.box.wait_for(lambda ev: any(isinstance(e, TransferConfirmed) for e in ev), 30)
    confirmed = rig.box.of_type(TransferConfirmed)[0]
    assert (confirmed.idempotency_key, confirmed.amount_i, confirmed.to_address) == (
        "pay-1",
        250,
        to,
    )
    alice = await rig.ledger.ask(BalanceQuery("alice"), timeout=10)
    bob = await rig.ledger.ask(BalanceQuery("bob"), timeout=10)
    assert isinstance(alice, Balance) and isinstance(bob, Balance)
    assert (alice.confirmed_i, alice.pending_out_i) == (SUPPLY - 250, 0)
    assert bob.confirmed_i == 250
    assert rig.node.confirmed_balances()[to] == 250
    assert total_on_node(rig.node) == SUPPLY


async def test_batches_payments_into_one_bundle(rig: Rig) -> None:
    to = await bob_address(rig)
    # Stop the lane from running between acks: all requests land before it plans.
    keys = [f"batch-{i}" for i in range(5)]
    for i, key in enumerate(keys):
        ack = await rig.ledger.ask(
            TransferRequest("alice", to, 10 + i, f"r{i}", key, rig.inbox.path), timeout=10
        )
        assert isinstance(ack, TransferAccepted)
    await rig.box.wait_for(
        lambda ev: len([e for e in ev if isinstance(e, TransferConfirmed)]) == 5, 30
    )
    hashes = {e.bundle_hash for e in rig.box.of_type(TransferConfirmed)}
    # The first request may go alone (the lane woke on it); the rest share one bundle.
    assert len(hashes) <= 2
    assert rig.node.confirmed_balances()[to] == sum(10 + i for i in range(5))
    assert total_on_node(rig.node) == SUPPLY


async def test_duplicate_key_pays_once(rig: Rig) -> None:
    to = await bob_address(rig)
    req = TransferRequest("alice", to, 40, "once", "dup-1", rig.inbox.path)
    first = await rig.ledger.ask(req, timeout=10)
    second = await rig.ledger.ask(req, timeout=10)
    assert isinstance(first, TransferAccepted) and isinstance(second, TransferAccepted)
    assert second.duplicate and second.request_id == first.request_id
    await rig.box.wait_for(lambda ev: bool([e for e in ev if isinstance(e, TransferConfirmed)]), 30)
    third = await rig.ledger.ask(req, timeout=10)
    assert isinstance(third, TransferAccepted) and third.duplicate
    assert third.state == "confirmed"
    assert rig.node.confirmed_balances()[to] == 40
    conflict = await rig.ledger.ask(
        TransferRequest("alice", to, 41, "once", "dup-1", rig.inbox.path), timeout=10
    )
    assert isinstance(conflict, RequestRejected)
    assert conflict.reason == RejectReason.IDEMPOTENCY_CONFLICT


async def test_insufficient_funds_is_a_typed_failure(rig: Rig) -> None:
    to = await bob_address(rig)
    ack = await rig.ledger.ask(
        TransferRequest("alice", to, SUPPLY + 1, "too much", "big-1", rig.inbox.path), timeout=10
    )
    assert isinstance(ack, TransferAccepted)
    await rig.box.wait_for(lambda ev: any(isinstance(e, TransferFailed) for e in ev), 30)
    failed = rig.box.of_type(TransferFailed)[0]
    assert failed.reason == FailureReason.INSUFFICIENT_FUNDS
    status = await rig.ledger.ask(StatusQuery("big-1"), timeout=10)
    assert isinstance(status, RequestStatus) and status.state == "failed"
    assert rig.node.confirmed_balances().get(to, 0) == 0
    assert total_on_node(rig.node) == SUPPLY


async def test_unknown_wallet_is_rejected_without_journal_entry(rig: Rig) -> None:
    to = await bob_address(rig)
    reply = await rig.ledger.ask(TransferRequest("mallory", to, 1, "", "m-1"), timeout=10)
    assert isinstance(reply, RequestRejected) and reply.reason == RejectReason.UNKNOWN_WALLET
    status = await rig.ledger.ask(StatusQuery("m-1"), timeout=10)
    assert isinstance(status, RequestStatus) and status.state == "unknown"


async def test_spent_destination_fails(rig: Rig) -> None:
    to = await bob_address(rig)
    await rig.ledger.ask(TransferRequest("alice", to, 5, "", "s-1", rig.inbox.path), timeout=10)
    await rig.box.wait_for(lambda ev: any(isinstance(e, TransferConfirmed) for e in ev), 30)
    # alice's address 0 was spent by s-1: paying to it must fail, not strand funds.
    spent = (await rig.ledger.ask(BalanceQuery("alice"), timeout=10), None)[0]
    assert isinstance(spent, Balance)
    alice0 = address_from_seed(A.reveal(), 0, 2)
    await rig.ledger.ask(TransferRequest("bob", alice0, 1, "", "s-2", rig.inbox.path), timeout=10)
    await rig.box.wait_for(lambda ev: any(isinstance(e, TransferFailed) for e in ev), 30)
    assert rig.box.of_type(TransferFailed)[0].reason == FailureReason.SPENT_DESTINATION
    assert total_on_node(rig.node) == SUPPLY


BAD_MESSAGES: list[tuple[str, dict[str, Any]]] = [
    ("zero amount", {"amount_i": 0}),
    ("negative amount", {"amount_i": -5}),
    ("more than the supply", {"amount_i": 3**33}),
    ("short address", {"to_address": "A" * 80}),
    ("lower-case address", {"to_address": "a" * 81}),
    ("empty key", {"idempotency_key": ""}),
    ("long reference", {"reference": "x" * 257}),
    ("empty wallet", {"wallet": ""}),
]


@pytest.mark.parametrize(("label", "change"), BAD_MESSAGES, ids=[b[0] for b in BAD_MESSAGES])
def test_malformed_transfer_cannot_be_built(label: str, change: dict[str, Any]) -> None:
    fields: dict[str, Any] = {
        "wallet": "alice",
        "to_address": "B" * 81,
        "amount_i": 1,
        "reference": "",
        "idempotency_key": "k",
    }
    with pytest.raises(MessageValidationError):
        TransferRequest(**{**fields, **change})


async def test_rejected_requests_change_nothing(rig: Rig) -> None:
    to = await bob_address(rig)
    bad_checksum = to + "ABCDEFGHI"
    good_checksum = to + address_checksum(to)
    cases = [
        TransferRequest("mallory", to, 1, "", "r-1", rig.inbox.path),
        TransferRequest("alice", bad_checksum, 1, "", "r-2", rig.inbox.path),
        TransferRequest("alice", to, 1, "", "r-3", "not-a-path"),
    ]
    before = rig.node.confirmed_balances()
    for req in cases:
        reply = await rig.ledger.ask(req, timeout=10)
        assert isinstance(reply, RequestRejected), req
        status = await rig.ledger.ask(StatusQuery(req.idempotency_key), timeout=10)
        assert isinstance(status, RequestStatus) and status.state == "unknown"
    ok = await rig.ledger.ask(
        TransferRequest("alice", good_checksum, 3, "", "r-4", rig.inbox.path), timeout=10
    )
    assert isinstance(ok, TransferAccepted)
    await rig.box.wait_for(lambda ev: any(isinstance(e, TransferConfirmed) for e in ev), 30)
    after = rig.node.confirmed_balances()
    assert after[to] == 3 and sum(after.values()) == sum(before.values())


async def test_lost_journal_still_never_reuses_a_spent_address(
    tmp_path: Path, workers: LedgerWorkers
) -> None:
    node = funded_node({A: SUPPLY}, mwm=1)
    box = EventBox()
    alice0 = address_from_seed(A.reveal(), 0, 2)

    def config(name: str) -> LedgerConfig:
        return LedgerConfig(
            journal_path=str(tmp_path / name),
            node=lambda: embedded_client(node),
            wallets={"alice": A, "bob": B},
            mwm=1,
            poll_interval_s=0.01,
        )

    async with ActorSystem("lost") as system:
        inbox = await system.spawn(lambda: Inbox(box), name="inbox")
        first = await system.spawn(lambda: LedgerActor(config("one.db"), workers), name="l1")
        to = await first.ask(AddressRequest("bob"), timeout=10)
        assert isinstance(to, AddressIssued)
        await first.ask(TransferRequest("alice", to.address, 100, "", "a", inbox.path), 10)
        await box.wait_for(lambda ev: len(ev) == 1, 30)
        await system.stop(first)
        # a new, empty journal: only the node knows alice's address 0 was spent
        second = await system.spawn(lambda: LedgerActor(config("two.db"), workers), name="l2")
        fresh = await second.ask(AddressRequest("alice"), timeout=10)
        assert isinstance(fresh, AddressIssued) and fresh.address != alice0 and fresh.index >= 1
        await second.ask(TransferRequest("alice", to.address, 50, "", "b", inbox.path), 10)
        await box.wait_for(lambda ev: len(ev) == 2, 30)
    assert all(isinstance(e, TransferConfirmed) for e in box.events)
    balances = node.confirmed_balances()
    assert balances[to.address] == 150 and alice0 not in balances
    assert sum(balances.values()) == SUPPLY
    node.close()


async def test_restored_seed_finds_funds_beyond_unused_addresses(
    tmp_path: Path, workers: LedgerWorkers
) -> None:
    from actorgrid.ledger.node import Genesis, SeedFunding

    genesis = Genesis((SeedFunding(seed=A.reveal(), balance=77, index=3, count=1),))
    node = TangleNode(None, mwm=1, genesis=genesis, milestone_interval=0.0)
    config = LedgerConfig(
        journal_path=str(tmp_path / "j.db"),
        node=lambda: embedded_client(node),
        wallets={"alice": A},
        mwm=1,
    )
    async with ActorSystem("restore") as system:
        ledger = await system.spawn(lambda: LedgerActor(config, workers), name="ledger")
        balance = await ledger.ask(BalanceQuery("alice"), timeout=10)
        fresh = await ledger.ask(AddressRequest("alice"), timeout=10)
    assert isinstance(balance, Balance) and balance.confirmed_i == 77
    assert isinstance(fresh, AddressIssued) and fresh.index == 4  # past the funded index
    node.close()
