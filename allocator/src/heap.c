/* allocator/src/heap.c — per-thread heaps: the slow paths behind pp_fast.h.
 *
 *   pp_i_malloc_slow   large requests, first use in a thread, dying threads, bin refills
 *   pp_i_free_local_slow  a local free that made a pool non-full (link it) or empty (release)
 *   pp_i_free_remote   another thread's block: push onto its pool's remote stack; the push
 *                      that makes the stack non-empty also queues the pool on the owner heap
 *   pp_i_heap_drain    owner side: take every queued pool's remote blocks back
 * Invariant used by the remote protocol: a pool's remote blocks still count in `used`, so a
 * pool (and its page) cannot be released while a remote push is in flight; the owner only
 * looks at a pool's remote stack after taking the pool from its queue.
 */
#include <errno.h>
#include "pp_fast.h"

static pp_heap_t *pp_orphan;        /* under pp_i_orphan_lock */

#define PP_REFILL_MIN 4     /* a partial pool serves again with >= 1/4 of its blocks free */
#define PP_REFILL_ROTATE 4  /* partial pools looked at per refill before taking a new one */

static void pp_partial_link(pp_bin_t *bin, pp_pool_t *pl) {
  pp_qlink_t *s = &bin->partial, *t = s->prev;
  pl->q.next = s;
  pl->q.prev = t;
  t->next = &pl->q;
  s->prev = &pl->q;
  pl->linked = 1;
}

static void pp_partial_unlink(pp_pool_t *pl) {
  pl->q.prev->next = pl->q.next;
  pl->q.next->prev = pl->q.prev;
  pl->q.next = pl->q.prev = NULL;
  pl->linked = 0;
}

static pp_pool_t *pp_partial_head(pp_bin_t *bin) {
  return bin->partial.next == &bin->partial ? NULL : pp_i_pool_of_link(bin->partial.next);
}

/* pl becomes the bin's current pool: `linked` set and a self-loop, so the free path's
 * branch-free requeue (pp_fast.h) leaves it alone. The old current pool (empty free list)
 * is detached until a block comes back to it. */
static void pp_bin_set_cur(pp_bin_t *bin, pp_pool_t *pl) {
  pp_pool_t *old = bin->cur;
  if (old != &pp_i_empty_pool && old != pl) {
    old->linked = 0;
    old->q.next = old->q.prev = NULL;
  }
  pl->q.next = pl->q.prev = &pl->q;
  pl->linked = 1;
  bin->cur = pl;
}

/* Bookkeeping after blocks came back to pl (not the bin's current pool). */
static void pp_pool_settle(pp_heap_t *h, pp_pool_t *pl) {
  pp_bin_t *bin = &h->bins[PP_LD(pl->cls)];
  if (pl == bin->cur) return;
  if (PP_LD(pl->used) == 0) {
    if (pl->linked) pp_partial_unlink(pl);
    pp_i_pool_release(h, pl);
  } else if (!pl->linked && pl->free != NULL) {
    pp_partial_link(bin, pl);
  }
}

void pp_i_free_local_slow(pp_heap_t *h, pp_pool_t *pl) { pp_pool_settle(h, pl); }

void pp_i_free_remote(pp_page_t *pg, pp_pool_t *pl, void *p) {
  pp_pool_cold_t *c = &pg->cold[pl->idx];
  void *old = atomic_load_explicit(&c->remote, memory_order_relaxed);
  do {
    *(void **)p = old;
  } while (!atomic_compare_exchange_weak_explicit(&c->remote, &old, p, memory_order_acq_rel,
                                                  memory_order_relaxed));
  if (old != NULL) return; /* the pool is already queued on its heap */
  pp_heap_t *h = PP_LD(pg->owner);
  pp_pool_t *top = atomic_load_explicit(&h->remote_pools, memory_order_relaxed);
  do {
    c->rnext = top;
  } while (!atomic_compare_exchange_weak_explicit(&h->remote_pools, &top, pl, memory_order_release,
                                                  memory_order_relaxed));
}

void pp_i_heap_drain(pp_heap_t *h) {
  if (atomic_load_explicit(&h->remote_pools, memory_order_relaxed) == NULL) return;
  pp_pool_t *pl = atomic_exchange_explicit(&h->remote_pools, NULL, memory_order_acquire);
  while (pl != NULL) {
    pp_pool_cold_t *c = pp_i_cold(pl);
    pp_pool_t *nx = c->rnext;
    void *list = atomic_exchange_explicit(&c->remote, NULL, memory_order_acq_rel);
    uint32_t n = 1;
    void *tail = list;
    while (*(void **)tail != NULL) {
      tail = *(void **)tail;
      n++;
    }
    *(void **)tail = pl->free;
    pl->free = list;
    PP_ST(pl->used, PP_LD(pl->used) - n);
    pp_pool_settle(h, pl);
    pl = nx;
  }
}

/* Make the bin's current pool one with a free block; NULL when out of memory. */
static pp_pool_t *pp_bin_refill(pp_heap_t *h, unsigned cls) {
  pp_bin_t *bin = &h->bins[cls];
  if (atomic_load_explicit(&h->remote_pools, memory_order_relaxed) != NULL) pp_i_heap_drain(h);
  if (bin->cur->free != NULL) return bin->cur;
  /* A partial pool serves again once it has gathered 1/PP_REFILL_MIN of its blocks back;
   * one that has not waits at the tail a little longer, and past PP_REFILL_ROTATE such
   * pools a fresh pool is taken instead. So a tight, random working set does not refill
   * after every allocation (at the cost of up to ~1/4 of a class's pools in free blocks). */
  pp_pool_t *pl = NULL;
  for (int tries = 0; tries < PP_REFILL_ROTATE; tries++) {
    pp_pool_t *head = pp_partial_head(bin);
    if (head == NULL) break;
    pp_partial_unlink(head);
    unsigned cap = pp_i_g.class_cap[cls];
    if ((cap - PP_LD(head->used)) * PP_REFILL_MIN >= cap) {
      pl = head;
      break;
    }
    pp_partial_link(bin, head);
  }
  if (pl == NULL) pl = pp_i_pool_acquire(h, cls);
  if (pl == NULL && (pl = pp_partial_head(bin)) != NULL) /* out of memory: any free block */
    pp_partial_unlink(pl);
  if (pl == NULL) return NULL;
  pp_bin_set_cur(bin, pl);
  return pl;
}

