/* tests/conform/case_basic.c — conformance cases on single blocks: alignment of malloc
 * and calloc for sizes 1 B..64 MiB, aligned_alloc for alignments 16 B..64 KiB,
 * malloc(0) / calloc(0, n) / free(NULL) as glibc has them, and usable_size >= request. */
#include <errno.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conform.h"

#define MAX_SIZE ((size_t)64 << 20) /* largest size the alignment case asks for */
#define KEEP_LIVE ((size_t)1 << 20) /* blocks up to this size stay live through a pass */
#define FULL_WRITE ((size_t)256 << 10) /* blocks up to this size are written in full */
#define NSIZES_MAX 160

/* Every power of two 1..64 MiB, one either side of it, and 1.5x each: 1, 2, 3, 4, 5, 6, 7, ... */
static size_t size_spread(size_t *out) {
  size_t n = 0;
  for (size_t p = 1; p <= MAX_SIZE; p <<= 1) {
    if (p > 1) out[n++] = p - 1;
    out[n++] = p;
    out[n++] = p + 1;
    if (p >= 4 && p + p / 2 <= MAX_SIZE) out[n++] = p + p / 2;
  }
  return n;
}

static int check_align(const void *p, const char *what, size_t n, cf_result_t *r) {
  if (p == NULL) return cf_fail(r, "%s(%zu) returned NULL", what, n);
  if (!cf_aligned(p, cf_malloc_align(n)))
    return cf_fail(r, "%s(%zu) = %p is not %zu-byte aligned (16 and max_align_t: %zu)", what, n, p,
                   cf_malloc_align(n), (size_t)alignof(max_align_t));
  return 0;
}

/* Write the block (in full when small, its first and last 4 KiB when large) and read it back. */
static int write_block(void *p, size_t n, uint64_t seed, const char *what, cf_result_t *r) {
  size_t head = n <= FULL_WRITE ? n : 4096, off;
  cf_fill(p, head, seed);
  if (head < n) cf_fill((char *)p + n - 4096, 4096, seed + 1);
  if ((off = cf_verify(p, head, seed)) != SIZE_MAX ||
      (head < n && (off = cf_verify((char *)p + n - 4096, 4096, seed + 1)) != SIZE_MAX))
    return cf_fail(r, "%s(%zu) = %p: byte %zu does not read back what was written", what, n, p, off);
  return 0;
}

int cf_case_alignment(const am_backend_t *b, cf_result_t *r) {
  size_t sizes[NSIZES_MAX], ns = size_spread(sizes), nlive = 0;
  void *live[NSIZES_MAX];
  int rc = 0;
  /* malloc: small and medium blocks stay live, so later ones land among them. */
  for (size_t i = 0; i < ns && rc == 0; i++) {
    void *p = am_malloc(b, sizes[i]);
    rc = check_align(p, "malloc", sizes[i], r);
    if (rc == 0) rc = write_block(p, sizes[i], i, "malloc", r);
    if (sizes[i] <= KEEP_LIVE && p != NULL) live[nlive++] = p; else am_free(b, p);
  }
  while (nlive > 0) am_free(b, live[--nlive]);
  /* calloc: each block must also start and end zeroed. */
  for (size_t i = 0; i < ns && rc == 0; i++) {
    unsigned char *p = am_calloc(b, 1, sizes[i]);
    rc = check_align(p, "calloc", sizes[i], r);
    if (rc == 0 && (p[0] != 0 || p[sizes[i] - 1] != 0))
      rc = cf_fail(r, "calloc(1, %zu) = %p is not zeroed", sizes[i], (void *)p);
    am_free(b, p);
  }
  return rc ? rc : cf_note(r, "%zu sizes 1 B..64 MiB, malloc and calloc", ns);
}

