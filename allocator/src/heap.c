/* allocator/src/heap.c — per-thread heaps: the slow paths behind pp_fast.h.
 *
 *   pp_i_malloc_slow   small requests without a heap: first use in a thread, dying threads,
 *                      PAGEPOOL_SITES=1 (larger ones go straight to large.c)
 *   pp_bin_refill      splice several queued pools' free lists onto a bin's allocation list
 *   pp_i_heap_flush    allocation lists' blocks back to their pools (exit, introspection)
 *   pp_i_free_local    a local free past the bin's list limit: onto the block's pool
 *   pp_i_free_remote   another thread's block: onto this thread's batch for its heap, pushed
 *                      onto that heap's remote_blocks stack when full (or, without a heap,
 *                      onto its pool's remote stack; the push that makes that stack
 *                      non-empty also queues the pool on the owner heap)
 *   pp_i_heap_drain    owner side: take the pushed batches' and queued pools' blocks back
 * Invariant used by the remote protocol: a pool's remote blocks still count in `used`, so a
 * pool (and its page) cannot be released while a remote push is in flight, nor while a
 * block waits in another thread's batch; the owner only looks at a pool's remote stack
 * after taking the pool from its queue.
 */
#include <errno.h>
#include "pp_fast.h"

static pp_heap_t *pp_orphan;        /* under pp_i_orphan_lock */

static void pp_partial_link(pp_bin_t *bin, pp_pool_t *pl) {
  pp_qlink_t *s = &bin->partial, *t = s->prev;
  pl->q.next = s;
  pl->q.prev = t;
  t->next = &pl->q;
  s->prev = &pl->q;
}

static void pp_partial_unlink(pp_pool_t *pl) {
  pl->q.prev->next = pl->q.next;
  pl->q.next->prev = pl->q.prev;
  pl->q.next = pl->q.prev = NULL;
}

static pp_pool_t *pp_partial_head(pp_bin_t *bin) {
  return bin->partial.next == &bin->partial ? NULL : pp_i_pool_of_link(bin->partial.next);
}

/* Bookkeeping after blocks came back to pl: queue it, or release it when empty, unless it
 * is its bin's only queued pool and keep is set (a malloc/free ping-pong would otherwise
 * release and re-thread a fresh pool every `capacity` pairs). */
static void pp_pool_settle(pp_heap_t *h, pp_pool_t *pl, int keep) {
  pp_bin_t *bin = &h->bins[PP_LD(pl->cls)];
  pp_qlink_t *s = &bin->partial;
  if (PP_LD(pl->used) == 0) {
    int only = pp_i_queued(pl) ? s->next == &pl->q && s->prev == &pl->q : s->next == s;
    if (!(keep && only)) {
      if (pp_i_queued(pl)) pp_partial_unlink(pl);
      pp_i_pool_release(h, pl);
      return;
    }
  }
  if (!pp_i_queued(pl) && pl->free != NULL) pp_partial_link(bin, pl);
}

/* Branch-free "a block came back to pl": a pool that was full and detached (not queued:
 * q.next == NULL, which is `free` == NULL before the push; in, all ones, says it was queued)
 * joins the tail of its bin's partial queue; otherwise every write below stores what is
 * already there (or lands in h->scratch). Which case applies is random in a mixed working
 * set, so a branch here would be mispredicted often. */
static inline uintptr_t pp_sel(uintptr_t mask, uintptr_t a, uintptr_t b) {
  return b ^ ((a ^ b) & mask); /* mask all ones: a; zero: b (no branch) */
}

static inline void pp_requeue(pp_heap_t *h, pp_pool_t *pl, uintptr_t in) {
  pp_qlink_t *s = &h->bins[PP_LD(pl->cls)].partial;
  pp_qlink_t *t = s->prev, *self = &pl->q;
  uintptr_t scratch = (uintptr_t)&h->scratch;
  pp_qlink_t *w = (pp_qlink_t *)pp_sel(in, scratch, (uintptr_t)self); /* pool's link */
  pp_qlink_t *x = (pp_qlink_t *)pp_sel(in, scratch, (uintptr_t)t);    /* old tail    */
  w->next = s;
  w->prev = t;
  x->next = self;
  s->prev = (pp_qlink_t *)pp_sel(in, (uintptr_t)t, (uintptr_t)self);
}

