#include "iforest_kernels.h"

#include <stdlib.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define NAZAR_X86 1
#endif

#ifdef NAZAR_X86

/* Rows whose rank searches run side by side: the searches are chains of dependent
 * gathers, so one alone waits on latency; eight interleaved keep the gather unit busy. */
#define SEARCH_ROWS 8

/* rank(x[f]) = #{t in T_f : t < x[f]} for the `count` ≤ 16 features from `first`, one
 * lane each, for `rows` ≤ SEARCH_ROWS rows of x: a branch-free binary search (try each
 * power of two from the largest down; advance where the cut before the candidate is
 * still below x), so every lane takes the same steps and nothing mispredicts. NaN
 * compares false and gets rank 0. */
__attribute__((target("avx512f")))
static void ranks16(const nazar_iforest_wide *forest, const float *x, int32_t rows, int32_t first, int32_t count,
                    __m512i *rank) {
    for (int32_t r = 0; r < rows; r++) rank[r] = _mm512_setzero_si512();
    if (count <= 0) return;
    const __mmask16 lanes = (__mmask16)(count >= 16 ? 0xFFFF : (1u << count) - 1);
    const __m512i start = _mm512_maskz_loadu_epi32(lanes, forest->cut_start + first);
    const __m512i length = _mm512_sub_epi32(_mm512_maskz_loadu_epi32(lanes, forest->cut_start + first + 1), start);
    const int32_t longest = _mm512_reduce_max_epi32(length);
    if (longest == 0) return;
    const __m512i before = _mm512_sub_epi32(start, _mm512_set1_epi32(1));
    __m512 value[SEARCH_ROWS];
    for (int32_t r = 0; r < rows; r++) value[r] = _mm512_maskz_loadu_ps(lanes, x + (int64_t)r * forest->features + first);
    for (int32_t step = 1 << (31 - __builtin_clz((unsigned)longest)); step > 0; step >>= 1) {
        for (int32_t r = 0; r < rows; r++) {
            const __m512i candidate = _mm512_add_epi32(rank[r], _mm512_set1_epi32(step));
            const __mmask16 inside = _mm512_mask_cmple_epi32_mask(lanes, candidate, length);
            const __m512 cut = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), inside, _mm512_add_epi32(before, candidate),
                                                        forest->cuts, 4);
            const __mmask16 below = _mm512_mask_cmp_ps_mask(inside, cut, value[r], _CMP_LT_OQ);
            rank[r] = _mm512_mask_mov_epi32(rank[r], below, candidate);
        }
    }
}

/* One level for 16 trees: node ← 2·node + 1 + (rank(x[feature]) > j), with feature and
 * j unpacked from each lane's node word. */
__attribute__((target("avx512f")))
static inline __m512i step(__m512i rankLow, __m512i rankHigh, __m512i word, __m512i node) {
    const __m512i value = _mm512_permutex2var_epi32(rankLow, _mm512_srli_epi32(word, NAZAR_IFOREST_RANK_BITS), rankHigh);
    const __mmask16 right = _mm512_cmpgt_epi32_mask(value, _mm512_and_si512(word, _mm512_set1_epi32(NAZAR_IFOREST_NEVER)));
    const __m512i left = _mm512_add_epi32(_mm512_add_epi32(node, node), _mm512_set1_epi32(1));
    return _mm512_mask_add_epi32(left, right, left, _mm512_set1_epi32(1));
}

/* Up to 8 vectors of 16 trees walk level by level together, so their gathers overlap.
 * Level 0 needs no gather (every tree is at its root: 16 consecutive words), nor does
 * level 1 (two consecutive vectors, one blend); deeper levels gather (blending 4 or 8
 * vectors measured slower than the gather). */
