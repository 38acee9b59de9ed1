"""The Curl transform's portable path (no AVX2) gives the same hashes and MAM messages.

On an AVX2 machine the C extensions pick the AVX2 code; ``ACTORGRID_CURL_PORTABLE=1`` forces
the truth-table walk a CPU without AVX2 would run, in a fresh process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import json, random
from actorgrid.ledger import curlp81
from actorgrid.ledger.mam import curl
import numpy as np
rng = random.Random(11)
A = "9ABCDEFGHIJKLMNOPQRSTUVWXYZ"
txs = ["".join(rng.choice(A) for _ in range(2673)) for _ in range(3)]
state = np.array([rng.choice((-1, 0, 1)) for _ in range(729)], dtype=np.int8)
sponge = state.copy()
curl.backend().transform(sponge, 27)
print(json.dumps({
    "hashes": [curlp81.transaction_hash(t) for t in txs],
    "attached": curlp81.attach_transaction(txs[0], 7),
    "p27": sponge.tolist(),
}))
"""


def _run(portable: bool) -> dict[str, object]:
    env = {**os.environ, "ACTORGRID_CURL_PORTABLE": "1" if portable else "0"}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.skipif(sys.platform != "linux", reason="x86-64 Linux dispatch")
def test_portable_and_native_transforms_agree() -> None:
    portable, native = _run(True), _run(False)
    assert portable == native
