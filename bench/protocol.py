"""Benchmark of the protocol (not a test): codec speed and remote tell throughput.

Run from the repo root: ``python bench/protocol.py [--codec-rounds N] [--tells N]``.

* Codec: ``encode``/``decode`` of the grid's ``MeterReading`` against raw
  ``msgpack.packb``/``unpackb`` of an equivalent dict, measured in the same run in
  short interleaved rounds (best round of each kept, so a noisy neighbour hurts both
  sides alike). ``*_ratio_vs_msgpack`` is raw time / our time (target >= 0.5).
* Remote: one process tells ``--tells`` pings to an actor in a second process over a
  loopback websocket; the rate counts until every message is acknowledged by the receiver.

Prints a few human lines, then ONE JSON object as the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import msgpack

from actorgrid.protocol import decode, encode
from actorgrid.protocol.control import Ping
from actorgrid.protocol.energy import MeterReading
from actorgrid.protocol.remote import RemoteNode
from actorgrid.runtime import ActorSystem

SECRET = b"bench-secret-0123456789"

SINK = r"""
import asyncio, sys
from actorgrid.protocol.control import Ping
from actorgrid.protocol.remote import RemoteNode
from actorgrid.runtime import Actor, ActorSystem

class Sink(Actor):
    count = 0
    async def on_receive(self, message):
        self.count += 1

async def main():
    async with ActorSystem("sink") as system:
        ref = await system.spawn(Sink, name="sink")
        async with RemoteNode(system, "sink", secrets={"bench": SECRET}) as node:
            node.expose(ref)
            print(node.url, flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

asyncio.run(main())
"""


def _best_per_op(ops: dict[str, tuple[Callable[[Any], Any], Any]], rounds: int) -> dict[str, float]:
    """Seconds per call of each op: best of ``rounds`` interleaved rounds of 500 calls.

    Short rounds (~0.5 ms) fit inside one scheduler time slice, so on a shared machine the
    best round of each op is an undisturbed one.
    """
    best = dict.fromkeys(ops, float("inf"))
    n = 500
    for _ in range(rounds):
        for name, (fn, arg) in ops.items():
            t0 = time.perf_counter()
            for _ in range(n):
                fn(arg)
            best[name] = min(best[name], (time.perf_counter() - t0) / n)
    return best


def bench_codec(rounds: int) -> dict[str, float]:
    """Encode/decode of a meter reading vs raw msgpack of the equivalent dict."""
    reading = MeterReading("pv-roof-17", "producer-3", 4711, 1250)
    as_dict = {
        "source_id": reading.source_id,
        "producer_id": reading.producer_id,
        "slot": reading.slot,
        "energy_wh": reading.energy_wh,
    }
    ours, raw = encode(reading), msgpack.packb(as_dict)
    assert decode(ours) == reading and msgpack.unpackb(raw) == as_dict
    best = _best_per_op(
        {
            "packb": (msgpack.packb, as_dict),
            "encode": (encode, reading),
            "unpackb": (msgpack.unpackb, raw),
            "decode": (decode, ours),
        },
        rounds,
    )
    return {
        "encode_ns": best["encode"] * 1e9,
        "decode_ns": best["decode"] * 1e9,
        "msgpack_packb_ns": best["packb"] * 1e9,
        "msgpack_unpackb_ns": best["unpackb"] * 1e9,
        "encode_ratio_vs_msgpack": best["packb"] / best["encode"],
        "decode_ratio_vs_msgpack": best["unpackb"] / best["decode"],
        "encoded_bytes": len(ours),
        "msgpack_dict_bytes": len(raw),
    }


async def bench_remote(tells: int) -> dict[str, float]:
    """Remote tell throughput between two processes over loopback."""
    code = f"SECRET = {SECRET!r}\n" + SINK
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        url = (await proc.stdout.readline()).decode().strip()
        async with (
            ActorSystem("bench") as system,
            RemoteNode(system, "bench", secrets={"sink": SECRET}, max_outbox=20_000) as node,
        ):
            node.connect("sink", url)
            sink = node.ref("sink", "/sink")
            await sink.send(Ping(0))  # connection up before the clock starts
            await node.drained("sink")
            t0 = time.perf_counter()
            for i in range(tells):
                await sink.send(Ping(i))
            await node.drained("sink")
            elapsed = time.perf_counter() - t0
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        await proc.wait()
    return {"remote_tell_msgs_per_s": tells / elapsed, "remote_tells": tells}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--codec-rounds", type=int, default=400)
    parser.add_argument("--tells", type=int, default=50_000)
    args = parser.parse_args()
    result: dict[str, Any] = {}
    result.update(bench_codec(args.codec_rounds))
    print(
        f"encode {result['encode_ns']:.0f} ns vs packb {result['msgpack_packb_ns']:.0f} ns "
        f"(ratio {result['encode_ratio_vs_msgpack']:.2f}); decode {result['decode_ns']:.0f} ns "
        f"vs unpackb {result['msgpack_unpackb_ns']:.0f} ns "
        f"(ratio {result['decode_ratio_vs_msgpack']:.2f})"
    )
    result.update(asyncio.run(bench_remote(args.tells)))
    print(f"remote tell: {result['remote_tell_msgs_per_s']:.0f} msgs/s over loopback")
    result["codec_target_met"] = bool(
        result["encode_ratio_vs_msgpack"] >= 0.5 and result["decode_ratio_vs_msgpack"] >= 0.5
    )
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
