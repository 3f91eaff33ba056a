/* tests/conform/known_bugs.c — upstream allocator bugs the suite knows about.
 *
 * A case that meets a failure listed here reports it as "xfail" (with the upstream
 * reference) instead of failing the run, so the suite stays green on the Debian
 * libraries as shipped while the bug stays visible in every run's output. Each entry
 * is narrow: one backend, versions up to a known-affected one, one exact domain.
 * A newer library that still fails, or a failure outside the domain, fails the case. */
#include <stdio.h>
#include <string.h>
#include "conform.h"

/* a.b.c <= max (missing parts are 0). */
static int version_le(const char *v, const char *max) {
  unsigned x[3] = {0, 0, 0}, y[3] = {0, 0, 0};
  sscanf(v, "%u.%u.%u", &x[0], &x[1], &x[2]);
  sscanf(max, "%u.%u.%u", &y[0], &y[1], &y[2]);
  for (int i = 0; i < 3; i++)
    if (x[i] != y[i]) return x[i] < y[i];
  return 1;
}

static const struct {
  const char *backend, *max_version; /* affected: this backend, versions <= max_version */
  size_t align_lo, align_hi, size_hi; /* aligned_alloc(a, n): align_lo <= a <= align_hi, n <= size_hi */
  const char *ref;
} misalign_bugs[] = {
  /* mi_malloc_aligned(n, a) takes the small-object fast path without checking the
   * alignment; Debian bookworm ships 2.0.9. Fixed upstream in March 2023. The mimalloc
   * backend now avoids it (mi_malloc_aligned_at, see harness/backends/mimalloc.c); this
   * entry stays as the record, and keeps the suite honest if that workaround goes. */
  {"mimalloc", "2.0.9", 256, 1024, 1024,
   "microsoft/mimalloc#700: mi_malloc_aligned misaligns n <= 1 KiB for alignments 256..1024"},
};

const char *cf_known_misalign(const am_backend_t *b, size_t align, size_t n) {
  for (size_t i = 0; i < sizeof misalign_bugs / sizeof *misalign_bugs; i++)
    if (strcmp(b->name, misalign_bugs[i].backend) == 0 &&
        version_le(b->version(), misalign_bugs[i].max_version) &&
        align >= misalign_bugs[i].align_lo && align <= misalign_bugs[i].align_hi &&
        n <= misalign_bugs[i].size_hi)
      return misalign_bugs[i].ref;
  return NULL;
}
