"""Real payments: the ledger actor on the embedded tangle node, and the MAM streams.

:class:`TangleLedger` implements :class:`~actorgrid.actors.payments.LedgerPort`. At the
start of a run it builds an embedded :class:`~actorgrid.ledger.node.TangleNode` whose
genesis funds every payer's wallet (consumers, the grid's float, the utility; seeds from
the config's ``[seeds]``, demo seeds otherwise), spawns the ``/ledger`` supervisor with the
ledger actor (``/ledger/writer``) and, with MAM on, the stream publisher
(``/ledger/mam``), and fetches one receive address per producer (producers never spend,
so a fixed address is safe). Every other receive address is fresh per use: the grid's
collection wallet gets one per slot (only paid into during the run), and the grid's float
and the utility get a fresh one for each settlement transfer, so no payment ever goes to
an address that was spent from.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from actorgrid.actors.results import LedgerFigures
from actorgrid.actors.spec import GridSpec
from actorgrid.actors.store import PaymentRecord
from actorgrid.actors.tree import LEDGER, LEDGER_WRITER
from actorgrid.ledger import messages as lm
from actorgrid.runtime import ActorError

if TYPE_CHECKING:
    from actorgrid.actors.base import Entity, RunEnv
    from actorgrid.actors.mam import MamStreams
    from actorgrid.runtime import ActorRef

__all__ = ["LedgerUnavailable", "TangleLedger"]

log = logging.getLogger("actorgrid.actors")

ASK_TIMEOUT_S = 120.0


class LedgerUnavailable(RuntimeError):
    """The ledger actor could not be reached or refused a request for good."""


class TangleLedger:
    """The ledger port backed by the ledger actor on an embedded node."""

    def __init__(self, spec: GridSpec) -> None:
        self.spec = spec
        self.env: RunEnv | None = None
        self.addresses: dict[str, str] = {}
        self.mam: MamStreams | None = None
        self.confirmed_bundles: set[str] = set()
        self.confirmed_keys: set[str] = set()
        self.failed_keys: set[str] = set()
        self.submitted: set[str] = set()
        self.node: Any = None
        self.journal_path = ""

    # -- lifecycle (called by run_grid) ---------------------------------------------------

    async def start(self, env: RunEnv) -> None:
        """Node, wallets, ledger supervisor, producer addresses, MAM channels."""
        from actorgrid.actors.ledger_setup import start_ledger

        self.env = env
        self.node, self.mam = await start_ledger(self, env)

    async def stop(self, env: RunEnv) -> None:
        """Flush the MAM streams one last time and wait until they are published."""
        if self.mam is not None:
            from actorgrid.actors.ledger_setup import finish_mam

            await finish_mam(self, env)
        if self.mam is not None:
            env.extra["mam_roots"] = self.mam.roots()
            env.extra["mam_side_keys"] = self.mam.side_keys()

    async def close(self, env: RunEnv) -> None:
        """After the actor system stopped: close the worker pool, remove temporary files."""
        from actorgrid.actors.ledger_setup import cleanup

        cleanup(env)

    # -- LedgerPort -----------------------------------------------------------------------

    @property
    def writer(self) -> ActorRef:
        """The ledger actor's ref."""
        assert self.env is not None
        ref = self.env.system.lookup(f"/{LEDGER}/{LEDGER_WRITER}")
        if ref is None:
            raise LedgerUnavailable("the ledger actor is not running")
        return ref

    async def ask(self, message: object, attempts: int = 5) -> Any:
        """Ask the ledger actor; while it restarts, try again (1 s of clock time apart)."""
        assert self.env is not None
        for attempt in range(attempts):
            try:
                return await self.writer.ask(message, timeout=ASK_TIMEOUT_S)
            except (ActorError, LedgerUnavailable):
                if attempt == attempts - 1:
                    raise
                await self.env.system.clock.sleep(1.0)
        raise AssertionError("unreachable")

    async def fresh_address(self, wallet: str) -> str:
        """A never-spent receive address of ``wallet``."""
        reply = await self.ask(lm.AddressRequest(wallet))
        if not isinstance(reply, lm.AddressIssued):
            raise LedgerUnavailable(f"no address for {wallet}: {reply!r}")
        return reply.address

    async def submit(self, actor: Entity, record: PaymentRecord) -> bool:
        """Journal ``record`` with the ledger actor (fresh destination if it has none)."""
        if not record.to_address:
            known = self.addresses.get(record.to_entity)
            record.to_address = known or await self.fresh_address(record.to_entity)
        request = lm.TransferRequest(
            wallet=record.wallet,
            to_address=record.to_address,
            amount_i=record.amount_i,
            reference=record.reference[:256],
            idempotency_key=record.key,
            reply_to=actor.ctx.path,
        )
        try:
            reply = await self.ask(request, attempts=1)
        except Exception as exc:  # AskTimeout, ActorDied: the entity re-submits later
            log.warning("%s: ledger did not accept %s yet: %r", actor.entity_id, record.key, exc)
            return False
        if isinstance(reply, lm.TransferAccepted):
            self.submitted.add(record.key)
            return True
        if isinstance(reply, lm.RequestRejected):
            record.failed = f"rejected: {reply.reason} {reply.detail}".strip()
            self.failed_keys.add(record.key)
            log.error("%s: ledger rejected %s: %s", actor.entity_id, record.key, record.failed)
            return False
        raise LedgerUnavailable(f"unexpected reply {reply!r}")

    def outcome(self, message: object) -> tuple[str, bool, str] | None:
        """Decode ``TransferConfirmed`` / ``TransferFailed``."""
        if isinstance(message, lm.TransferConfirmed):
            self.confirmed_keys.add(message.idempotency_key)
            self.confirmed_bundles.add(message.bundle_hash)
            return message.idempotency_key, True, ""
        if isinstance(message, lm.TransferFailed):
            self.failed_keys.add(message.idempotency_key)
            return message.idempotency_key, False, f"{message.reason}: {message.detail}"
        return None

    def known_address(self, entity: str) -> str:
        """The producer's fixed receive address."""
        return self.addresses[entity]

    async def collection_address(self, actor: Entity, slot: int) -> str:
        """A fresh address of the grid's collection wallet for the slot's invoices."""
        from actorgrid.actors.grid import collection_wallet

        return await self.fresh_address(collection_wallet(actor.env.grid_id))

    async def balance(self, entity: str) -> int | None:
        """Confirmed balance of ``entity``'s wallet (None if the ledger has no such wallet)."""
        reply = await self.ask(lm.BalanceQuery(entity))
        return reply.confirmed_i if isinstance(reply, lm.Balance) else None

    async def is_confirmed(self, key: str) -> bool:
        """Whether the ledger's journal has ``key`` confirmed."""
        if key in self.confirmed_keys:
            return True
        reply = await self.ask(lm.StatusQuery(key))
        return isinstance(reply, lm.RequestStatus) and reply.state == "confirmed"

    async def figures(self) -> LedgerFigures:
        """Bundles and confirmations as the ledger reported them."""
        from actorgrid.actors.ledger_setup import ledger_figures

        return await ledger_figures(self)