/* p back onto its pool pl, which keeps u > 0 blocks used after it: push, and queue the
 * pool if it was full. No call: the fast case of pp_i_free_full is a leaf. */
static inline __attribute__((always_inline)) void pp_pool_push(pp_heap_t *h, pp_pool_t *pl, void *p, uint32_t u) {
  void *old = pl->free;
  *(void **)p = old;
  pl->free = p;
  PP_ST(pl->used, u);
  uintptr_t in = (uintptr_t)0 - (uintptr_t)(old != NULL); /* all ones: queued already */
  pl->tail = (uint16_t)pp_sel(in, pl->tail, pp_i_tail_of(p)); /* p is last if first */
  pp_requeue(h, pl, in);
}

/* A local free while the bin's allocation list is full: p goes back onto its pool. */
static inline __attribute__((always_inline)) void pp_free_to_pool(pp_heap_t *h, pp_pool_t *pl, void *p) {
  uint32_t u = PP_LD(pl->used) - 1;
  if (PP_UNLIKELY(u == 0)) { /* empty: release (or keep, as its bin's only queued pool) */
    void *old = pl->free;
    *(void **)p = old;
    pl->free = p;
    PP_ST(pl->used, u);
    if (old == NULL) pl->tail = pp_i_tail_of(p);
    pp_pool_settle(h, pl, 1);
    return;
  }
  pp_pool_push(h, pl, p, u);
}

/* The bin of class cls cycled (refilled, then full): double its limit within the bin's and
 * the heap's budgets (PP_BIN_GROW_BYTES). 1 if it grew. */
static int pp_bin_grow(pp_heap_t *h, pp_bin_t *bin, unsigned cls) {
  size_t size = pp_i_g.class_size[cls], cur = bin->limit;
  size_t bin_max = PP_BIN_GROW_BYTES / size, heap_left = (PP_HEAP_GROW_BYTES - h->grown) / size;
  size_t add = cur < bin_max ? bin_max - cur : 0;
  if (add > cur) add = cur;
  if (add > heap_left) add = heap_left;
  if (add == 0 || pp_i_g.grow_off) return 0;
  bin->limit += (uint32_t)add;
  bin->room += (int32_t)add;
  h->grown += add * size;
  return 1;
}

/* Park bin cls (see PP_BIN_GROW_BYTES): its list's blocks go back to their pools, its limit
 * is kept aside and set to 0 until the next refill. */
static void pp_bin_park(pp_heap_t *h, pp_bin_t *bin, unsigned cls) {
  void *b = bin->free;
  h->parked[cls] = bin->limit;
  bin->free = NULL;
  bin->limit = 0;
  bin->room = 0;
  while (b != NULL) {
    void *nx = *(void **)b;
    pp_free_to_pool(h, pp_i_block_pool(b), b);
    b = nx;
  }
}

/* A local free found its bin's list full (room 0, p not counted). If the bin cycled since
 * it was last full, it grows and p goes onto its list; if it ran full twice without a
 * refill, it is parked; p goes back to its pool. */
static PP_NOINLINE void pp_free_over(pp_heap_t *h, pp_bin_t *bin, pp_pool_t *pl, void *p) {
  unsigned cls = (unsigned)(bin - h->bins);
  uint32_t bit = (uint32_t)1 << cls;
  if (h->cycled & bit) {
    h->cycled &= ~bit;
    if (pp_bin_grow(h, bin, cls)) {
      *(void **)p = bin->free;
      bin->free = p;
      bin->room--;
      return;
    }
  } else if (bin->limit != 0) {
    pp_bin_park(h, bin, cls);
  }
  pp_free_to_pool(h, pl, p);
}

