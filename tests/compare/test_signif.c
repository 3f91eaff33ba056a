/* tests/compare/test_signif.c — signif.c on data whose answers were enumerated by hand
 * (every split of the pooled values, mid-ranks for ties): exact Mann–Whitney p-values,
 * the normal approximation's symmetry and range, and the ratio CI's order statistics
 * and coverage. */
#include <math.h>
#include <stdio.h>
#include "signif.h"

static int fails;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #c); fails++; } } while (0)
#define NEAR(a, b) CHECK(fabs((a) - (b)) < 1e-9)

int main(void) {
  double a1[] = {1, 2, 3, 4, 5}, b1[] = {6, 7, 8, 9, 10};
  NEAR(am_mwu_p(a1, 5, b1, 5), 2.0 / 252);             /* complete separation */
  NEAR(am_mwu_p(b1, 5, a1, 5), 2.0 / 252);             /* two-sided: symmetric */
  double a2[] = {1, 3, 5, 7, 9}, b2[] = {2, 4, 6, 8, 10};
  NEAR(am_mwu_p(a2, 5, b2, 5), 0.6904761904761905);
  double a3[] = {1, 1, 2, 2, 3}, b3[] = {2, 3, 3, 4, 4}; /* ties: mid-ranks */
  NEAR(am_mwu_p(a3, 5, b3, 5), 0.07936507936507936);
  double a4[] = {5, 6, 7}, b4[] = {1, 2, 3};
  NEAR(am_mwu_p(a4, 3, b4, 3), 0.1);                   /* 3 + 3 can never reach 0.05 */
  double a5[] = {1, 2, 3, 4, 5, 6, 7}, b5[] = {4.5, 5.5, 8, 9, 10, 11};
  NEAR(am_mwu_p(a5, 7, b5, 6), 0.022144522144522144); /* unequal sizes */
  double e[] = {3, 3, 3};
  NEAR(am_mwu_p(e, 3, e, 3), 1);                       /* all equal */
  CHECK(isnan(am_mwu_p(a1, 0, b1, 5)));

  /* Normal approximation (n > AM_MWU_EXACT_MAX): interleaved ~ 1, shifted ~ 0. */
  double x[40], y[40], z[40];
  for (int i = 0; i < 40; i++) { x[i] = 2 * i; y[i] = 2 * i + 1; z[i] = 200 + i; }
  double p = am_mwu_p(x, 40, y, 40);
  CHECK(p > 0.5 && p <= 1);
  NEAR(p, am_mwu_p(y, 40, x, 40));
  CHECK(am_mwu_p(x, 40, z, 40) < 1e-10);

  /* Ratio CI: b = 2a exactly, 5 + 5: k = 3, coverage 1 - 2 * 4/252. */
  double ra[] = {10, 11, 12, 13, 14}, rb[] = {20, 22, 24, 26, 28};
  double lo, hi, cov;
  CHECK(am_ratio_ci(ra, 5, rb, 5, 0.95, &lo, &hi, &cov) == 0);
  NEAR(cov, 1 - 8.0 / 252);
  CHECK(lo < 2 && hi > 2);
  NEAR(lo, 22.0 / 14); /* third smallest of the 25 ratios b_j / a_i */
  NEAR(hi, 28.0 / 11); /* third largest */
  /* 3 + 3: no interval reaches 95 %: [min, max], coverage 1 - 2/20. */
  CHECK(am_ratio_ci(ra, 3, rb, 3, 0.95, &lo, &hi, &cov) == 0);
  NEAR(cov, 0.9);
  NEAR(lo, 20.0 / 12);
  NEAR(hi, 24.0 / 10);
  double neg[] = {1, -1};
  CHECK(am_ratio_ci(neg, 2, rb, 2, 0.95, &lo, &hi, &cov) != 0);
  if (fails == 0) printf("signif: all checks passed\n");
  return fails != 0;
}
