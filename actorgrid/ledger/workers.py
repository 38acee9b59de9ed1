"""CPU-heavy ledger work (key derivation, signing, proof-of-work) kept off the event loop.

Signing (Kerl through :mod:`actorgrid.ledger.trytes`) is C hashing driven by Python loops, so
it holds the GIL for most of its ~3 ms per security-2 input; the proof-of-work
(:mod:`actorgrid.ledger.curlp81`) is C without the GIL. A thread would therefore still steal
the GIL from the event loop for long stretches; :class:`LedgerWorkers` runs everything in a
``spawn`` process pool by default (measured in ``bench/ledger.py``: the hot path's p99 stays
near idle), ``kind="thread"`` is the naive
alternative kept for comparison and for tests.

The functions below are module-level so the process pool can pickle them; their arguments and
results are plain data (:class:`BundlePlan`, lists of tryte strings).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, ParamSpec, TypeVar

from actorgrid.ledger.trytes import (
    HASH_TRYTES,
    Layout,
    address_from_seed,
    int_to_trytes,
    kerl_hash_ints,
    normalize_bundle_hash,
    sign_input,
    trytes_to_int,
)

__all__ = [
    "AttachedBundle",
    "BundlePlan",
    "LedgerWorkers",
    "PlannedInput",
    "PlannedOutput",
    "SignedBundle",
    "attach_bundle",
    "build_zero_value_bundle",
    "derive_addresses",
    "sign_bundle",
]

_P = ParamSpec("_P")
_T = TypeVar("_T")

TAG_LEN = 27
FRAGMENT_LEN = 2187


@dataclass(frozen=True, slots=True)
class PlannedOutput:
    """One payment (or data) output: ``value`` iotas to ``address`` with a message in trytes."""

    address: str
    value: int
    message: str = ""


@dataclass(frozen=True, slots=True)
class PlannedInput:
    """A wallet address spent in full: its key index, security level and whole balance."""

    address: str
    key_index: int
    security: int
    balance: int


@dataclass(frozen=True, slots=True)
class BundlePlan:
    """Everything that determines a bundle, so that signing it again gives the same signature.

    Signing is deterministic for a given bundle hash, and the hash is a function of this plan
    (outputs, inputs, remainder, tag, timestamp), so re-signing a journalled plan after a crash
    never exposes a second signature of the same key.
    """

    outputs: tuple[PlannedOutput, ...]
    inputs: tuple[PlannedInput, ...]
    remainder: str | None
    tag: str
    timestamp: int

    def to_json(self) -> str:
        """A JSON text for the journal."""
        return json.dumps(
            {
                "outputs": [[o.address, o.value, o.message] for o in self.outputs],
                "inputs": [[i.address, i.key_index, i.security, i.balance] for i in self.inputs],
                "remainder": self.remainder,
                "tag": self.tag,
                "timestamp": self.timestamp,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> BundlePlan:
        """Inverse of :meth:`to_json`."""
        raw = json.loads(text)
        return cls(
            outputs=tuple(PlannedOutput(a, int(v), m) for a, v, m in raw["outputs"]),
            inputs=tuple(PlannedInput(a, int(k), int(s), int(b)) for a, k, s, b in raw["inputs"]),
            remainder=raw["remainder"],
            tag=raw["tag"],
            timestamp=int(raw["timestamp"]),
        )


@dataclass(frozen=True, slots=True)
class SignedBundle:
    """A finalized, signed bundle before proof-of-work: its hash and transaction trytes."""

    bundle_hash: str
    trytes: tuple[str, ...]


def derive_addresses(seed: str, start: int, count: int, security: int) -> list[str]:
    """Addresses ``start .. start+count-1`` of ``seed`` (81 trytes, no checksum)."""
    return [address_from_seed(seed, i, security) for i in range(start, start + count)]


def sign_bundle(seed: str, plan: BundlePlan) -> SignedBundle:
    """Build, finalize and sign the bundle described by ``plan``; trytes are head first.

    Finalizing is done here rather than by ``ProposedBundle.finalize``: PyOTA 2.1.0 fixes an
    insecure bundle hash (one whose normalized form has a 13, the "M bug") by incrementing the
    legacy tag with a carry-less add, which only cycles through three tags and so loops forever
    for about one bundle in ten. Here the legacy tag is incremented as a 27-tryte integer.
    Signatures come from :func:`actorgrid.ledger.trytes.sign_input` (PyOTA's
    algorithm, ~100x faster).
    """
    tag = plan.tag.ljust(TAG_LEN, "9")
    rows: list[tuple[str, int, str]] = []  # (address, value, message fragment) per transaction
    for out in plan.outputs:
        fragments = [
            out.message[i : i + FRAGMENT_LEN] for i in range(0, len(out.message), FRAGMENT_LEN)
        ] or [""]
        rows.append((out.address, out.value, fragments[0]))
        rows.extend((out.address, 0, extra) for extra in fragments[1:])
    input_positions: list[tuple[int, PlannedInput]] = []
    for inp in plan.inputs:
        input_positions.append((len(rows), inp))
        rows.append((inp.address, -inp.balance, ""))
        rows.extend((inp.address, 0, "") for _ in range(inp.security - 1))
    change = sum(i.balance for i in plan.inputs) - sum(o.value for o in plan.outputs)
    if change < 0:
        raise ValueError(f"inputs short by {-change} i")
    if change > 0:
        if plan.remainder is None:
            raise ValueError(f"{change} i of change but no remainder address")
        rows.append((plan.remainder, change, ""))
    if not rows:
        raise ValueError("a bundle needs at least one transaction")
    # essence after the address: value (27) | legacy tag (27) | timestamp | index | last index
    stamp_and_last = int_to_trytes(plan.timestamp, 9), int_to_trytes(len(rows) - 1, 9)
    essences = [
        (
            address,
            int_to_trytes(value, 27)
            + tag
            + stamp_and_last[0]
            + int_to_trytes(i, 9)
            + stamp_and_last[1],
        )
        for i, (address, value, _) in enumerate(rows)
    ]
    legacy = trytes_to_int(essences[0][1][27:54])
    # Kerl absorbs each essence as two 243-trit chunks; only the first transaction's second
    # chunk changes between tries, so the others are converted once.
    chunks = [trytes_to_int(part) for essence in essences for part in essence]
    while True:
        bundle = int_to_trytes(kerl_hash_ints(chunks), HASH_TRYTES)
        if 13 not in normalize_bundle_hash(bundle):
            break
        legacy += 1
        rest = essences[0][1]
        essences[0] = (essences[0][0], rest[:27] + int_to_trytes(legacy, TAG_LEN) + rest[54:])
        chunks[1] = trytes_to_int(essences[0][1])
    fragments = [message.ljust(FRAGMENT_LEN, "9") for _, _, message in rows]
    for pos, inp in input_positions:
        for k, fragment in enumerate(sign_input(seed, inp.key_index, inp.security, bundle)):
            fragments[pos + k] = fragment
    # trunk, branch (set at attachment), tag, attachment timestamps and nonce (set by PoW)
    unattached = "9" * 162 + tag + "9" * 27 + "9" * 27
    trytes = [
        fragment + address + rest + bundle + unattached
        for fragment, (address, rest) in zip(fragments, essences, strict=True)
    ]
    return SignedBundle(bundle, tuple(reversed(trytes)))


def build_zero_value_bundle(
    address: str, payload_trytes: str, tag: str, timestamp: int
) -> SignedBundle:
    """A data bundle: ``payload_trytes`` split over ⌈len/2187⌉ zero-value transactions."""
    return sign_bundle(
        "",
        BundlePlan(
            outputs=(PlannedOutput(address, 0, payload_trytes),),
            inputs=(),
            remainder=None,
            tag=tag,
            timestamp=timestamp,
        ),
    )


@dataclass(frozen=True, slots=True)
class AttachedBundle:
    """A bundle after proof-of-work: transaction trytes (head first) and the tail's hash."""

    trytes: tuple[str, ...]
    tail_hash: str