__attribute__((target("avx512f")))
static double walk_ranked(const nazar_iforest_wide *forest, __m512i rankLow, __m512i rankHigh) {
    const int32_t depth = forest->depth;
    const int32_t inner = (1 << depth) - 1;
    const int32_t leaves = 1 << depth;
    const int32_t trees = forest->trees;
    const int32_t groups = (trees + 15) / 16;
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    /* Eight double lanes per half: the sum's order differs from tree order, by a few
     * units in the last place of a sum of ~100 values (the portable walk adds in tree order). */
    __m512d sumLow = _mm512_setzero_pd(), sumHigh = _mm512_setzero_pd();
    for (int32_t g0 = 0; g0 < groups; g0 += 8) {
        const int32_t count = groups - g0 < 8 ? groups - g0 : 8;
        __m512i node[8];
        for (int v = 0; v < count; v++) {
            const int32_t *base = forest->nodes + (int64_t)(g0 + v) * inner * 16;
            node[v] = step(rankLow, rankHigh, _mm512_loadu_si512(base), _mm512_setzero_si512());
            if (depth > 1) {
                const __mmask16 right = _mm512_cmpeq_epi32_mask(node[v], _mm512_set1_epi32(2));
                const __m512i word = _mm512_mask_blend_epi32(right, _mm512_loadu_si512(base + 16), _mm512_loadu_si512(base + 32));
                node[v] = step(rankLow, rankHigh, word, node[v]);
            }
        }
        for (int32_t level = 2; level < depth; level++) {
            for (int v = 0; v < count; v++) {
                const int32_t *base = forest->nodes + (int64_t)(g0 + v) * inner * 16;
                const __m512i index = _mm512_add_epi32(_mm512_slli_epi32(node[v], 4), lane);
                node[v] = step(rankLow, rankHigh, _mm512_i32gather_epi32(index, base, 4), node[v]);
            }
        }
        for (int v = 0; v < count; v++) {
            const float *paths = forest->leaf_paths + ((int64_t)(g0 + v) * leaves - inner) * 16;
            const __m512i index = _mm512_add_epi32(_mm512_slli_epi32(node[v], 4), lane);
            const __m512 path = _mm512_i32gather_ps(index, paths, 4);
            sumLow = _mm512_add_pd(sumLow, _mm512_cvtps_pd(_mm512_castps512_ps256(path)));
            sumHigh = _mm512_add_pd(sumHigh, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(path), 1))));
        }
    }
    return _mm512_reduce_add_pd(_mm512_add_pd(sumLow, sumHigh));
}

__attribute__((target("avx512f")))
static void walk_rows_avx512(const nazar_iforest_wide *forest, const float *x, int64_t rows, double *sums) {
    const int32_t d = forest->features;
    __m512i rankLow[SEARCH_ROWS], rankHigh[SEARCH_ROWS];
    for (int64_t r0 = 0; r0 < rows; r0 += SEARCH_ROWS) {
        const int32_t block = rows - r0 < SEARCH_ROWS ? (int32_t)(rows - r0) : SEARCH_ROWS;
        const float *xs = x + r0 * d;
        ranks16(forest, xs, block, 0, d < 16 ? d : 16, rankLow);
        ranks16(forest, xs, block, 16, d - 16, rankHigh);
        for (int32_t r = 0; r < block; r++) sums[r0 + r] = walk_ranked(forest, rankLow[r], rankHigh[r]);
    }
}

static int detect(void) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f")) return 0;
    const char *env = getenv("NAZAR_IFOREST_KERNEL");
    return !(env != NULL && env[0] == '0' && env[1] == '\0');
}

#endif

void nazar_iforest_walk_rows(const nazar_iforest_wide *forest, const float *x, int64_t rows, double *sums) {
#ifdef NAZAR_X86
    if (nazar_iforest_row_kernel() && forest->features <= NAZAR_IFOREST_MAX_FEATURES) {
        walk_rows_avx512(forest, x, rows, sums);
        return;
    }
#endif
    (void)forest; (void)x; (void)rows; (void)sums;
    abort(); /* caller contract: only where the kernel runs */
}

int nazar_iforest_row_kernel(void) {
#ifdef NAZAR_X86
    /* Racing first calls compute the same value; an aligned int store is atomic on x86-64. */
    static volatile int cached = -1;
    int available = cached;
    if (available < 0) {
        available = detect();
        cached = available;
    }
    return available;
#else
    return 0;
#endif
}

double nazar_iforest_walk_row(const nazar_iforest_wide *forest, const float *x) {
#ifdef NAZAR_X86
    if (nazar_iforest_row_kernel() && forest->features <= NAZAR_IFOREST_MAX_FEATURES) {
        double sum;
        walk_rows_avx512(forest, x, 1, &sum);
        return sum;
    }
#endif
    (void)forest; (void)x;
    abort(); /* caller contract: only where the kernel runs */
}
