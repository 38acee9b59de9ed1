/*
 * Curl-P (27 or 81 rounds) for MAM v0, as a small CPython extension.
 *
 * Why hand-written: every MAM message costs a few thousand Curl transforms (key
 * generation, signing chains, masking, nonce search); PyOTA's Curl is fixed at 81
 * rounds and its C version only exposes single-state absorb/squeeze. Here the
 * independent hash chains of a one-time key run 64 at a time, bit-sliced over
 * uint64 lanes (the same trick the reference uses for its nonce search).
 *
 * Trits are signed bytes (-1, 0, 1) in any contiguous buffer (numpy int8 arrays).
 * The pure NumPy fallback in _curl_numpy.py computes exactly the same functions.
 *
 *   transform(state: writable 729-byte buffer, rounds: int) -> None
 *   chains(inputs: n*243 bytes, counts: n bytes (0..255), rounds: int) -> bytes
 *       lane i of the result = H^counts[i](inputs[i]), H(x) = rate of a fresh
 *       sponge that absorbed the 243 trits x.
 *   nonce_search(state: 729 bytes, security: int, rounds: int) -> bytes (81 trits)
 *       the reference's HammingDiver search (mam-v0.md §9.2).
 *   absorb(state: writable 729 bytes, trits, rounds) -> None
 *       the reference's absorb: 243-trit chunks, a short last chunk overwrites only its
 *       own length (no zero padding), one transform per chunk.
 *   squeeze(state: writable 729 bytes, n: int, rounds) -> bytes (n*243)
 *       n squeezes: the rate, then a transform, n times.
 *   mask(state, plain, rounds) -> bytes / unmask(state, cipher, rounds) -> bytes
 *       MAM's sponge encryption (mam-v0.md §8), chunk by chunk.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "../curl_core.h"

#define NONCE_LEN 81
#define LANES 64

static int check_rounds(int rounds) {
    if (rounds < 1 || rounds > 243) {
        PyErr_SetString(PyExc_ValueError, "rounds must be in 1..243");
        return 0;
    }
    return 1;
}

static PyObject *py_transform(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer state;
    int rounds;
    if (!PyArg_ParseTuple(args, "w*i", &state, &rounds)) return NULL;
    if (state.len != STATE_LEN || !check_rounds(rounds)) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "state must be 729 trits");
        PyBuffer_Release(&state);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    transform_scalar((int8_t *)state.buf, rounds);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&state);
    Py_RETURN_NONE;
}

static void chains_batch(const int8_t *in, const uint8_t *counts, int8_t *out, int n, int rounds) {
    uint64_t lo[STATE_LEN], hi[STATE_LEN], olo[RATE_LEN], ohi[RATE_LEN];
    int max_count = 0;
    for (int i = 0; i < STATE_LEN; i++) lo[i] = hi[i] = ~(uint64_t)0;
    for (int lane = 0; lane < n; lane++) {
        for (int i = 0; i < RATE_LEN; i++) set_lane(lo, hi, i, lane, in[lane * RATE_LEN + i]);
        if (counts[lane] > max_count) max_count = counts[lane];
    }
    for (int step = 0; step < max_count; step++) {
        uint64_t active = 0;
        for (int lane = 0; lane < n; lane++)
            if (counts[lane] > step) active |= (uint64_t)1 << lane;
        memcpy(olo, lo, sizeof(olo));
        memcpy(ohi, hi, sizeof(ohi));
        for (int i = RATE_LEN; i < STATE_LEN; i++) lo[i] = hi[i] = ~(uint64_t)0;
        transform_sliced(lo, hi, rounds);
        for (int i = 0; i < RATE_LEN; i++) {
            lo[i] = (lo[i] & active) | (olo[i] & ~active);
            hi[i] = (hi[i] & active) | (ohi[i] & ~active);
        }
    }
    for (int lane = 0; lane < n; lane++)
        for (int i = 0; i < RATE_LEN; i++) out[lane * RATE_LEN + i] = get_lane(lo, hi, i, lane);
}

static PyObject *py_chains(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer inputs, counts;
    int rounds;
    if (!PyArg_ParseTuple(args, "y*y*i", &inputs, &counts, &rounds)) return NULL;
    Py_ssize_t n = counts.len;
    PyObject *result = NULL;
    if (!check_rounds(rounds)) goto done;
    if (inputs.len != n * RATE_LEN) {
        PyErr_SetString(PyExc_ValueError, "inputs must hold 243 trits per count");
        goto done;
    }
    result = PyBytes_FromStringAndSize(NULL, n * RATE_LEN);
    if (result == NULL) goto done;
    int8_t *out = (int8_t *)PyBytes_AS_STRING(result);
    const int8_t *in = (const int8_t *)inputs.buf;
    const uint8_t *cnt = (const uint8_t *)counts.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t first = 0; first < n; first += LANES) {
        int batch = (int)(n - first < LANES ? n - first : LANES);
        chains_batch(in + first * RATE_LEN, cnt + first, out + first * RATE_LEN, batch, rounds);
    }
    Py_END_ALLOW_THREADS
done:
    PyBuffer_Release(&inputs);
    PyBuffer_Release(&counts);
    return result;
}

/* mam-v0.md §9.1: smallest j in 1..3 whose prefix of 81*j trits sums to zero, else 0. */
static int hash_security(const int8_t *h) {
    int sum = 0;
    for (int j = 0; j < 3; j++) {
        for (int i = 81 * j; i < 81 * (j + 1); i++) sum += h[i];
        if (sum == 0) return j + 1;
    }
    return 0;
}

