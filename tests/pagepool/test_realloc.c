/* tests/pagepool/test_realloc.c — realloc matrix, calloc overflow, aligned allocation.
 * realloc: in place while the new size maps to the block's class; moves (contents kept)
 * across classes, small -> large, large -> small and large -> large; realloc(NULL, n) and
 * realloc(p, 0). calloc: zeroed memory, NULL + ENOMEM on n*size overflow. aligned_alloc:
 * every power-of-two alignment up to 64 KiB for small and large sizes; EINVAL otherwise. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "pp_test.h"

/* realloc from a to b: returns the new block, checks contents and placement. */
static void *step(void *p, size_t a, size_t b, int expect_same) {
  pp_t_fill(p, a, (unsigned)a);
  void *q = pp_realloc(p, b);
  PP_T_CHECK(q != NULL && pp_usable_size(q) >= b);
  if (expect_same >= 0) {
    if ((q == p) != expect_same) {
      fprintf(stderr, "realloc %zu -> %zu: %s, expected %s\n", a, b, q == p ? "in place" : "moved",
              expect_same ? "in place" : "moved");
      exit(1);
    }
  }
  PP_T_CHECK(pp_t_same(q, a < b ? a : b, (unsigned)a));
  return q;
}

int main(void) {
  pp_config_t cfg; /* the class sizes below are pow2's (the default is fine) */
  pp_get_config(&cfg);
  cfg.spacing = PP_CLASSES_POW2;
  PP_T_CHECK(pp_configure(&cfg) == PP_OK);
  /* Within a class (pow2: 33..64 is class 64): in place both ways. */
  void *p = pp_malloc(40);
  p = step(p, 40, 64, 1);
  p = step(p, 64, 33, 1);
  /* Across classes: moves, up and down. */
  p = step(p, 33, 100, 0);
  PP_T_CHECK(pp_t_usable_is(p, 128, 100));
  p = step(p, 100, 20, 0);
  PP_T_CHECK(pp_t_usable_is(p, 32, 20));
  /* Small -> large -> larger (system realloc) -> small. */
  p = step(p, 20, 5000, 0);
  PP_T_CHECK(!pp_owns(p));
  p = step(p, 5000, 1 << 20, -1);
  p = step(p, 1 << 20, 6000, -1);
  p = step(p, 6000, 4096, 0);
  PP_T_CHECK(pp_owns(p) && pp_t_usable_is(p, 4096, 4096));
  p = step(p, 4096, 4097, 0);
  p = step(p, 4097, 16, 0);
  PP_T_CHECK(pp_owns(p));
  PP_T_HEAP_OK();
  /* realloc(p, 0) frees, realloc(NULL, n) allocates. */
  PP_T_CHECK(pp_realloc(p, 0) == NULL);
  p = pp_realloc(NULL, 24);
  PP_T_CHECK(p != NULL && pp_t_usable_is(p, 32, 24));
  pp_free(p);
  /* Many random reallocs, contents checked each time. */
  unsigned long long seed = 42;
  size_t n = 1;
  p = pp_malloc(n);
  for (int i = 0; i < 20000; i++) {
    size_t m = 1 + pp_t_rand(&seed) % (i % 10 == 0 ? 20000 : 4200);
    p = step(p, n, m, -1);
    n = m;
    if (i % 1000 == 0) PP_T_HEAP_OK();
  }
  pp_free(p);

  /* calloc */
  errno = 0;
  PP_T_CHECK(pp_calloc(SIZE_MAX / 2, 3) == NULL && errno == ENOMEM);
  errno = 0;
  PP_T_CHECK(pp_calloc((size_t)1 << 33, (size_t)1 << 32) == NULL && errno == ENOMEM);
  for (size_t sz = 1; sz <= 9000; sz = sz * 3 + 1) {
    unsigned char *d = pp_malloc(sz); /* dirty a block of the class first */
    memset(d, 0xEE, sz);
    pp_free(d);
    unsigned char *c = pp_calloc(1, sz);
    PP_T_CHECK(c != NULL);
    for (size_t i = 0; i < sz; i++) PP_T_CHECK(c[i] == 0);
    pp_free(c);
  }
  void *z = pp_calloc(0, 8);
  PP_T_CHECK(z != NULL);
  pp_free(z);

  /* aligned_alloc */
  for (size_t al = 1; al <= 65536; al *= 2) {
    size_t sizes[] = { 1, 16, 100, al, 3000, 4096, 5000, 70000 };
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
      unsigned char *a = pp_aligned_alloc(al, sizes[k]);
      PP_T_CHECK(a != NULL && (uintptr_t)a % al == 0 && pp_usable_size(a) >= sizes[k]);
      memset(a, 1, sizes[k]);
      a = pp_realloc(a, sizes[k] + 1); /* an aligned block reallocs and frees normally */
      PP_T_CHECK(a != NULL);
      pp_free(a);
    }
  }
  errno = 0;
  PP_T_CHECK(pp_aligned_alloc(24, 10) == NULL && errno == EINVAL);
  errno = 0;
  PP_T_CHECK(pp_aligned_alloc(0, 10) == NULL && errno == EINVAL);
  pp_free_sized(pp_malloc(77), 77);
  pp_free(NULL);
  PP_T_CHECK(pp_usable_size(NULL) == 0);
  pp_stats_t s;
  PP_T_CHECK(pp_stats(&s) == PP_OK && s.allocated_bytes == 0 && s.large_blocks == 0);
  PP_T_HEAP_OK();
  printf("realloc matrix, calloc and aligned_alloc ok\n");
  return 0;
}
