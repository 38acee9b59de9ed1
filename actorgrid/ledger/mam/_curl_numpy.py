"""Pure NumPy Curl-P: the fallback used when the ``_curl27`` C extension is missing.

Exposes the same three functions as the extension, with identical results:
``transform`` (one state, in place), ``chains`` (independent hash chains, vectorised over
all chains at once) and ``nonce_search`` (the reference's 64-lane search, vectorised over
the lanes).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

STATE_LEN = 729
RATE_LEN = 243
NONCE_LEN = 81
LANES = 64

# F(a, b) from mam-v0.md §2, indexed by a + 3b + 4.
_TRUTH = np.array([1, 0, -1, 1, -1, 0, -1, 1, 0], dtype=np.int8)


def _index() -> npt.NDArray[np.intp]:
    p, out = 0, []
    for _ in range(STATE_LEN + 1):
        out.append(p)
        p = p + 364 if p < 365 else p - 365
    return np.array(out, dtype=np.intp)


_INDEX = _index()
_A = _INDEX[:-1]
_B = _INDEX[1:]
_LANE_DIGITS = np.array(
    [[(0, 1, -1)[(lane // 3**p) % 3] for p in range(4)] for lane in range(LANES)], dtype=np.int8
)


def _transform_many(states: npt.NDArray[np.int8], rounds: int) -> npt.NDArray[np.int8]:
    """Transform every row of ``states`` (shape (n, 729)); returns a new array."""
    s = states
    for _ in range(rounds):
        s = _TRUTH[s[:, _A] + 3 * s[:, _B] + 4]
    return s


def transform(state: npt.NDArray[np.int8], rounds: int) -> None:
    """Curl-P transform of one 729-trit state, in place."""
    state[:] = _transform_many(state.reshape(1, STATE_LEN), rounds)[0]


def chains(inputs: bytes, counts: bytes, rounds: int) -> bytes:
    """``H^counts[i](inputs[i])`` for every 243-trit row of ``inputs``."""
    cnt = np.frombuffer(counts, dtype=np.uint8)
    cur = np.frombuffer(inputs, dtype=np.int8).reshape(len(cnt), RATE_LEN).copy()
    states = np.zeros((len(cnt), STATE_LEN), dtype=np.int8)
    for step in range(int(cnt.max(initial=0))):
        active = cnt > step
        states[:] = 0
        states[:, :RATE_LEN] = cur
        cur[active] = _transform_many(states[active], rounds)[:, :RATE_LEN]
    return cur.tobytes()


def _security_levels(h: npt.NDArray[np.int8]) -> npt.NDArray[np.int8]:
    sums = np.stack([h[:, : 81 * j].sum(axis=1, dtype=np.int32) for j in (1, 2, 3)], axis=1)
    zero = sums == 0
    return np.where(zero.any(axis=1), zero.argmax(axis=1) + 1, 0).astype(np.int8)


def nonce_search(state: bytes, security: int, rounds: int) -> bytes:
    """The reference nonce search (mam-v0.md §9.2) on a 729-trit sponge state."""
    full = np.frombuffer(state, dtype=np.int8)
    base = full[:NONCE_LEN].copy()
    for _ in range(1 << 22):
        _increment(base, 54, NONCE_LEN)
        lanes = np.tile(full, (LANES, 1))
        lanes[:, :NONCE_LEN] = base
        lanes[:, :4] = _LANE_DIGITS
        levels = _security_levels(_transform_many(lanes, rounds)[:, :RATE_LEN])
        passing = np.flatnonzero(levels == security)
        if len(passing) and passing[0] != 0:
            return bytes(lanes[passing[0], :NONCE_LEN].tobytes())
    raise RuntimeError("nonce search exhausted")


def _increment(trits: npt.NDArray[np.int8], start: int, stop: int) -> None:
    for i in range(start, stop):
        if trits[i] == 1:
            trits[i] = -1
        else:
            trits[i] += 1
            return
