/* allocator/src/page.c — pages and pools: carving, the free-page list, the registry tree.
 *
 * A page comes from the free-page list (hot pages first) or is carved from the reserved
 * region (or mapped outside it when the region is full; one the system maps into the
 * region's given-back tail gets its side-table slot). An active page is in the tree and
 * owned by one heap; when its last pool is released it leaves the tree and the heap for the
 * free-page list. With PAGEPOOL_RETURN=1, once PP_KEEP_FREE_BYTES of free pages are kept,
 * further free pages have their memory returned to the OS (madvise) and go to the list's
 * cold end. Page descriptors are never freed: a page's address keeps its descriptor.
 * Pool acquisition and release are owner-only (no lock) except when a page changes hands.
 */
#include <string.h>
#include <sys/mman.h>
#include "pp_internal.h"

static void pp_free_list_unlink(pp_page_t *pg) {
  if (pg->prev) pg->prev->next = pg->next; else pp_i_w.free_head = pg->next;
  if (pg->next) pg->next->prev = pg->prev; else pp_i_w.free_tail = pg->prev;
  pg->next = pg->prev = NULL;
  pp_i_w.free_count--;
  if (pg->released) pp_i_w.released_count--;
}

/* A new page descriptor for memory at base (under pp_i_lock). */
static pp_page_t *pp_page_new(uintptr_t base, int outside) {
  pp_page_t *pg = pp_i_meta_alloc(sizeof *pg);
  if (pg == NULL) return NULL;
  pg->base = base;
  pg->outside = (uint8_t)outside;
  pg->node.key = base;
  pg->node.len = pp_i_g.page_size;
  for (unsigned i = 0; i < PP_MAX_POOLS; i++) {
    pg->pools[i].idx = (uint8_t)i;
    PP_ST(pg->pool_head[i], (uint8_t)i);
    pg->cold[i].base = base + ((uintptr_t)i << PP_POOL_SHIFT);
    PP_ST(pg->pools[i].cls, (uint8_t)PP_NO_CLASS);
    PP_ST(pg->pool_cls[i], (uint8_t)PP_NO_CLASS);
  }
  pg->all_next = pp_i_w.all_pages;
  pp_i_w.all_pages = pg;
  pp_i_w.page_count++;
  return pg;
}

/* Carve a fresh page (under pp_i_lock). */
static pp_page_t *pp_page_carve(void) {
  size_t ps = pp_i_g.page_size;
  if (pp_i_w.carved + ps <= PP_LD(pp_i_g.region_kept)) {
    uintptr_t base = pp_i_g.region_base + pp_i_w.carved;
    if (mprotect((void *)base, ps, PROT_READ | PROT_WRITE) != 0) return NULL;
    pp_page_t *pg = pp_page_new(base, 0);
    if (pg == NULL) return NULL;
    pp_i_w.carved += ps;
    PP_ST(pp_i_g.side[(base - pp_i_g.region_base) >> pp_i_g.page_shift], pg);
    return pg;
  }
  /* Region full (or absent): map an aligned page outside it; the tree finds it. */
  char *m = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return NULL;
  uintptr_t base = ((uintptr_t)m + ps - 1) & ~(uintptr_t)(ps - 1);
  if (base > (uintptr_t)m) munmap(m, base - (uintptr_t)m);
  if ((uintptr_t)m + 2 * ps > base + ps) munmap((char *)base + ps, (uintptr_t)m + 2 * ps - base - ps);
  /* A page the system put in the region's given-back tail (pp_i_region_give_back) has a
   * side-table slot: the fast lookup must find it there, not take it for a large block. */
  uintptr_t off = base - pp_i_g.region_base;
  int in_span = off < pp_i_g.region_len;
  pp_page_t *pg = pp_page_new(base, !in_span);
  if (pg == NULL) {
    munmap((void *)base, ps);
    return NULL;
  }
  if (in_span) {
    PP_ST(pp_i_g.side[off >> pp_i_g.page_shift], pg);
  } else {
    pp_i_w.outside_pages++;
    atomic_store(&pp_i_outside, 1);
  }
  return pg;
}

pp_page_t *pp_i_page_acquire(pp_heap_t *h) {
  if (PP_UNLIKELY(pp_i_fail_inject())) return NULL;
  pthread_mutex_lock(&pp_i_lock);
  pp_page_t *pg = pp_i_w.free_head;
  if (pg != NULL) {
    pp_free_list_unlink(pg);
    pg->released = 0;
  } else {
    pg = pp_page_carve();
  }
  if (pg != NULL) {
    PP_ST(pg->free_mask, pp_i_g.all_pools_mask);
    PP_ST(pg->used_pools, 0);
    PP_ST(pg->owner, h);
    PP_ST(pg->state, (uint8_t)PP_PAGE_ACTIVE);
    pthread_rwlock_wrlock(&pp_i_tree_lock);
    int overlap = pp_rb_insert(&pp_i_w.tree, &pg->node);
    pthread_rwlock_unlock(&pp_i_tree_lock);
    if (overlap != 0) pp_i_die("page registry corrupted: new page overlaps a registered one", (void *)pg->base);
  }
  pthread_mutex_unlock(&pp_i_lock);
  return pg;
}

