/* tests/pagepool/test_large.c — the large path in the mode PAGEPOOL_LARGE names (argv[1]:
 * own or system; set by CTest in the environment). Both: sizes from 4097 B to 8 MiB keep
 * their contents, calloc returns zeroes even where a dirty block was freed just before,
 * realloc grows and shrinks keeping the contents, aligned blocks up to 2 MiB alignment,
 * usable size >= request, pp_stats counts live large blocks, pp_check passes. own only: a
 * freed span is reused by the next request of its size (the cache), or of a slightly
 * smaller one (near fit), and
 * pp_config_string() names the mode. */
#include <stdint.h>
#include <string.h>
#include "pp_test.h"

static void fill(unsigned char *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i += 61) p[i] = (unsigned char)(seed + i);
}
static int same(const unsigned char *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i += 61)
    if (p[i] != (unsigned char)(seed + i)) return 0;
  return 1;
}

int main(int argc, char **argv) {
  PP_T_CHECK(argc == 2);
  int own = strcmp(argv[1], "own") == 0;
  const char *cfg = pp_config_string();
  PP_T_CHECK(strstr(cfg, own ? "large=own" : "large=system") != NULL);

  static const size_t sizes[] = {4097, 8192, 12345, 65536, 262144, 262145, 1 << 20, 3000000, 8 << 20};
  enum { N = sizeof sizes / sizeof *sizes };
  void *p[N];
  for (unsigned i = 0; i < N; i++) {
    p[i] = pp_malloc(sizes[i]);
    PP_T_CHECK(p[i] != NULL && (uintptr_t)p[i] % 16 == 0 && pp_usable_size(p[i]) >= sizes[i]);
    PP_T_CHECK(!pp_owns(p[i]));
    fill(p[i], sizes[i], i);
  }
  pp_stats_t st;
  PP_T_CHECK(pp_stats(&st) == PP_OK && st.large_blocks == N);
  for (unsigned i = 0; i < N; i++) PP_T_CHECK(same(p[i], sizes[i], i));

  /* Reuse: free then take the same size again (own: the cached span comes back). */
  for (unsigned i = 0; i < N; i++) {
    memset(p[i], 0xEE, sizes[i]);
    void *old = p[i];
    pp_free(p[i]);
    p[i] = pp_calloc(1, sizes[i]);
    PP_T_CHECK(p[i] != NULL);
    if (own && sizes[i] <= (1 << 20)) PP_T_CHECK(p[i] == old);
    for (size_t k = 0; k < sizes[i]; k += 97) PP_T_CHECK(((unsigned char *)p[i])[k] == 0);
    PP_T_CHECK(((unsigned char *)p[i])[sizes[i] - 1] == 0);
  }
  for (unsigned i = 0; i < N; i++) pp_free(p[i]);
  PP_T_CHECK(pp_stats(&st) == PP_OK && st.large_blocks == 0 && st.large_bytes == 0);

  /* Near fit (own): a freed span of 8 pages serves a request of 7 whole (no 7-page span is
   * cached), zeroed by calloc; it goes back to the cache as 8 pages, and serves 8 again. */
  unsigned char *s8 = pp_malloc(8 * 4096 - 64);
  PP_T_CHECK(s8 != NULL);
  memset(s8, 0xEE, 8 * 4096 - 64);
  pp_free(s8);
  unsigned char *s7 = pp_calloc(1, 7 * 4096 - 64);
  PP_T_CHECK(s7 != NULL && pp_usable_size(s7) >= 7 * 4096 - 64);
  if (own) PP_T_CHECK(s7 == s8);
  for (size_t k = 0; k < 7 * 4096 - 64; k += 61) PP_T_CHECK(s7[k] == 0);
  PP_T_HEAP_OK();
  pp_free(s7);
  unsigned char *t8 = pp_malloc(8 * 4096 - 64);
  PP_T_CHECK(t8 != NULL);
  if (own) PP_T_CHECK(t8 == s8);
  memset(t8, 1, 8 * 4096 - 64);
  pp_free(t8);

  /* realloc: grow (in place within the span, then moving), shrink, back to small. */
  unsigned char *q = pp_malloc(5000);
  fill(q, 5000, 7);
  q = pp_realloc(q, 6000);
  PP_T_CHECK(q != NULL && same(q, 5000, 7));
  fill(q, 6000, 8);
  q = pp_realloc(q, 3 << 20);
  PP_T_CHECK(q != NULL && same(q, 6000, 8));
  fill(q, 3 << 20, 9);
  q = pp_realloc(q, 20 << 20);
  PP_T_CHECK(q != NULL && same(q, 3 << 20, 9) && pp_usable_size(q) >= (20u << 20));
  q[(20 << 20) - 1] = 1;
  q = pp_realloc(q, 10000);
  PP_T_CHECK(q != NULL && same(q, 10000, 9));
  q = pp_realloc(q, 100);
  PP_T_CHECK(q != NULL && same(q, 100, 9) && pp_owns(q));
  pp_free(q);

  /* Aligned: page and huge-page alignment, small and large sizes. */
  static const size_t aligns[] = {32, 4096, 8192, 65536, 2 << 20};
  for (unsigned a = 0; a < sizeof aligns / sizeof *aligns; a++)
    for (size_t n = 4096; n <= 300000; n = n * 3 + 1) {
      unsigned char *b = pp_aligned_alloc(aligns[a], n);
      PP_T_CHECK(b != NULL && (uintptr_t)b % aligns[a] == 0 && pp_usable_size(b) >= n);
      fill(b, n, (unsigned)n);
      b = pp_realloc(b, n + 5000); /* contents kept (alignment need not be) */
      PP_T_CHECK(b != NULL && same(b, n, (unsigned)n));
      pp_free(b);
    }
  PP_T_CHECK(pp_stats(&st) == PP_OK && st.large_blocks == 0);
  PP_T_HEAP_OK();
  return 0;
}
