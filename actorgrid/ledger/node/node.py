"""The embedded IOTA tangle node: IRI JSON commands over a validated, persisted tangle."""

from __future__ import annotations

import asyncio
import logging
import math
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor
from pathlib import Path
from typing import Any, Final, Protocol

from actorgrid.ledger.curlp81 import transaction_hashes
from actorgrid.ledger.node.attach import attach_bundle
from actorgrid.ledger.node.bundle import Bundle, assemble_bundles, spends, validate_bundle
from actorgrid.ledger.node.errors import (
    BadRequest,
    GenesisError,
    InsufficientBalance,
    InvalidBundle,
    NodeError,
    NotSolid,
)
from actorgrid.ledger.node.genesis import Genesis
from actorgrid.ledger.node.params import (
    MAX_LIST,
    address_list,
    hash_list,
    integer,
    trytes_list,
)
from actorgrid.ledger.node.store import BundleRow, TangleStore
from actorgrid.ledger.node.transaction import Transaction, parse_transaction
from actorgrid.ledger.trytes import (
    HASH_TRYTES,
    NULL_HASH,
    TRANSACTION_TRYTES,
    int_to_trytes,
    is_trytes,
    kerl_hash_ints,
    trytes_to_int,
)

__all__ = ["TangleNode"]

log = logging.getLogger(__name__)

APP_NAME: Final = "actorgrid-tangle"
APP_VERSION: Final = "0.1.0"
#: the (virtual) coordinator whose milestones confirm bundles
COORDINATOR: Final = "ACTORGRID9COORDINATOR".ljust(HASH_TRYTES, "9")
MAX_DEPTH: Final = 15
#: highest minWeightMagnitude attachToTangle does for a request (the IOTA mainnet's):
#: the expected work grows 3x per step, so MWM 81 would never finish
MAX_REQUEST_MWM: Final = 14
_TIP_SAMPLE: Final = 8
_PARSE_CACHE: Final = 4096


class _HasNow(Protocol):
    def now(self) -> float: ...


Clock = Callable[[], float] | _HasNow