static void increment(int8_t *trits, int from, int to) {
    for (int i = from; i < to; i++) {
        if (trits[i] == 1) {
            trits[i] = -1;
        } else {
            trits[i] += 1;
            return;
        }
    }
}

static const int8_t DIGIT[3] = {0, 1, -1};

static int nonce_search(const int8_t *state, int security, int rounds, int8_t *nonce) {
    uint64_t blo[STATE_LEN], bhi[STATE_LEN], lo[STATE_LEN], hi[STATE_LEN];
    int8_t base[NONCE_LEN], h[RATE_LEN];
    memcpy(base, state, NONCE_LEN);
    for (int i = 0; i < STATE_LEN; i++) {
        int8_t t = state[i];
        blo[i] = t == 1 ? 0 : ~(uint64_t)0;
        bhi[i] = t == -1 ? 0 : ~(uint64_t)0;
    }
    for (long attempt = 0; attempt < (1L << 22); attempt++) {
        increment(base, 54, NONCE_LEN);
        for (int i = 4; i < NONCE_LEN; i++) {
            blo[i] = base[i] == 1 ? 0 : ~(uint64_t)0;
            bhi[i] = base[i] == -1 ? 0 : ~(uint64_t)0;
        }
        for (int lane = 0; lane < LANES; lane++) {
            int v = lane;
            for (int p = 0; p < 4; p++) {
                set_lane(blo, bhi, p, lane, DIGIT[v % 3]);
                v /= 3;
            }
        }
        memcpy(lo, blo, sizeof(lo));
        memcpy(hi, bhi, sizeof(hi));
        transform_sliced(lo, hi, rounds);
        for (int lane = 0; lane < LANES; lane++) {
            for (int i = 0; i < RATE_LEN; i++) h[i] = get_lane(lo, hi, i, lane);
            if (hash_security(h) == security) {
                if (lane == 0) break; /* the reference treats lane 0 as "not found" */
                memcpy(nonce, base, NONCE_LEN);
                int v = lane;
                for (int p = 0; p < 4; p++) {
                    nonce[p] = DIGIT[v % 3];
                    v /= 3;
                }
                return 1;
            }
        }
    }
    return 0;
}

