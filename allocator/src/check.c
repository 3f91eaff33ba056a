/* allocator/src/check.c — pp_check(): validate every invariant of the heap.
 *
 * Checked: the red-black tree (pp_rb_check: colouring, order, disjoint ranges, links,
 * count); the tree holds exactly the active pages and finds each by its address; the side
 * table maps each region page to its descriptor; free pages are on the free-page list, out
 * of the tree, with every pool unused; per active page the used-pool count matches its
 * mask; per pool the class, size and capacity agree, every free-list and remote-list entry
 * is a block start inside the pool, with no cycle, and free + used == capacity; in debug
 * mode the live bitmap agrees with the lists; every heap's bins and lists point at pools
 * and pages it owns, and their allocation lists hold blocks of the bin's class in pools the
 * heap owns (debug: not marked live; as many as the used blocks neither live nor remote).
 * Reads other threads' free lists: call it while they do not allocate.
 */
#include <stdio.h>
#include "pp_fast.h"

typedef struct pp_chk_s {
  int bad;
  char what[200];
  size_t held;                 /* blocks on heaps' allocation lists                        */
  size_t unmarked;             /* debug: used blocks neither live nor remote (= held)      */
} pp_chk_t;

#define PP_FAIL(k, ...) do { if (!(k)->bad) snprintf((k)->what, sizeof (k)->what, __VA_ARGS__); (k)->bad = 1; } while (0)

/* Walk a list of blocks of pl; count them or fail. Marks them in seen (debug bitmap).
 * *last gets the list's last block. */
static unsigned pp_chk_list(pp_chk_t *k, pp_pool_t *pl, void *head, const char *name, uint64_t *seen,
                            void **last) {
  unsigned n = 0;
  pp_pool_cold_t *c = pp_i_cold(pl);
  size_t size = PP_LD(c->size);
  for (void *b = head; b != NULL; b = *(void **)b) {
    uintptr_t a = (uintptr_t)b;
    if (!pp_i_block_start(pl, a)) {
      PP_FAIL(k, "pool %#lx: %s list entry %#lx is not a block of the pool", (unsigned long)c->base,
              name, (unsigned long)a);
      return n;
    }
    unsigned i = (unsigned)((a - c->base) / size);
    if (seen[i / 64] & ((uint64_t)1 << (i % 64))) {
      PP_FAIL(k, "pool %#lx: block %#lx twice on the free lists (cycle?)", (unsigned long)c->base,
              (unsigned long)a);
      return n;
    }
    seen[i / 64] |= (uint64_t)1 << (i % 64);
    *last = b;
    if (++n > pp_i_cap(pl)) return n;
  }
  return n;
}

static void pp_chk_pool(pp_chk_t *k, pp_pool_t *pl) {
  unsigned cls = PP_LD(pl->cls);
  uint32_t used = PP_LD(pl->used);
  pp_pool_cold_t *c = pp_i_cold(pl);
  if (cls == PP_NO_CLASS) {
    if (pl->free != NULL || atomic_load(&c->remote) != NULL || used != 0 || PP_LD(c->size) != 0)
      PP_FAIL(k, "unused pool %#lx has blocks or a size", (unsigned long)c->base);
    return;
  }
  if (!pp_i_queued(pl) && pl->free != NULL) {
    PP_FAIL(k, "pool %#lx: free blocks but not queued", (unsigned long)c->base);
    return;
  }
  if (cls >= pp_i_g.nclasses || PP_LD(c->size) != pp_i_g.class_size[cls] ||
      pp_i_g.class_cap[cls] != pp_i_pool_bytes(pl) / pp_i_g.class_size[cls]) {
    PP_FAIL(k, "pool %#lx: class %u, size %u, capacity %u disagree", (unsigned long)c->base, cls,
            (unsigned)PP_LD(c->size), (unsigned)pp_i_g.class_cap[cls]);
    return;
  }
  uint64_t seen[PP_BLOCKS_MAX / 64] = {0};
  void *last = NULL, *rlast = NULL;
  unsigned nfree = pp_chk_list(k, pl, pl->free, "free", seen, &last);
  unsigned nremote = pp_chk_list(k, pl, atomic_load(&c->remote), "remote", seen, &rlast);
  if (k->bad) return;
  if (last != NULL && (void *)pp_i_tail_block(last, pl->tail) != last)
    PP_FAIL(k, "pool %#lx: free list tail %#lx, recorded %#lx", (unsigned long)c->base,
            (unsigned long)(uintptr_t)last, (unsigned long)(uintptr_t)pp_i_tail_block(last, pl->tail));
  if (nfree + used != pp_i_cap(pl))
    PP_FAIL(k, "pool %#lx: %u free + %u used != capacity %u", (unsigned long)c->base, nfree,
            (unsigned)used, pp_i_cap(pl));
#if PP_DEBUG
  for (unsigned w = 0; w < PP_BLOCKS_MAX / 64; w++) {
    uint64_t live = atomic_load(&c->live[w]);
    if (live & seen[w]) PP_FAIL(k, "pool %#lx: a block on a free list is marked live", (unsigned long)c->base);
  }
  unsigned nlive = 0;
  for (unsigned w = 0; w < PP_BLOCKS_MAX / 64; w++) nlive += (unsigned)__builtin_popcountll(atomic_load(&c->live[w]));
  if (nlive + nremote > used) /* the rest are on the owner heap's allocation list */
    PP_FAIL(k, "pool %#lx: %u live + %u remote > %u used", (unsigned long)c->base, nlive, nremote,
            (unsigned)used);
  else
    k->unmarked += used - nlive - nremote;
#else
  (void)nremote;
#endif
}