/* Allocate from class cls of heap h, refilling as needed. */
static void *pp_heap_alloc(pp_heap_t *h, unsigned cls, uintptr_t site) {
  pp_pool_t *pl = h->bins[cls].cur;
  if (pl->free == NULL) {
    pl = pp_bin_refill(h, cls);
    if (pl == NULL) {
      errno = ENOMEM;
      return NULL;
    }
  }
  void *b = pl->free;
  pl->free = *(void **)b;
  PP_ST(pl->used, PP_LD(pl->used) + 1);
#if PP_DEBUG
  pp_i_debug_on_alloc(pl, b);
#endif
  if (pp_i_g.track_sites) pp_i_cold(pl)->sites[((uintptr_t)b & (PP_POOL_SIZE - 1)) / PP_MIN_BLOCK] = site;
  return b;
}

/* A thread past its heap's teardown (later TLS destructors) allocates from the orphan
 * heap under a lock; frees into the orphan's pages are remote frees, drained here. */
static void *pp_orphan_alloc(unsigned cls, uintptr_t site) {
  pthread_mutex_lock(&pp_i_orphan_lock);
  if (pp_orphan == NULL) {
    pthread_mutex_lock(&pp_i_lock);
    pp_orphan = pp_i_meta_alloc(sizeof *pp_orphan);
    if (pp_orphan != NULL) {
      pp_i_bins_init(pp_orphan);
      pp_orphan->id = ++pp_i_w.heap_count;
      pp_orphan->state = PP_HEAP_ORPHAN;
      pp_orphan->all_next = pp_i_w.all_heaps;
      pp_i_w.all_heaps = pp_orphan;
    }
    pthread_mutex_unlock(&pp_i_lock);
  }
  void *b = NULL;
  if (pp_orphan != NULL) b = pp_heap_alloc(pp_orphan, cls, site);
  else errno = ENOMEM;
  pthread_mutex_unlock(&pp_i_orphan_lock);
  return b;
}

/* The heap to allocate from in this thread; NULL means "use the orphan heap". */
static pp_heap_t *pp_my_heap(void) {
  pp_heap_t *h = pp_i_tl_heap;
  if (h == NULL && !pp_i_tl_dead) h = pp_i_heap_acquire();
  return h;
}

void *pp_i_malloc_class(unsigned cls, uintptr_t site) {
  pp_heap_t *h = pp_my_heap();
  if (h == NULL) return pp_orphan_alloc(cls, site);
  return pp_heap_alloc(h, cls, site);
}

/* The fast path found the current pool empty: refill straight from the thread's heap. */
PP_NOINLINE void *pp_i_malloc_refill(pp_heap_t *h, unsigned cls, uintptr_t site) {
  return pp_heap_alloc(h, cls, site);
}

PP_NOINLINE void pp_i_free_slow(void *p) {
  pp_page_t *pg = pp_i_page_of_slow((uintptr_t)p);
  if (pg == NULL) pp_i_free_other(p);
  else pp_i_free_in(pg, p);
}

PP_NOINLINE void *pp_i_malloc_slow(size_t n, uintptr_t site) {
  if (n > PP_SMALL_MAX) return pp_i_large_alloc(n, PP_MIN_BLOCK, site);
  pp_i_init();
  return pp_i_malloc_class(pp_i_g.class_of[(n + PP_MIN_BLOCK - 1) / PP_MIN_BLOCK], site);
}

/* Not a pool block: NULL, or a large block (debug: or a foreign pointer). */
void pp_i_free_other(void *p) {
  if (p == NULL) return;
#if PP_DEBUG
  if ((uintptr_t)p - pp_i_g.region_base < pp_i_g.region_len) /* a page never carved */
    pp_i_die("free of a foreign pointer", p);
#endif
  pp_i_large_free(p);
}

/* Introspection helper: bring every heap nobody is using up to date (own heap, abandoned
 * heaps: they are taken off the abandoned list meanwhile, so nobody adopts them). */
void pp_i_drain_all(void) {
  if (pp_i_tl_heap != NULL) pp_i_heap_drain(pp_i_tl_heap);
  pthread_mutex_lock(&pp_i_lock);
  pp_heap_t *list = pp_i_w.abandoned;
  pp_i_w.abandoned = NULL;
  pthread_mutex_unlock(&pp_i_lock);
  pp_heap_t *last = NULL;
  for (pp_heap_t *h = list; h != NULL; h = h->aband_next) {
    pp_i_heap_trim(h);
    last = h;
  }
  if (list != NULL) {
    pthread_mutex_lock(&pp_i_lock);
    last->aband_next = pp_i_w.abandoned;
    pp_i_w.abandoned = list;
    pthread_mutex_unlock(&pp_i_lock);
  }
  pthread_mutex_lock(&pp_i_orphan_lock);
  if (pp_orphan != NULL) pp_i_heap_drain(pp_orphan);
  pthread_mutex_unlock(&pp_i_orphan_lock);
}
