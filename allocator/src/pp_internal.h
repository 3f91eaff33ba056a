/* allocator/src/pp_internal.h — pagepool's internal types, globals and cross-file calls.
 *
 * Layout: a page is `pools_per_page` pools of PP_POOL_SIZE bytes, aligned to its own size,
 * carved from one reserved virtual region (or mapped outside it when the region is full).
 * A page descriptor (pp_page_t, kept apart from the page's memory) holds the descriptors of
 * its pools; a pool serves one size class from a free list stored inside its free blocks.
 * Each thread owns a heap (pp_heap_t) whose bins hold, per class, an allocation list of
 * blocks taken from several pools at once and a queue of pools with free blocks. Blocks on
 * a heap's allocation list count as used in their pools. Pages belong to one heap while any
 * of their pools is used.
 *
 * Concurrency: a pool's local free list, bins and page lists are touched only by the owning
 * heap's thread. Other threads gather their frees into it per heap and push each batch
 * onto the owner heap's `remote_blocks` stack (lock-free push); a thread without a heap (or
 * debug mode) frees into a pool's `remote` stack instead, whose first push onto an empty
 * stack also pushes the pool onto the owner heap's `remote_pools` stack. The owner drains
 * both in its slow path. Everything global (page carving, the
 * free-page list, the tree, heap lists, metadata) is under pp_i_lock. Counters that the
 * introspection functions read while owners write are relaxed atomics (plain moves on x86).
 *
 * Compile-time switches: PP_DEBUG (debug mode, see debug.c) and PP_DROPIN (1 in the
 * drop-in shared build: large blocks come from glibc's __libc_* functions).
 */
#ifndef PP_INTERNAL_H
#define PP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "pagepool.h"
#include "rbtree.h"

#ifndef PP_DEBUG
#define PP_DEBUG 0
#endif
#ifndef PP_DROPIN
#define PP_DROPIN 0
#endif

#define PP_LIKELY(x) __builtin_expect(!!(x), 1)
#define PP_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define PP_NOINLINE __attribute__((noinline))
#define PP_LD(x) atomic_load_explicit(&(x), memory_order_relaxed)
#define PP_ST(x, v) atomic_store_explicit(&(x), (v), memory_order_relaxed)

#define PP_POOL_SHIFT 12
#define PP_POOL_SIZE ((size_t)1 << PP_POOL_SHIFT) /* 4 KiB, fixed by the design        */
#define PP_SMALL_MAX PP_POOL_SIZE                 /* larger requests take the large path */
#define PP_MAX_POOLS 64
#define PP_MIN_POOLS 8
#define PP_MIN_BLOCK 16                           /* smallest class; alignment of all    */
#define PP_BLOCKS_MAX (PP_POOL_SIZE / PP_MIN_BLOCK) /* 256 blocks in a pool at most      */
/* A class whose blocks leave a large tail in one pool (2560 B: 1 block and 1536 B unused)
 * takes a *run* of 2 or 4 adjacent pools of one page, aligned to the run, as one pool of
 * 8 or 16 KiB (2560 B: 3 blocks in 8 KiB, 256 B unused): the run's first pool is its
 * descriptor, the others point at it (pp_page_t.pool_head). At most PP_RUN_MAX pools;
 * PAGEPOOL_RUNS=0 gives every class one pool, as in the original design (config.c). */
#define PP_RUN_MAX 4
/* A pool's `tail` field is the tail block's offset from the start of the 256 KiB window
 * that holds its page (pages are aligned to their size, at most this), in 16-byte units. */