class TangleNode:
    """An in-process IOTA node that accepts only valid, funded, proof-of-worked bundles.

    ``db_path=None`` keeps the tangle in memory; a path persists it in SQLite (WAL).
    ``milestone_interval``: ``0`` issues a milestone after every accepted store (confirm
    immediately); ``> 0`` issues one when that many seconds of ``clock`` have passed
    (checked on every request and by :meth:`coordinate`); ``None`` only on
    :meth:`issue_milestone`. At a milestone every pending bundle confirms in arrival
    order unless its inputs would go negative (a double spend) or it approves a
    conflicting bundle: then it is marked conflicting and never confirms.

    Thread-safe: state is guarded by one lock; validation and PoW run outside it.
    Bundle validation (Kerl signatures, ~2.5 ms of GIL-holding Python per security-2
    input) runs in the calling thread, or in ``validator`` if given: pass a
    ``ProcessPoolExecutor`` to keep that work off this process's GIL entirely.

    Example::

        node = TangleNode("tangle.db", genesis=Genesis.from_dict({"balances": {addr: 100}}))
        node.handle({"command": "getBalances", "addresses": [addr]})["balances"]  # ['100']
    """

    def __init__(
        self,
        db_path: str | Path | None = None,
        *,
        mwm: int = 9,
        genesis: Genesis | None = None,
        milestone_interval: float | None = 0.0,
        clock: Clock | None = None,
        validator: Executor | None = None,
    ) -> None:
        if not 1 <= mwm <= 81:
            raise ValueError("mwm must be in 1..81")
        if milestone_interval is not None and not (
            milestone_interval >= 0 and math.isfinite(milestone_interval)
        ):
            raise ValueError("milestone_interval must be a finite number >= 0, or None")
        self.mwm: Final = mwm
        self.milestone_interval: Final = milestone_interval
        self._now: Callable[[], float] = _clock_fn(clock)
        self._lock = threading.RLock()
        self._rng = random.Random()
        self._cache_lock = threading.Lock()
        self._parsed: dict[str, Transaction] = {}
        self._store = TangleStore(db_path)
        self._validator = validator
        self._commands: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
            "getNodeInfo": self._get_node_info,
            "getNodeAPIConfiguration": self._get_api_configuration,
            "getNeighbors": lambda _: {"neighbors": []},
            "addNeighbors": lambda _: {"addedNeighbors": 0},
            "removeNeighbors": lambda _: {"removedNeighbors": 0},
            "getTips": self._get_tips,
            "getTransactionsToApprove": self._get_transactions_to_approve,
            "attachToTangle": self._attach_to_tangle,
            "interruptAttachingToTangle": lambda _: {},
            "storeTransactions": self._store_transactions,
            "broadcastTransactions": self._store_transactions,
            "findTransactions": self._find_transactions,
            "getTrytes": self._get_trytes,
            "getBalances": self._get_balances,
            "getInclusionStates": self._get_inclusion_states,
            "wereAddressesSpentFrom": self._were_addresses_spent_from,
            "checkConsistency": self._check_consistency,
            "getMissingTransactions": lambda _: {"hashes": []},
        }
        try:
            self._init_genesis(genesis)
        except BaseException:
            self._store.close()
            raise

    # -- public API ------------------------------------------------------------------
    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Run one IRI command; bad input gives ``{"error": ...}`` and changes nothing."""
        started = time.perf_counter()
        try:
            if not isinstance(request, Mapping):
                raise BadRequest("Invalid request: expected a JSON object")
            command = request.get("command")
            handler = self._commands.get(command) if isinstance(command, str) else None
            if handler is None:
                raise BadRequest(f"Command [{str(command)[:50]}] is unknown")
            self.tick()
            response = handler(request)
        except NodeError as exc:
            response = {"error": str(exc)}
        except Exception as exc:  # a bug, not bad input: report like IRI, keep serving
            log.exception("tangle node failed on %s", request.get("command", "?"))
            response = {"exception": f"{type(exc).__name__}: {exc}"}
        response["duration"] = int((time.perf_counter() - started) * 1000)
        return response

    def tick(self) -> bool:
        """Issue a milestone if ``milestone_interval`` (> 0) has passed; True if issued."""
        interval = self.milestone_interval
        if not interval:
            return False
        with self._lock:
            latest = self._store.latest_milestone()
            if latest is not None and 0 <= self._now() - latest[2] < interval:
                return False
            self.issue_milestone()
            return True

    def issue_milestone(self) -> int:
        """Confirm (or reject as conflicting) every pending bundle; returns the index."""
        with self._lock, self._store.transaction():
            latest = self._store.latest_milestone()
            index = 0 if latest is None else latest[0] + 1
            progressed = True
            while progressed:  # a bundle may approve one stored after it in the same request
                progressed = False
                for tail in self._store.pending():
                    progressed |= self._settle(tail, index)
            self._store.add_milestone(index, _milestone_hash(index), self._now())
            return index

    async def coordinate(self, poll_s: float = 0.5) -> None:
        """Run the coordinator until cancelled: milestones every ``milestone_interval``."""
        if not self.milestone_interval:
            return
        while True:
            await asyncio.to_thread(self.tick)  # never block the loop on the node's lock
            await asyncio.sleep(min(poll_s, self.milestone_interval))

    def confirmed_balances(self) -> dict[str, int]:
        """All non-zero confirmed balances (address -> iotas)."""
        with self._lock:
            return self._store.all_balances()

    def attachment_status(self, tail: str) -> str | None:
        """``pending`` / ``confirmed`` / ``conflicting`` for a bundle tail, None if unknown."""
        with self._lock:
            status = self._store.attachment_status(tail)
        return None if status is None else status[0]

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._store.close()

    # -- setup -----------------------------------------------------------------------
    def _init_genesis(self, genesis: Genesis | None) -> None:
        with self._lock, self._store.transaction():
            stored = self._store.meta("genesis")
            if stored is not None:
                if genesis is not None and genesis.fingerprint() != stored:
                    raise GenesisError("genesis does not match the one this tangle was made with")
                return
            balances = genesis.balances() if genesis is not None else {}
            for address, value in balances.items():
                self._store.set_balance(address, value)
            self._store.set_meta("genesis", Genesis.fingerprint_of(balances))
            self._store.set_meta("supply", str(sum(balances.values())))
            self._store.add_milestone(0, _milestone_hash(0), self._now())

    # -- confirmation ----------------------------------------------------------------
    def _settle(self, tail: str, milestone: int) -> bool:
        """Confirm or reject one pending attachment; False if it must stay pending."""
        rows = self._store.bundle_rows(tail)
        states = self._store.tail_info(_approvees(rows))
        if any(state == "conflicting" for _, state in states.values()):
            self._store.set_status(tail, "conflicting", None, "approves a conflicting bundle")
            return True
        if any(state == "pending" for _, state in states.values()):
            return False  # its past cone is not settled yet
        if _moves_value(rows) and self._store.bundle_confirmed(self._store.bundle_of(tail)):
            self._store.set_status(tail, "conflicting", None, "replay of a confirmed bundle")
            return True
        delta: dict[str, int] = defaultdict(int)
        for _, address, value, _, _ in rows:
            if value:
                delta[address] += value
        addresses = sorted(delta)
        current = dict(zip(addresses, self._store.balances(addresses), strict=True))
        if any(current[a] + delta[a] < 0 for a in addresses):
            self._store.set_status(tail, "conflicting", None, "double spend / overspend")
            return True
        for address in addresses:
            self._store.set_balance(address, current[address] + delta[address])
        self._store.set_status(tail, "confirmed", milestone, "")
        return True

    # -- commands --------------------------------------------------------------------
    def _get_node_info(self, _: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            index, hash_, _t = self._latest()
            tips = len(self._store.tips(MAX_LIST))
        return {
            "appName": APP_NAME,
            "appVersion": APP_VERSION,
            "jreAvailableProcessors": 1,
            "jreFreeMemory": 0,
            "jreMaxMemory": 0,
            "jreTotalMemory": 0,
            "jreVersion": "n/a (python)",
            "latestMilestone": hash_,
            "latestMilestoneIndex": index,
            "latestSolidSubtangleMilestone": hash_,
            "latestSolidSubtangleMilestoneIndex": index,
            "milestoneStartIndex": 0,
            "lastSnapshottedMilestoneIndex": 0,
            "neighbors": 0,
            "packetsQueueSize": 0,
            "time": int(time.time() * 1000),
            "tips": tips,
            "transactionsToRequest": 0,
            "features": ["RemotePOW"],
            "coordinatorAddress": COORDINATOR,
        }

    def _get_api_configuration(self, _: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "maxFindTransactions": MAX_LIST,
            "maxRequestsList": MAX_LIST,
            "maxGetTrytes": MAX_LIST,
            "maxBodyLength": 0,
            "testNet": True,
            "milestoneStartIndex": 0,
            "minWeightMagnitude": self.mwm,
        }

    def _get_tips(self, _: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            return {"hashes": self._store.tips(MAX_LIST)}

    def _get_transactions_to_approve(self, request: Mapping[str, Any]) -> dict[str, Any]:
        integer(request, "depth", low=1, high=MAX_DEPTH)
        reference = request.get("reference")
        if reference is not None and not is_trytes(reference, HASH_TRYTES):
            raise BadRequest("Invalid reference input")
        with self._lock:
            if reference is not None:
                if not self._store.known([reference]):
                    raise BadRequest(f"Reference transaction {reference} not found")
                if self._cone_conflict([reference]):
                    raise BadRequest(f"Reference transaction {reference} is inconsistent")
            tips = self._store.tips(_TIP_SAMPLE)
            self._rng.shuffle(tips)
            # Like IRI's walk validator: never hand out a pair whose past cones conflict
            # (a bundle approving two double spends could never confirm).
            fixed = [reference] if reference is not None else []
            trunk = next((t for t in tips if not self._cone_conflict([t, *fixed])), NULL_HASH)
            branch = reference
            if branch is None:
                pair = (t for t in tips if t != trunk and not self._cone_conflict([trunk, t]))
                branch = next(pair, trunk)
        return {"trunkTransaction": trunk, "branchTransaction": branch}

    def _attach_to_tangle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        requested = integer(
            request, "minWeightMagnitude", low=1, high=max(self.mwm, MAX_REQUEST_MWM)
        )
        mwm = max(self.mwm, requested)
        raw = trytes_list(request)
        trunk, branch = request.get("trunkTransaction"), request.get("branchTransaction")
        return {"trytes": attach_bundle(raw, trunk, branch, mwm)}

    def _store_transactions(self, request: Mapping[str, Any]) -> dict[str, Any]:
        raw = trytes_list(request)
        if self._validator is not None and not self._all_parsed(raw):
            # Parsing, hashing and signature checks all in the validator process: the
            # calling process keeps only the ledger bookkeeping below.
            bundles = self._validator.submit(parse_and_validate, raw, self.mwm).result()
            self._remember(tx for bundle in bundles for tx in bundle)
            return self._insert(bundles)
        hashes = self._hash_uncached(raw)
        parsed = [
            self._parse(i, t, hashes.get(t) if isinstance(t, str) else None)
            for i, t in enumerate(raw)
        ]
        bundles = assemble_bundles(parsed)
        with self._lock:
            bundles = self._unstored(bundles)
        if self._validator is None:  # CPU-heavy (signatures): outside the lock
            for bundle in bundles:
                validate_bundle(bundle)
        else:
            for future in [self._validator.submit(validate_bundle, b) for b in bundles]:
                future.result()
        return self._insert(bundles)

    def _insert(self, bundles: list[Bundle]) -> dict[str, Any]:
        """Store validated bundles (those not stored yet) and confirm per the milestone rule."""
        if not bundles:
            return {}
        with self._lock:
            with self._store.transaction():
                self._check_and_insert(bundles)
            if self.milestone_interval == 0:
                self.issue_milestone()
        return {}

    def _all_parsed(self, raw: list[object]) -> bool:
        """Whether every item is a transaction parsed before (e.g. broadcast after store)."""
        with self._cache_lock:
            return all(isinstance(t, str) and t in self._parsed for t in raw)

    def _remember(self, transactions: Iterable[Transaction]) -> None:
        with self._cache_lock:
            for tx in transactions:
                self._parsed[tx.trytes] = tx
            while len(self._parsed) > _PARSE_CACHE:
                self._parsed.pop(next(iter(self._parsed)))

    def _hash_uncached(self, raw: list[object]) -> dict[str, str]:
        """:func:`_hash_well_formed` of the transactions not parsed before."""
        with self._cache_lock:
            todo = [t for t in raw if not (isinstance(t, str) and t in self._parsed)]
        return _hash_well_formed(todo)

    def _parse(self, i: int, trytes: object, tx_hash: str | None = None) -> Transaction:
        """Parse with a small cache: clients broadcast and then store the same trytes."""
        if isinstance(trytes, str):
            with self._cache_lock:
                hit = self._parsed.get(trytes)
            if hit is not None:
                return hit
        tx = _parse_numbered(i, trytes, self.mwm, tx_hash)
        self._remember((tx,))
        return tx

    def _unstored(self, bundles: list[Bundle]) -> list[Bundle]:
        """Drop bundles already stored; refuse one sharing transactions with a stored one."""
        known = self._store.known(t.hash for b in bundles for t in b)
        fresh = [b for b in bundles if b[0].hash not in known]
        if any(t.hash in known for b in fresh for t in b):
            raise InvalidBundle("Invalid bundle: shares transactions with a stored bundle")
        return fresh

    def _check_and_insert(self, bundles: list[Bundle]) -> None:
        bundles = self._unstored(bundles)  # again: another thread may have stored meanwhile
        incoming = {t.hash for b in bundles for t in b}
        outside = sorted(
            ({t.trunk for b in bundles for t in b} | {t.branch for b in bundles for t in b})
            - incoming
            - {NULL_HASH}
        )
        missing = set(outside) - self._store.known(outside)
        if missing:
            raise NotSolid(f"Transaction approves unknown transaction {min(missing)}")
        for bundle in bundles:
            delta = spends(bundle)
            if any(d < 0 for d in delta.values()) and self._store.bundle_confirmed(
                bundle[0].bundle
            ):
                raise InvalidBundle(
                    f"Invalid bundle {bundle[0].bundle}: already confirmed (a replayed spend)"
                )
            addresses = sorted(a for a, d in delta.items() if d < 0)
            for address, balance in zip(addresses, self._store.balances(addresses), strict=True):
                if balance + delta[address] < 0:
                    raise InsufficientBalance(
                        f"Insufficient balance: {address} has {balance}, bundle spends "
                        f"{-delta[address]}"
                    )
        for bundle in bundles:
            self._store.insert_bundle(bundle)
            self._store.mark_spent({t.address for t in bundle if t.value < 0})

    def _find_transactions(self, request: Mapping[str, Any]) -> dict[str, Any]:
        criteria: dict[str, list[str]] = {}
        addresses = address_list(request, required=False)
        if addresses is not None:
            criteria["address"] = addresses
        for key, column, length in (
            ("bundles", "bundle", HASH_TRYTES),
            ("approvees", "approvees", HASH_TRYTES),
        ):
            values = hash_list(request, key, required=False, length=length)
            if values is not None:
                criteria[column] = values
        tags = request.get("tags")
        if tags is not None:
            if not isinstance(tags, list) or len(tags) > MAX_LIST:
                raise BadRequest("Invalid tags input")
            for tag in tags:
                if not isinstance(tag, str) or not is_trytes(tag) or not 0 < len(tag) <= 27:
                    raise BadRequest(f"Invalid tags input: {str(tag)[:50]!r}")
            criteria["tag"] = [t.ljust(27, "9") for t in tags]
        if not criteria:
            raise BadRequest("Invalid params: no search values specified")
        criteria = {k: sorted(set(v)) for k, v in criteria.items()}
        if sum(len(v) for v in criteria.values()) + len(criteria.get("approvees", ())) > 30_000:
            raise BadRequest("Invalid params: too many search values")  # SQLite's variable limit
        with self._lock:
            return {"hashes": self._store.find(criteria, MAX_LIST)}

    def _get_trytes(self, request: Mapping[str, Any]) -> dict[str, Any]:
        hashes = hash_list(request, "hashes")
        assert hashes is not None
        with self._lock:
            found = self._store.trytes(hashes)
        return {"trytes": [t if t is not None else "9" * TRANSACTION_TRYTES for t in found]}

    def _get_balances(self, request: Mapping[str, Any]) -> dict[str, Any]:
        addresses = address_list(request)
        assert addresses is not None
        integer(request, "threshold", low=0, high=100, default=100)
        hash_list(request, "tips", required=False)
        with self._lock:
            balances = self._store.balances(addresses)
            index, hash_, _t = self._latest()
        return {
            "balances": [str(b) for b in balances],
            "references": [hash_],
            "milestoneIndex": index,
        }

    def _get_inclusion_states(self, request: Mapping[str, Any]) -> dict[str, Any]:
        hashes = hash_list(request, "transactions")
        assert hashes is not None
        hash_list(request, "tips", required=False)  # IRI 1.8 ignores tips: latest milestone
        with self._lock:
            info = self._store.tail_info(hashes)
        return {"states": [h in info and info[h][1] == "confirmed" for h in hashes]}

    def _were_addresses_spent_from(self, request: Mapping[str, Any]) -> dict[str, Any]:
        addresses = address_list(request)
        assert addresses is not None
        with self._lock:
            return {"states": self._store.spent(addresses)}

    def _check_consistency(self, request: Mapping[str, Any]) -> dict[str, Any]:
        tails = hash_list(request, "tails")
        assert tails is not None
        if not tails:
            raise BadRequest("Invalid params: 'tails' is empty")
        with self._lock:
            info = self._store.tail_info(tails)
            for tail in tails:
                if tail not in info:
                    raise BadRequest(f"Invalid transaction, unknown: {tail}")
                if info[tail][0] != 0:
                    raise BadRequest(f"Invalid transaction, not a tail: {tail}")
            conflict = self._cone_conflict(tails)
        if conflict:
            return {"state": False, "info": conflict}
        return {"state": True, "info": ""}

    # -- helpers ---------------------------------------------------------------------
    def _cone_conflict(self, hashes: list[str]) -> str:
        """Why the unconfirmed past cone of ``hashes`` can never confirm, or ``""``.

        Like IRI's ledger validator: every pending bundle in the cone, applied together to
        the confirmed ledger, must leave no balance negative and approve no conflict.
        Expects the lock to be held.
        """
        delta: dict[str, int] = defaultdict(int)
        seen: set[str] = set()
        spending: set[str] = set()  # value bundles in the cone: each may confirm once
        queue = list(self._store.attachments_of(sorted(set(hashes) - {NULL_HASH})).values())
        while queue:
            tail, status = queue.pop()
            if status == "conflicting":
                return f"tail {tail} is conflicting"
            if status != "pending" or tail in seen:
                continue
            seen.add(tail)
            rows = self._store.bundle_rows(tail)
            if _moves_value(rows):
                bundle = self._store.bundle_of(tail)
                if bundle in spending or self._store.bundle_confirmed(bundle):
                    return f"tail {tail} replays bundle {bundle}"
                spending.add(bundle)
            for _, address, value, _, _ in rows:
                delta[address] += value
            queue.extend(self._store.attachments_of(_approvees(rows)).values())
        addresses = sorted(a for a, d in delta.items() if d < 0)
        for address, balance in zip(addresses, self._store.balances(addresses), strict=True):
            if balance + delta[address] < 0:
                return f"{address} would go negative"
        return ""

    def _latest(self) -> tuple[int, str, float]:
        latest = self._store.latest_milestone()
        assert latest is not None  # genesis milestone 0 always exists
        return latest


def _moves_value(rows: list[BundleRow]) -> bool:
    """Whether a stored bundle spends from an address (so it may confirm only once)."""
    return any(r[2] < 0 for r in rows)


def _approvees(rows: list[BundleRow]) -> list[str]:
    """What a stored bundle approves outside itself (sorted, without the null hash)."""
    inside = {r[0] for r in rows}
    return sorted(({r[3] for r in rows} | {r[4] for r in rows}) - inside - {NULL_HASH})


def _milestone_hash(index: int) -> str:
    return int_to_trytes(kerl_hash_ints([trytes_to_int(COORDINATOR), index]), HASH_TRYTES)


def _clock_fn(clock: Clock | None) -> Callable[[], float]:
    if clock is None:
        return time.time
    now = getattr(clock, "now", None)
    if callable(now):
        return lambda: float(now())
    if callable(clock):
        return lambda: float(clock())
    raise TypeError("clock must be a callable or have a now() method")


def _hash_well_formed(raw: list[object]) -> dict[str, str]:
    """Curl hashes of the well-formed transactions in ``raw``, computed together (one
    bit-sliced pass hashes a whole bundle for about the price of one transaction); malformed
    items are left to the parser's error."""
    well_formed = [t for t in raw if isinstance(t, str) and is_trytes(t, TRANSACTION_TRYTES)]
    return dict(zip(well_formed, transaction_hashes(well_formed), strict=True))


def _parse_numbered(i: int, trytes: object, mwm: int, tx_hash: str | None) -> Transaction:
    """:func:`parse_transaction`, its error naming the transaction's position in the request."""
    try:
        return parse_transaction(trytes, mwm, tx_hash)
    except NodeError as exc:
        raise type(exc)(f"{exc} (transaction {i})") from None


def parse_and_validate(raw: list[object], mwm: int) -> list[Bundle]:
    """Parse (hashing all transactions together), assemble and validate the bundles of a
    storeTransactions request: the node's CPU-heavy work, as one pure function for a
    validator process. Raises the same :class:`NodeError` as the node would."""
    hashes = _hash_well_formed(raw)
    parsed = [
        _parse_numbered(i, t, mwm, hashes.get(t) if isinstance(t, str) else None)
        for i, t in enumerate(raw)
    ]
    bundles = assemble_bundles(parsed)
    for bundle in bundles:
        validate_bundle(bundle)
    return bundles