PP_NOINLINE void pp_i_free_local(pp_heap_t *h, pp_pool_t *pl, void *p) {
  pp_free_over(h, &h->bins[PP_LD(pl->cls)], pl, p);
}

/* Push batch c onto its destination heap's remote_blocks stack, and empty it. */
static void pp_rcache_flush(pp_rcache_t *c) {
  void *old = atomic_load_explicit(&c->to->remote_blocks, memory_order_relaxed);
  do {
    *(void **)c->tail = old;
  } while (!atomic_compare_exchange_weak_explicit(&c->to->remote_blocks, &old, c->head,
                                                  memory_order_release, memory_order_relaxed));
  c->head = c->tail = NULL;
  c->n = 0;
}

/* Every batch of h (its own thread, or h idle). */
static void pp_rcache_flush_all(pp_heap_t *h) {
  for (unsigned i = 0; i < PP_RCACHE_SLOTS; i++)
    if (h->rcache[i].n != 0) pp_rcache_flush(&h->rcache[i]);
}

/* p, a block of pool pl in page pg, owned by another heap: onto this thread's batch for
 * that heap (see PP_RCACHE_SLOTS), or, for a thread without a heap and in debug mode,
 * straight onto the pool's remote stack. */
void pp_i_free_remote(pp_page_t *pg, pp_pool_t *pl, void *p) {
#if !PP_DEBUG
  pp_heap_t *me = pp_i_tl_heap;
  if (PP_LIKELY(me != NULL)) {
    pp_heap_t *to = PP_LD(pg->owner);
    pp_rcache_t *c = &me->rcache[to->id % PP_RCACHE_SLOTS];
    if (c->to != to) {
      if (c->n != 0) pp_rcache_flush(c);
      c->to = to;
    }
    *(void **)p = c->head;
    if (c->n == 0) c->tail = p;
    c->head = p;
    if (++c->n >= PP_RCACHE_BLOCKS) pp_rcache_flush(c);
    return;
  }
#endif
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

/* Owner side: the batches other threads pushed; each block back to its pool. */
static void pp_heap_drain_blocks(pp_heap_t *h) {
  void *b = atomic_exchange_explicit(&h->remote_blocks, NULL, memory_order_acquire);
  while (b != NULL) {
    void *nx = *(void **)b;
    pp_free_to_pool(h, pp_i_block_pool(b), b);
    b = nx;
  }
}

void pp_i_heap_drain(pp_heap_t *h) {
  if (atomic_load_explicit(&h->remote_blocks, memory_order_relaxed) != NULL) pp_heap_drain_blocks(h);
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
    if (pl->free == NULL) pl->tail = pp_i_tail_of(tail);
    *(void **)tail = pl->free;
    pl->free = list;
    PP_ST(pl->used, PP_LD(pl->used) - n);
    pp_pool_settle(h, pl, 1);
    pl = nx;
  }
}

/* Refill the bin's allocation list; 0 when out of memory. The queued pools' whole free
 * lists are spliced, oldest first, until PP_LIST_BYTES worth of blocks are gathered (or the
 * queue is empty); only when the queue has nothing a fresh pool is taken. So a refill
 * happens every PP_LIST_BYTES / size allocations or so, not every pool (a 4 KiB pool holds
 * only 8 blocks of 512 B), and partial pools are used up before new ones are opened. */
static int pp_bin_refill(pp_heap_t *h, unsigned cls) {
  pp_bin_t *bin = &h->bins[cls];
  pp_i_heap_drain(h);
  pp_rcache_flush_all(h); /* this thread's batches for other heaps, which may need them */
  unsigned cap = pp_i_g.class_cap[cls];
  unsigned want = pp_i_g.class_want[cls];
  unsigned got = 0;
  void *head = NULL, **tailp = &head;
  pp_pool_t *pl;
  while (got < want && (pl = pp_partial_head(bin)) != NULL) {
    pp_partial_unlink(pl); /* the whole free list, in O(1): its blocks now count as used */
    *tailp = pl->free;
    tailp = pp_i_tail_block(pl->free, pl->tail);
    got += cap - PP_LD(pl->used);
    PP_ST(pl->used, cap);
    pl->free = NULL;
  }
  if (got == 0) {
    pl = pp_i_pool_acquire(h, cls); /* fresh: every block free, no need to walk */
    if (pl == NULL) return 0;
    head = pl->free;
    pl->free = NULL;
    PP_ST(pl->used, cap);
    got = cap;
  }
  if (h->parked[cls] != 0) { /* allocating again: the list is back */
    bin->limit = h->parked[cls];
    h->parked[cls] = 0;
  }
  bin->free = head;
  bin->room = (int32_t)bin->limit - (int32_t)got;
  h->cycled |= (uint32_t)1 << cls;
  return 1;
}