#define PP_TAIL_WINDOW (PP_POOL_SIZE * PP_MAX_POOLS)
#define PP_MAX_CLASSES 32
#define PP_NO_CLASS 0xFFu
#define PP_RUN_MEMBER 0x80u /* pp_pool_t.cls of a later pool of a run: this | the class */
#define PP_CLASS_SLOTS (PP_SMALL_MAX / PP_MIN_BLOCK + 1) /* class_of[] entries           */
/* Free pages kept hot (memory not returned) before PAGEPOOL_RETURN=1 gives one back. */
#define PP_KEEP_FREE_BYTES ((size_t)16 << 20)
#define PP_REGION_DEFAULT ((size_t)32 << 30)      /* virtual reservation, 32 GiB         */
/* Under an address-space limit (RLIMIT_AS, `ulimit -v`) the reservation counts against the
 * limit although it holds no memory: it takes at most 1/PP_REGION_AS_SHARE of the limit,
 * and the large path gives its uncarved tail back when the system allocator fails
 * (pp_i_region_give_back), so pagepool serves what the system allocator would. */
#define PP_REGION_AS_SHARE 8
#define PP_LARGE_HDR 32                           /* bytes in front of a large block     */
#define PP_OS_PAGE ((size_t)4096)                 /* a span is a run of these (span.c)   */
/* The span caches' near fit (the heaps' in large.c, the global one in span.c): a cached
 * span of up to this many OS pages serves a request of `pages` whole, so mixed medium
 * sizes reuse each other's spans and no piece too short to use is split off. */
static inline size_t pp_i_span_near(size_t pages) { return pages + pages / 4 + 1; }
/* PAGEPOOL_DECAY=ms (config.c): a span in the global cache that no request takes for this
 * long goes back to the OS while the cache holds more than the spans handed out (span.c,
 * pp_span_decay); 0 = never, the cache then shrinks only past its limit. 20 ms: a span
 * freed and needed again (a table, a buffer) is taken within a few ms; allocators' purge
 * delays are of this order (10 ms in one built here). */
#define PP_DECAY_MS 20u
#define PP_DECAY_MAX_MS 60000u
/* Bytes of blocks a refill gathers onto a bin's allocation list (at least one block, at
 * most what the queued pools hold, or one fresh pool); local frees refill the list up to
 * twice that before they go to their pools. */
#define PP_LIST_BYTES 8192
/* A bin that keeps cycling — its list found empty (a refill) and then full (a free past its
 * limit) — is too short for the program: its limit doubles, so the frees of a batch stay on
 * the fast path instead of going to their pools one by one, up to PP_BIN_GROW_BYTES of
 * blocks in one bin and PP_HEAP_GROW_BYTES added over all of a heap's bins (the blocks on
 * the lists count as used: they are memory held back from other classes and from the OS).
 * A bin that runs full twice with no refill between is in a run of frees only (a phase
 * freeing what an earlier one made, a program's teardown): it is *parked* — its blocks go
 * back to their pools, and so do the run's later frees (limit 0) until its next refill
 * restores the limit — so that pools and pages empty as the program frees them and memory
 * can go back to the OS. pp_i_heap_flush (thread exit, introspection) resets every limit. */
#define PP_BIN_GROW_BYTES ((size_t)4 << 20)
#define PP_HEAP_GROW_BYTES ((size_t)4 << 20)
/* Each heap keeps the spans (span.c) of up to PP_HEAP_SPAN_PAGES OS pages — blocks of
 * 4 KiB to 64 KiB with their header — that its thread frees, PP_HEAP_SPAN_SLOTS per page
 * count and PAGEPOOL_HEAP_SPANS KiB in all (config.c; PP_HEAP_SPAN_KIB, at most
 * PP_HEAP_SPAN_MAX_KIB), and takes its medium blocks from them first: no pp_i_span_lock on
 * that path, which two threads allocating medium blocks contend for, and no line of the
 * span touched but the header. The rest go to the global cache; so do a heap's spans when
 * its thread ends or it is flushed (pp_i_large_flush). 0 KiB: every medium span is shared
 * through the global cache, the trade the knob exists to study (memory against the lock). */
/* Remote frees: a thread gathers its frees into other heaps' pools per destination heap
 * (PP_RCACHE_SLOTS destinations at once, by heap id; PP_RCACHE_BLOCKS blocks each) and
 * pushes each batch with one CAS onto that heap's remote_blocks stack, instead of one or
 * two CASes per block on lines the owner also writes (the pool's remote stack, the heap's
 * queue of pools to drain). Blocks in a batch still count as used in their pools. Debug
 * mode pushes every block at once onto its pool's remote stack, where pp_check sees it. */
