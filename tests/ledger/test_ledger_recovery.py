"""Crashes and restarts of the ledger actor never lose, duplicate or re-sign a payment."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actorgrid.ledger.actor import LedgerActor, LedgerConfig
from actorgrid.ledger.journal import BundleState, Journal
from actorgrid.ledger.messages import (
    AddressIssued,
    AddressRequest,
    FailureReason,
    TransferAccepted,
    TransferConfirmed,
    TransferFailed,
    TransferRequest,
)
from actorgrid.ledger.node import TangleNode
from actorgrid.ledger.testing import EventBox, Inbox, embedded_client, funded_node, test_seed
from actorgrid.ledger.workers import LedgerWorkers
from actorgrid.runtime import ActorRef, ActorSystem, ChildSpec, SupervisorSpec

WALLETS = {"alice": test_seed("alice"), "bob": test_seed("bob"), "carol": test_seed("carol")}
FUNDING = {WALLETS["alice"]: 1_000, WALLETS["bob"]: 300}
SUPPLY = sum(FUNDING.values())
POINTS = ("planned", "signed", "attached", "broadcast")


class SimulatedCrash(Exception):
    """Raised by the fault hook: the ledger dies at that point."""


@dataclass
class Faults:
    """Armed crash points; each fires once."""

    armed: list[str] = field(default_factory=list)
    fired: list[tuple[str, int]] = field(default_factory=list)

    def __call__(self, point: str, bundle_id: int) -> None:
        if point in self.armed:
            self.armed.remove(point)
            self.fired.append((point, bundle_id))
            raise SimulatedCrash(point)


@pytest.fixture(scope="module")
def workers() -> Iterator[LedgerWorkers]:
    w = LedgerWorkers("thread", 2)
    yield w
    w.close()


class Harness:
    """A node, an inbox and a supervised ledger that can be crashed and killed."""

    def __init__(self, tmp: Path, workers: LedgerWorkers, node: TangleNode) -> None:
        self.faults = Faults()
        self.node = node
        self.workers = workers
        self.box = EventBox()
        self.config = LedgerConfig(
            journal_path=str(tmp / "journal.db"),
            node=lambda: embedded_client(node),
            wallets=WALLETS,
            mwm=1,
            poll_interval_s=0.01,
            max_batch=4,
            fault=self.faults,
        )
        self.generation = 0
        self.system: ActorSystem
        self.inbox: ActorRef
        self.sup: ActorRef
        self.ledger: ActorRef

    async def start(self, system: ActorSystem) -> None:
        self.system = system
        self.inbox = await system.spawn(lambda: Inbox(self.box), name="inbox")
        await self.spawn_ledger()

    async def spawn_ledger(self) -> None:
        self.generation += 1
        spec = SupervisorSpec(
            children=[ChildSpec("ledger", lambda: LedgerActor(self.config, self.workers))],
            intensity=1000,
            period=1.0,
        )
        self.sup = await self.system.spawn_supervisor(spec, name=f"sup{self.generation}")
        ref = self.system.lookup(f"/sup{self.generation}/ledger")
        assert ref is not None
        self.ledger = ref

    async def kill(self) -> None:
        """Stop the ledger wherever it is (work in flight is abandoned) and start a new one."""
        await self.system.stop(self.sup)
        await self.spawn_ledger()

    async def ask(self, message: object) -> object:
        # The ledger may be restarting after a simulated crash: retry until it answers.
        for _ in range(50):
            try:
                return await self.ledger.ask(message, timeout=10)
            except Exception:  # ActorDied while it crashes; the supervisor restarts it
                await asyncio.sleep(0)
                ref = self.system.lookup(f"/sup{self.generation}/ledger")
                if ref is not None:
                    self.ledger = ref
        raise AssertionError("ledger never answered")

    async def fresh_address(self, wallet: str) -> str:
        issued = await self.ask(AddressRequest(wallet))
        assert isinstance(issued, AddressIssued)
        return issued.address

    def outcomes(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for e in self.box.events:
            if isinstance(e, TransferConfirmed | TransferFailed):
                out.setdefault(e.idempotency_key, set()).add(type(e).__name__)
        return out


Op = tuple[str, ...] | tuple[str, str, str, int]

ops_strategy = st.lists(
    st.one_of(
        st.tuples(
            st.just("pay"),
            st.sampled_from(sorted(WALLETS)),
            st.sampled_from(sorted(WALLETS)),
            st.integers(1, 700),
        ),
        st.tuples(st.just("crash"), st.sampled_from(POINTS)),
        st.tuples(st.just("kill")),
        st.tuples(st.just("repeat")),
    ),
    min_size=1,
    max_size=7,
)


async def run_scenario(ops: list[Op], tmp: Path, workers: LedgerWorkers) -> Harness:
    node = funded_node(FUNDING, mwm=1)
    h = Harness(tmp, workers, node)
    acked: dict[str, TransferRequest] = {}
    async with ActorSystem("recovery") as system:
        await h.start(system)
        for i, op in enumerate(ops):
            if op[0] == "pay":
                _, src, dst, amount = op
                req = TransferRequest(
                    str(src),
                    await h.fresh_address(str(dst)),
                    int(amount),
                    f"op{i}",
                    f"k{i}",
                    h.inbox.path,
                )
                ack = await h.ask(req)
                assert isinstance(ack, TransferAccepted) and not ack.duplicate
                acked[req.idempotency_key] = req
            elif op[0] == "crash":
                h.faults.armed.append(str(op[1]))
            elif op[0] == "kill":
                await h.kill()
            elif op[0] == "repeat" and acked:
                req = next(iter(acked.values()))
                ack = await h.ask(req)
                assert isinstance(ack, TransferAccepted) and ack.duplicate
        await h.box.wait_for(lambda _: set(h.outcomes()) >= set(acked), 60)
        await system.stop(h.sup)
    check_invariants(h, acked, tmp)
    node.close()
    return h


def check_invariants(h: Harness, acked: dict[str, TransferRequest], tmp: Path) -> None:
    outcomes = h.outcomes()
    # every acknowledged transfer ended exactly one way
    assert all(len(outcomes[k]) == 1 for k in acked), outcomes
    failed = [e for e in h.box.events if isinstance(e, TransferFailed)]
    assert all(e.reason == FailureReason.INSUFFICIENT_FUNDS for e in failed), failed
    journal = Journal(tmp / "journal.db")
    try:
        # balances: genesis +/- confirmed payments, per wallet (a double payment would show)
        expected = {name: FUNDING.get(seed, 0) for name, seed in WALLETS.items()}
        confirmed = {k for k, o in outcomes.items() if o == {"TransferConfirmed"}}
        owner = {a.address: name for name in WALLETS for a in journal.addresses(name)}
        for key in confirmed:
            req = acked[key]
            expected[req.wallet] -= req.amount_i
            expected[owner[req.to_address]] += req.amount_i
        balances = h.node.confirmed_balances()
        for name in WALLETS:
            held = sum(balances.get(a.address, 0) for a in journal.addresses(name))
            assert held == expected[name], (name, held, expected)
        assert sum(balances.values()) == SUPPLY
        # a spent address is never an input twice, never receives later, holds nothing
        inputs_seen: set[str] = set()
        for bundle in journal.bundles():
            plan = json.loads(bundle.plan)
            inputs = {i[0] for i in plan["inputs"]}
            outputs = {o[0] for o in plan["outputs"]} | (
                {plan["remainder"]} if plan["remainder"] else set()
            )
            assert not inputs & inputs_seen
            assert not outputs & (inputs_seen | inputs)
            inputs_seen |= inputs
            assert bundle.state in (BundleState.CONFIRMED, BundleState.FAILED)
        for address in inputs_seen:
            assert balances.get(address, 0) == 0
        # one signed bundle per journalled bundle: every tail on the node shares its hash
        client = embedded_client(h.node)
        for bundle in journal.bundles():
            assert bundle.bundle_hash is not None
            assert set(client.bundle_tails(bundle.bundle_hash)) == set(bundle.tails)
    finally:
        journal.close()


@pytest.mark.slow
@settings(max_examples=int(os.environ.get("LEDGER_EXAMPLES", "20")), deadline=None)
@given(ops=ops_strategy)
def test_random_transfers_and_crashes_keep_the_books(ops: list[Op], workers: LedgerWorkers) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run_scenario(ops, Path(tmp), workers))


@pytest.mark.parametrize("point", POINTS)
async def test_crash_at_each_point_pays_exactly_once(
    point: str, tmp_path: Path, workers: LedgerWorkers
) -> None:
    ops: list[Op] = [("crash", point), ("pay", "alice", "bob", 100), ("pay", "alice", "carol", 50)]
    h = await run_scenario(ops, tmp_path, workers)
    assert [p for p, _ in h.faults.fired] == [point]


async def test_crash_between_signing_and_broadcast_resumes_from_stored_trytes(
    tmp_path: Path, workers: LedgerWorkers
) -> None:
    node = funded_node(FUNDING, mwm=1)
    h = Harness(tmp_path, workers, node)
    at_crash: list[tuple[BundleState, tuple[str, ...], int]] = []

    def crash_after_signing(point: str, bundle_id: int) -> None:
        if point == "signed" and not at_crash:
            journal = Journal(tmp_path / "journal.db")
            b = journal.bundle(bundle_id)
            journal.close()
            at_crash.append(
                (b.state, b.trytes, len(embedded_client(node).bundle_tails(b.bundle_hash or "")))
            )
            raise SimulatedCrash(point)

    h.config = LedgerConfig(**{**h.config.__dict__, "fault": crash_after_signing})
    async with ActorSystem("kill") as system:
        await h.start(system)
        to = await h.fresh_address("bob")
        await h.ask(TransferRequest("alice", to, 123, "", "k-sign", h.inbox.path))
        await h.box.wait_for(lambda ev: any(isinstance(e, TransferConfirmed) for e in ev), 30)
        await system.stop(h.sup)
    journal = Journal(tmp_path / "journal.db")
    done = journal.bundles()
    journal.close()
    state, trytes, tails_on_node = at_crash[0]
    assert (state, tails_on_node) == (BundleState.SIGNED, 0)  # signed and stored, not broadcast
    # the restarted ledger broadcast exactly the trytes stored before the crash
    assert len(done) == 1 and done[0].state == BundleState.CONFIRMED
    assert done[0].trytes == trytes and len(done[0].tails) == 1
    assert node.confirmed_balances()[to] == 123
    node.close()
