"""Pure NumPy Curl-P: the fallback used when the ``_curl27`` C extension is missing.

Exposes the same functions as the extension, with identical results: ``transform`` (one
state, in place), ``absorb``, ``squeeze``, ``mask``/``unmask`` (sponge loops), ``chains``
(independent hash chains, vectorised over all chains at once) and ``nonce_search`` (the
reference's 64-lane search, vectorised over the lanes).
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


def absorb(state: npt.NDArray[np.int8], trits: bytes | npt.NDArray[np.int8], rounds: int) -> None:
    """Absorb in 243-trit chunks; a short last chunk overwrites only its own length."""
    t = np.frombuffer(trits, dtype=np.int8)
    offset = 0
    while True:
        chunk = t[offset : offset + RATE_LEN]
        state[: len(chunk)] = chunk
        transform(state, rounds)
        offset += RATE_LEN
        if offset >= len(t):
            return


def squeeze(state: npt.NDArray[np.int8], n: int, rounds: int) -> bytes:
    """``n`` times: output the rate, then transform."""
    out = np.empty((n, RATE_LEN), dtype=np.int8)
    for j in range(n):
        out[j] = state[:RATE_LEN]
        transform(state, rounds)
    return out.tobytes()


def mask(state: npt.NDArray[np.int8], plain: bytes | npt.NDArray[np.int8], rounds: int) -> bytes:
    """Encrypt chunk by chunk: output plain ⊕ rate, absorb the plain chunk."""
    p = np.frombuffer(plain, dtype=np.int8)
    out = np.empty_like(p)
    for offset in range(0, len(p), RATE_LEN):
        chunk = p[offset : offset + RATE_LEN]
        key = state[: len(chunk)].astype(np.int16)
        out[offset : offset + len(chunk)] = ((chunk + key + 1) % 3) - 1
        state[: len(chunk)] = chunk
        transform(state, rounds)
    return out.tobytes()


def unmask(state: npt.NDArray[np.int8], cipher: bytes | npt.NDArray[np.int8], rounds: int) -> bytes:
    """Decrypt chunk by chunk: plain = cipher ⊖ rate, absorb the plain chunk."""
    c = np.frombuffer(cipher, dtype=np.int8)
    out = np.empty_like(c)
    for offset in range(0, len(c), RATE_LEN):
        chunk = c[offset : offset + RATE_LEN]
        plain = (((chunk - state[: len(chunk)].astype(np.int16)) + 1) % 3 - 1).astype(np.int8)
        out[offset : offset + len(chunk)] = plain
        state[: len(chunk)] = plain
        transform(state, rounds)
    return out.tobytes()