#define PP_RCACHE_SLOTS 4
#define PP_RCACHE_BLOCKS 32
#define PP_HEAP_SPAN_PAGES 17
#define PP_HEAP_SPAN_SLOTS 8
#define PP_HEAP_SPAN_KIB 2048u
/* The most the heap can keep anyway: PP_HEAP_SPAN_SLOTS spans of each of 1..17 pages, 4.8
 * MiB; larger values are refused (the default stays, as for any value out of range). */
#define PP_HEAP_SPAN_MAX_KIB 4896u

typedef struct pp_pool_s pp_pool_t;
typedef struct pp_page_s pp_page_t;
typedef struct pp_heap_s pp_heap_t;

/* Link of a circular doubly linked list with a sentinel (the bins' partial queues). */
typedef struct pp_qlink_s {
  struct pp_qlink_s *next, *prev;
} pp_qlink_t;

/* A pool's hot fields: everything the fast paths and the partial queues touch, 32 bytes, so
 * a free reads half a cache line and two neighbouring pools share one (a mixed working set
 * spans a thousand pools or more). The rest (remote protocol, base, sites, debug bitmap)
 * is in pp_pool_cold_t, in the page descriptor beside it (pp_i_cold). A pool's owner is
 * its page's owner (pages belong to one heap while any of their pools is used). */
struct pp_pool_s {
  void *free;                  /* owner: local free list, link in each block's first word */
  pp_qlink_t q;                /* owner: bin's partial queue                               */
  _Atomic uint32_t used;       /* owner writes: blocks not on `free` (pending remote and   */
                               /* blocks on the owner heap's allocation list included)     */
                               /* (32 bits: a 16-bit counter made pairs-small ~15% slower) */
  _Atomic uint8_t cls;         /* class index or PP_NO_CLASS (copy: page's pool_cls[idx]); */
                               /* a later pool of a run: PP_RUN_MEMBER | class (the run's  */
                               /* first pool is the descriptor: pp_i_pool_of)              */
  uint8_t idx;                 /* index in its page: finds the page and the cold fields    */
                               /* (capacity: pp_i_cap, from the class)                     */
  uint16_t tail;               /* owner: last block of `free` (when not NULL), as its      */
                               /* offset in PP_TAIL_WINDOW / 16: a refill splices `free`   */
                               /* in O(1). On its bin's partial queue: q.next != NULL      */
} __attribute__((aligned(32)));
_Static_assert(sizeof(pp_pool_t) == 32, "pp_pool_t: hot fields fill half a cache line");

typedef struct pp_pool_cold_s {
  _Atomic(void *) remote;      /* blocks freed by other threads (lock-free stack)          */
  pp_pool_t *rnext;            /* link in the owner heap's remote_pools stack              */
  uintptr_t base;              /* first byte of the pool                                   */
  uintptr_t *sites;            /* call site per 16-byte slot (PAGEPOOL_SITES=1), or NULL   */
  _Atomic uint16_t size;       /* block size of the class; 0 when unassigned               */
#if PP_DEBUG
  _Atomic uint64_t live[PP_BLOCKS_MAX / 64]; /* debug: bit per handed-out block           */
  uint16_t req[PP_BLOCKS_MAX];               /* debug: requested size per block (canary)  */
#endif
} pp_pool_cold_t;

enum { PP_PAGE_FREE = 0, PP_PAGE_ACTIVE = 1 };

