"""MAM v0 benchmark: seconds per message created / parsed, and channel creation time.

Measures the C-extension path and the pure NumPy fallback in the same run, and the
reference implementation (@iota/mam.js 1.6.3 under Node) when it is installed: set
MAMJS_DIR to a folder holding node_modules/@iota/mam.js (``npm install @iota/mam.js@1.6.3``
there); otherwise the reference's documented figures are used for the ratios
(0.27 s / 0.45 s per message at security 1 / 2, 18-58 ms to decode).

Prints a few readable lines, then one JSON object as the last line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from actorgrid.ledger.mam import (
    channel_root,
    create_channel,
    create_message,
    curl,
    object_to_trytes,
    parse_message,
)
from actorgrid.ledger.mam.channel import clear_leaf_cache

SEED = "BENCH9SEED" + "9" * 71
SIDE_KEY = "BENCHKEY"
DOCUMENTED_REFERENCE = {
    "create_s_sec1": 0.27,
    "create_s_sec2": 0.45,
    "parse_s_sec1": 0.018,
    "parse_s_sec2": 0.018,  # the fast end of the documented 18-58 ms
}
NODE_SCRIPT = """
const mam = require("@iota/mam.js");
const seed = %(seed)s, n = %(n)d, out = {};
for (const sec of [1, 2]) {
  const st = mam.createChannel(seed, sec, "restricted", %(key)s);
  let t = process.hrtime.bigint();
  mam.channelRoot(st);
  out[`channel_s_sec${sec}`] = Number(process.hrtime.bigint() - t) / 1e9;
  const msgs = [];
  t = process.hrtime.bigint();
  for (let i = 0; i < n; i++)
    msgs.push(mam.createMessage(st, mam.TrytesHelper.fromAscii(JSON.stringify({command: "x", i}))));
  out[`create_s_sec${sec}`] = Number(process.hrtime.bigint() - t) / 1e9 / n;
  t = process.hrtime.bigint();
  for (const m of msgs) mam.parseMessage(m.payload, m.root, %(key)s.padEnd(81, "9"));
  out[`parse_s_sec${sec}`] = Number(process.hrtime.bigint() - t) / 1e9 / n;
}
console.log(JSON.stringify(out));
"""


def measure(n_messages: int) -> dict[str, float]:
    """Seconds per channel creation / message creation / parse at security 1 and 2."""
    out: dict[str, float] = {}
    warm = create_channel(SEED, 1, "public")
    parse_message(
        create_message(warm, "WARMUP").payload, channel_root(create_channel(SEED, 1, "public"))
    )
    for security in (1, 2):
        state = create_channel(SEED, security, "restricted", SIDE_KEY)
        clear_leaf_cache()
        t = time.perf_counter()
        channel_root(state)
        out[f"channel_s_sec{security}"] = time.perf_counter() - t
        messages = []
        t = time.perf_counter()
        for i in range(n_messages):
            trytes = object_to_trytes({"command": "x", "i": i})
            messages.append(create_message(state, trytes))
        out[f"create_s_sec{security}"] = (time.perf_counter() - t) / n_messages
        t = time.perf_counter()
        for msg in messages:
            parse_message(msg.payload, msg.root, SIDE_KEY)
        out[f"parse_s_sec{security}"] = (time.perf_counter() - t) / n_messages
        clear_leaf_cache()
    return out


def reference(n_messages: int) -> dict[str, float] | None:
    """Run @iota/mam.js under Node if MAMJS_DIR points at an install of it."""
    folder = os.environ.get("MAMJS_DIR")
    node = shutil.which("node")
    if not folder or not node or not (Path(folder) / "node_modules/@iota/mam.js").is_dir():
        return None
    script = NODE_SCRIPT % {
        "seed": json.dumps(SEED),
        "key": json.dumps(SIDE_KEY),
        "n": n_messages,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".js", dir=folder, delete=False) as f:
        f.write(script)
    try:
        done = subprocess.run([node, f.name], capture_output=True, text=True, check=True)
    finally:
        os.unlink(f.name)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Run the benchmark and print the JSON summary last."""
    result: dict[str, Any] = {"backend": curl.BACKEND}
    fast = measure(10)
    result.update(fast)
    print(f"{curl.BACKEND} backend: " + ", ".join(f"{k}={v:.4f}" for k, v in fast.items()))

    previous = curl.BACKEND
    curl.use_backend("numpy")
    try:
        slow = measure(2)
    finally:
        curl.use_backend(previous)
    print("numpy fallback: " + ", ".join(f"{k}={v:.4f}" for k, v in slow.items()))
    result["numpy_fallback"] = slow

    ref = reference(3)
    if ref is None:
        result["reference_source"] = "documented figures (set MAMJS_DIR to run @iota/mam.js)"
        ref = DOCUMENTED_REFERENCE
    else:
        result["reference_source"] = "@iota/mam.js 1.6.3 under Node, same run"
        print("reference: " + ", ".join(f"{k}={v:.4f}" for k, v in ref.items()))
    result["reference"] = ref
    result["speedup_vs_reference"] = {
        k: round(ref[k] / fast[k], 1)
        for k in ref
        if k in fast and k.startswith(("create", "parse"))
    }
    result["speedup_vs_numpy_fallback"] = {k: round(slow[k] / fast[k], 1) for k in fast}
    print(f"speed-up vs reference: {result['speedup_vs_reference']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