void pp_i_page_release(pp_page_t *pg) {
  pthread_mutex_lock(&pp_i_lock);
  pthread_rwlock_wrlock(&pp_i_tree_lock);
  pp_rb_remove(&pp_i_w.tree, &pg->node);
  pthread_rwlock_unlock(&pp_i_tree_lock);
  PP_ST(pg->owner, (pp_heap_t *)NULL);
  PP_ST(pg->state, (uint8_t)PP_PAGE_FREE);
  pg->in_avail = 0;
  pg->prev = pg->next = NULL;
  int give_back = pp_i_g.return_to_os &&
                  (pp_i_w.free_count - pp_i_w.released_count + 1) * pp_i_g.page_size > PP_KEEP_FREE_BYTES;
  if (give_back && madvise((void *)pg->base, pp_i_g.page_size, MADV_DONTNEED) == 0) {
    pg->released = 1;
    pp_i_w.released_count++;
    pg->prev = pp_i_w.free_tail; /* cold end */
    if (pp_i_w.free_tail) pp_i_w.free_tail->next = pg; else pp_i_w.free_head = pg;
    pp_i_w.free_tail = pg;
  } else {
    pg->next = pp_i_w.free_head; /* hot end */
    if (pp_i_w.free_head) pp_i_w.free_head->prev = pg; else pp_i_w.free_tail = pg;
    pp_i_w.free_head = pg;
  }
  pp_i_w.free_count++;
  pthread_mutex_unlock(&pp_i_lock);
}

static void pp_avail_link(pp_heap_t *h, pp_page_t *pg) {
  pg->prev = NULL;
  pg->next = h->avail;
  if (h->avail) h->avail->prev = pg;
  h->avail = pg;
  pg->in_avail = 1;
}

static void pp_avail_unlink(pp_heap_t *h, pp_page_t *pg) {
  if (pg->prev) pg->prev->next = pg->next; else h->avail = pg->next;
  if (pg->next) pg->next->prev = pg->prev;
  pg->next = pg->prev = NULL;
  pg->in_avail = 0;
}

/* Bit i set: pools i .. i+k-1 of free mask m are all free, i a multiple of k (1, 2, 4). */
static uint64_t pp_run_starts(uint64_t m, unsigned k) {
  if (k == 1) return m;
  m &= m >> 1;
  if (k == 2) return m & 0x5555555555555555ull;
  m &= m >> 2;
  return m & 0x1111111111111111ull;
}

/* The free-mask bits of the run of k pools from pool idx. */
static inline uint64_t pp_run_bits(unsigned idx, unsigned k) { return (((uint64_t)1 << k) - 1) << idx; }

/* How many of h's pages with unused pools a run of several pools looks at before it takes
 * a fresh page (each holds at least one unused pool, maybe not an aligned run). */
#define PP_RUN_SCAN 16

/* One of h's pages with an aligned run of k unused pools (a new page if none), and the
 * run's first pool in *idx. NULL when out of memory. */
static pp_page_t *pp_run_find(pp_heap_t *h, unsigned k, unsigned *idx) {
  unsigned n = 0;
  for (pp_page_t *pg = h->avail; pg != NULL && n < PP_RUN_SCAN; pg = pg->next, n++) {
    uint64_t r = pp_run_starts(PP_LD(pg->free_mask), k);
    if (r != 0) {
      *idx = (unsigned)__builtin_ctzll(r);
      return pg;
    }
  }
  pp_page_t *pg = pp_i_page_acquire(h);
  if (pg == NULL) return NULL;
  pp_avail_link(h, pg);
  *idx = 0;
  return pg;
}

/* Assign an unused pool (a run of class_pools[cls] pools) of one of h's pages (a new page
 * if none) to class cls. */
