/* harness/common/signif.c — Mann–Whitney U p-value and the ratio's confidence interval
 * (definitions and references in signif.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "signif.h"

typedef struct tagged_s {
  double v;
  int from_a;
} tagged_t;

static int cmp_tagged(const void *pa, const void *pb) {
  double a = ((const tagged_t *)pa)->v, b = ((const tagged_t *)pb)->v;
  return a < b ? -1 : a > b;
}
static int cmp_double(const void *pa, const void *pb) {
  double a = *(const double *)pa, b = *(const double *)pb;
  return a < b ? -1 : a > b;
}

/* Number of ways to pick k of the items with weight sum s, for k = na: cnt[s],
 * s in 0..smax. Weights are integers (doubled mid-ranks). NULL when out of memory. */
static double *subset_sums(const int *w, size_t n, size_t na, size_t smax) {
  size_t stride = smax + 1;
  double *c = calloc((na + 1) * stride, sizeof *c);
  if (c == NULL) return NULL;
  c[0] = 1;
  for (size_t i = 0; i < n; i++)
    for (size_t k = (i + 1 < na ? i + 1 : na); k >= 1; k--)
      for (size_t s = smax; s >= (size_t)w[i]; s--)
        c[k * stride + s] += c[(k - 1) * stride + s - (size_t)w[i]];
  double *row = malloc(stride * sizeof *row);
  if (row != NULL) memcpy(row, c + na * stride, stride * sizeof *row);
  free(c);
  return row;
}

/* Upper tail of the standard normal, and its inverse (bisection: not on a hot path). */
static double norm_sf(double z) { return 0.5 * erfc(z / sqrt(2.0)); }
static double norm_isf(double p) {
  double lo = -40, hi = 40;
  for (int i = 0; i < 200; i++) {
    double mid = 0.5 * (lo + hi);
    if (norm_sf(mid) > p) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

double am_mwu_p(const double *a, size_t na, const double *b, size_t nb) {
  if (na == 0 || nb == 0) return NAN;
  size_t n = na + nb;
  tagged_t *t = malloc(n * sizeof *t);
  int *w = malloc(n * sizeof *w);
  if (t == NULL || w == NULL) { free(t); free(w); return NAN; }
  for (size_t i = 0; i < na; i++) t[i] = (tagged_t){a[i], 1};
  for (size_t i = 0; i < nb; i++) t[na + i] = (tagged_t){b[i], 0};
  qsort(t, n, sizeof *t, cmp_tagged);
  /* Doubled mid-ranks (integers), the a rank sum, and the tie correction. */
  long wa = 0;
  double ties = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && t[j].v == t[i].v) j++;
    int r2 = (int)(i + 1 + j); /* 2 * mean of ranks i+1 .. j */
    for (size_t k = i; k < j; k++) {
      w[k] = r2;
      if (t[k].from_a) wa += r2;
    }
    double g = (double)(j - i);
    ties += g * g * g - g;
    i = j;
  }
  free(t);
  double mean2 = (double)na * (double)(n + 1); /* E[doubled rank sum of a] */
  double dev = fabs((double)wa - mean2);
  double p;
  if (ties == (double)n * n * n - (double)n) {
    p = 1; /* every value equal */
  } else if (n <= AM_MWU_EXACT_MAX) {
    size_t smax = n * (n + 1);
    double *c = subset_sums(w, n, na, smax);
    if (c == NULL) { free(w); return NAN; }
    double tail = 0, total = 0;
    for (size_t s = 0; s <= smax; s++) {
      total += c[s];
      if (fabs((double)s - mean2) >= dev - 1e-9) tail += c[s];
    }
    free(c);
    p = tail / total;
  } else {
    double u_dev = dev / 2; /* |U - E U| */
    double var = (double)na * nb / 12.0 * ((double)(n + 1) - ties / ((double)n * (n - 1)));
    double z = (u_dev - 0.5) / sqrt(var);
    p = z <= 0 ? 1 : 2 * norm_sf(z);
  }
  free(w);
  return p > 1 ? 1 : p;
}

/* k for the interval [D(k), D(na*nb-k+1)]: the largest k >= 1 with
 * P(U <= k-1) <= (1-level)/2 (k = 1 when none), and its coverage. */
static int moses_k(size_t na, size_t nb, double level, size_t *k, double *coverage) {
  size_t n = na + nb, mn = na * nb;
  double half = (1 - level) / 2;
  if (n > AM_MWU_EXACT_MAX) {
    double mu = mn / 2.0, sd = sqrt((double)mn * (double)(n + 1) / 12.0);
    double kk = floor(mu - norm_isf(half) * sd + 0.5);
    *k = kk < 1 ? 1 : (size_t)kk;
    *coverage = 1 - 2 * norm_sf((mu - ((double)*k - 0.5)) / sd);
    return 0;
  }
  int *w = malloc(n * sizeof *w);
  if (w == NULL) return -1;
  for (size_t i = 0; i < n; i++) w[i] = (int)(2 * (i + 1));
  size_t smax = n * (n + 1);
  double *c = subset_sums(w, n, na, smax);
  free(w);
  if (c == NULL) return -1;
  double total = 0;
  for (size_t s = 0; s <= smax; s++) total += c[s];
  /* U = W/2 - na(na+1)/2; cdf[u] = P(U <= u). */
  size_t base = na * (na + 1);
  double cum = 0, cov = NAN;
  *k = 1;
  for (size_t u = 0; u < mn; u++) {
    size_t s = 2 * u + base;
    cum += (s <= smax ? c[s] : 0) / total;   /* P(U <= u) */
    if (u == 0) cov = 1 - 2 * cum;
    if (cum <= half + 1e-12) { *k = u + 1; cov = 1 - 2 * cum; } else break;
  }
  free(c);
  if (*k > (mn + 1) / 2) *k = (mn + 1) / 2;
  *coverage = cov;
  return 0;
}

int am_ratio_ci(const double *a, size_t na, const double *b, size_t nb, double level,
                double *lo, double *hi, double *coverage) {
  *lo = *hi = *coverage = NAN;
  if (na == 0 || nb == 0) return -1;
  for (size_t i = 0; i < na; i++) if (!(a[i] > 0) || !isfinite(a[i])) return -1;
  for (size_t i = 0; i < nb; i++) if (!(b[i] > 0) || !isfinite(b[i])) return -1;
  size_t mn = na * nb, k;
  if (moses_k(na, nb, level, &k, coverage) != 0) return -1;
  double *d = malloc(mn * sizeof *d);
  if (d == NULL) return -1;
  for (size_t i = 0; i < na; i++)
    for (size_t j = 0; j < nb; j++) d[i * nb + j] = log(b[j]) - log(a[i]);
  qsort(d, mn, sizeof *d, cmp_double);
  *lo = exp(d[k - 1]);
  *hi = exp(d[mn - k]);
  free(d);
  return 0;
}
