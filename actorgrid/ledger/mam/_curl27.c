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
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define STATE_LEN 729
#define RATE_LEN 243
#define NONCE_LEN 81
#define LANES 64

static const int8_t TRUTH[9] = {1, 0, -1, 1, -1, 0, -1, 1, 0}; /* index a + 3b + 4 */
static int INDEX[STATE_LEN + 1];

static void init_index(void) {
    int p = 0;
    for (int i = 0; i <= STATE_LEN; i++) {
        INDEX[i] = p;
        p = p < 365 ? p + 364 : p - 365;
    }
}

static void transform_scalar(int8_t *state, int rounds) {
    /* Lookup over (a, b) shifted to 0..2 each; each step's b is the next step's a, so
     * one load per output trit. Two buffers ping-pong instead of copying. */
    int8_t buf[STATE_LEN];
    int8_t *src = state, *dst = buf;
    for (int r = 0; r < rounds; r++) {
        int a = src[0];
        for (int i = 0; i < STATE_LEN; i++) {
            int b = src[INDEX[i + 1]];
            dst[i] = TRUTH[a + 3 * b + 4];
            a = b;
        }
        int8_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != state) memcpy(state, src, STATE_LEN);
}

/* Bit-sliced encoding per lane: 0 -> (lo 1, hi 1), 1 -> (lo 0, hi 1), -1 -> (lo 1, hi 0). */
static void transform_sliced(uint64_t *lo, uint64_t *hi, int rounds) {
    uint64_t slo[STATE_LEN], shi[STATE_LEN];
    for (int r = 0; r < rounds; r++) {
        memcpy(slo, lo, sizeof(slo));
        memcpy(shi, hi, sizeof(shi));
        for (int i = 0; i < STATE_LEN; i++) {
            uint64_t alpha = slo[INDEX[i]];
            uint64_t beta = shi[INDEX[i]];
            uint64_t gamma = shi[INDEX[i + 1]];
            uint64_t delta = (alpha | ~gamma) & (slo[INDEX[i + 1]] ^ beta);
            lo[i] = ~delta;
            hi[i] = (alpha ^ gamma) | delta;
        }
    }
}

static inline void set_lane(uint64_t *lo, uint64_t *hi, int i, int lane, int8_t trit) {
    uint64_t bit = (uint64_t)1 << lane;
    if (trit == 1) {
        lo[i] &= ~bit;
        hi[i] |= bit;
    } else if (trit == -1) {
        lo[i] |= bit;
        hi[i] &= ~bit;
    } else {
        lo[i] |= bit;
        hi[i] |= bit;
    }
}

static inline int8_t get_lane(const uint64_t *lo, const uint64_t *hi, int i, int lane) {
    int l = (int)((lo[i] >> lane) & 1), h = (int)((hi[i] >> lane) & 1);
    if (l && h) return 0;
    return h ? 1 : -1;
}

static int check_rounds(int rounds) {
    if (rounds < 1 || rounds > 243) {
        PyErr_SetString(PyExc_ValueError, "rounds must be in 1..243");
        return 0;
    }
    return 1;
}

static PyObject *py_transform(PyObject *self, PyObject *args) {
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

static PyMethodDef METHODS[] = {
    {"transform", py_transform, METH_VARARGS, "Curl-P transform of a 729-trit state, in place."},
    {"chains", py_chains, METH_VARARGS, "Independent hash chains H^count(x), 64 lanes at a time."},
    {"nonce_search", py_nonce_search, METH_VARARGS, "The reference MAM nonce search."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {
    PyModuleDef_HEAD_INIT, "_curl27", "Fast Curl-P for MAM v0.", -1, METHODS,
};

PyMODINIT_FUNC PyInit__curl27(void) {
    init_index();
    return PyModule_Create(&MODULE);
}
