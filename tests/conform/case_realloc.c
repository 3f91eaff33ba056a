/* tests/conform/case_realloc.c — conformance cases for realloc: contents survive growth
 * and shrinking, across size-class boundaries and between small and large blocks (ladders
 * 8 B..1 MiB up and down, with and without a neighbour pinning the block in place, and
 * jumps small<->large); realloc(NULL, n) is malloc(n); realloc(p, 0) frees p. */
#include <stdio.h>
#include <string.h>
#include "conform.h"

#define LADDER_MAX ((size_t)1 << 20)
#define NSTEPS_MAX 96

/* 8..1 MiB: every power of two and one either side of it. */
static size_t ladder(size_t *out) {
  size_t n = 0;
  for (size_t p = 8; p <= LADDER_MAX; p <<= 1) {
    out[n++] = p - 1;
    out[n++] = p;
    out[n++] = p + 1;
  }
  return n;
}

/* One realloc step from (*pp, old) to n: the first min(old, n) bytes must survive; the
 * block is then refilled with a pattern new to this step. A neighbour (when `pin`) is
 * allocated right after, so the next growth cannot simply extend in place. */
static int step(const am_backend_t *b, char **pp, size_t old, size_t n, uint64_t *seed,
                void **pin, cf_result_t *r) {
  char *q = am_realloc(b, *pp, n);
  if (q == NULL) return cf_fail(r, "realloc(%p, %zu) from %zu returned NULL", (void *)*pp, n, old);
  *pp = q;
  if (!cf_aligned(q, cf_malloc_align(n)))
    return cf_fail(r, "realloc(.., %zu) = %p is not %zu-byte aligned", n, (void *)q, cf_malloc_align(n));
  size_t keep = old < n ? old : n, off = cf_verify(q, keep, *seed);
  if (off != SIZE_MAX)
    return cf_fail(r, "realloc from %zu to %zu bytes lost the contents at byte %zu", old, n, off);
  *seed = *seed * 6364136223846793005u + 1442695040888963407u;
  cf_fill(q, n, *seed);
  if (pin != NULL && (*pin = am_malloc(b, 16)) == NULL) return cf_fail(r, "malloc(16) returned NULL");
  return 0;
}

/* Walk `sizes` from the first to the last, starting from realloc(NULL, sizes[0]). */
static int walk(const am_backend_t *b, const size_t *sizes, size_t n, int pin, uint64_t seed,
                cf_result_t *r) {
  void *pins[2 * NSTEPS_MAX + 2] = {0};
  char *p = NULL;
  size_t cur = 0;
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    rc = step(b, &p, cur, sizes[i], &seed, pin ? &pins[i] : NULL, r);
    cur = sizes[i];
  }
  am_free(b, p);
  for (size_t i = 0; i < n; i++) am_free(b, pins[i]);
  return rc;
}

int cf_case_realloc(const am_backend_t *b, cf_result_t *r) {
  size_t up[NSTEPS_MAX], down[NSTEPS_MAX], n = ladder(up);
  for (size_t i = 0; i < n; i++) down[i] = up[n - 1 - i];
  size_t both[2 * NSTEPS_MAX];
  memcpy(both, up, n * sizeof *up);
  memcpy(both + n, down, n * sizeof *down);
  static const size_t jumps[] = {8, (size_t)1 << 20, 8, (size_t)4 << 20, 24, 200000, 5000,
                                 16, 70000, 4096, 4097, 1000000, 100, 3 << 20, 1};
  int rc = 0;
  for (int pin = 0; pin <= 1 && rc == 0; pin++) {
    if (rc == 0) rc = walk(b, both, 2 * n, pin, 11 + (uint64_t)pin, r);
    if (rc == 0) rc = walk(b, down, n, pin, 21 + (uint64_t)pin, r);
    if (rc == 0) rc = walk(b, jumps, sizeof jumps / sizeof *jumps, pin, 31 + (uint64_t)pin, r);
  }
  return rc ? rc : cf_note(r, "ladders 7 B..1 MiB up and down, small<->large jumps, with and without a pinning neighbour");
}

int cf_case_realloc_null(const am_backend_t *b, cf_result_t *r) {
  static const size_t sizes[] = {0, 1, 16, 100, 4096, 100000, (size_t)2 << 20};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    size_t n = sizes[i];
    char *p = am_realloc(b, NULL, n);
    if (p == NULL) return cf_fail(r, "realloc(NULL, %zu) returned NULL", n);
    if (!cf_aligned(p, cf_malloc_align(n)))
      return cf_fail(r, "realloc(NULL, %zu) = %p is not %zu-byte aligned", n, (void *)p, cf_malloc_align(n));
    cf_fill(p, n, n);
    size_t off = cf_verify(p, n, n);
    if (off != SIZE_MAX) return cf_fail(r, "realloc(NULL, %zu): byte %zu does not read back", n, off);
    if ((b->caps & AM_CAP_USABLE_SIZE) && am_usable_size(b, p) < n)
      return cf_fail(r, "usable_size(realloc(NULL, %zu)) = %zu", n, am_usable_size(b, p));
    if (i % 2 == 0) {
      if (am_realloc(b, p, 0) != NULL) return cf_fail(r, "realloc(p, 0) must free p and return NULL");
    } else {
      am_free(b, p);
    }
  }
  return cf_note(r, "realloc(NULL, n) for n = 0..2 MiB; realloc(p, 0) frees");
}
