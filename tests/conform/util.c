/* tests/conform/util.c — helpers shared by the conformance cases: result recording,
 * log-uniform sizes, fill/verify patterns and the interval (non-overlap) check. */
#include <dlfcn.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conform.h"

int cf_set(cf_result_t *r, int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->msg, sizeof r->msg, fmt, ap);
  va_end(ap);
  return status;
}

size_t cf_rand_size(cf_rng_t *g, size_t max) {
  unsigned bits = 0;
  while (bits < 63 && ((size_t)1 << (bits + 1)) <= max) bits++;
  uint64_t x = cf_rand(g);
  size_t top = (size_t)1 << (x % (bits + 1));          /* a power of two <= max */
  size_t n = top + (size_t)((x >> 8) % top);           /* top..2*top-1           */
  return n > max ? max : n;
}

/* The pattern: 8-byte word j of a block is word_of(seed, j), stored little-endian,
 * so byte i depends only on (seed, i) and any prefix can be checked on its own. */
static inline uint64_t word_of(uint64_t seed, size_t j) {
  return (seed ^ 0xA5A5A5A5A5A5A5A5u) + (uint64_t)(j + 1) * 0x9E3779B97F4A7C15u;
}

void cf_fill(void *p, size_t n, uint64_t seed) {
  unsigned char *c = p;
  size_t words = n / 8, j;
  for (j = 0; j < words; j++) {
    uint64_t w = word_of(seed, j);
    memcpy(c + 8 * j, &w, 8);
  }
  if (n % 8 != 0) {
    uint64_t w = word_of(seed, j);
    memcpy(c + 8 * j, &w, n % 8);
  }
}

size_t cf_verify(const void *p, size_t n, uint64_t seed) {
  const unsigned char *c = p;
  for (size_t j = 0; 8 * j < n; j++) {
    uint64_t w = word_of(seed, j), got = 0;
    size_t k = n - 8 * j < 8 ? n - 8 * j : 8;
    memcpy(&got, c + 8 * j, k);
    if (k < 8) w &= ((uint64_t)1 << (8 * k)) - 1;
    if (got != w)
      for (size_t i = 0; i < k; i++)
        if (((got >> (8 * i)) & 0xff) != ((w >> (8 * i)) & 0xff)) return 8 * j + i;
  }
  return SIZE_MAX;
}

size_t cf_first_nonzero(const void *p, size_t n) {
  const unsigned char *c = p;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, c + i, 8);
    if (w != 0) break;
  }
  for (; i < n; i++)
    if (c[i] != 0) return i;
  return SIZE_MAX;
}

static int by_address(const void *a, const void *b) {
  uintptr_t x = (uintptr_t)((const cf_block_t *)a)->p, y = (uintptr_t)((const cf_block_t *)b)->p;
  return x < y ? -1 : x > y;
}

int cf_check_disjoint(cf_block_t *v, size_t n, cf_result_t *r) {
  qsort(v, n, sizeof *v, by_address);
  for (size_t i = 1; i < n; i++) {
    uintptr_t end = (uintptr_t)v[i - 1].p + (v[i - 1].n ? v[i - 1].n : 1);
    if (end > (uintptr_t)v[i].p)
      return cf_fail(r, "live blocks overlap: %p+%zu and %p+%zu (%zu live)",
                     (void *)v[i - 1].p, v[i - 1].n, (void *)v[i].p, v[i].n, n);
  }
  return 0;
}

int cf_under_asan(void) { return dlsym(RTLD_DEFAULT, "__asan_init") != NULL; }

const char *cf_sanitizer_malloc(void) {
  if (cf_under_asan()) return "libasan";
  if (dlsym(RTLD_DEFAULT, "__tsan_init") != NULL) return "libtsan";
  return NULL;
}

size_t cf_malloc_align(size_t n) {
  size_t want = alignof(max_align_t) > 16 ? alignof(max_align_t) : 16;
  while (want > 1 && want > n) want >>= 1;
  return want;
}