/* Give every block of h's allocation lists back to its pool, and release the pools that
 * are then empty; push h's remote batches, and give its cached spans to the global cache
 * (thread exit, introspection). */
void pp_i_heap_flush(pp_heap_t *h) {
  pp_rcache_flush_all(h);
  pp_i_large_flush(h);
  h->grown = 0;
  h->cycled = 0;
  for (unsigned c = 0; c < PP_MAX_CLASSES; c++) {
    h->parked[c] = 0;
    void *b = h->bins[c].free;
    h->bins[c].free = NULL;
    h->bins[c].limit = c < pp_i_g.nclasses ? pp_i_g.class_limit[c] : 0; /* as made */
    h->bins[c].room = (int32_t)h->bins[c].limit;
    while (b != NULL) {
      void *nx = *(void **)b;
      pp_pool_t *pl = pp_i_block_pool(b);
      if (pl->free == NULL) pl->tail = pp_i_tail_of(b);
      *(void **)b = pl->free;
      pl->free = b;
      PP_ST(pl->used, PP_LD(pl->used) - 1);
      pp_pool_settle(h, pl, 0);
      b = nx;
    }
    /* An empty pool kept queued by pp_pool_settle goes back too. */
    pp_qlink_t *s = &h->bins[c].partial;
    for (pp_qlink_t *l = s->next, *nx; l != s; l = nx) {
      nx = l->next;
      pp_pool_t *pl = pp_i_pool_of_link(l);
      if (PP_LD(pl->used) == 0) pp_pool_settle(h, pl, 0);
    }
  }
}

