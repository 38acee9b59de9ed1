/*
 * Kerl hash chains in C: the inner loop of IOTA key, address and signature work.
 *
 * Why hand-written: an address (security 2) or a signature costs ~1,400 chained Kerl hashes of
 * one 243-trit value each. With the sha3 module every link is a Python call, a Keccak object,
 * two int conversions and a range fix (~2.5 us); here a link is one Keccak-f[1600] permutation
 * and a 384-bit add (~0.3 us). Values use the representation of actorgrid.ledger.trytes: a
 * 243-trit balanced-ternary number as a 48-byte big-endian two's-complement integer, which is
 * exactly Kerl's absorb and squeeze format.
 *
 *   repeat(value: bytes[48], times: int) -> bytes[48]
 *       apply  x -> zero_top_trit(keccak384(x))  ``times`` times; ``value`` must already have
 *       trit 242 zero (|value| <= (3^242 - 1) / 2), as every Kerl output does.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define VALUE_BYTES 48
#define LIMBS 6
#define RATE_BYTES 104 /* Keccak-384: 1600 - 2 * 384 bits */

static const uint64_t ROUND_CONSTANTS[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};
/* 3^242 and (3^242 - 1) / 2 as 384-bit little-endian limbs (two's complement wraps). */
static const uint64_t T242[LIMBS] = {0x3e00ecd34b9d12c9ULL, 0x75bc01b22908a09fULL,
                                     0xa12f3aae184890dcULL, 0x91775c6cf3498e04ULL,
                                     0x540d500b53ed0116ULL, 0xbcd3d7df50ff57bfULL};
static const uint64_t HALF[LIMBS] = {0x9f007669a5ce8964ULL, 0x3ade00d91484504fULL,
                                     0x50979d570c24486eULL, 0x48bbae3679a4c702ULL,
                                     0xaa06a805a9f6808bULL, 0x5e69ebefa87fabdfULL};
static const uint64_t NEG_HALF[LIMBS] = {0x60ff89965a31769cULL, 0xc521ff26eb7bafb0ULL,
                                         0xaf6862a8f3dbb791ULL, 0xb74451c9865b38fdULL,
                                         0x55f957fa56097f74ULL, 0xa196141057805420ULL};

static inline uint64_t rotl(uint64_t x, int n) {
    return (x << n) | (x >> ((64 - n) & 63));
}

/* Keccak-f[1600], unrolled (lanes a[x + 5y] in locals; rho offsets per lane). */
static void keccak_f1600(uint64_t st[25]) {
    uint64_t a0 = st[0], a1 = st[1], a2 = st[2], a3 = st[3], a4 = st[4], a5 = st[5], a6 = st[6], a7 = st[7], a8 = st[8], a9 = st[9], a10 = st[10], a11 = st[11], a12 = st[12], a13 = st[13], a14 = st[14], a15 = st[15], a16 = st[16], a17 = st[17], a18 = st[18], a19 = st[19], a20 = st[20], a21 = st[21], a22 = st[22], a23 = st[23], a24 = st[24];
    for (int round = 0; round < 24; round++) {
        uint64_t c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20;
        uint64_t c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21;
        uint64_t c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22;
        uint64_t c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23;
        uint64_t c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24;
        uint64_t d0 = c4 ^ rotl(c1, 1);
        uint64_t d1 = c0 ^ rotl(c2, 1);
        uint64_t d2 = c1 ^ rotl(c3, 1);
        uint64_t d3 = c2 ^ rotl(c4, 1);
        uint64_t d4 = c3 ^ rotl(c0, 1);
        uint64_t b0 = (a0 ^ d0);
        uint64_t b1 = rotl((a6 ^ d1), 44);
        uint64_t b2 = rotl((a12 ^ d2), 43);
        uint64_t b3 = rotl((a18 ^ d3), 21);
        uint64_t b4 = rotl((a24 ^ d4), 14);
        uint64_t b5 = rotl((a3 ^ d3), 28);
        uint64_t b6 = rotl((a9 ^ d4), 20);
        uint64_t b7 = rotl((a10 ^ d0), 3);
        uint64_t b8 = rotl((a16 ^ d1), 45);
        uint64_t b9 = rotl((a22 ^ d2), 61);
        uint64_t b10 = rotl((a1 ^ d1), 1);
        uint64_t b11 = rotl((a7 ^ d2), 6);
        uint64_t b12 = rotl((a13 ^ d3), 25);
        uint64_t b13 = rotl((a19 ^ d4), 8);
        uint64_t b14 = rotl((a20 ^ d0), 18);
        uint64_t b15 = rotl((a4 ^ d4), 27);
        uint64_t b16 = rotl((a5 ^ d0), 36);
        uint64_t b17 = rotl((a11 ^ d1), 10);
        uint64_t b18 = rotl((a17 ^ d2), 15);
        uint64_t b19 = rotl((a23 ^ d3), 56);
        uint64_t b20 = rotl((a2 ^ d2), 62);
        uint64_t b21 = rotl((a8 ^ d3), 55);
        uint64_t b22 = rotl((a14 ^ d4), 39);
        uint64_t b23 = rotl((a15 ^ d0), 41);
        uint64_t b24 = rotl((a21 ^ d1), 2);
        a0 = b0 ^ (~b1 & b2);
        a1 = b1 ^ (~b2 & b3);
        a2 = b2 ^ (~b3 & b4);
        a3 = b3 ^ (~b4 & b0);
        a4 = b4 ^ (~b0 & b1);
        a5 = b5 ^ (~b6 & b7);
        a6 = b6 ^ (~b7 & b8);
        a7 = b7 ^ (~b8 & b9);
        a8 = b8 ^ (~b9 & b5);
        a9 = b9 ^ (~b5 & b6);
        a10 = b10 ^ (~b11 & b12);
        a11 = b11 ^ (~b12 & b13);
        a12 = b12 ^ (~b13 & b14);
        a13 = b13 ^ (~b14 & b10);
        a14 = b14 ^ (~b10 & b11);
        a15 = b15 ^ (~b16 & b17);
        a16 = b16 ^ (~b17 & b18);
        a17 = b17 ^ (~b18 & b19);
        a18 = b18 ^ (~b19 & b15);
        a19 = b19 ^ (~b15 & b16);
        a20 = b20 ^ (~b21 & b22);
        a21 = b21 ^ (~b22 & b23);
        a22 = b22 ^ (~b23 & b24);
        a23 = b23 ^ (~b24 & b20);
        a24 = b24 ^ (~b20 & b21);
        a0 ^= ROUND_CONSTANTS[round];
    }
    st[0] = a0; st[1] = a1; st[2] = a2; st[3] = a3; st[4] = a4; st[5] = a5; st[6] = a6; st[7] = a7; st[8] = a8; st[9] = a9; st[10] = a10; st[11] = a11; st[12] = a12; st[13] = a13; st[14] = a14; st[15] = a15; st[16] = a16; st[17] = a17; st[18] = a18; st[19] = a19; st[20] = a20; st[21] = a21; st[22] = a22; st[23] = a23; st[24] = a24;
}

