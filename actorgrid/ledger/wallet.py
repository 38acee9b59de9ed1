"""Wallets: one seed per entity, persisted address index, never-reused spent addresses.

A :class:`Wallet` owns the seed of one entity (from :mod:`actorgrid.ledger.keystore`) and keeps
its address book in the ledger journal. IOTA legacy rules it enforces:

* an address is spent in full: every input moves its whole balance, and the remainder goes to a
  *fresh* address (never an address that was ever spent from);
* an address that was spent from (locally recorded, or reported by the node's
  ``wereAddressesSpentFrom``) is never used again, neither as input nor as remainder nor as a
  receive address.

:func:`plan_batch` is the pure rule that turns a wallet's queued payments into one bundle plan.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from actorgrid.ledger.journal import AddressRecord, Journal, RequestRecord
from actorgrid.ledger.keystore import SecretSeed
from actorgrid.ledger.ledger_io import LedgerIO
from actorgrid.ledger.messages import FailureReason
from actorgrid.ledger.node_client import NodeClient
from actorgrid.ledger.workers import PlannedInput, derive_addresses

__all__ = ["BatchPlan", "Funds", "Wallet", "plan_batch"]


@dataclass(frozen=True, slots=True)
class Funds:
    """A spendable address of the wallet and its confirmed balance."""

    index: int
    address: str
    balance: int


@dataclass(frozen=True, slots=True)
class BatchPlan:
    """What to do with a wallet's queue now: which requests to pay (with which inputs) and
    which to fail; ``change`` is the amount that must go to a fresh remainder address."""

    pay: tuple[RequestRecord, ...]
    fail: tuple[tuple[RequestRecord, FailureReason, str], ...]
    inputs: tuple[Funds, ...]
    change: int


def plan_batch(
    queued: Sequence[RequestRecord],
    funds: Sequence[Funds],
    spent_destinations: frozenset[str],
    max_payments: int,
) -> BatchPlan:
    """Take queued payments in order while the funds cover them (up to ``max_payments``).

    A payment that the remaining funds cannot cover fails with ``INSUFFICIENT_FUNDS`` at its turn
    (later, smaller payments may still go); a payment to a spent address fails with
    ``SPENT_DESTINATION``. Inputs are chosen by key index, whole addresses only; an address that
    is also a destination in the queue is never an input.
    """
    destinations = {r.address[:81] for r in queued}
    usable = [f for f in funds if f.balance > 0 and f.address not in destinations]
    remaining = sum(f.balance for f in usable)
    pay: list[RequestRecord] = []
    fail: list[tuple[RequestRecord, FailureReason, str]] = []
    for req in queued:
        if len(pay) >= max_payments:
            break
        if req.address[:81] in spent_destinations:
            fail.append((req, FailureReason.SPENT_DESTINATION, "destination was spent from"))
        elif req.amount > remaining:
            fail.append(
                (req, FailureReason.INSUFFICIENT_FUNDS, f"{req.amount} i > {remaining} i available")
            )
        else:
            pay.append(req)
            remaining -= req.amount
    total = sum(r.amount for r in pay)
    inputs: list[Funds] = []
    covered = 0
    for f in sorted(usable, key=lambda f: f.index):
        if covered >= total:
            break
        inputs.append(f)
        covered += f.balance
    return BatchPlan(tuple(pay), tuple(fail), tuple(inputs), covered - total)


class Wallet:
    """The wallet of one entity, bound to the ledger's journal, node and workers.

    ``repr`` shows the entity name only, never the seed.
    """

    def __init__(self, name: str, seed: SecretSeed, io: LedgerIO, *, security: int = 2) -> None:
        if security not in (1, 2, 3):
            raise ValueError("security must be 1, 2 or 3")
        self.name = name
        self.security = security
        self._seed = seed
        self._io = io
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"Wallet({self.name!r})"

    @property
    def seed(self) -> SecretSeed:
        """The wallet's seed (masked in ``repr``)."""
        return self._seed

    async def open(self, gap: int = 5) -> None:
        """Discover the addresses of a wallet the journal has not seen before (a restored seed).

        Derives addresses from index 0 until ``gap`` consecutive ones are clean (no balance,
        never spent) and records everything up to the last used one, with its spent flag from
        the node; a wallet the journal knows is left as it is.
        """
        async with self._lock:
            if await self._io.db(Journal.next_index, self.name) > 0:
                return
            found: list[tuple[str, bool]] = []
            last_used = 0  # index 0 is always recorded (genesis funding lands there)
            start = 0
            while start - last_used <= gap:  # one worker call and two node calls per window
                count = last_used + gap + 1 - start
                addresses = await self._io.work(
                    derive_addresses, self._seed.reveal(), start, count, self.security
                )
                balances = await self._io.node(NodeClient.balances, addresses)
                spent = await self._io.node(NodeClient.were_spent, addresses)
                for offset, (address, balance, was_spent) in enumerate(
                    zip(addresses, balances, spent, strict=True)
                ):
                    found.append((address, was_spent))
                    if balance or was_spent:
                        last_used = start + offset
                start += count
            keep = found[: last_used + 1]
            await self._io.db(
                Journal.record_addresses,
                self.name,
                0,
                [a for a, _ in keep],
                [s for _, s in keep],
            )

    async def fresh_address(self) -> tuple[int, str]:
        """A never-spent address at a new key index (persisted before it is returned)."""
        async with self._lock:
            while True:
                index = await self._io.db(Journal.next_index, self.name)
                address = await self._derive(index)
                spent = (await self._io.node(NodeClient.were_spent, [address]))[0]
                await self._io.db(Journal.record_addresses, self.name, index, [address], [spent])
                if not spent:
                    return index, address

    async def addresses(self) -> list[AddressRecord]:
        """Every address handed out so far."""
        return await self._io.db(Journal.addresses, self.name)

    async def confirmed_balance(self) -> int:
        """Sum of the node's confirmed balances over all the wallet's addresses."""
        records = await self.addresses()
        balances = await self._io.node(NodeClient.balances, [r.address for r in records])
        return sum(balances)

    async def spendable(self) -> list[Funds]:
        """Addresses that may be inputs: funded, never spent (locally or per the node)."""
        records = [r for r in await self.addresses() if not r.spent]
        if not records:
            return []
        addrs = [r.address for r in records]
        spent = await self._io.node(NodeClient.were_spent, addrs)
        newly_spent = [a for a, s in zip(addrs, spent, strict=True) if s]
        if newly_spent:
            await self._io.db(Journal.mark_spent, newly_spent)
        balances = await self._io.node(NodeClient.balances, addrs)
        return [
            Funds(r.index, r.address, b)
            for r, b, s in zip(records, balances, spent, strict=True)
            if b > 0 and not s
        ]

    def planned_input(self, funds: Funds) -> PlannedInput:
        """The signing description of an input address."""
        return PlannedInput(funds.address, funds.index, self.security, funds.balance)

    async def _derive(self, index: int) -> str:
        addresses = await self._io.work(
            derive_addresses, self._seed.reveal(), index, 1, self.security
        )
        return addresses[0]