/* Allocate from class cls of heap h, refilling as needed. */
static void *pp_heap_alloc(pp_heap_t *h, unsigned cls, uintptr_t site) {
  pp_bin_t *bin = &h->bins[cls];
  if (bin->free == NULL && !pp_bin_refill(h, cls)) {
    errno = ENOMEM;
    return NULL;
  }
  void *b = bin->free;
  bin->free = *(void **)b;
  bin->room++;
#if PP_DEBUG
  pp_i_debug_on_alloc(pp_i_block_pool(b), b);
#endif
  if (pp_i_g.track_sites) return pp_i_alloc_site(b, site);
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

/* PAGEPOOL_SITES=1: the fast path hands b out here, to record its site. */
PP_NOINLINE void *pp_i_alloc_site(void *b, uintptr_t site) {
  pp_pool_cold_t *c = pp_i_cold(pp_i_block_pool(b));
  c->sites[((uintptr_t)b - c->base) / PP_MIN_BLOCK] = site;
  return b;
}

/* The fast path found the allocation list empty: refill straight from the thread's heap,
 * or, when the fast heap is pp_i_heap_none, take the slow path (start-up, first use in a
 * thread, dying thread, PAGEPOOL_SITES=1). */
PP_NOINLINE void *pp_i_malloc_refill(pp_heap_t *h, size_t n, uintptr_t site) {
  if (PP_UNLIKELY(h == &pp_i_heap_none)) return pp_i_malloc_slow(n, site);
  void *b = pp_heap_alloc(h, pp_i_g.class_of[(n + PP_MIN_BLOCK - 1) / PP_MIN_BLOCK], site);
#if PP_DEBUG
  if (b != NULL) pp_i_debug_requested(b, n);
#endif
  return b;
}

/* The route entry of p's pool is not a bin of this thread's fast heap: another thread's
 * block, an unassigned pool or page (misuse), no fast heap, or debug mode. */
PP_NOINLINE void pp_i_free_miss(void *p) {
  pp_page_t *pg = pp_i_page_of((uintptr_t)p);
  if (pg == NULL) pp_i_free_other(p);
  else pp_i_free_in(pg, p);
}

/* A local free found its bin's list full (the fast path took room below 0: undo). The
 * common case is a run of frees (a phase freeing what an earlier one made, a teardown):
 * the bin is parked (limit 0), and p goes straight back onto its pool, which keeps other
 * blocks. That case is a leaf, with no stack frame: pp_free_over, which it equals there
 * (a parked bin cannot grow: its `cycled` bit is only cleared), is a call with registers
 * to save, and made these frees half again as many instructions. */
PP_NOINLINE void pp_i_free_full(pp_bin_t *bin, void *p) {
  bin->room++;
  uintptr_t a = (uintptr_t)p; /* in the fast range: its page is in the side table */
  pp_page_t *pg = PP_LD(pp_i_g.side[(a - pp_i_g.region_base) >> pp_i_g.page_shift]);
  pp_pool_t *pl = pp_i_pool_of(pg, a);
  pp_heap_t *h = pp_i_tl_fast;
  uint32_t u = PP_LD(pl->used) - 1;
  if (PP_LIKELY(bin->limit == 0 && u != 0)) {
    h->cycled &= ~((uint32_t)1 << (unsigned)(bin - h->bins));
    pp_pool_push(h, pl, p, u);
    return;
  }
  pp_free_over(h, bin, pl, p);
}

/* pp_i_free_slow's pool block, or a pointer its first test could not place. */
PP_NOINLINE static void pp_free_slow_page(void *p) {
  pp_page_t *pg = pp_i_page_of((uintptr_t)p); /* a thread without a heap comes here too */
  if (pg == NULL) pp_i_free_other(p);
  else pp_i_free_in(pg, p);
}

/* A large block first, with no frame (the pool case is a call of its own, so the compiler
 * saves nothing here): pp_i_page_of's "no pool block" answer, and pp_i_free_other's, in
 * fewer instructions. */
PP_NOINLINE void pp_i_free_slow(void *p) {
  if (p == NULL) return; /* before any other read: may run before pagepool has started */
  if (PP_LIKELY(pp_i_off_region((uintptr_t)p)))
    pp_i_large_free(p);
  else
    pp_free_slow_page(p);
}

PP_NOINLINE void *pp_i_malloc_slow(size_t n, uintptr_t site) { /* n <= PP_SMALL_MAX */
  pp_i_init();
  void *b = pp_i_malloc_class(pp_i_g.class_of[(n + PP_MIN_BLOCK - 1) / PP_MIN_BLOCK], site);
#if PP_DEBUG
  if (b != NULL) pp_i_debug_requested(b, n);
#endif
  return b;
}

/* Not a pool block: NULL, or a large block (debug: or a foreign pointer). */
void pp_i_free_other(void *p) {
  if (p == NULL) return;
#if PP_DEBUG
  if ((uintptr_t)p - pp_i_g.region_base < PP_LD(pp_i_g.region_kept)) /* a page never carved */
    pp_i_die_block("free of a foreign pointer", p, 0, 0);
#endif
  pp_i_large_free(p);
}

/* Introspection helper: bring every heap nobody is using up to date (own heap, abandoned
 * heaps: they are taken off the abandoned list meanwhile, so nobody adopts them). */
void pp_i_drain_all(void) {
  if (pp_i_tl_heap != NULL) {
    pp_i_heap_drain(pp_i_tl_heap);
    pp_i_heap_flush(pp_i_tl_heap);
  }
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
  if (pp_orphan != NULL) {
    pp_i_heap_drain(pp_orphan);
    pp_i_heap_flush(pp_orphan);
  }
  pthread_mutex_unlock(&pp_i_orphan_lock);
}