def attach_bundle(trytes: Sequence[str], trunk: str, branch: str, mwm: int) -> AttachedBundle:
    """Proof-of-work for every transaction of a signed bundle, on ``trunk``/``branch``.

    The signed part (signature/message, address .. bundle hash) is untouched: a reattachment
    redoes only this step. Hand-written rather than ``pow.ccurl_interface.attach_to_tangle``:
    that one chains a retried transaction to its own failed attempt (an incomplete bundle the
    node rejects), retries with the same timestamp (libccurl repeats a bad nonce for the same
    input), leaks the C strings and configures the root logger at import. The work is
    :func:`actorgrid.ledger.curlp81.pow_bundle`, shared with the node's attachToTangle.
    """
    from actorgrid.ledger.curlp81 import pow_bundle

    ordered = sorted(trytes, key=lambda t: trytes_to_int(t[Layout.CURRENT_INDEX]))
    if [trytes_to_int(t[Layout.CURRENT_INDEX]) for t in ordered] != list(range(len(ordered))):
        raise ValueError("bundle transactions must have indexes 0..n-1")
    attached, tail_hash = pow_bundle(ordered, trunk, branch, mwm)
    return AttachedBundle(tuple(attached), tail_hash)


def _lower_priority(cpus: frozenset[int] | None) -> None:
    """Worker initializer: lower the CPU priority of signing/PoW processes, pin them to ``cpus``.

    Pinned off the event loop's CPU, busy workers cannot make the loop wait for the scheduler
    (measured in ``bench/ledger.py``); libccurl, the fallback PoW, would otherwise also start a
    search thread on every core.
    """
    _exit_with_parent()
    with contextlib.suppress(OSError):
        os.nice(10)
    if cpus:
        with contextlib.suppress(OSError, AttributeError):
            os.sched_setaffinity(0, cpus)


