/* tests/patterns/test_dist.c — the random numbers and distributions behind the stream
 * generator: known-answer values of the documented algorithms (splitmix64,
 * xoshiro256**, SHA-256), and means/bounds of every size distribution over many
 * draws with a fixed seed (tolerances far above the sampling error). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "pattern_dist.h"
#include "pattern_int.h"
#include "sha256.h"

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL %s:%d: ", __FILE__, __LINE__); \
                                              printf(__VA_ARGS__); printf("\n"); } } while (0)

static void test_known_answers(void) {
  /* splitmix64 from 0: first output 0xe220a8397b1dcdaf (reference implementation). */
  uint64_t x = 0;
  CHECK(am_splitmix64(&x) == 0xe220a8397b1dcdafull, "splitmix64");
  /* xoshiro256** with state {1, 2, 3, 4}: first outputs 11520, 0, 1509978240, 1215971899390074240. */
  am_rng_t r = {{1, 2, 3, 4}};
  uint64_t a = am_rng_next(&r), b = am_rng_next(&r), c = am_rng_next(&r), d = am_rng_next(&r);
  CHECK(a == 11520 && b == 0 && c == 1509978240ull && d == 1215971899390074240ull, "xoshiro256**: %llu %llu %llu %llu",
        (unsigned long long)a, (unsigned long long)b, (unsigned long long)c, (unsigned long long)d);
  char hex[65];
  am_sha256_hex("abc", 3, hex);
  CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0, "sha256(abc) %s", hex);
  am_sha256_hex("", 0, hex);
  CHECK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0, "sha256('') %s", hex);
  const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  am_sha256_hex(m, strlen(m), hex);
  CHECK(strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0, "sha256(448 bits) %s", hex);
}

static void test_rng_helpers(void) {
  am_rng_t r;
  am_rng_seed(&r, 42, 0);
  double s = 0, s2 = 0;
  int n = 200000, hist[7] = {0};
  for (int i = 0; i < n; i++) {
    double u = am_rng_double(&r);
    CHECK(u >= 0 && u < 1, "double out of [0,1)");
    uint64_t k = am_rng_below(&r, 7);
    CHECK(k < 7, "below(7) = %llu", (unsigned long long)k);
    if (k < 7) hist[k]++;
    double z = am_rng_normal(&r);
    s += z; s2 += z * z;
  }
  for (int k = 0; k < 7; k++) CHECK(fabs(hist[k] - n / 7.0) < 0.03 * n / 7.0, "below(7) bucket %d: %d", k, hist[k]);
  CHECK(fabs(s / n) < 0.02 && fabs(s2 / n - 1) < 0.02, "normal mean %g var %g", s / n, s2 / n);
  am_rng_t t0, t1;
  am_rng_seed(&t0, 42, 0);
  am_rng_seed(&t1, 42, 1);
  CHECK(am_rng_next(&t0) != am_rng_next(&t1), "threads 0 and 1 share a stream");
}

/* Draw n samples: all within [min, max], mean within rel of the analytic mean. */
static void check_dist(const char *what, const am_dist_t *d, double rel, int n) {
  am_rng_t r;
  am_rng_seed(&r, 1234, 5);
  double sum = 0;
  int out = 0;
  for (int i = 0; i < n; i++) {
    uint64_t v = am_dist_sample(d, &r);
    if (v < d->min || v > d->max) out++;
    sum += (double)v;
  }
  double mean = sum / n, want = am_dist_mean(d);
  CHECK(out == 0, "%s: %d samples out of [%llu, %llu]", what, out, (unsigned long long)d->min, (unsigned long long)d->max);
  CHECK(fabs(mean - want) <= rel * want, "%s: mean %.2f, expected %.2f", what, mean, want);
  printf("%-12s mean %10.2f expected %10.2f\n", what, mean, want);
}

static void test_distributions(void) {
  am_dist_t d;
  am_dist_fixed(&d, 48);
  check_dist("fixed", &d, 0, 1000);
  memset(&d, 0, sizeof d);
  d.kind = AM_DIST_UNIFORM; d.min = 16; d.max = 512;
  check_dist("uniform", &d, 0.01, 200000);
  am_bin_t bins[3] = {{16, 16, 1, 1}, {64, 64, 2, 3}, {1024, 1024, 1, 4}};
  d.kind = AM_DIST_CHOICE; d.min = 16; d.max = 1024; d.bins = bins; d.n_bins = 3;
  check_dist("choice", &d, 0.02, 200000);
  am_bin_t hb[2] = {{1, 64, 3, 3}, {65, 4096, 1, 4}};
  d.kind = AM_DIST_HISTOGRAM; d.min = 1; d.max = 4096; d.bins = hb; d.n_bins = 2;
  check_dist("histogram", &d, 0.02, 200000);
  memset(&d, 0, sizeof d);
  d.kind = AM_DIST_LOGNORMAL; d.median = 2000; d.sigma = 0.5; d.min = 0; d.max = AM_MAX_BLOCK;
  check_dist("lognormal", &d, 0.02, 200000);
  /* median check: half of the draws below the median */
  am_rng_t r;
  am_rng_seed(&r, 9, 0);
  int below = 0;
  for (int i = 0; i < 100000; i++) below += am_dist_sample(&d, &r) < 2000;
  CHECK(below > 48500 && below < 51500, "lognormal: %d of 100000 below the median", below);
  d.min = 100; d.max = 3000; /* clamped: every draw within bounds */
  am_rng_seed(&r, 9, 0);
  int at_max = 0;
  for (int i = 0; i < 100000; i++) { uint64_t v = am_dist_sample(&d, &r); at_max += v == 3000; CHECK(v >= 100 && v <= 3000, "clamp"); }
  CHECK(at_max > 15000 && at_max < 25000, "lognormal clamp: %d at max (P(X>3000) = 0.21)", at_max);
  memset(&d, 0, sizeof d);
  d.kind = AM_DIST_PARETO; d.min = 1000; d.max = 1000000; d.alpha = 1.5;
  check_dist("pareto", &d, 0.03, 400000);
  d.alpha = 1.0;
  check_dist("pareto a=1", &d, 0.03, 400000);
  d.min = 16; d.max = 64; d.alpha = 3;
  check_dist("pareto tight", &d, 0.05, 200000);
}

int main(void) {
  test_known_answers();
  test_rng_helpers();
  test_distributions();
  printf("%s (%d failure%s)\n", failures ? "FAILED" : "ok", failures, failures == 1 ? "" : "s");
  return failures != 0;
}
