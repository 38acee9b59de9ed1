"""The ledger actor: the single writer to the tangle for a process.

Requests are journalled before they are acknowledged, then executed strictly in order per
*lane* (one lane per wallet, one for publications). Each lane is a task owned by the actor:

1. plan: take the wallet's queued transfers (up to ``max_batch``) into one bundle; inputs are
   marked spent and the plan is journalled (``planned``) before anything is signed;
2. sign on the worker pool (deterministic for a given plan, so a restart that re-signs a
   journalled plan reproduces the same signature); store the signed trytes (``signed``);
3. ask the node whether the bundle is already there (a crash after broadcast); if not, PoW on the
   workers and store/broadcast (``broadcast``, tail hash journalled);
4. poll inclusion; an unconfirmed bundle is promoted (if consistent) or reattached: the SAME
   signed trytes with new PoW, never a new signature;
5. on confirmation tell every requester (``TransferConfirmed``) at its ``reply_to`` path.

A failing lane crashes the actor (its supervisor restarts it); ``on_start`` resumes every lane
from the journal, so each acknowledged request is executed exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from actorgrid.ledger.journal import (
    BundleRecord,
    BundleState,
    Journal,
    RequestKind,
    RequestRecord,
    RequestState,
)
from actorgrid.ledger.keystore import SecretSeed
from actorgrid.ledger.ledger_io import LedgerIO
from actorgrid.ledger.messages import (
    AddressIssued,
    AddressRequest,
    Balance,
    BalanceQuery,
    FailureReason,
    PublishAccepted,
    Published,
    PublishFailed,
    PublishRequest,
    RejectReason,
    RequestRejected,
    RequestStatus,
    StatusQuery,
    TransferAccepted,
    TransferConfirmed,
    TransferFailed,
    TransferRequest,
)
from actorgrid.ledger.node_client import NodeClient, NodeError
from actorgrid.ledger.trytes import address_checksum
from actorgrid.ledger.wallet import Wallet, plan_batch
from actorgrid.ledger.workers import (
    BundlePlan,
    LedgerWorkers,
    PlannedOutput,
    WorkerKind,
    attach_bundle,
    build_zero_value_bundle,
    sign_bundle,
)
from actorgrid.protocol import decode, encode
from actorgrid.runtime import Actor, ActorError

__all__ = ["PUBLISH_LANE", "LedgerActor", "LedgerConfig", "LedgerCrash", "text_to_trytes"]

log = logging.getLogger(__name__)

PUBLISH_LANE = "@publish"
_ALPHABET = "9ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class LedgerCrash(Exception):
    """A lane of the ledger failed; raised in the actor so its supervisor restarts it."""


@dataclass(frozen=True)
class LedgerConfig:
    """How a :class:`LedgerActor` runs.

    ``node`` builds the node client in ``on_start`` (e.g. ``lambda:
    NodeClient.connect("http://127.0.0.1:14265")`` or ``lambda:
    NodeClient(Iota(EmbeddedAdapter(node)))``). ``fault`` is a test hook called with a point
    name (``"planned"``, ``"signed"``, ``"attached"``, ``"broadcast"``, ``"promoted"``) and the
    bundle id; raising there simulates a crash at that point. ``promote=False`` always reattaches
    an unconfirmed bundle instead of promoting it.
    """

    journal_path: str
    node: Callable[[], NodeClient]
    wallets: Mapping[str, SecretSeed] = field(repr=False)
    mwm: int = 9
    depth: int = 3
    security: int = 2
    workers: WorkerKind = "process"
    max_workers: int | None = None
    max_batch: int = 16
    poll_interval_s: float = 1.0
    reattach_after_s: float = 20.0
    tag: str = "ACTORGRID"
    promote: bool = True
    node_inline: bool = False
    fault: Callable[[str, int], None] | None = None


@dataclass(frozen=True, slots=True)
class _LaneFailed:
    lane: str
    error: BaseException


class LedgerActor(Actor):
    """The ledger actor; see the module docstring. Messages: :mod:`actorgrid.ledger.messages`.

    ``workers`` may be shared between incarnations/actors (then the caller closes it); by
    default the actor creates and closes its own pool.
    """

    mailbox_size = 4096

    def __init__(self, config: LedgerConfig, workers: LedgerWorkers | None = None) -> None:
        self.config = config
        self._given_workers = workers
        self._io: LedgerIO | None = None
        self._wallets: dict[str, Wallet] = {}
        self._lanes: dict[str, asyncio.Task[None]] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self._last_attach: dict[int, float] = {}

    # -- lifecycle --------------------------------------------------------------------------

    async def on_start(self) -> None:
        """Open journal, node and workers; resume every lane that has work."""
        cfg = self.config
        workers = self._given_workers or LedgerWorkers(cfg.workers, cfg.max_workers)
        try:
            journal = await asyncio.to_thread(Journal, cfg.journal_path)
            node = await asyncio.to_thread(cfg.node)
            self._io = LedgerIO(
                journal, node, workers, clock=self.ctx.clock, node_inline=cfg.node_inline
            )
            if self._given_workers is None:
                await self._io.work(_noop)
            wallets = [
                Wallet(name, seed, self._io, security=cfg.security)
                for name, seed in cfg.wallets.items()
            ]
            # independent wallets open together: their key derivation keeps every worker busy
            async with asyncio.TaskGroup() as group:
                for wallet in wallets:
                    group.create_task(wallet.open())
            self._wallets = {w.name: w for w in wallets}
            for lane in await self._io.db(Journal.lanes_with_work):
                self._poke(lane)
            await self._redeliver()
        except BaseException:
            await self._close()
            raise

    async def on_stop(self) -> None:
        """Cancel the lanes (work in flight is resumed from the journal next start)."""
        await self._close()

    async def _close(self) -> None:
        tasks = list(self._lanes.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._lanes.clear()
        io, self._io = self._io, None
        if io is not None:
            io.close()
            await asyncio.to_thread(io.journal.close)
        if self._given_workers is None and io is not None:
            await asyncio.to_thread(io.workers.close)

    # -- messages ---------------------------------------------------------------------------

    async def on_receive(self, message: object) -> object:
        """Handle a request or query; see :mod:`actorgrid.ledger.messages`."""
        if isinstance(message, TransferRequest):
            return await self._accept_transfer(message)
        if isinstance(message, PublishRequest):
            return await self._accept_publish(message)
        if isinstance(message, BalanceQuery):
            return await self._balance(message.wallet)
        if isinstance(message, AddressRequest):
            wallet = self._wallets.get(message.wallet)
            if wallet is None:
                return RequestRejected("", RejectReason.UNKNOWN_WALLET, message.wallet)
            index, address = await wallet.fresh_address()
            return AddressIssued(message.wallet, address, index)
        if isinstance(message, StatusQuery):
            return await self._status(message.idempotency_key)
        if isinstance(message, _LaneFailed):
            raise LedgerCrash(f"lane {message.lane!r} failed") from message.error
        raise TypeError(f"the ledger does not understand {type(message).__name__}")

    async def _accept_transfer(self, req: TransferRequest) -> object:
        if req.wallet not in self._wallets:
            return RequestRejected(req.idempotency_key, RejectReason.UNKNOWN_WALLET, req.wallet)
        if (
            len(req.to_address) == 90
            and address_checksum(req.to_address[:81]) != req.to_address[81:]
        ):
            return RequestRejected(
                req.idempotency_key, RejectReason.INVALID_REQUEST, "bad address checksum"
            )
        accepted = await self._journal(
            req, RequestKind.TRANSFER, req.wallet, req.amount_i, req.to_address
        )
        if isinstance(accepted, RequestRejected):
            return accepted
        record, created = accepted
        return TransferAccepted(record.idempotency_key, record.id, record.state.value, not created)

    async def _accept_publish(self, req: PublishRequest) -> object:
        accepted = await self._journal(req, RequestKind.PUBLISH, PUBLISH_LANE, 0, req.address)
        if isinstance(accepted, RequestRejected):
            return accepted
        record, created = accepted
        return PublishAccepted(record.idempotency_key, record.id, record.state.value, not created)

    async def _journal(
        self,
        req: TransferRequest | PublishRequest,
        kind: RequestKind,
        lane: str,
        amount: int,
        address: str,
    ) -> tuple[RequestRecord, bool] | RequestRejected:
        """Journal ``req`` durably (before it is acknowledged) and wake its lane.

        Returns the record and whether it is new; a repeated idempotency key returns the
        existing record, unless the body differs (``IDEMPOTENCY_CONFLICT``).
        """
        io = self._require_io()
        if req.reply_to and not req.reply_to.startswith("/"):
            return RequestRejected(
                req.idempotency_key, RejectReason.INVALID_REQUEST, "reply_to must be an actor path"
            )
        record, created = await io.db(
            Journal.accept,
            kind=kind,
            idempotency_key=req.idempotency_key,
            lane=lane,
            amount=amount,
            address=address[:81],
            body=encode(req),
            reply_to=req.reply_to,
        )
        if not created and not _same_request(record, req):
            return RequestRejected(
                req.idempotency_key,
                RejectReason.IDEMPOTENCY_CONFLICT,
                "key already used for a different request",
            )
        self._poke(lane)
        return record, created

    async def _balance(self, name: str) -> object:
        wallet = self._wallets.get(name)
        if wallet is None:
            return RequestRejected("", RejectReason.UNKNOWN_WALLET, name)
        confirmed = await wallet.confirmed_balance()
        pending = await self._require_io().db(Journal.pending_amount, name)
        return Balance(name, confirmed, pending, confirmed - pending)

    async def _status(self, key: str) -> RequestStatus:
        record = await self._require_io().db(Journal.request_by_key, key)
        if record is None:
            return RequestStatus(key, "", "unknown")
        return RequestStatus(
            key, record.kind.value, record.state.value, record.bundle_hash or "", record.error or ""
        )

    # -- lanes ------------------------------------------------------------------------------

    def _poke(self, lane: str) -> None:
        event = self._wake.setdefault(lane, asyncio.Event())
        event.set()
        task = self._lanes.get(lane)
        if task is None or task.done():
            # A fresh context: the lane is not part of any message handler (SimClock bookkeeping).
            self._lanes[lane] = asyncio.get_running_loop().create_task(
                self._run_lane(lane), name=f"ledger-lane-{lane}", context=contextvars.Context()
            )

    async def _run_lane(self, lane: str) -> None:
        event = self._wake[lane]
        backoff = 0.0
        try:
            while True:
                event.clear()
                try:
                    progressed = await self._step(lane)
                except (NodeError, OSError) as exc:
                    # The node is down or refused: the journal holds our place, try again later.
                    backoff = min(30.0, max(0.5, backoff * 2))
                    log.warning(
                        "ledger lane %s: node error, retry in %.1fs: %s", lane, backoff, exc
                    )
                    await self.ctx.clock.sleep(backoff)
                    continue
                backoff = 0.0
                if not progressed:
                    await event.wait()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            log.exception("ledger lane %s failed", lane)
            with contextlib.suppress(ActorError):
                self.ctx.self_ref.tell(_LaneFailed(lane, exc))

    async def _step(self, lane: str) -> bool:
        """Advance ``lane`` by one bundle; False if there is nothing to do."""
        io = self._require_io()
        open_bundles = await io.db(Journal.open_bundles, lane)
        if open_bundles:
            await self._drive(open_bundles[0])
            await self._redeliver()
            return True
        queued = await io.db(Journal.queued, lane)
        if not queued:
            return False
        if lane == PUBLISH_LANE:
            await self._plan_publish(queued[0])
        else:
            await self._plan_transfers(lane, queued)
        return True

    async def _plan_publish(self, record: RequestRecord) -> None:
        io = self._require_io()
        req = decode(record.body)
        assert isinstance(req, PublishRequest)
        plan = BundlePlan(
            outputs=(PlannedOutput(req.address[:81], 0, req.payload_trytes),),
            inputs=(),
            remainder=None,
            tag=req.tag or self.config.tag,
            timestamp=int(time.time()),
        )
        await io.db(
            Journal.plan_bundle,
            lane=PUBLISH_LANE,
            kind=RequestKind.PUBLISH,
            plan=plan.to_json(),
            request_ids=[record.id],
        )

    async def _plan_transfers(self, lane: str, queued: list[RequestRecord]) -> None:
        io = self._require_io()
        wallet = self._wallets.get(lane)
        if wallet is None:  # journalled under a wallet that is no longer configured
            raise LedgerCrash(f"queued transfers for unknown wallet {lane!r}")
        funds = await wallet.spendable()
        destinations = sorted({r.address for r in queued})
        node_spent = await io.node(NodeClient.were_spent, destinations)
        spent = {a for a, s in zip(destinations, node_spent, strict=True) if s}
        spent |= await io.db(Journal.spent_addresses, destinations)
        batch = plan_batch(queued, funds, frozenset(spent), self.config.max_batch)
        for record, reason, detail in batch.fail:
            await io.db(Journal.fail_requests, [record.id], f"{reason.value}: {detail}")
        if batch.fail:
            await self._redeliver()
        if not batch.pay:
            return
        remainder = None
        if batch.change > 0:
            remainder = (await wallet.fresh_address())[1]
        outputs = []
        for record in batch.pay:
            req = decode(record.body)
            assert isinstance(req, TransferRequest)
            outputs.append(PlannedOutput(record.address, record.amount, _reference(req)))
        plan = BundlePlan(
            outputs=tuple(outputs),
            inputs=tuple(wallet.planned_input(f) for f in batch.inputs),
            remainder=remainder,
            tag=self.config.tag,
            timestamp=int(time.time()),
        )
        bundle_id = await io.db(
            Journal.plan_bundle,
            lane=lane,
            kind=RequestKind.TRANSFER,
            plan=plan.to_json(),
            request_ids=[r.id for r in batch.pay],
            spent_inputs=[f.address for f in batch.inputs],
        )
        self._fault("planned", bundle_id)

    async def _drive(self, bundle: BundleRecord) -> None:
        """Take one open bundle through signing, broadcast and confirmation."""
        io = self._require_io()
        if bundle.state == BundleState.PLANNED:
            plan = BundlePlan.from_json(bundle.plan)
            if bundle.kind == RequestKind.PUBLISH:
                out = plan.outputs[0]
                signed = await io.work(
                    build_zero_value_bundle, out.address, out.message, plan.tag, plan.timestamp
                )
            else:
                seed = self._wallets[bundle.lane].seed.reveal()
                signed = await io.work(sign_bundle, seed, plan)
            await io.db(Journal.mark_signed, bundle.id, signed.bundle_hash, signed.trytes)
            self._fault("signed", bundle.id)
            bundle = await io.db(Journal.bundle, bundle.id)
        assert bundle.bundle_hash is not None
        if bundle.state == BundleState.SIGNED:
            # After a crash the stored trytes may already be on the node: never attach twice.
            known = await io.node(NodeClient.bundle_tails, bundle.bundle_hash)
            for tail in known:
                await io.db(Journal.add_attachment, bundle.id, tail, time.time())
            if not known:
                await self._attach(bundle)
            bundle = await io.db(Journal.bundle, bundle.id)
        if bundle.kind == RequestKind.PUBLISH:
            await io.db(Journal.mark_confirmed, bundle.id)
            return
        await self._await_confirmation(bundle)

    async def _attach(self, bundle: BundleRecord, trunk: str | None = None) -> str:
        """PoW the stored signed trytes on fresh tips and store/broadcast them; the tail hash."""
        io = self._require_io()
        t, b = await io.node(NodeClient.tips, self.config.depth)
        attached = await io.work(attach_bundle, bundle.trytes, trunk or t, b, self.config.mwm)
        self._fault("attached", bundle.id)
        await io.node(NodeClient.store_and_broadcast, list(attached.trytes))
        self._fault("broadcast", bundle.id)
        await io.db(Journal.add_attachment, bundle.id, attached.tail_hash, time.time())
        self._last_attach[bundle.id] = self.ctx.clock.now()
        return attached.tail_hash

    async def _await_confirmation(self, bundle: BundleRecord) -> None:
        io = self._require_io()
        clock = self.ctx.clock
        self._last_attach.setdefault(bundle.id, clock.now())
        assert bundle.bundle_hash is not None
        while True:
            tails = list(bundle.tails)
            if await io.node(NodeClient.confirmed, tails):
                await io.db(Journal.mark_confirmed, bundle.id)
                self._last_attach.pop(bundle.id, None)
                return
            if clock.now() - self._last_attach[bundle.id] >= self.config.reattach_after_s:
                await self._reattach_or_promote(bundle)
                bundle = await io.db(Journal.bundle, bundle.id)
            await clock.sleep(self.config.poll_interval_s)

    async def _reattach_or_promote(self, bundle: BundleRecord) -> None:
        """Promote a consistent tail; otherwise reattach the same signed trytes (new PoW only)."""
        io = self._require_io()
        # Tails the node knows (e.g. attached before a crash) count as well.
        assert bundle.bundle_hash is not None
        for tail in await io.node(NodeClient.bundle_tails, bundle.bundle_hash):
            if tail not in bundle.tails:
                await io.db(Journal.add_attachment, bundle.id, tail, time.time())
        consistent = False
        if bundle.tails and self.config.promote:
            consistent = await io.node(NodeClient.consistent, [bundle.tails[-1]])
        if consistent:
            await self._promote(bundle.tails[-1])
            self._last_attach[bundle.id] = self.ctx.clock.now()
            self._fault("promoted", bundle.id)
        else:
            await self._attach(bundle)

    async def _promote(self, tail: str) -> None:
        io = self._require_io()
        promo = await io.work(
            build_zero_value_bundle, "9" * 81, "", self.config.tag, int(time.time())
        )
        _, branch = await io.node(NodeClient.tips, self.config.depth)
        attached = await io.work(attach_bundle, promo.trytes, tail, branch, self.config.mwm)
        await io.node(NodeClient.store_and_broadcast, list(attached.trytes))

    # -- events -----------------------------------------------------------------------------

    async def _redeliver(self) -> None:
        """Tell requesters the outcome of every finished, not yet notified request."""
        io = self._require_io()
        told: list[int] = []
        for record in await io.db(Journal.unnotified):
            tail = ""
            if record.kind == RequestKind.PUBLISH and record.bundle_id is not None:
                tails = (await io.db(Journal.bundle, record.bundle_id)).tails
                tail = tails[0] if tails else ""
            event = _outcome_event(record, tail)
            if event is None:
                continue
            try:
                ref = self.ctx.system.lookup(record.reply_to) if record.reply_to else None
            except ActorError:
                ref = None
            if record.reply_to and ref is None:
                continue  # requester not (yet) there: retried at the next redelivery
            if ref is not None:
                try:
                    ref.tell(event)
                except ActorError:
                    continue
            told.append(record.id)
        if told:
            await io.db(Journal.mark_notified, *told)

    # -- helpers ----------------------------------------------------------------------------

    def _fault(self, point: str, bundle_id: int) -> None:
        if self.config.fault is not None:
            self.config.fault(point, bundle_id)

    def _require_io(self) -> LedgerIO:
        if self._io is None:
            raise RuntimeError("the ledger actor is not running")
        return self._io


def _same_request(record: RequestRecord, req: TransferRequest | PublishRequest) -> bool:
    """Whether a journalled request asks for the same thing (``reply_to`` may differ)."""
    try:
        old = decode(record.body)
    except Exception:
        return False
    return type(old) is type(req) and dataclasses.replace(old, reply_to=req.reply_to) == req


def _noop() -> None:
    """Used to start the worker pool (and fail early if it cannot start)."""


def text_to_trytes(text: str) -> str:
    """UTF-8 text as trytes (two per byte), PyOTA's ``TryteString.from_unicode`` encoding."""
    return "".join(_ALPHABET[b % 27] + _ALPHABET[b // 27] for b in text.encode("utf-8"))


def _reference(req: TransferRequest) -> str:
    return text_to_trytes(req.reference)


def _outcome_event(record: RequestRecord, tail: str) -> object | None:
    req = decode(record.body)
    reason, _, detail = (record.error or "").partition(": ")
    try:
        failure = FailureReason(reason)
    except ValueError:
        failure = FailureReason.NODE_REJECTED
        detail = record.error or ""
    if isinstance(req, TransferRequest):
        if record.state == RequestState.CONFIRMED:
            return TransferConfirmed(
                req.idempotency_key,
                req.wallet,
                req.to_address[:81],
                req.amount_i,
                record.bundle_hash or "",
            )
        return TransferFailed(req.idempotency_key, req.wallet, failure, detail[:512])
    if isinstance(req, PublishRequest):
        if record.state == RequestState.CONFIRMED:
            return Published(req.idempotency_key, req.address[:81], record.bundle_hash or "", tail)
        return PublishFailed(req.idempotency_key, failure, detail[:512])
    return None
