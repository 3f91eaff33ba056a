/* tests/conform/case_calloc.c — conformance cases for calloc: it zeroes even memory that
 * was just dirtied and freed (the recycled path, not only fresh pages), and n*size
 * overflow returns NULL with errno ENOMEM. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "conform.h"

enum { ROUNDS = 8, BATCH = 64 };

/* calloc(n, 1) or calloc(n/8, 8) alternately; the whole block must read zero. */
static int calloc_zeroed(const am_backend_t *b, size_t n, int k, char **out, cf_result_t *r) {
  int split = k % 2 && n % 8 == 0;
  char *q = split ? am_calloc(b, n / 8, 8) : am_calloc(b, n, 1);
  *out = q;
  if (q == NULL) return cf_fail(r, "calloc for %zu bytes returned NULL", n);
  size_t off = cf_first_nonzero(q, n);
  if (off != SIZE_MAX)
    return cf_fail(r, "calloc(%zu, %d) = %p after a dirty free: byte %zu is 0x%02x, not zero",
                   split ? n / 8 : n, split ? 8 : 1, (void *)q, off, (unsigned char)q[off]);
  return 0;
}

int cf_case_calloc_zero(const am_backend_t *b, cf_result_t *r) {
  static const size_t sizes[] = {1, 8, 24, 100, 512, 4000, 4096, 33000, 200000,
                                 (size_t)1 << 20, (size_t)8 << 20};
  int checks = 0;
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    size_t n = sizes[i];
    /* One block: dirty, free, calloc the same size, ROUNDS times over. */
    for (int k = 0; k < ROUNDS; k++) {
      char *p = am_malloc(b, n), *q;
      if (p == NULL) return cf_fail(r, "malloc(%zu) returned NULL", n);
      memset(p, 0xA5, n);
      am_free(b, p);
      int rc = calloc_zeroed(b, n, k, &q, r);
      if (q != NULL) memset(q, 0x5A, n);
      am_free(b, q);
      if (rc) return rc;
      checks++;
    }
    /* A batch of small blocks dirtied and freed together, then calloc'd back. */
    if (n > 4096) continue;
    char *v[BATCH];
    for (int k = 0; k < BATCH; k++) {
      if ((v[k] = am_malloc(b, n)) == NULL) return cf_fail(r, "malloc(%zu) returned NULL", n);
      memset(v[k], 0xC3, n);
    }
    for (int k = 0; k < BATCH; k++) am_free(b, v[k]);
    int rc = 0;
    for (int k = 0; k < BATCH; k++) {
      if (rc == 0) rc = calloc_zeroed(b, n, k, &v[k], r); else v[k] = NULL;
      checks++;
    }
    for (int k = 0; k < BATCH; k++) am_free(b, v[k]);
    if (rc) return rc;
  }
  return cf_note(r, "%d callocs of recycled dirty memory, 1 B..8 MiB, all zero", checks);
}

int cf_case_calloc_overflow(const am_backend_t *b, cf_result_t *r) {
  static const struct { size_t n, size; } bad[] = {
    {SIZE_MAX / 2, 3}, {3, SIZE_MAX / 2}, {SIZE_MAX, 2}, {SIZE_MAX / 16 + 1, 16}, {(size_t)1 << 33, (size_t)1 << 31},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    errno = 0;
    void *p = am_calloc(b, bad[i].n, bad[i].size);
    if (p != NULL || errno != ENOMEM) {
      int e = errno;
      am_free(b, p);
      return cf_fail(r, "calloc(%zu, %zu) overflows: got %p with errno %d, want NULL with ENOMEM",
                     bad[i].n, bad[i].size, p, e);
    }
  }
  return cf_note(r, "5 overflowing products, e.g. calloc(SIZE_MAX/2, 3): NULL, ENOMEM");
}