struct pp_page_s {
  pp_rb_node_t node;           /* registry node: key = base, len = page size               */
  uintptr_t base;
  pp_heap_t *_Atomic owner;    /* owning heap; NULL while on the free-page list            */
  _Atomic uint64_t free_mask;  /* bit i set: pool i unassigned                             */
  _Atomic uint32_t used_pools;
  _Atomic uint8_t state;       /* PP_PAGE_FREE / PP_PAGE_ACTIVE                            */
  uint8_t in_avail;            /* owner: on the heap's list of pages with free pools       */
  uint8_t released;            /* free page whose memory went back to the OS               */
  uint8_t outside;             /* mapped outside the reserved region (tree lookup only)    */
  pp_page_t *next, *prev;      /* heap's avail list, or the global free-page list          */
  pp_page_t *all_next;         /* every page ever made, newest first                       */
  _Atomic uint8_t pool_cls[PP_MAX_POOLS] __attribute__((aligned(64))); /* pools[i].cls,   */
                               /* one line per page: a local free reads its class here,    */
                               /* not from the pool's descriptor (a miss in a wide set)    */
  _Atomic uint8_t pool_head[PP_MAX_POOLS]; /* owner writes: index of the first pool of pool i's run */
                               /* (i itself unless i is a later pool of a run): the       */
                               /* descriptor of every block in pool i (pp_i_pool_of); read */
                               /* only for later pools of runs (their cls says so), so the */
                               /* frees of other pools load no line more                   */
  pp_pool_t pools[PP_MAX_POOLS] __attribute__((aligned(64))); /* hot: 2 per line   */
  pp_pool_cold_t cold[PP_MAX_POOLS];   /* the same pools' cold fields                 */
};

/* A batch of one thread's frees into another heap's pools (pp_i_free_remote): a chain of
 * blocks (link in the first word) for heap `to`, pushed onto its remote_blocks stack with
 * one CAS when it holds PP_RCACHE_BLOCKS blocks, when another destination needs the slot,
 * at the thread's next refill, and when its heap is flushed (thread exit, introspection). */
typedef struct pp_rcache_s {
  pp_heap_t *to;               /* destination heap (kept after a push; n says if empty)    */
  void *head, *tail;           /* the chain                                                */
  uint32_t n;                  /* blocks on it                                             */
} pp_rcache_t;

typedef struct pp_bin_s {
  void *free;                  /* allocation list served by the fast path: whole free      */
                               /* lists of several pools spliced together at a refill;     */
                               /* its blocks count as used in their pools                  */
  pp_qlink_t partial;          /* sentinel of the pools of the class with free blocks: a   */
                               /* FIFO (head = partial.next), so a pool waits (and gathers */
                               /* frees) before a refill takes its blocks                  */
  int32_t room;                /* limit - blocks on `free`: a local free goes onto `free`  */
                               /* while room > 0, else to its pool; counted down by free   */
                               /* and up by malloc (one add each, no compare with limit);  */
                               /* negative after a refill that gathered more than limit   */
  uint32_t limit;              /* PP_LIST_BYTES * 2 / size, at least 2; doubled by         */
                               /* pp_bin_grow (see PP_BIN_GROW_BYTES)                       */
} pp_bin_t;
_Static_assert(sizeof(pp_bin_t) == 32, "pp_bin_t: half a cache line");

enum { PP_HEAP_IN_USE = 0, PP_HEAP_ABANDONED = 1, PP_HEAP_ORPHAN = 2 };

