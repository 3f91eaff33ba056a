/* harness/common/stats.h — summary statistics over repetitions: median, mean, stddev,
 * cv, min, max and a distribution-free 95 % confidence interval of the median.
 *
 * Shared by `allocmark run` (aggregates in the results JSON) and `allocmark report`.
 * "Undefined" figures (stddev of one sample, cv of a zero mean, anything of no
 * sample) are NaN here; the JSON writers turn NaN into null (results.h).
 *
 * The CI of the median is the order-statistic (binomial, sign-test) interval
 * [x(l), x(n-l+1)] with the largest l whose coverage 1 - 2 P(B <= l-1), B ~ Bin(n, 1/2),
 * is at least 95 %. With n < 6 no such l exists: the interval is then [min, max] and
 * `ci_coverage` says how much it really covers (n=5: 93.75 %, n=3: 75 %, n=1: 0). */
#ifndef AM_STATS_H
#define AM_STATS_H

#include <stddef.h>

struct cJSON;

#define AM_NOISY_CV 0.05 /* a metric is flagged `noisy` when its cv exceeds 5 % */

typedef struct am_summary_s {
  size_t n;               /* samples summarised                          */
  double median, mean;
  double stddev;          /* sample standard deviation (n-1); NaN if n<2 */
  double cv;              /* stddev / |mean|; NaN if undefined           */
  double min, max;
  double ci95_low, ci95_high; /* CI of the median (see above)            */
  double ci_coverage;     /* true coverage of [ci95_low, ci95_high]      */
  int noisy;              /* cv > AM_NOISY_CV                            */
} am_summary_t;

/* P(B <= k) for B ~ Binomial(n, 1/2). */
double am_binom_half_cdf(size_t k, size_t n);
/* Median of sorted data (NaN for n = 0). */
double am_median_sorted(const double *sorted, size_t n);
/* CI of the median of sorted data; *coverage gets its true coverage. */
void am_median_ci95(const double *sorted, size_t n, double *lo, double *hi, double *coverage);
/* Summarise x[0..n); non-finite values are skipped. SORTS x IN PLACE (no allocation). */
void am_summarize(double *x, size_t n, am_summary_t *s);
/* {"n", "median", "mean", "stddev", "cv", "min", "max", "ci95_low", "ci95_high",
 *  "ci_coverage", "noisy"}, NaN written as null. NULL on allocation failure. */
struct cJSON *am_summary_json(const am_summary_t *s);

#endif /* AM_STATS_H */