int cf_case_aligned_alloc(const am_backend_t *b, cf_result_t *r) {
  /* Sizes that are multiples of the alignment (C11), then others (C17; glibc allows them,
   * but ASan and TSan report them, so they are left out under a sanitizer). */
  int strict = cf_sanitizer_malloc() != NULL, count = 0, known = 0;
  const char *known_ref = NULL;
  char first_known[96] = "";
  for (size_t a = 16; a <= 65536; a <<= 1) {
    size_t sizes[] = {a, 2 * a, 7 * a, (300000 + a - 1) & ~(a - 1), 1, 24, a + 1, 100000};
    size_t nsz = strict ? 4 : sizeof sizes / sizeof *sizes, nb = 0;
    cf_block_t blk[8];
    int rc = 0;
    for (size_t i = 0; i < nsz && rc == 0; i++) {
      char *p = am_aligned_alloc(b, a, sizes[i]);
      if (p == NULL) { rc = cf_fail(r, "aligned_alloc(%zu, %zu) returned NULL", a, sizes[i]); break; }
      blk[nb++] = (cf_block_t){p, sizes[i], a * 131 + i};
      count++;
      if (!cf_aligned(p, a)) {
        const char *ref = cf_known_misalign(b, a, sizes[i]);
        if (ref == NULL) {
          rc = cf_fail(r, "aligned_alloc(%zu, %zu) = %p is misaligned", a, sizes[i], (void *)p);
          break;
        }
        if (known++ == 0)
          snprintf(first_known, sizeof first_known, "aligned_alloc(%zu, %zu) = %p", a, sizes[i], (void *)p);
        known_ref = ref;
      }
      cf_fill(p, sizes[i], a * 131 + i);
    }
    if (rc == 0) rc = cf_check_disjoint(blk, nb, r);
    for (size_t i = 0; i < nb; i++) {
      size_t off = cf_verify(blk[i].p, blk[i].n, blk[i].seed);
      if (rc == 0 && off != SIZE_MAX)
        rc = cf_fail(r, "aligned_alloc(%zu, %zu) = %p: byte %zu was overwritten", a, blk[i].n,
                     (void *)blk[i].p, off);
      am_free(b, blk[i].p);
    }
    if (rc) return rc;
  }
  errno = 0;
  if (am_aligned_alloc(b, 24, 48) != NULL || errno != EINVAL)
    return cf_fail(r, "aligned_alloc(24, 48) must return NULL with errno EINVAL");
  if (known > 0) {
    return cf_set(r, CF_XFAIL, "%d of %d blocks misaligned, e.g. %s; known upstream bug %s", known,
                  count, first_known, known_ref);
  }
  return cf_note(r, "%d blocks, alignments 16 B..64 KiB%s", count,
                 strict ? " (sizes multiple of the alignment only: sanitizer)" : "");
}

int cf_case_malloc0_free_null(const am_backend_t *b, cf_result_t *r) {
  enum { N = 32 };
  cf_block_t v[2 * N];
  am_free(b, NULL);
  am_free_sized(b, NULL, 0);
  am_free_sized(b, NULL, 100);
  for (int i = 0; i < N; i++) {
    v[i] = (cf_block_t){am_malloc(b, 0), 0, 0};
    v[N + i] = (cf_block_t){am_calloc(b, 0, 16), 0, 0};
    if (v[i].p == NULL || v[N + i].p == NULL)
      return cf_fail(r, "malloc(0) or calloc(0, 16) returned NULL (glibc returns a unique pointer)");
  }
  int rc = cf_check_disjoint(v, 2 * N, r); /* a zero-size block counts as one byte: all distinct */
  if (rc) rc = cf_fail(r, "malloc(0)/calloc(0, 16) returned the same pointer twice while live");
  for (int i = 0; i < 2 * N; i++) am_free(b, v[i].p);
  am_free(b, NULL);
  return rc ? rc : cf_note(r, "%d distinct live zero-size blocks freed; free(NULL) is a no-op", 2 * N);
}

int cf_case_usable_size(const am_backend_t *b, cf_result_t *r) {
  if (!(b->caps & AM_CAP_USABLE_SIZE)) return cf_skip(r, "backend has no AM_CAP_USABLE_SIZE");
  cf_rng_t g = {0x5EED0001};
  for (int i = 0; i < 400; i++) {
    size_t n = cf_rand_size(&g, (size_t)4 << 20);
    size_t a = (size_t)16 << (cf_rand(&g) % 9);
    int aligned = i % 4 == 3;
    if (aligned) n = (n + a - 1) & ~(a - 1);
    char *p = aligned ? am_aligned_alloc(b, a, n) : am_malloc(b, n);
    if (p == NULL) return cf_fail(r, "allocation of %zu returned NULL", n);
    size_t u = am_usable_size(b, p);
    if (u < n) {
      am_free(b, p);
      return cf_fail(r, "usable_size(%s(%zu)) = %zu, less than requested", aligned ? "aligned_alloc" : "malloc", n, u);
    }
    memset(p, 0x3C, u); /* the whole usable size is the caller's to write */
    am_free(b, p);
  }
  return cf_note(r, "400 blocks up to 4 MiB, malloc and aligned_alloc");
}