struct pp_heap_s {
  pp_bin_t bins[PP_MAX_CLASSES]; /* first: a bin's offset in the heap is class * 32      */
  /* The fast paths' tables, copied from pp_i_g when the heap is made (after start-up, under
   * pp_i_lock): the fast paths read only the thread's fast heap, so a first call on one
   * thread while another thread's pp_i_init writes pp_i_g is no data race. In
   * pp_i_heap_none they stay 0: every offset names bins[0] (empty: malloc refills) and
   * fast_len 0 sends every free to pp_i_free_slow. */
  uintptr_t region_base;       /* pp_i_g.region_base                                       */
  size_t fast_len;             /* pp_i_g.fast_len                                          */
  pp_bin_t *_Atomic *route;    /* pp_i_g.route                                             */
  uint16_t bin_off[PP_CLASS_SLOTS]; /* (size + 15) / 16 -> offset of its bin in the heap   */
  pp_qlink_t scratch;          /* target of the free path's no-op link writes              */
  pp_pool_t *_Atomic remote_pools; /* pools with remote frees to drain                     */
  _Atomic(void *) remote_blocks; /* other threads' batches of this heap's blocks (heap.c) */
  pp_rcache_t rcache[PP_RCACHE_SLOTS]; /* owner: its frees into other heaps, gathered    */
  pp_page_t *avail;            /* owned pages with at least one unassigned pool            */
  pp_heap_t *all_next;         /* every heap ever made                                     */
  pp_heap_t *aband_next;       /* abandoned-heap list                                      */
  size_t grown;                /* bytes of limit the bins gained by growing (pp_bin_grow)  */
  uint32_t cycled;             /* bit c: bin c was refilled since it last ran full         */
  uint32_t parked[PP_MAX_CLASSES]; /* limit of a parked bin (its limit is 0 meanwhile)     */
  void *spans[PP_HEAP_SPAN_PAGES + 1][PP_HEAP_SPAN_SLOTS]; /* owner: free spans of k OS */
                               /* pages its thread freed, as their starts (large.c)         */
  uint8_t nspans[PP_HEAP_SPAN_PAGES + 1]; /* ... a LIFO stack per k, this deep (large.c)   */
  size_t span_bytes;           /* owner: bytes of `spans`                                  */
  _Atomic uint64_t large_n;    /* owner writes: large blocks its thread allocated minus    */
  _Atomic uint64_t large_bytes;/* those it freed, and their bytes (modulo 2^64: one heap's */
                               /* share may be "negative"; the sum is exact; large.c)      */
  unsigned id;
  int state;
};

/* Read-mostly state, fixed once started. */
typedef struct pp_global_s {
  uintptr_t region_base;       /* reserved region [base, base + len): the side table's span */
  size_t region_len;
  size_t fast_len;             /* region_len, or 0 with PAGEPOOL_LOOKUP=tree                */
  _Atomic size_t region_kept;  /* bytes from base still reserved; pages are carved below it. */
                               /* Only shrinks (pp_i_region_give_back, to the carved extent); */
                               /* slots past it stay NULL in the side table: not our blocks  */
  uint64_t fail_at;            /* PAGEPOOL_FAIL=N[+]: memory request N fails (0: never)     */
  int fail_sticky;             /* ... and every later one ("N+")                            */
  pp_bin_t *_Atomic *route;    /* per pool slot of the region: &owner->bins[class] of an   */
                               /* assigned pool, else NULL; the local free's only lookup   */
                               /* (a hint: the side table and the tree stay the authority) */
  uintptr_t pool_index_mask;   /* pools - 1: pool index = (addr >> 12) & mask             */
  pp_page_t *_Atomic *side;    /* page descriptor per page slot of the region              */
  unsigned page_shift;         /* log2(page size)                                          */
  size_t page_size;
  unsigned pools;              /* pools per page                                           */
  uint64_t all_pools_mask;
  int lookup_tree;             /* PAGEPOOL_LOOKUP=tree                                     */
  int track_sites;             /* PAGEPOOL_SITES=1                                         */
  int return_to_os;
  int large_own;               /* PAGEPOOL_LARGE=own: spans (span.c), else system malloc  */
  unsigned nclasses;
  uint8_t class_of[PP_CLASS_SLOTS];   /* (size + 15) / 16 -> class                        */
  uint16_t class_size[PP_MAX_CLASSES];
  uint16_t class_cap[PP_MAX_CLASSES];  /* blocks per pool (run) of each class             */
  uint8_t class_pools[PP_MAX_CLASSES]; /* pools in a run of each class: 1, 2 or 4         */
  uint32_t class_want[PP_MAX_CLASSES]; /* blocks a refill gathers: PP_LIST_BYTES / size    */
  uint32_t class_limit[PP_MAX_CLASSES]; /* bins' limit: 2 * class_want                    */
  pp_config_t cfg;
  size_t region_request;       /* PAGEPOOL_REGION for tests, in bytes (when region_set)    */
  int region_set;
  int lists_off;               /* PAGEPOOL_LISTS=0 (research): no allocation lists         */
  int grow_off;                /* PAGEPOOL_GROW=0 (research): lists keep their first limit */
  int runs_off;                /* PAGEPOOL_RUNS=0 (research): one pool per class, always  */
  unsigned decay_ms;           /* PAGEPOOL_DECAY: a cached span idle this long goes back */
  size_t heap_span_bytes;      /* PAGEPOOL_HEAP_SPANS, in bytes: each heap's span cache    */
} pp_global_t;

