"""CPU-heavy ledger work (key derivation, signing, proof-of-work) kept off the event loop.

PyOTA's Kerl signing and address derivation are pure Python (hundreds of ms per key, holding the
GIL); libccurl's PoW is C via ctypes and releases the GIL, but PyOTA's bundle handling around it
is Python again. A thread would therefore still steal the GIL from the event loop for long
stretches; :class:`LedgerWorkers` runs everything in a ``spawn`` process pool by default (measured
in ``bench/ledger.py``: the hot path's p99 stays near idle), ``kind="thread"`` is the naive
alternative kept for comparison and for tests.

The functions below are module-level so the process pool can pickle them; their arguments and
results are plain data (:class:`BundlePlan`, lists of tryte strings).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, ParamSpec, TypeVar

__all__ = [
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
    from iota.crypto.addresses import AddressGenerator
    from iota.crypto.types import Seed

    gen = AddressGenerator(Seed(seed.encode("ascii")), security_level=security)
    return [str(a) for a in gen.get_addresses(start, count)]


def sign_bundle(seed: str, plan: BundlePlan) -> SignedBundle:
    """Build, finalize and sign the bundle described by ``plan`` (pure Python Kerl: slow)."""
    from iota import Address, ProposedBundle, ProposedTransaction, Tag, TryteString
    from iota.crypto.signing import KeyGenerator
    from iota.crypto.types import Seed

    bundle = ProposedBundle()
    tag = Tag(plan.tag.encode("ascii"))
    for out in plan.outputs:
        bundle.add_transaction(
            ProposedTransaction(
                address=Address(out.address.encode("ascii")),
                value=out.value,
                tag=tag,
                message=TryteString(out.message.encode("ascii")) if out.message else None,
                timestamp=plan.timestamp,
            )
        )
    inputs = []
    for inp in plan.inputs:
        addr = Address(
            inp.address.encode("ascii"),
            balance=inp.balance,
            key_index=inp.key_index,
            security_level=inp.security,
        )
        inputs.append(addr)
    bundle.add_inputs(inputs)
    for txn in bundle:
        txn.timestamp = plan.timestamp
    if plan.remainder is not None:
        bundle.send_unspent_inputs_to(Address(plan.remainder.encode("ascii")))
    bundle.finalize()
    for txn in bundle:
        txn.timestamp = plan.timestamp
    if inputs:
        bundle.sign_inputs(KeyGenerator(Seed(seed.encode("ascii"))))
    return SignedBundle(str(bundle.hash), tuple(str(t) for t in bundle.as_tryte_strings()))


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


def attach_bundle(trytes: Sequence[str], trunk: str, branch: str, mwm: int) -> list[str]:
    """Proof-of-work for every transaction of a signed bundle (libccurl), head first."""
    from iota import TransactionHash, TryteString

    # Imported here: pow configures the root logger at import time, keep that out of the parent.
    from pow import ccurl_interface

    out = ccurl_interface.attach_to_tangle(
        [TryteString(t.encode("ascii")) for t in trytes],
        TransactionHash(trunk.encode("ascii")),
        TransactionHash(branch.encode("ascii")),
        mwm,
    )
    return [str(t) for t in out]


def _warm_up() -> int:
    """Import the heavy modules in a worker so the first real job does not pay for it."""
    import iota.crypto.signing  # noqa: F401
    from pow import ccurl_interface  # noqa: F401

    return os.getpid()


WorkerKind = Literal["process", "thread"]


class LedgerWorkers:
    """An executor for signing and PoW: ``"process"`` (spawn pool, default) or ``"thread"``.

    ``run(fn, *args)`` awaits ``fn(*args)`` on the pool. ``close()`` shuts the pool down.
    """

    def __init__(self, kind: WorkerKind = "process", max_workers: int | None = None) -> None:
        if kind not in ("process", "thread"):
            raise ValueError(f"unknown worker kind {kind!r}")
        self.kind: WorkerKind = kind
        workers = max_workers or max(1, min(4, os.cpu_count() or 1))
        self._executor: Executor
        if kind == "process":
            ctx = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        else:
            self._executor = ThreadPoolExecutor(workers, thread_name_prefix="ledger-worker")
        self._workers = workers

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
