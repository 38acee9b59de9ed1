/*
 * Curl-P transforms shared by the C extensions (MAM's _curl27 and the transaction PoW in
 * _curl81): a scalar transform over trits as signed bytes and a bit-sliced one over 64 lanes.
 * Everything is static inline, so each extension carries its own copy and no symbol leaks.
 */
#ifndef ACTORGRID_CURL_CORE_H
#define ACTORGRID_CURL_CORE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define STATE_LEN 729
#define RATE_LEN 243
#define HALF 364

/* Both transforms use the closed form of the index walk: p_i = 364·i mod 729, so
 *   out[2k]   = F(t[729 - k], t[364 - k])   (t[729] stands for t[0])
 *   out[2k+1] = F(t[364 - k], t[728 - k])   for k = 0 .. 363,
 *   out[728]  = F(t[365], t[0]).
 * Reading through reversed copies makes every loop a straight vector loop; on x86-64
 * GCC also emits an AVX2 clone, picked at load time when the CPU has it (the int8 closed
 * form is compiled for AVX2 only and chosen at run time, see transform_scalar). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#define CURL_AVX2 __attribute__((target("avx2"), unused))
#define CURL_HAVE_AVX2_DISPATCH 1
#else
#define VECTOR_CLONES
#define CURL_AVX2 __attribute__((unused))
#endif

static inline int8_t curl_f(int8_t a, int8_t b) {
    /* F(a, b) = a·(1 + b²) − 1 − b, brought back into −1..1 (table in mam-v0.md §2). */
    int8_t x = (int8_t)(a + ((b & 1) ? a : 0) - 1 - b);
    return (int8_t)(x + ((x < -1) ? 3 : 0) - ((x > 1) ? 3 : 0));
}

CURL_AVX2
static void transform_closed(int8_t *state, int rounds) {
    int8_t ra[HALF], rb[HALF], rc[HALF], ev[HALF], od[HALF];
    for (int r = 0; r < rounds; r++) {
        int8_t t0 = state[0], t365 = state[365];
        ra[0] = t0;
        for (int k = 1; k < HALF; k++) ra[k] = state[STATE_LEN - k];
        for (int k = 0; k < HALF; k++) rb[k] = state[364 - k];
        for (int k = 0; k < HALF; k++) rc[k] = state[728 - k];
        for (int k = 0; k < HALF; k++) {
            ev[k] = curl_f(ra[k], rb[k]);
            od[k] = curl_f(rb[k], rc[k]);
        }
        for (int k = 0; k < HALF; k++) {
            state[2 * k] = ev[k];
            state[2 * k + 1] = od[k];
        }
        state[728] = curl_f(t365, t0);
    }
}

/* The reference walk with a truth table: correct and fast enough on any CPU (57 us per 81
 * rounds here). GCC's SSE2 code for the closed form above is ~4x slower than this, its AVX2
 * code ~4x faster, hence the dispatch in transform_scalar. */
static inline void transform_walk(int8_t *state, int rounds) {
    static const int8_t TRUTH[11] = {1, 0, -1, 2, 1, -1, 0, 2, -1, 1, 0};
    int8_t scratch[STATE_LEN], *from = state, *to = scratch, *x;
    for (int r = 0; r < rounds; r++) {
        int at = 0;
        for (int i = 0; i < STATE_LEN; i++) {
            int8_t a = from[at];
            at += at < 365 ? 364 : -365;
            to[i] = TRUTH[a + (from[at] << 2) + 5];
        }
        x = from, from = to, to = x;
    }
    if (from != state) memcpy(state, from, STATE_LEN);
}

/* One Curl-P transform of a trit state: the closed form with AVX2 when the CPU has it, else
 * the walk (never GCC's SSE2 closed form, whatever the caller was inlined into). */
static inline void transform_scalar(int8_t *state, int rounds) {
#ifdef CURL_HAVE_AVX2_DISPATCH
    /* ACTORGRID_CURL_PORTABLE=1 forces the walk (how the tests exercise it on AVX2 CPUs) */
    static int use_avx2 = -1;
    if (use_avx2 < 0) {
        const char *portable = getenv("ACTORGRID_CURL_PORTABLE");
        use_avx2 = __builtin_cpu_supports("avx2") && !(portable && *portable && *portable != '0');
    }
    if (use_avx2) {
        transform_closed(state, rounds);
        return;
    }
#endif
    transform_walk(state, rounds);
}

/* Bit-sliced encoding per lane: 0 -> (lo 1, hi 1), 1 -> (lo 0, hi 1), -1 -> (lo 1, hi 0).
 * out = G(a, b) with alpha = lo[a], beta = hi[a], gamma = hi[b]:
 *   delta = (alpha | ~gamma) & (lo[b] ^ beta); lo' = ~delta; hi' = (alpha ^ gamma) | delta. */
VECTOR_CLONES
static inline void transform_sliced(uint64_t *lo, uint64_t *hi, int rounds) {
    uint64_t alo[HALF], ahi[HALF], blo[HALF], bhi[HALF], clo[HALF], chi[HALF];
    for (int r = 0; r < rounds; r++) {
        uint64_t lo0 = lo[0], hi0 = hi[0], lo365 = lo[365], hi365 = hi[365];
        alo[0] = lo0;
        ahi[0] = hi0;
        for (int k = 1; k < HALF; k++) {
            alo[k] = lo[STATE_LEN - k];
            ahi[k] = hi[STATE_LEN - k];
        }
        for (int k = 0; k < HALF; k++) {
            blo[k] = lo[364 - k];
            bhi[k] = hi[364 - k];
            clo[k] = lo[728 - k];
            chi[k] = hi[728 - k];
        }
        for (int k = 0; k < HALF; k++) {
            uint64_t d1 = (alo[k] | ~bhi[k]) & (blo[k] ^ ahi[k]);
            uint64_t d2 = (blo[k] | ~chi[k]) & (clo[k] ^ bhi[k]);
            lo[2 * k] = ~d1;
            hi[2 * k] = (alo[k] ^ bhi[k]) | d1;
            lo[2 * k + 1] = ~d2;
            hi[2 * k + 1] = (blo[k] ^ chi[k]) | d2;
        }
        uint64_t d = (lo365 | ~hi0) & (lo0 ^ hi365);
        lo[728] = ~d;
        hi[728] = (lo365 ^ hi0) | d;
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

#endif /* ACTORGRID_CURL_CORE_H */
