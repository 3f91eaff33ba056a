/* harness/common/stats.c — summary statistics and the CI of the median (see stats.h). */
#include <math.h>
#include <stdlib.h>
#include <cJSON.h>
#include "results.h"
#include "stats.h"

double am_binom_half_cdf(size_t k, size_t n) {
  if (k >= n) return 1.0;
  /* Sum of C(n,i) / 2^n in log space, so large n neither overflows nor underflows badly. */
  double lg_n1 = lgamma((double)n + 1.0), sum = 0.0;
  for (size_t i = 0; i <= k; i++)
    sum += exp(lg_n1 - lgamma((double)i + 1.0) - lgamma((double)(n - i) + 1.0) - (double)n * M_LN2);
  return sum > 1.0 ? 1.0 : sum;
}

double am_median_sorted(const double *sorted, size_t n) {
  if (n == 0) return NAN;
  if (n % 2 == 1) return sorted[n / 2];
  return 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
}

void am_median_ci95(const double *sorted, size_t n, double *lo, double *hi, double *coverage) {
  if (n == 0) { *lo = *hi = *coverage = NAN; return; }
  size_t l = 0; /* 1-based order statistic; 0: none reaches 95 % */
  for (size_t c = 1; c <= n / 2; c++) {
    if (am_binom_half_cdf(c - 1, n) <= 0.025) l = c;
    else break;
  }
  if (l == 0) {
    *lo = sorted[0];
    *hi = sorted[n - 1];
    *coverage = 1.0 - 2.0 * am_binom_half_cdf(0, n);
    if (*coverage < 0) *coverage = 0;
    return;
  }
  *lo = sorted[l - 1];
  *hi = sorted[n - l];
  *coverage = 1.0 - 2.0 * am_binom_half_cdf(l - 1, n);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

void am_summarize(double *x, size_t n, am_summary_t *s) {
  size_t m = 0;
  for (size_t i = 0; i < n; i++) if (isfinite(x[i])) x[m++] = x[i];
  qsort(x, m, sizeof *x, cmp_double);
  s->n = m;
  s->median = am_median_sorted(x, m);
  s->min = m ? x[0] : NAN;
  s->max = m ? x[m - 1] : NAN;
  double sum = 0;
  for (size_t i = 0; i < m; i++) sum += x[i];
  s->mean = m ? sum / (double)m : NAN;
  if (m >= 2) {
    double ss = 0;
    for (size_t i = 0; i < m; i++) ss += (x[i] - s->mean) * (x[i] - s->mean);
    s->stddev = sqrt(ss / (double)(m - 1));
  } else {
    s->stddev = NAN;
  }
  s->cv = (isfinite(s->stddev) && s->mean != 0) ? s->stddev / fabs(s->mean) : NAN;
  if (m >= 2 && s->stddev == 0) s->cv = 0; /* identical samples: no spread, even at mean 0 */
  am_median_ci95(x, m, &s->ci95_low, &s->ci95_high, &s->ci_coverage);
  s->noisy = isfinite(s->cv) && s->cv > AM_NOISY_CV;
}

cJSON *am_summary_json(const am_summary_t *s) {
  cJSON *o = cJSON_CreateObject();
  if (o == NULL) return NULL;
  cJSON_AddNumberToObject(o, "n", (double)s->n);
  am_json_add_num(o, "median", s->median);
  am_json_add_num(o, "mean", s->mean);
  am_json_add_num(o, "stddev", s->stddev);
  am_json_add_num(o, "cv", s->cv);
  am_json_add_num(o, "min", s->min);
  am_json_add_num(o, "max", s->max);
  am_json_add_num(o, "ci95_low", s->ci95_low);
  am_json_add_num(o, "ci95_high", s->ci95_high);
  am_json_add_num(o, "ci_coverage", s->ci_coverage);
  cJSON_AddBoolToObject(o, "noisy", s->noisy);
  return o;
}