/* Big-endian bytes <-> little-endian limbs. */
static void from_be(const uint8_t *in, uint64_t *limbs) {
    for (int l = 0; l < LIMBS; l++) {
        uint64_t v = 0;
        for (int b = 0; b < 8; b++) v = (v << 8) | in[(LIMBS - 1 - l) * 8 + b];
        limbs[l] = v;
    }
}

static void to_be(const uint64_t *limbs, uint8_t *out) {
    for (int l = 0; l < LIMBS; l++)
        for (int b = 0; b < 8; b++) out[(LIMBS - 1 - l) * 8 + b] = (uint8_t)(limbs[l] >> (56 - 8 * b));
}

/* Signed comparison of two 384-bit two's-complement numbers: <0, 0, >0. */
static int compare(const uint64_t *a, const uint64_t *b) {
    uint64_t top_a = a[LIMBS - 1] ^ (1ULL << 63), top_b = b[LIMBS - 1] ^ (1ULL << 63);
    if (top_a != top_b) return top_a < top_b ? -1 : 1;
    for (int l = LIMBS - 2; l >= 0; l--)
        if (a[l] != b[l]) return a[l] < b[l] ? -1 : 1;
    return 0;
}

static void add(uint64_t *a, const uint64_t *b) {
    unsigned __int128 carry = 0;
    for (int l = 0; l < LIMBS; l++) {
        carry += (unsigned __int128)a[l] + b[l];
        a[l] = (uint64_t)carry;
        carry >>= 64;
    }
}

static void subtract(uint64_t *a, const uint64_t *b) {
    uint64_t borrow = 0;
    for (int l = 0; l < LIMBS; l++) {
        uint64_t d = a[l] - b[l] - borrow;
        borrow = (a[l] < b[l]) || (a[l] - b[l] < borrow);
        a[l] = d;
    }
}

/* One Kerl link: value (big-endian, 48 bytes) -> zero_top_trit(keccak384(value)). */
static void kerl_link(uint8_t *value) {
    uint64_t st[25];
    memset(st, 0, sizeof(st));
    for (int lane = 0; lane < VALUE_BYTES / 8; lane++) {
        uint64_t v = 0;
        for (int b = 7; b >= 0; b--) v = (v << 8) | value[8 * lane + b];
        st[lane] = v;
    }
    st[VALUE_BYTES / 8] ^= 0x01;                  /* Keccak padding: 0x01 ... */
    st[RATE_BYTES / 8 - 1] ^= 0x8000000000000000ULL; /* ... 0x80 at the end of the rate */
    keccak_f1600(st);
    for (int lane = 0; lane < VALUE_BYTES / 8; lane++)
        for (int b = 0; b < 8; b++) value[8 * lane + b] = (uint8_t)(st[lane] >> (8 * b));
    uint64_t limbs[LIMBS];
    from_be(value, limbs);
    if (compare(limbs, HALF) > 0) {
        subtract(limbs, T242);
        to_be(limbs, value);
    } else if (compare(limbs, NEG_HALF) < 0) {
        add(limbs, T242);
        to_be(limbs, value);
    }
}

static PyObject *py_repeat(PyObject *self, PyObject *args) {
    (void)self;
    const char *value;
    Py_ssize_t n, times;
    if (!PyArg_ParseTuple(args, "y#n", &value, &n, &times)) return NULL;
    if (n != VALUE_BYTES) {
        PyErr_SetString(PyExc_ValueError, "value must be 48 bytes");
        return NULL;
    }
    if (times < 0) {
        PyErr_SetString(PyExc_ValueError, "times must be >= 0");
        return NULL;
    }
    uint8_t buf[VALUE_BYTES];
    memcpy(buf, value, VALUE_BYTES);
    for (Py_ssize_t i = 0; i < times; i++) kerl_link(buf);
    return PyBytes_FromStringAndSize((const char *)buf, VALUE_BYTES);
}

static PyMethodDef METHODS[] = {
    {"repeat", py_repeat, METH_VARARGS, "times x Kerl of a 243-trit value (48 bytes, big-endian)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {
    PyModuleDef_HEAD_INIT, "_kerl", "Kerl hash chains.", -1, METHODS, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__kerl(void) {
    return PyModule_Create(&MODULE);
}
