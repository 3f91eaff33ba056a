/* allocator/src/pp_fast.h — pagepool's fast paths: inline, no lock, no syscall, no tree.
 *
 * Included by api.c (pp_* entry points) and override.c (the drop-in malloc family) so both
 * inline the same code. Anything that is not "pop a block from the current pool of the
 * thread's bin" or "push a block onto a pool owned by this thread" goes to a noinline slow
 * path in heap.c / page.c / large.c.
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

static inline __attribute__((always_inline)) void *pp_i_malloc(size_t n, uintptr_t site) {
  pp_heap_t *h = pp_i_tl_heap;
  if (PP_LIKELY(n <= PP_SMALL_MAX && h != NULL)) {
    unsigned cls = pp_i_g.class_of[(n + PP_MIN_BLOCK - 1) / PP_MIN_BLOCK];
    pp_pool_t *pl = h->bins[cls].cur;
    void *b = pl->free;
    if (PP_UNLIKELY(b == NULL)) return pp_i_malloc_refill(h, cls, site);
    pl->free = *(void **)b;
    PP_ST(pl->used, PP_LD(pl->used) + 1);
#if PP_DEBUG
    pp_i_debug_on_alloc(pl, b);
#endif
    if (PP_UNLIKELY(pp_i_g.track_sites))
      pp_i_cold(pl)->sites[((uintptr_t)b & (PP_POOL_SIZE - 1)) / PP_MIN_BLOCK] = site;
    return b;
  }
  return pp_i_malloc_slow(n, site);
}

/* Branch-free "a block came back to pl": a pool that was full and detached (not queued,
 * not cur: linked == 0) joins the tail of its bin's partial queue; otherwise every write
 * below stores what is already there (or lands in h->scratch). Which case applies is
 * random in a mixed working set, so a branch here would be mispredicted often. */
static inline uintptr_t pp_i_sel(uintptr_t mask, uintptr_t a, uintptr_t b) {
  return b ^ ((a ^ b) & mask); /* mask all ones: a; zero: b (no branch) */
}

static inline __attribute__((always_inline)) void pp_i_requeue(pp_heap_t *h, pp_pool_t *pl) {
  pp_qlink_t *s = &h->bins[PP_LD(pl->cls)].partial;
  pp_qlink_t *t = s->prev, *self = &pl->q;
  uintptr_t in = (uintptr_t)0 - (uintptr_t)pl->linked; /* all ones: already linked */
  uintptr_t scratch = (uintptr_t)&h->scratch;
  pp_qlink_t *w = (pp_qlink_t *)pp_i_sel(in, scratch, (uintptr_t)self); /* pool's link */
  pp_qlink_t *x = (pp_qlink_t *)pp_i_sel(in, scratch, (uintptr_t)t);    /* old tail    */
  w->next = s;
  w->prev = t;
  x->next = self;
  s->prev = (pp_qlink_t *)pp_i_sel(in, (uintptr_t)t, (uintptr_t)self);
  pl->linked = 1;
}

/* Free p, a block of pool page pg (not NULL). */
static inline __attribute__((always_inline)) void pp_i_free_in(pp_page_t *pg, void *p) {
  pp_pool_t *pl = pp_i_pool_of(pg, (uintptr_t)p);
#if PP_DEBUG
  pp_i_debug_on_free(pg, pl, p);
#endif
  pp_heap_t *h = pp_i_tl_heap;
  if (PP_LIKELY(PP_LD(pg->owner) == h)) {
    uint32_t u = PP_LD(pl->used) - 1;
    *(void **)p = pl->free;
    pl->free = p;
    PP_ST(pl->used, u);
    if (PP_UNLIKELY(u == 0)) pp_i_free_local_slow(h, pl); /* empty: release, unless cur */
    else pp_i_requeue(h, pl);
  } else {
    pp_i_free_remote(pg, pl, p);
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