static void pp_chk_page(pp_chk_t *k, pp_page_t *pg, size_t *active, size_t *free_pages) {
  pp_rb_node_t *n = pp_rb_find(&pp_i_w.tree, pg->base);
  if (!pg->outside && PP_LD(pp_i_g.side[(pg->base - pp_i_g.region_base) >> pp_i_g.page_shift]) != pg)
    PP_FAIL(k, "page %#lx: side table does not point at its descriptor", (unsigned long)pg->base);
  uint64_t mask = PP_LD(pg->free_mask);
  if (PP_LD(pg->state) == PP_PAGE_FREE) {
    ++*free_pages;
    if (n != NULL) PP_FAIL(k, "free page %#lx is still in the tree", (unsigned long)pg->base);
    if (mask != pp_i_g.all_pools_mask || PP_LD(pg->used_pools) != 0 || PP_LD(pg->owner) != NULL)
      PP_FAIL(k, "free page %#lx has used pools or an owner", (unsigned long)pg->base);
  } else {
    ++*active;
    if (n != &pg->node) PP_FAIL(k, "active page %#lx is not found in the tree", (unsigned long)pg->base);
    unsigned used = (unsigned)__builtin_popcountll(~mask & pp_i_g.all_pools_mask);
    if (used != PP_LD(pg->used_pools) || (mask & ~pp_i_g.all_pools_mask) != 0)
      PP_FAIL(k, "page %#lx: %u pools assigned but used_pools %u", (unsigned long)pg->base, used,
              (unsigned)PP_LD(pg->used_pools));
    if (PP_LD(pg->owner) == NULL) PP_FAIL(k, "active page %#lx has no owner", (unsigned long)pg->base);
  }
  for (unsigned i = 0; i < pp_i_g.pools; i++) {
    int assigned = !(mask & ((uint64_t)1 << i));
    unsigned pcls = PP_LD(pg->pools[i].cls), cls = pp_i_run_member(pcls) ? pcls ^ PP_RUN_MEMBER : pcls;
    if (assigned != (pcls != PP_NO_CLASS))
      PP_FAIL(k, "page %#lx: pool %u mask bit disagrees with its class", (unsigned long)pg->base, i);
    if (PP_LD(pg->pool_cls[i]) != cls)
      PP_FAIL(k, "page %#lx: pool %u class copy %u, class %u", (unsigned long)pg->base, i,
              (unsigned)PP_LD(pg->pool_cls[i]), cls);
    pp_bin_t *_Atomic *route = pg->outside ? NULL : pp_i_route_slot(pg->cold[i].base);
    pp_heap_t *owner = PP_LD(pg->owner);
    if (route != NULL && PP_LD(*route) != (assigned && owner ? &owner->bins[cls] : NULL))
      PP_FAIL(k, "page %#lx: pool %u route entry is not its owner's bin", (unsigned long)pg->base, i);
    unsigned head = PP_LD(pg->pool_head[i]), runk = assigned && cls < pp_i_g.nclasses ? pp_i_g.class_pools[cls] : 1;
    if (head > i || head % runk != 0 || i - head >= runk || pp_i_run_member(pcls) != (head != i) ||
        (head != i && PP_LD(pg->pools[head].cls) != cls))
      PP_FAIL(k, "page %#lx: pool %u is in no run of its class (first pool %u)", (unsigned long)pg->base, i, head);
    else if (head != i && (pg->pools[i].free != NULL || PP_LD(pg->pools[i].used) != 0 ||
                           PP_LD(pg->cold[i].size) != 0 || atomic_load(&pg->cold[i].remote) != NULL))
      PP_FAIL(k, "page %#lx: pool %u, in the run of pool %u, has blocks of its own", (unsigned long)pg->base, i, head);
    else if (head == i)
      pp_chk_pool(k, &pg->pools[i]);
  }
}