/* Mutable global state, under pp_i_lock. */
typedef struct pp_world_s {
  pp_rb_tree_t tree;           /* active pages by address (the authority)                  */
  pp_page_t *free_head, *free_tail; /* free-page list: hot at the head, released at tail  */
  size_t free_count, released_count;
  size_t carved;               /* bytes of the region handed out as pages                  */
  size_t outside_pages;        /* pages mapped outside the region                          */
  size_t page_count;           /* pages ever made                                          */
  pp_page_t *all_pages;
  pp_heap_t *all_heaps;
  pp_heap_t *abandoned;
  unsigned heap_count;
  size_t meta_bytes;           /* metadata mapped (descriptors, heaps, site arrays)        */
  char *meta_cur;
  size_t meta_left;
} pp_world_t;

extern pp_global_t pp_i_g;
extern pp_world_t pp_i_w;
extern pthread_mutex_t pp_i_lock;        /* everything global                             */
extern pthread_rwlock_t pp_i_tree_lock;  /* tree: write under pp_i_lock, read alone       */
extern pthread_mutex_t pp_i_orphan_lock; /* the heap of threads past their TLS teardown   */
extern _Atomic int pp_i_started;
extern _Atomic int pp_i_outside;         /* some page lies outside the region             */
/* Large blocks (and bytes) of threads without a heap; the heaps count their own. */
extern _Atomic uint64_t pp_i_large_n, pp_i_large_bytes;
extern _Thread_local pp_heap_t *pp_i_tl_heap __attribute__((tls_model("initial-exec")));
/* The heap the fast paths use: pp_i_tl_heap, or &pp_i_heap_none (no heap yet, thread past
 * its teardown, PAGEPOOL_SITES=1), whose bins are empty and own no pool, so malloc falls to
 * its refill and free to its miss path without a NULL test. */
extern _Thread_local pp_heap_t *pp_i_tl_fast __attribute__((tls_model("initial-exec")));
extern pp_heap_t pp_i_heap_none;
extern _Thread_local int pp_i_tl_dead __attribute__((tls_model("initial-exec")));

/* The page descriptor holding pool descriptor pl, and pl's cold fields. */
static inline pp_page_t *pp_i_pool_page(pp_pool_t *pl) {
  return (pp_page_t *)(void *)((char *)(pl - pl->idx) - offsetof(pp_page_t, pools));
}
static inline pp_pool_cold_t *pp_i_cold(pp_pool_t *pl) { return &pp_i_pool_page(pl)->cold[pl->idx]; }
/* Blocks in pool pl (assigned to a class). */
static inline unsigned pp_i_cap(const pp_pool_t *pl) { return pp_i_g.class_cap[PP_LD(pl->cls)]; }

/* A pool's tail field for block b, and the block a tail field names (head: any block of
 * the pool; pools are aligned to their size). */
static inline uint16_t pp_i_tail_of(const void *b) {
  return (uint16_t)(((uintptr_t)b & (PP_TAIL_WINDOW - 1)) / PP_MIN_BLOCK);
}
static inline void **pp_i_tail_block(const void *head, uint16_t tail) {
  return (void **)(((uintptr_t)head & ~(PP_TAIL_WINDOW - 1)) + (uintptr_t)tail * PP_MIN_BLOCK);
}
/* Is a the start of a block of pl (the first pool of a run, assigned): a multiple of the
 * block size from the pool's base, and not in the pool's unused tail? */