static PyObject *py_nonce_search(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer state;
    int security, rounds, found = 0;
    if (!PyArg_ParseTuple(args, "y*ii", &state, &security, &rounds)) return NULL;
    PyObject *result = NULL;
    int8_t nonce[NONCE_LEN];
    if (!check_rounds(rounds)) goto done;
    if (state.len != STATE_LEN || security < 1 || security > 3) {
        PyErr_SetString(PyExc_ValueError, "state must be 729 trits and security 1..3");
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    found = nonce_search((const int8_t *)state.buf, security, rounds, nonce);
    Py_END_ALLOW_THREADS
    if (!found) {
        PyErr_SetString(PyExc_RuntimeError, "nonce search exhausted");
        goto done;
    }
    result = PyBytes_FromStringAndSize((const char *)nonce, NONCE_LEN);
done:
    PyBuffer_Release(&state);
    return result;
}

static void absorb_trits(int8_t *state, const int8_t *trits, Py_ssize_t n, int rounds) {
    Py_ssize_t offset = 0;
    do {
        Py_ssize_t len = n - offset < RATE_LEN ? n - offset : RATE_LEN;
        memcpy(state, trits + offset, (size_t)len);
        transform_scalar(state, rounds);
        offset += RATE_LEN;
    } while (offset < n);
}

static inline int8_t trit_add(int a, int b) {
    int s = a + b;
    return (int8_t)(s > 1 ? s - 3 : (s < -1 ? s + 3 : s));
}

/* direction +1: mask (output = plain + key), -1: unmask (plain = cipher - key). */
static void mask_trits(int8_t *state, const int8_t *in, int8_t *out, Py_ssize_t n, int rounds,
                       int direction) {
    for (Py_ssize_t offset = 0; offset < n; offset += RATE_LEN) {
        Py_ssize_t len = n - offset < RATE_LEN ? n - offset : RATE_LEN;
        for (Py_ssize_t i = 0; i < len; i++) {
            int8_t key = state[i];
            if (direction > 0) {
                out[offset + i] = trit_add(in[offset + i], key);
                state[i] = in[offset + i];
            } else {
                out[offset + i] = trit_add(in[offset + i], -key);
                state[i] = out[offset + i];
            }
        }
        transform_scalar(state, rounds);
    }
}

static int get_state(Py_buffer *state, int rounds) {
    if (state->len != STATE_LEN) {
        PyErr_SetString(PyExc_ValueError, "state must be 729 trits");
        return 0;
    }
    return check_rounds(rounds);
}

static PyObject *py_absorb(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer state, trits;
    int rounds;
    if (!PyArg_ParseTuple(args, "w*y*i", &state, &trits, &rounds)) return NULL;
    PyObject *result = NULL;
    if (get_state(&state, rounds)) {
        absorb_trits((int8_t *)state.buf, (const int8_t *)trits.buf, trits.len, rounds);
        result = Py_None;
        Py_INCREF(result);
    }
    PyBuffer_Release(&state);
    PyBuffer_Release(&trits);
    return result;
}

static PyObject *py_squeeze(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer state;
    Py_ssize_t n;
    int rounds;
    if (!PyArg_ParseTuple(args, "w*ni", &state, &n, &rounds)) return NULL;
    PyObject *result = NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "n must be >= 0");
    } else if (get_state(&state, rounds)) {
        result = PyBytes_FromStringAndSize(NULL, n * RATE_LEN);
        if (result != NULL) {
            int8_t *out = (int8_t *)PyBytes_AS_STRING(result);
            int8_t *st = (int8_t *)state.buf;
            for (Py_ssize_t j = 0; j < n; j++) {
                memcpy(out + j * RATE_LEN, st, RATE_LEN);
                transform_scalar(st, rounds);
            }
        }
    }
    PyBuffer_Release(&state);
    return result;
}

static PyObject *mask_common(PyObject *args, int direction) {
    Py_buffer state, in;
    int rounds;
    if (!PyArg_ParseTuple(args, "w*y*i", &state, &in, &rounds)) return NULL;
    PyObject *result = NULL;
    if (get_state(&state, rounds)) {
        result = PyBytes_FromStringAndSize(NULL, in.len);
        if (result != NULL)
            mask_trits((int8_t *)state.buf, (const int8_t *)in.buf,
                       (int8_t *)PyBytes_AS_STRING(result), in.len, rounds, direction);
    }
    PyBuffer_Release(&state);
    PyBuffer_Release(&in);
    return result;
}

static PyObject *py_mask(PyObject *self, PyObject *args) {
    (void)self;
    return mask_common(args, 1);
}

static PyObject *py_unmask(PyObject *self, PyObject *args) {
    (void)self;
    return mask_common(args, -1);
}

static PyMethodDef METHODS[] = {
    {"transform", py_transform, METH_VARARGS, "Curl-P transform of a 729-trit state, in place."},
    {"chains", py_chains, METH_VARARGS, "Independent hash chains H^count(x), 64 lanes at a time."},
    {"nonce_search", py_nonce_search, METH_VARARGS, "The reference MAM nonce search."},
    {"absorb", py_absorb, METH_VARARGS, "Absorb trits (no zero padding)."},
    {"squeeze", py_squeeze, METH_VARARGS, "n squeezes of the rate."},
    {"mask", py_mask, METH_VARARGS, "MAM sponge encryption."},
    {"unmask", py_unmask, METH_VARARGS, "MAM sponge decryption."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {
    PyModuleDef_HEAD_INIT, "_curl27", "Fast Curl-P for MAM v0.", -1, METHODS, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__curl27(void) {
    return PyModule_Create(&MODULE);
}