/* A heap's allocation list of class c: blocks of c in pools h owns (debug: not live). */
static void pp_chk_alloc_list(pp_chk_t *k, pp_heap_t *h, unsigned c) {
  size_t n = 0;
  for (void *b = h->bins[c].free; b != NULL; b = *(void **)b) {
    pp_page_t *pg = pp_i_page_of((uintptr_t)b);
    pp_pool_t *pl = pg ? pp_i_pool_of(pg, (uintptr_t)b) : NULL;
    pp_pool_cold_t *cd = pl ? pp_i_cold(pl) : NULL;
    if (pl == NULL || PP_LD(pl->cls) != c || PP_LD(pg->owner) != h ||
        ((uintptr_t)b - cd->base) % pp_i_g.class_size[c] != 0 ||
        ++n > (size_t)h->bins[c].limit + pp_i_g.class_want[c] + pp_i_g.class_cap[c]) { /* cycle? */
      PP_FAIL(k, "heap %u class %u: allocation list entry %#lx is not a block of its pools", h->id, c,
              (unsigned long)(uintptr_t)b);
      return;
    }
#if PP_DEBUG
    unsigned i = (unsigned)(((uintptr_t)b - cd->base) / pp_i_g.class_size[c]);
    if (atomic_load(&cd->live[i / 64]) & ((uint64_t)1 << (i % 64))) {
      PP_FAIL(k, "heap %u class %u: block %#lx on the allocation list is marked live", h->id, c,
              (unsigned long)(uintptr_t)b);
      return;
    }
#endif
  }
  if (n != pp_i_bin_n(&h->bins[c]))
    PP_FAIL(k, "heap %u class %u: %zu blocks on the allocation list, count %u", h->id, c, n,
            (unsigned)pp_i_bin_n(&h->bins[c]));
  k->held += n;
}

static void pp_chk_heap(pp_chk_t *k, pp_heap_t *h) {
  for (unsigned c = 0; c < PP_MAX_CLASSES; c++) {
    if (h->bins[c].free != NULL || pp_i_bin_n(&h->bins[c]) != 0) pp_chk_alloc_list(k, h, c);
    pp_qlink_t *s = &h->bins[c].partial, *prev = s;
    for (pp_qlink_t *l = s->next; l != s; prev = l, l = l->next) {
      pp_pool_t *pl = pp_i_pool_of_link(l);
      if (l == NULL || l->prev != prev || !pp_i_queued(pl) || PP_LD(pl->cls) != c ||
          PP_LD(pp_i_pool_page(pl)->owner) != h || pl->free == NULL) {
        PP_FAIL(k, "heap %u class %u: partial list broken at pool %#lx", h->id, c,
                l == NULL ? 0ul : (unsigned long)pp_i_cold(pl)->base);
        break;
      }
    }
    if (s->prev != prev && !k->bad)
      PP_FAIL(k, "heap %u class %u: partial list tail is not its last pool", h->id, c);
  }
  pp_page_t *prev = NULL;
  for (pp_page_t *pg = h->avail; pg != NULL; prev = pg, pg = pg->next) {
    if (pg->prev != prev || !pg->in_avail || PP_LD(pg->owner) != h || PP_LD(pg->free_mask) == 0) {
      PP_FAIL(k, "heap %u: avail page list broken at page %#lx", h->id, (unsigned long)pg->base);
      break;
    }
  }
}

int pp_check(void) {
  pp_chk_t k = {0};
  char why[160] = "";
  if (!atomic_load(&pp_i_started)) return PP_OK;
  pthread_mutex_lock(&pp_i_lock);
  if (pp_rb_check(&pp_i_w.tree, why, sizeof why) != 0) PP_FAIL(&k, "tree: %s", why);
  size_t active = 0, free_pages = 0, listed = 0;
  for (pp_page_t *pg = pp_i_w.all_pages; pg != NULL; pg = pg->all_next) pp_chk_page(&k, pg, &active, &free_pages);
  for (pp_page_t *pg = pp_i_w.free_head; pg != NULL; pg = pg->next) {
    if (PP_LD(pg->state) != PP_PAGE_FREE) PP_FAIL(&k, "page %#lx on the free list is active", (unsigned long)pg->base);
    if (++listed > pp_i_w.page_count) break;
  }
  if (active != pp_i_w.tree.count)
    PP_FAIL(&k, "%zu active pages but the tree holds %zu", active, pp_i_w.tree.count);
  if (listed != free_pages || listed != pp_i_w.free_count)
    PP_FAIL(&k, "%zu free pages, %zu on the free list, count %zu", free_pages, listed, pp_i_w.free_count);
  for (pp_heap_t *h = pp_i_w.all_heaps; h != NULL; h = h->all_next) pp_chk_heap(&k, h);
#if PP_DEBUG
  if (!k.bad && k.held != k.unmarked)
    PP_FAIL(&k, "%zu blocks on allocation lists, but %zu used blocks are neither live nor remote",
            k.held, k.unmarked);
#endif
  pthread_mutex_unlock(&pp_i_lock);
  if (k.bad) {
    fprintf(stderr, "pagepool: pp_check: %s\n", k.what);
    return PP_ECORRUPT;
  }
  return PP_OK;
}