static inline int pp_i_block_start(pp_pool_t *pl, uintptr_t a) {
  pp_pool_cold_t *c = pp_i_cold(pl);
  size_t size = PP_LD(c->size);
  uintptr_t off = a - c->base; /* below the base: wraps, so off / size >= cap */
  return size != 0 && off % size == 0 && off / size < pp_i_cap(pl);
}
/* A later pool of a run (its descriptor is the run's first pool)? */
static inline int pp_i_run_member(unsigned cls) { return (cls ^ PP_RUN_MEMBER) < PP_MAX_CLASSES; }
/* On its bin's partial queue? */
static inline int pp_i_queued(const pp_pool_t *pl) { return pl->q.next != NULL; }
/* Bytes of pl's pool (its run). */
static inline size_t pp_i_pool_bytes(const pp_pool_t *pl) {
  return PP_POOL_SIZE * pp_i_g.class_pools[PP_LD(pl->cls)];
}

static inline pp_pool_t *pp_i_pool_of_link(pp_qlink_t *l) {
  return (pp_pool_t *)(void *)((char *)l - offsetof(pp_pool_t, q));
}

/* Blocks on a bin's allocation list. */
static inline uint32_t pp_i_bin_n(const pp_bin_t *bin) { return (uint32_t)((int32_t)bin->limit - bin->room); }

/* The route entry of pool slot `base` (a pool's first byte), or NULL outside the region. */
static inline pp_bin_t *_Atomic *pp_i_route_slot(uintptr_t base) {
  uintptr_t off = base - pp_i_g.region_base;
  return pp_i_g.route != NULL && off < pp_i_g.region_len ? &pp_i_g.route[off >> PP_POOL_SHIFT] : NULL;
}

/* A new heap's bins (empty allocation lists, empty partial queues) and fast-path tables
 * (after start-up). */
static inline void pp_i_bins_init(pp_heap_t *h) {
  for (unsigned c = 0; c < PP_MAX_CLASSES; c++) {
    h->bins[c].free = NULL;
    h->bins[c].limit = c < pp_i_g.nclasses ? pp_i_g.class_limit[c] : 0;
    h->bins[c].room = (int32_t)h->bins[c].limit;
    h->bins[c].partial.next = h->bins[c].partial.prev = &h->bins[c].partial;
  }
  h->grown = 0;
  h->cycled = 0;
  for (unsigned c = 0; c < PP_MAX_CLASSES; c++) h->parked[c] = 0;
  h->region_base = pp_i_g.region_base;
  h->fast_len = pp_i_g.fast_len;
  h->route = pp_i_g.route;
  for (unsigned i = 0; i < PP_CLASS_SLOTS; i++) h->bin_off[i] = (uint16_t)(pp_i_g.class_of[i] * sizeof(pp_bin_t));
}

/* config.c */
void pp_i_config_load(void);             /* defaults + PAGEPOOL_* from environ (under lock) */
void pp_i_classes_build(void);
int  pp_i_aligned_class(size_t n, size_t align); /* class whose blocks are aligned, or -1 */

/* init.c */
int   pp_i_init(void);                   /* 0 or PP_ENOMEM; idempotent                      */
void *pp_i_meta_alloc(size_t n);         /* zeroed metadata, under pp_i_lock                */
pp_heap_t *pp_i_heap_acquire(void);      /* adopt or make this thread's heap; NULL: no mem  */
void  pp_i_heap_trim(pp_heap_t *h);      /* drain remote frees, flush allocation lists      */
int   pp_i_region_give_back(void);       /* unreserve the uncarved tail; 1 if it did        */
int   pp_i_fail_slow(void);              /* OOM injection: count a request, 1: fail it      */

/* OOM injection (PAGEPOOL_FAIL): 1 when this memory request (a page for a heap, or a large
 * block's system allocation) must fail as if out of memory. One predictable branch when off;
 * never on the inline fast paths. */
static inline int pp_i_fail_inject(void) {
  if (PP_LIKELY(pp_i_g.fail_at == 0)) return 0;
  return pp_i_fail_slow();
}

/* page.c */
pp_page_t *pp_i_page_acquire(pp_heap_t *h);
void       pp_i_page_release(pp_page_t *pg);
pp_pool_t *pp_i_pool_acquire(pp_heap_t *h, unsigned cls);
void       pp_i_pool_release(pp_heap_t *h, pp_pool_t *pl);
pp_page_t *pp_i_page_of_slow(uintptr_t a);

