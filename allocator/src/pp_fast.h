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
 * Fast lookup: range check on the reserved region, then the side table; an address outside
 * the region is no pool block's while no page lies outside it (a large block: NULL with no
 * call). Tree lookup (PAGEPOOL_LOOKUP=tree: fast_len is 0) and the rest go to
 * pp_i_page_of_slow, which asks the tree (under its lock) when that can find anything. */
/* Is a known to be no pool block's without a lookup? Outside the region while the fast
 * lookup is on (fast_len 0: tree lookup, or no route table) and no page lies outside it. */
static inline int pp_i_off_region(uintptr_t a) {
  return a - pp_i_g.region_base >= pp_i_g.fast_len && pp_i_g.fast_len != 0 &&
         !atomic_load_explicit(&pp_i_outside, memory_order_relaxed);
}

static inline pp_page_t *pp_i_page_of(uintptr_t a) {
  uintptr_t off = a - pp_i_g.region_base;
  if (PP_LIKELY(off < pp_i_g.fast_len)) {
    pp_page_t *pg = PP_LD(pp_i_g.side[off >> pp_i_g.page_shift]);
    /* Not carved: NULL, unless pages lie outside the region — one may sit in the region's
     * tail given back under RLIMIT_AS (pp_i_region_give_back), found through the tree. */
    if (PP_LIKELY(pg != NULL) || !atomic_load_explicit(&pp_i_outside, memory_order_relaxed)) return pg;
  } else if (PP_LIKELY(pp_i_off_region(a))) {
    return NULL;
  }
  return pp_i_page_of_slow(a);
}

/* Pages are aligned to their size, so the pool index is in the address bits. A later pool
 * of a run says so in its cls (the line a free reads anyway), and its run's first pool is
 * the descriptor (pool_head). */
static inline pp_pool_t *pp_i_pool_of(pp_page_t *pg, uintptr_t a) {
  uintptr_t idx = (a >> PP_POOL_SHIFT) & pp_i_g.pool_index_mask;
  pp_pool_t *pl = &pg->pools[idx];
  if (PP_UNLIKELY(pp_i_run_member(PP_LD(pl->cls)))) pl = &pg->pools[PP_LD(pg->pool_head[idx])];
  return pl;
}

/* The pool of b, a block of some pool. */
static inline pp_pool_t *pp_i_block_pool(void *b) {
  return pp_i_pool_of(pp_i_page_of((uintptr_t)b), (uintptr_t)b);
}

/* Pop the bin's allocation list (prefetching the next block): its blocks are already
 * counted in their pools, so no pool descriptor is touched. The fast heap is never NULL (pp_i_heap_none stands in: its lists
 * are empty), and the request size indexes the heap's table of bin offsets directly. The site is read only
 * on the way out to a slow path. */
static inline __attribute__((always_inline)) void *pp_i_malloc(size_t n, uintptr_t site) {
  pp_heap_t *h = pp_i_tl_fast;
  if (PP_LIKELY(n <= PP_SMALL_MAX)) {
    pp_bin_t *bin = (pp_bin_t *)(void *)((char *)h + h->bin_off[(n + PP_MIN_BLOCK - 1) / PP_MIN_BLOCK]);
    void *b = bin->free;
    if (PP_UNLIKELY(b == NULL)) return pp_i_malloc_refill(h, n, site);
    void *next = *(void **)b;
    bin->free = next;
    bin->room++;
    /* The next malloc of this class loads its block's link; that block was freed long ago
     * in a large working set (a batch, a window of 20000 objects), so start the miss now,
     * off the chain of dependent loads from one pop to the next. NULL does not fault. */
    __builtin_prefetch(next);
#if PP_DEBUG
    pp_i_debug_on_alloc(pp_i_block_pool(b), b);
    return pp_i_debug_requested(b, n);
#else
    return b;
#endif
  }
  /* Over 4 KiB: straight to the large path (its medium fast path is inline there), not
   * through pp_i_malloc_slow, whose frame for the small cases cost 13 instructions. */
  return pp_i_large_alloc(n, PP_MIN_BLOCK, site);
}

/* Free p, a block of pool page pg (not NULL), by the thread's own heap (pp_i_tl_heap) — the
 * generic local/remote free of the slow paths. A local free puts p on its bin's allocation
 * list, where it still counts as used, while the list has room; only then it goes back to
 * its pool (pp_i_free_local). */
static inline __attribute__((always_inline)) void pp_i_free_in(pp_page_t *pg, void *p) {
  uintptr_t idx = ((uintptr_t)p >> PP_POOL_SHIFT) & pp_i_g.pool_index_mask;
  pp_pool_t *pl = pp_i_pool_of(pg, (uintptr_t)p);
#if PP_DEBUG
  pp_i_debug_on_free(pg, pl, p);
#endif
  pp_heap_t *h = pp_i_tl_heap;
  if (PP_LIKELY(h != NULL && PP_LD(pg->owner) == h)) {
    pp_bin_t *bin = &h->bins[PP_LD(pg->pool_cls[idx])];
    if (PP_LIKELY(bin->room > 0)) { /* onto the allocation list: stays "used" */
      *(void **)p = bin->free;
      bin->free = p;
      bin->room--;
      return;
    }
    pp_i_free_local(h, pl, p); /* list full: back to its pool */
  } else {
    pp_i_free_remote(pg, pl, p);
  }
}

/* The local free: range check, the pool's route entry (the owner's bin of its class), and a
 * push when that bin is one of this thread's fast heap and has room; the range and the route
 * table are the fast heap's copies (pp_heap_t). Anything else — NULL, large blocks, tree
 * lookup, pages outside the region, no fast heap (pp_i_free_slow), another thread's
 * block, an unassigned pool (pp_i_free_miss), a full list (pp_i_free_full) — leaves through
 * one tail call, so the fast path needs no stack frame. Debug mode always takes the miss
 * path, which checks the block (pp_i_free_in). */
static inline __attribute__((always_inline)) void pp_i_free(void *p) {
  pp_heap_t *h = pp_i_tl_fast;
  uintptr_t off = (uintptr_t)p - h->region_base;
  if (PP_UNLIKELY(off >= h->fast_len)) { /* pp_i_heap_none: fast_len 0 */
    pp_i_free_slow(p);
    return;
  }
#if PP_DEBUG
  pp_i_free_miss(p);
#else
  pp_bin_t *bin = PP_LD(h->route[off >> PP_POOL_SHIFT]);
  if (PP_UNLIKELY((uintptr_t)bin - (uintptr_t)h >= sizeof h->bins)) { /* NULL: huge */
    pp_i_free_miss(p);
    return;
  }
  int32_t room = bin->room - 1;
  bin->room = room;
  if (PP_UNLIKELY(room < 0)) {
    pp_i_free_full(bin, p);
    return;
  }
  *(void **)p = bin->free;
  bin->free = p;
#endif
}

#endif /* PP_FAST_H */