pp_pool_t *pp_i_pool_acquire(pp_heap_t *h, unsigned cls) {
  unsigned k = pp_i_g.class_pools[cls], idx;
  pp_page_t *pg;
  if (PP_LIKELY(k == 1) && h->avail != NULL) {
    pg = h->avail;
    idx = (unsigned)__builtin_ctzll(PP_LD(pg->free_mask));
  } else {
    pg = pp_run_find(h, k, &idx);
    if (pg == NULL) return NULL;
  }
  uint64_t bits = pp_run_bits(idx, k);
  uint64_t mask = PP_LD(pg->free_mask) & ~bits;
  PP_ST(pg->free_mask, mask);
  PP_ST(pg->used_pools, PP_LD(pg->used_pools) + k);
  if (mask == 0) pp_avail_unlink(h, pg);

  pp_pool_t *pl = &pg->pools[idx];
  pp_pool_cold_t *c = &pg->cold[idx];
  size_t size = pp_i_g.class_size[cls];
  unsigned cap = pp_i_g.class_cap[cls];
  if (pp_i_g.track_sites && c->sites == NULL) { /* a slot per 16 bytes of the longest run */
    pthread_mutex_lock(&pp_i_lock);
    c->sites = pp_i_meta_alloc(PP_RUN_MAX * PP_BLOCKS_MAX * sizeof(uintptr_t));
    pthread_mutex_unlock(&pp_i_lock);
    if (c->sites == NULL) { /* give the pools back; report out of memory */
      PP_ST(pg->free_mask, PP_LD(pg->free_mask) | bits);
      PP_ST(pg->used_pools, PP_LD(pg->used_pools) - k);
      if (!pg->in_avail) pp_avail_link(h, pg);
      return NULL;
    }
  }
  /* Thread every block onto the free list, in address order. */
  char *b = (char *)c->base;
  for (unsigned i = 0; i + 1 < cap; i++) *(void **)(b + i * size) = b + (i + 1) * size;
  *(void **)(b + (cap - 1) * size) = NULL;
#if PP_DEBUG /* poisoned as if freed: the allocation checks the poison (debug.c) */
  for (unsigned i = 0; i < cap; i++) memset(b + i * size + sizeof(void *), PP_POISON, size - sizeof(void *));
#endif
  pl->free = b;
  pl->tail = pp_i_tail_of(b + (cap - 1) * size);
  pl->q.next = pl->q.prev = NULL;
  PP_ST(pl->used, 0);
  PP_ST(c->size, (uint16_t)size);
  for (unsigned i = idx; i < idx + k; i++) {
    PP_ST(pg->pool_head[i], (uint8_t)idx);
    PP_ST(pg->pools[i].cls, (uint8_t)(i == idx ? cls : PP_RUN_MEMBER | cls));
    PP_ST(pg->pool_cls[i], (uint8_t)cls);
    pp_bin_t *_Atomic *route = pg->outside ? NULL : pp_i_route_slot(pg->cold[i].base); /* outside: */
    /* may lie in the region's tail given back (RLIMIT_AS); the tree finds it, not the route */
    if (route != NULL) PP_ST(*route, &h->bins[cls]); /* h owns pg: local frees find this bin */
  }
  return pl;
}

/* Return an empty pool (used == 0, not queued; the first of its run) to its page. */
void pp_i_pool_release(pp_heap_t *h, pp_pool_t *pl) {
  pp_page_t *pg = pp_i_pool_page(pl);
  unsigned idx = pl->idx, k = pp_i_g.class_pools[PP_LD(pl->cls)];
  pl->free = NULL;
  pl->q.next = pl->q.prev = NULL;
  for (unsigned i = idx; i < idx + k; i++) {
    pp_bin_t *_Atomic *route = pg->outside ? NULL : pp_i_route_slot(pg->cold[i].base);
    if (route != NULL) PP_ST(*route, (pp_bin_t *)NULL);
    PP_ST(pg->pools[i].cls, (uint8_t)PP_NO_CLASS);
    PP_ST(pg->pool_cls[i], (uint8_t)PP_NO_CLASS);
    PP_ST(pg->pool_head[i], (uint8_t)i);
  }
  PP_ST(pg->cold[idx].size, (uint16_t)0);
  PP_ST(pg->free_mask, PP_LD(pg->free_mask) | pp_run_bits(idx, k));
  uint32_t left = PP_LD(pg->used_pools) - k;
  PP_ST(pg->used_pools, left);
  if (left == 0) {
    if (pg->in_avail) pp_avail_unlink(h, pg);
    pp_i_page_release(pg);
  } else if (!pg->in_avail) {
    pp_avail_link(h, pg);
  }
}

/* Tree lookup: the authority, under the tree's read lock. */
pp_page_t *pp_i_page_of_slow(uintptr_t a) {
  if (a == 0) return NULL;
  if (!pp_i_g.lookup_tree && !atomic_load_explicit(&pp_i_outside, memory_order_relaxed))
    return NULL; /* fast mode: outside the region and no page lies outside it */
  pthread_rwlock_rdlock(&pp_i_tree_lock);
  pp_rb_node_t *n = pp_rb_find(&pp_i_w.tree, a);
  pthread_rwlock_unlock(&pp_i_tree_lock);
  return n ? (pp_page_t *)((char *)n - offsetof(pp_page_t, node)) : NULL;
}