/* heap.c */
void *pp_i_malloc_slow(size_t n, uintptr_t site);
void *pp_i_malloc_refill(pp_heap_t *h, size_t n, uintptr_t site); /* list empty */
void  pp_i_free_miss(void *p);           /* route entry not a bin of the thread's fast heap */
void  pp_i_free_full(pp_bin_t *bin, void *p); /* the bin's list is full (room was 0)      */
void *pp_i_alloc_site(void *b, uintptr_t site); /* PAGEPOOL_SITES=1: record, return b      */
void  pp_i_free_slow(void *p);           /* outside the fast range, or no fast heap (NULL)  */
void *pp_i_malloc_class(unsigned cls, uintptr_t site);
void  pp_i_free_local(pp_heap_t *h, pp_pool_t *pl, void *p); /* bin list full: to pool */
void  pp_i_free_remote(pp_page_t *pg, pp_pool_t *pl, void *p);
void  pp_i_free_other(void *p);
void  pp_i_heap_drain(pp_heap_t *h);
void  pp_i_heap_flush(pp_heap_t *h);     /* allocation lists' blocks back to their pools    */
void  pp_i_drain_all(void);              /* own heap + abandoned heaps (introspection)      */

/* large.c */
void  *pp_i_large_alloc(size_t n, size_t align, uintptr_t site);
void  *pp_i_large_calloc(size_t n, uintptr_t site);
void   pp_i_large_free(void *p);
int    pp_i_large_plain(const void *p);
void  *pp_i_large_resize(void *p, size_t n, uintptr_t site);
size_t pp_i_large_usable(const void *p);
void   pp_i_large_flush(pp_heap_t *h);    /* h's spans to the global cache (or the OS)    */

/* span.c: pagepool's own large path */
extern pthread_mutex_t pp_i_span_lock;
void  *pp_i_span_get(size_t len, size_t *got, int *fresh);
void  *pp_i_span_cached(size_t len, size_t *have); /* from a cache only, or NULL   */
void   pp_i_span_put(void *base, size_t len);
void  *pp_i_span_resize(void *base, size_t len, size_t newlen);
void   pp_i_large_totals(uint64_t *n, uint64_t *bytes); /* live large blocks; pp_i_lock */

/* debug.c */
void pp_i_die(const char *what, const void *p) __attribute__((noreturn));
/* "pagepool: <what> 0x<p> (class N B[, requested R B])"; class 0: not a pagepool block;
 * req (size_t)-1: not shown. Then abort. */
void pp_i_die_block(const char *what, const void *p, size_t class_size, size_t req) __attribute__((noreturn));
void pp_i_die_large(const char *what, const void *p, size_t size) __attribute__((noreturn));
#define PP_CANARY 0xA5  /* debug: fill of new blocks; the bytes past the request (canary)  */
#define PP_POISON 0xDD  /* debug: fill of freed blocks past the link (use after free)      */
#if PP_DEBUG
void *pp_i_debug_requested(void *b, size_t n); /* b was asked for n bytes; returns b */
size_t pp_i_debug_req(pp_pool_t *pl, const void *b); /* the size b was asked for        */
#else
static inline void *pp_i_debug_requested(void *b, size_t n) { (void)n; return b; }
#endif
void pp_i_debug_on_alloc(pp_pool_t *pl, void *b);
void pp_i_debug_on_free(pp_page_t *pg, pp_pool_t *pl, void *p);

/* leak.c */
void pp_i_large_site(uintptr_t site, int64_t bytes, int add);

/* api.c: small helpers shared by the drop-in */
void  *pp_i_calloc(size_t n, size_t size, uintptr_t site);
void  *pp_i_realloc(void *p, size_t n, uintptr_t site);
void  *pp_i_aligned(size_t align, size_t n, uintptr_t site);
size_t pp_i_usable(const void *p);

#endif /* PP_INTERNAL_H */
