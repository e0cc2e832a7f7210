#ifndef NAZAR_IFOREST_KERNELS_H
#define NAZAR_IFOREST_KERNELS_H

/*
 * The AVX-512 kernel of PluginKit's Isolation Forest scorer, chosen at run time: C
 * because Swift has no gather instruction; a per-function `target` attribute so the
 * library still runs on any x86-64 (and builds elsewhere, where the kernel is reported
 * unavailable and the portable Swift scorer runs).
 *
 * Trees are complete binary trees of `depth` levels: node i has children 2i+1 and 2i+2;
 * go right iff x[feature] > threshold (float32 compare; NaN goes left); after `depth`
 * steps the node index minus (2^depth − 1) is the leaf slot.
 *
 * The kernel compares ranks instead of floats, which is exact: with T_f the sorted
 * distinct thresholds of feature f in the forest and rank(x) = #{t in T_f : t < x},
 * x > T_f[j] exactly when rank(x) > j. A node is then one 32-bit word (feature and j),
 * so each step of 16 trees is a single gather, and x's ranks sit in two registers.
 */

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    /* Bits of a node word that hold the rank j; the feature is in the bits above. */
    NAZAR_IFOREST_RANK_BITS = 26,
    /* Rank of a pass-through node (threshold +inf): no value's rank exceeds it. */
    NAZAR_IFOREST_NEVER = (1 << 26) - 1,
    /* Most features a row may have for the kernel (two registers of 16 ranks). */
    NAZAR_IFOREST_MAX_FEATURES = 32
};

/* A forest in the kernel's layout. Trees are interleaved 16 to a group: node n of tree
 * 16g + i is nodes[(g·(2^depth − 1) + n)·16 + i] = feature << RANK_BITS | j, leaf l is
 * leaf_paths[(g·2^depth + l)·16 + i]; padding trees of the last group must be
 * pass-through (rank NEVER) with leaf value 0, since every lane is summed. cuts[cut_start[f] ..< cut_start[f + 1]]
 * are T_f, ascending. The host owns every array; the kernel only reads them. */
typedef struct {
    const int32_t *nodes;
    const float *leaf_paths;
    const float *cuts;
    const int32_t *cut_start;
    int32_t trees;
    int32_t depth;
    int32_t features;
} nazar_iforest_wide;

/* 1 when nazar_iforest_walk_row runs on this CPU (AVX-512F), else 0. Cheap after the
 * first call; thread-safe. NAZAR_IFOREST_KERNEL=0 in the environment turns it off (to
 * test and measure the portable scorer on the same machine). */
int nazar_iforest_row_kernel(void);

/* Sum over trees 0 ..< trees of the leaf path length of one row x of `features` ≤ 32
 * float32 values. Every tree ends in exactly the leaf a scalar float walk reaches; the
 * lengths are added as doubles in 16 lanes, so the sum may differ from a tree-order sum
 * in the last bits (≈ 1e-15 relative for 100 trees). Requires nazar_iforest_row_kernel();
 * allocates nothing; reentrant. */
double nazar_iforest_walk_row(const nazar_iforest_wide *forest, const float *x);

/* nazar_iforest_walk_row for `rows` consecutive rows of x (row-major), into sums[r]; the
 * rank searches of 8 rows run side by side. */
void nazar_iforest_walk_rows(const nazar_iforest_wide *forest, const float *x, int64_t rows, double *sums);

#ifdef __cplusplus
}
#endif

#endif