def _exit_with_parent() -> None:
    """End this worker when the process that spawned it dies (even by ``kill -9``).

    A pool's workers otherwise outlive a parent killed by a signal and sit idle forever. A
    daemon thread waits on the parent's sentinel (``multiprocessing.parent_process()``), which
    becomes ready when the parent *process* ends. (``prctl(PR_SET_PDEATHSIG)`` would fire when
    the parent *thread* that happened to start the worker exits, e.g. a short-lived executor
    thread submitting the pool's first job, and kill a healthy pool.)
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def default_worker_cpus() -> frozenset[int] | None:
    """All CPUs but the first (left to the event loop), or None on a single-CPU machine."""
    try:
        available = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None
    return frozenset(available[1:]) if len(available) > 1 else None


def _warm_up() -> int:
    """Import the heavy modules in a worker so the first real job does not pay for it."""
    import iota  # noqa: F401

    import actorgrid.ledger.curlp81  # noqa: F401

    return os.getpid()


WorkerKind = Literal["process", "thread"]


class LedgerWorkers:
    """An executor for signing and PoW: ``"process"`` (spawn pool, default) or ``"thread"``.

    Worker processes run at nice 10 and, with ``cpus="auto"``, on every CPU but the first, so
    the event loop keeps a core (``cpus=None``: no pinning, PoW uses every core).

    ``run(fn, *args)`` awaits ``fn(*args)`` on the pool. ``close()`` shuts the pool down.
    """

    def __init__(
        self,
        kind: WorkerKind = "process",
        max_workers: int | None = None,
        cpus: frozenset[int] | Literal["auto"] | None = "auto",
    ) -> None:
        if kind not in ("process", "thread"):
            raise ValueError(f"unknown worker kind {kind!r}")
        self.kind: WorkerKind = kind
        workers = max_workers or max(1, min(4, os.cpu_count() or 1))
        self._executor: Executor
        if kind == "process":
            ctx = multiprocessing.get_context("spawn")
            # Niced workers: on a busy machine the OS runs the event loop's process first.
            pinned = default_worker_cpus() if cpus == "auto" else cpus
            self._executor = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=ctx,
                initializer=_lower_priority,
                initargs=(pinned,),
            )
        else:
            self._executor = ThreadPoolExecutor(workers, thread_name_prefix="ledger-worker")
        self._workers = workers

    @property
    def executor(self) -> Executor:
        """The underlying executor."""
        return self._executor

    async def warm_up(self) -> None:
        """Start every worker process and import PyOTA there."""
        await asyncio.gather(*(self.run(_warm_up) for _ in range(self._workers)))

    async def run(self, fn: Callable[_P, _T], *args: Any) -> _T:
        """Run ``fn(*args)`` on the pool without blocking the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, *args)

    def close(self) -> None:
        """Shut the pool down (waits for running jobs; queued ones are cancelled)."""
        self._executor.shutdown(wait=True, cancel_futures=True)
