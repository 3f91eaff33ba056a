/* harness/common/signif.h — is a difference between two sets of repetitions real?
 * The statistics of `allocmark compare` (harness/cli/cmd_compare.c).
 *
 *   am_mwu_p        two-sided Mann–Whitney U (Wilcoxon rank-sum) p-value. Exact (the
 *                   permutation distribution of the rank sum, ties given mid-ranks) when
 *                   the two samples hold at most AM_MWU_EXACT_MAX values together; beyond
 *                   that the normal approximation with the tie correction and a
 *                   continuity correction.
 *   am_ratio_ci     confidence interval of the ratio b/a: the Hodges–Lehmann / Moses
 *                   interval of the shift of log values — the order statistics
 *                   D(k), D(na*nb-k+1) of the na*nb pairwise differences
 *                   log b_j - log a_i, with k from the exact U distribution (no ties),
 *                   exponentiated. It is the interval the U test inverts, so it excludes
 *                   1 roughly when p < alpha. With too few samples for the level
 *                   (5 + 5 is enough for 95 %; 3 + 3 is not) it is [min, max] of the
 *                   ratios and *coverage says what it covers.
 *
 * Only finite, positive values may be passed to am_ratio_ci; am_mwu_p takes any finite
 * values. Both allocate scratch memory (the driver, never a timed region). */
#ifndef AM_SIGNIF_H
#define AM_SIGNIF_H

#include <stddef.h>

#define AM_MWU_EXACT_MAX 60 /* na + nb up to this: exact p-value (DP over rank sums) */

/* Two-sided p-value of H0 "a and b come from one distribution"; NaN when a sample is
 * empty or memory runs out. 1 when every value is equal. */
double am_mwu_p(const double *a, size_t na, const double *b, size_t nb);

/* CI at level `level` (e.g. 0.95) of the ratio b/a; 0, or -1 (empty input, a value
 * <= 0, no memory). *coverage gets the interval's coverage under no ties. */
int am_ratio_ci(const double *a, size_t na, const double *b, size_t nb, double level,
                double *lo, double *hi, double *coverage);

#endif /* AM_SIGNIF_H */
