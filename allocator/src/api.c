/* allocator/src/api.c — pagepool's public allocation API (pp_malloc ... pp_owns).
 *
 * Thin wrappers over the inline fast paths of pp_fast.h; the pp_i_* helpers here are shared
 * with the drop-in entry points (override.c). Semantics follow glibc: realloc(p, 0) frees p
 * and returns NULL; calloc overflow and out-of-memory set errno ENOMEM; aligned_alloc with
 * an alignment that is not a power of two sets errno EINVAL.
 */
#include <errno.h>
#include <string.h>
#include "pp_fast.h"

#define PP_SITE ((uintptr_t)__builtin_return_address(0))
/* calloc zeroes blocks up to this size with 16-byte stores, larger ones with memset. */
#define PP_CALLOC_LOOP_MAX 256

typedef struct pp_zero16_s { uint64_t a, b; } pp_zero16_t;

void *pp_i_calloc(size_t n, size_t size, uintptr_t site) {
  if (size != 0 && n > SIZE_MAX / size) {
    errno = ENOMEM;
    return NULL;
  }
  size_t total = n * size;
  if (total > PP_SMALL_MAX) return pp_i_large_calloc(total, site);
  void *p = pp_i_malloc(total, site);
  if (p == NULL) return NULL;
  /* Zero whole 16-byte units (every class is a multiple of 16, every block 16-aligned, so
   * they are the block's own bytes). Small blocks take a loop of 16-byte stores: memset
   * of a size known to be at most 4096 is inlined by GCC as `rep stos`, whose start-up
   * costs more than the stores themselves for the typical calloc of tens of bytes. Debug
   * mode zeroes the requested bytes only: the canary follows them. */
  size_t z = (total + PP_MIN_BLOCK - 1) & ~(size_t)(PP_MIN_BLOCK - 1);
  if (PP_DEBUG || z > PP_CALLOC_LOOP_MAX) return memset(p, 0, total); /* debug: the canary */
  pp_zero16_t *q = p, *e = (pp_zero16_t *)(void *)((char *)p + z);
  do *q++ = (pp_zero16_t){0, 0}; /* malloc(0) gives a 16-byte block: one store */
  while (q < e);
  return p;
}

size_t pp_i_usable(const void *p) {
  if (p == NULL) return 0;
  pp_page_t *pg = pp_i_page_of((uintptr_t)p);
#if PP_DEBUG /* the requested size: the bytes past it are the canary */
  if (pg != NULL) return pp_i_debug_req(pp_i_pool_of(pg, (uintptr_t)p), p);
#else
  if (pg != NULL) return PP_LD(pg->cold[pp_i_pool_of(pg, (uintptr_t)p)->idx].size);
#endif
  return pp_i_large_usable(p);
}

void *pp_i_realloc(void *p, size_t n, uintptr_t site) {
  if (p == NULL) return pp_i_malloc(n, site);
  if (n == 0) {
    pp_i_free(p);
    return NULL;
  }
  size_t old;
  pp_page_t *pg = pp_i_page_of((uintptr_t)p);
  if (pg != NULL) {
    pp_pool_t *pl = pp_i_pool_of(pg, (uintptr_t)p);
    /* In place when the new size maps to the block's own class. */
    if (n <= PP_SMALL_MAX && pp_i_g.class_of[(n + PP_MIN_BLOCK - 1) / PP_MIN_BLOCK] == PP_LD(pl->cls))
      return pp_i_debug_requested(p, n); /* debug: checks and moves the canary; else p */
#if PP_DEBUG
    old = pp_i_debug_req(pl, p);
#else
    old = PP_LD(pg->cold[pl->idx].size);
#endif
  } else {
    if (n > PP_SMALL_MAX && pp_i_large_plain(p)) return pp_i_large_resize(p, n, site);
    old = pp_i_large_usable(p);
  }
  void *q = pp_i_malloc(n, site);
  if (q == NULL) return NULL; /* p stays valid */
  memcpy(q, p, old < n ? old : n);
  pp_i_free(p);
  return q;
}

void *pp_i_aligned(size_t align, size_t n, uintptr_t site) {
  if (align == 0 || (align & (align - 1)) != 0) {
    errno = EINVAL;
    return NULL;
  }
  if (align <= PP_MIN_BLOCK) return pp_i_malloc(n, site);
  if (n <= PP_SMALL_MAX && align <= PP_POOL_SIZE) {
    pp_i_init();
    int c = pp_i_aligned_class(n, align);
#if PP_DEBUG /* the requested size, n, is recorded (the canary follows it) */
    if (c >= 0) return pp_i_malloc_class((unsigned)c, site);
#else /* the inline fast path, asked for the class's own size: the same bin */
    if (c >= 0) return pp_i_malloc(pp_i_g.class_size[c], site);
#endif
  }
  return pp_i_large_alloc(n, align, site);
}

void *pp_malloc(size_t size) { return pp_i_malloc(size, PP_SITE); }
void pp_free(void *p) { pp_i_free(p); }
void *pp_calloc(size_t n, size_t size) { return pp_i_calloc(n, size, PP_SITE); }
void *pp_realloc(void *p, size_t size) { return pp_i_realloc(p, size, PP_SITE); }
void *pp_aligned_alloc(size_t align, size_t size) { return pp_i_aligned(align, size, PP_SITE); }
size_t pp_usable_size(const void *p) { return pp_i_usable(p); }

void pp_free_sized(void *p, size_t size) {
#if PP_DEBUG
  if (p != NULL && size > pp_i_usable(p)) pp_i_die("free_sized with a size larger than the block", p);
#else
  (void)size;
#endif
  pp_i_free(p);
}

int pp_owns(const void *p) {
  uintptr_t a = (uintptr_t)p;
  pp_page_t *pg = pp_i_page_of(a);
  if (pg == NULL || PP_LD(pg->state) != PP_PAGE_ACTIVE) return 0;
  return pp_i_block_start(pp_i_pool_of(pg, a), a);
}
