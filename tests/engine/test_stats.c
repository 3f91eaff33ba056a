/* tests/engine/test_stats.c — stats.c on known data: median, mean, stddev, cv, the
 * order-statistic CI of the median (and its coverage with few samples), NaN handling,
 * and that the JSON form never holds NaN. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <cJSON.h>
#include "results.h"
#include "stats.h"

static int fails;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); fails++; } } while (0)
#define NEAR(a, b) CHECK(fabs((double)(a) - (double)(b)) <= 1e-9 * (1 + fabs((double)(b))))

int main(void) {
  am_summary_t s;
  /* Odd count, unsorted input. */
  double a[] = {5, 1, 4, 2, 3};
  am_summarize(a, 5, &s);
  CHECK(s.n == 5);
  NEAR(s.median, 3); NEAR(s.mean, 3); NEAR(s.min, 1); NEAR(s.max, 5);
  NEAR(s.stddev, sqrt(2.5));
  NEAR(s.cv, sqrt(2.5) / 3);
  CHECK(s.noisy);
  /* n=5 cannot reach 95 %: [min, max] with coverage 1 - 2/32. */
  NEAR(s.ci95_low, 1); NEAR(s.ci95_high, 5); NEAR(s.ci_coverage, 0.9375);

  /* Even count: the mean of the two middle values. */
  double b[] = {10, 20, 30, 40};
  am_summarize(b, 4, &s);
  NEAR(s.median, 25);
  NEAR(s.ci_coverage, 1 - 2.0 / 16);

  /* n=10: ranks 2 and 9, coverage 1 - 2 * 11/1024. */
  double c[10];
  for (int i = 0; i < 10; i++) c[i] = 100 - i; /* 91..100 */
  am_summarize(c, 10, &s);
  NEAR(s.ci95_low, 92); NEAR(s.ci95_high, 99);
  NEAR(s.ci_coverage, 1 - 2 * 11.0 / 1024);
  NEAR(s.median, 95.5);
  CHECK(s.ci_coverage >= 0.95);

  /* n=100: the textbook ranks 40 and 61. */
  double d[100];
  for (int i = 0; i < 100; i++) d[i] = i + 1;
  am_summarize(d, 100, &s);
  NEAR(s.ci95_low, 40); NEAR(s.ci95_high, 61);
  CHECK(s.ci_coverage >= 0.95 && s.ci_coverage < 0.97);
  CHECK(!isfinite(s.cv) || s.cv > 0.05);

  /* Binomial CDF values. */
  NEAR(am_binom_half_cdf(0, 5), 1.0 / 32);
  NEAR(am_binom_half_cdf(2, 4), 11.0 / 16);
  NEAR(am_binom_half_cdf(5, 5), 1.0);

  /* Identical samples: cv 0, not noisy. */
  double e[] = {7, 7, 7, 7, 7, 7};
  am_summarize(e, 6, &s);
  NEAR(s.cv, 0); CHECK(!s.noisy); NEAR(s.ci95_low, 7); NEAR(s.ci95_high, 7);

  /* One sample: stddev/cv undefined (NaN here, null in JSON); NaN inputs skipped. */
  double f[] = {NAN, 42, INFINITY};
  am_summarize(f, 3, &s);
  CHECK(s.n == 1);
  NEAR(s.median, 42);
  CHECK(isnan(s.stddev) && isnan(s.cv));
  CHECK(!s.noisy);
  NEAR(s.ci_coverage, 0);
  cJSON *j = am_summary_json(&s);
  CHECK(j != NULL && am_json_all_finite(j));
  CHECK(cJSON_IsNull(cJSON_GetObjectItem(j, "stddev")));
  CHECK(cJSON_IsNumber(cJSON_GetObjectItem(j, "median")));
  char *txt = cJSON_PrintUnformatted(j);
  CHECK(txt != NULL && strstr(txt, "nan") == NULL && strstr(txt, "inf") == NULL);
  cJSON_free(txt);
  cJSON_Delete(j);

  /* No sample at all: everything null, nothing NaN in the JSON. */
  am_summarize(f, 0, &s);
  CHECK(s.n == 0 && isnan(s.median));
  j = am_summary_json(&s);
  CHECK(j != NULL && am_json_all_finite(j) && cJSON_IsNull(cJSON_GetObjectItem(j, "median")));
  cJSON_Delete(j);

  if (fails) { fprintf(stderr, "test_stats: %d failures\n", fails); return 1; }
  printf("test_stats: ok\n");
  return 0;
}
