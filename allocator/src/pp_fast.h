/* allocator/src/pp_fast.h — pagepool's fast paths: inline, no lock, no syscall, no tree.
 *
 * Included by api.c (pp_* entry points) and override.c (the drop-in malloc family) so both
 * inline the same code. Anything that is not "pop a block from the allocation list of the
 * thread's bin" or "push a block of a pool owned by this thread onto that list (below its
 * limit)" goes to a noinline slow path in heap.c / page.c / large.c.
 */
#ifndef PP_FAST_H
#define PP_FAST_H

#include "pp_internal.h"

/* Which page holds address a? NULL: not a pool block (large block, foreign, or NULL).
 * Fast lookup: range check on the reserved region, then the side table. Tree lookup
 * (PAGEPOOL_LOOKUP=tree: fast_len is 0) and addresses outside the region go to
 * pp_i_page_of_slow, which asks the tree (under its lock) when that can find anything. */
static inline pp_page_t *pp_i_page_of(uintptr_t a) {
  uintptr_t off = a - pp_i_g.region_base;
  if (PP_LIKELY(off < pp_i_g.fast_len)) return PP_LD(pp_i_g.side[off >> pp_i_g.page_shift]);
  return pp_i_page_of_slow(a);
}

/* Pages are aligned to their size, so the pool index is in the address bits. */
static inline pp_pool_t *pp_i_pool_of(pp_page_t *pg, uintptr_t a) {
  return &pg->pools[(a >> PP_POOL_SHIFT) & pp_i_g.pool_index_mask];
}

/* The pool of b, a block of some pool. */
static inline pp_pool_t *pp_i_block_pool(void *b) {
  return pp_i_pool_of(pp_i_page_of((uintptr_t)b), (uintptr_t)b);
}

/* Pop the bin's allocation list: its blocks are already counted in their pools, so no pool
 * descriptor is touched. */
static inline __attribute__((always_inline)) void *pp_i_malloc(size_t n, uintptr_t site) {
  pp_heap_t *h = pp_i_tl_heap;
  if (PP_LIKELY(n <= PP_SMALL_MAX && h != NULL)) {
    unsigned cls = pp_i_g.class_of[(n + PP_MIN_BLOCK - 1) / PP_MIN_BLOCK];
    pp_bin_t *bin = &h->bins[cls];
    void *b = bin->free;
    if (PP_UNLIKELY(b == NULL)) return pp_i_malloc_refill(h, cls, site);
    bin->free = *(void **)b;
    bin->n--;
#if PP_DEBUG
    pp_i_debug_on_alloc(pp_i_block_pool(b), b);
#endif
    if (PP_UNLIKELY(pp_i_g.track_sites)) return pp_i_alloc_site(b, site); /* tail call */
    return b;
  }
  return pp_i_malloc_slow(n, site);
}

/* Free p, a block of pool page pg (not NULL). A local free puts p on its bin's allocation
 * list, where it still counts as used, while the list is below its limit; only then it goes
 * back to its pool (pp_i_free_local). */
static inline __attribute__((always_inline)) void pp_i_free_in(pp_page_t *pg, void *p) {
  uintptr_t idx = ((uintptr_t)p >> PP_POOL_SHIFT) & pp_i_g.pool_index_mask;
#if PP_DEBUG
  pp_i_debug_on_free(pg, &pg->pools[idx], p);
#endif
  pp_heap_t *h = pp_i_tl_heap;
  if (PP_LIKELY(PP_LD(pg->owner) == h)) {
    pp_bin_t *bin = &h->bins[PP_LD(pg->pool_cls[idx])];
    if (PP_LIKELY(bin->n < bin->limit)) { /* onto the allocation list: stays "used" */
      *(void **)p = bin->free;
      bin->free = p;
      bin->n++;
      return;
    }
    pp_i_free_local(h, &pg->pools[idx], p); /* list full: back to its pool */
  } else {
    pp_i_free_remote(pg, &pg->pools[idx], p);
  }
}

/* Addresses outside the fast range (NULL, large blocks, tree lookup, pages outside the
 * region) leave through one tail call, so the fast path needs no stack frame. */
static inline __attribute__((always_inline)) void pp_i_free(void *p) {
  uintptr_t off = (uintptr_t)p - pp_i_g.region_base;
  if (PP_UNLIKELY(off >= pp_i_g.fast_len)) {
    pp_i_free_slow(p);
    return;
  }
  pp_page_t *pg = PP_LD(pp_i_g.side[off >> pp_i_g.page_shift]);
  if (PP_UNLIKELY(pg == NULL)) {
    pp_i_free_other(p);
    return;
  }
  pp_i_free_in(pg, p);
}

#endif /* PP_FAST_H */
