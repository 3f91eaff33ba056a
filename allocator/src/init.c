/* allocator/src/init.c — pagepool start-up, metadata, thread lifecycle and fork safety.
 *
 * Start-up (first small allocation, under pp_i_lock): read the knobs, build the class table,
 * reserve the page region (PROT_NONE, MAP_NORESERVE; pages are made accessible as they are
 * carved; at most 1/PP_REGION_AS_SHARE of RLIMIT_AS, and its uncarved tail is given back
 * when the large path runs out of address space) and its side table, create the thread key
 * whose destructor abandons an exiting thread's heap. OOM injection (PAGEPOOL_FAIL) counts
 * memory requests here. No stdio, no getenv, no malloc: safe before main and inside malloc.
 * Fork: pthread_atfork handlers take every lock before fork and release (parent) or
 * re-initialise (child) them after, so the child never inherits a lock held mid-update.
 */
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include "pp_internal.h"
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

pp_global_t pp_i_g;
pp_world_t pp_i_w;
pthread_mutex_t pp_i_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_rwlock_t pp_i_tree_lock = PTHREAD_RWLOCK_INITIALIZER;
pthread_mutex_t pp_i_orphan_lock = PTHREAD_MUTEX_INITIALIZER;
_Atomic int pp_i_started;
_Atomic int pp_i_outside;
_Atomic uint64_t pp_i_large_n, pp_i_large_bytes;
_Thread_local pp_heap_t *pp_i_tl_heap __attribute__((tls_model("initial-exec")));
_Thread_local int pp_i_tl_dead __attribute__((tls_model("initial-exec")));
pp_heap_t pp_i_heap_none; /* never written: its lists stay empty, no route names its bins */
_Thread_local pp_heap_t *pp_i_tl_fast __attribute__((tls_model("initial-exec"))) = &pp_i_heap_none;

static pthread_key_t pp_key;
extern pthread_mutex_t pp_i_site_lock; /* leak.c */

/* Map n bytes (rounded to 64 KiB), NULL on failure. */
static void *pp_map(size_t n, int prot, int extra) {
  void *p = mmap(NULL, n, prot, MAP_PRIVATE | MAP_ANONYMOUS | extra, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

void *pp_i_meta_alloc(size_t n) {
  n = (n + 63) & ~(size_t)63;
  if (n > pp_i_w.meta_left) {
    size_t chunk = n > ((size_t)1 << 20) ? (n + 4095) & ~(size_t)4095 : (size_t)1 << 20;
    char *c = pp_map(chunk, PROT_READ | PROT_WRITE, 0);
    if (c == NULL) return NULL;
    pp_i_w.meta_bytes += chunk;
    pp_i_w.meta_cur = c;
    pp_i_w.meta_left = chunk;
  }
  void *p = pp_i_w.meta_cur;
  pp_i_w.meta_cur += n;
  pp_i_w.meta_left -= n;
  return p;
}

/* Reserve the region, aligned to the largest page size; halve the request on failure.
 * No region at all is allowed: every page then lies outside and is found via the tree.
 * Under RLIMIT_AS the request is capped at 1/PP_REGION_AS_SHARE of the limit: halving
 * until a reservation succeeds would otherwise hold most of the address space as
 * PROT_NONE (1 GiB of a 1.2 GB `ulimit -v`) and starve the large path. */
static void pp_region_reserve(void) {
  size_t want = pp_i_g.region_set ? pp_i_g.region_request : PP_REGION_DEFAULT;
  size_t align = PP_POOL_SIZE * PP_MAX_POOLS;
  want = (want + align - 1) & ~(align - 1);
  struct rlimit rl;
  if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    size_t cap = (size_t)(rl.rlim_cur / PP_REGION_AS_SHARE) & ~(align - 1);
    if (want > cap) want = cap;
  }
  for (; want >= align; want /= 2) {
    char *p = pp_map(want + align, PROT_NONE, MAP_NORESERVE);
    if (p == NULL) continue;
    uintptr_t b = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
    if (b > (uintptr_t)p) munmap(p, b - (uintptr_t)p);
    munmap((char *)b + want, (uintptr_t)p + align - b);
    size_t slots = want >> pp_i_g.page_shift;
    pp_page_t *_Atomic *side = pp_map(slots * sizeof *side, PROT_READ | PROT_WRITE, MAP_NORESERVE);
    if (side == NULL) {
      munmap((char *)b, want);
      continue;
    }
    pp_i_g.side = side;
    pp_i_g.region_base = b;
    pp_i_g.region_len = want;
    PP_ST(pp_i_g.region_kept, want);
    return;
  }
}

/* The system allocator failed (large path): unreserve the region's uncarved tail, whose
 * reservation counts against RLIMIT_AS, so that a retry can use that address space. Pages
 * carved later are mapped outside the region and found through the tree. region_len and
 * fast_len keep their span: the side table's slots past the carved extent stay NULL, so an
 * address the system later maps there is not taken for a pool block. 1 when address space
 * was given back (worth a retry), 0 when there was none to give. */
int pp_i_region_give_back(void) {
  if (!atomic_load_explicit(&pp_i_started, memory_order_acquire)) return 0;
  pthread_mutex_lock(&pp_i_lock);
  size_t kept = PP_LD(pp_i_g.region_kept), carved = pp_i_w.carved;
  int gave = kept > carved && munmap((char *)pp_i_g.region_base + carved, kept - carved) == 0;
  if (gave) PP_ST(pp_i_g.region_kept, carved);
  pthread_mutex_unlock(&pp_i_lock);
  return gave;
}

static _Atomic uint64_t pp_fail_count; /* memory requests counted by PAGEPOOL_FAIL */

int pp_i_fail_slow(void) {
  uint64_t k = atomic_fetch_add_explicit(&pp_fail_count, 1, memory_order_relaxed) + 1;
  return k == pp_i_g.fail_at || (pp_i_g.fail_sticky && k > pp_i_g.fail_at);
}

/* The route table: one entry per pool slot of the region (8 bytes per 4 KiB, touched only
 * where pools are assigned). Without it the fast free is off (fast_len 0), so when its
 * mapping fails every lookup goes to the tree, as under PAGEPOOL_LOOKUP=tree (which
 * pp_config_string then shows): with fast_len 0 and no page outside the region, the fast
 * mode's pp_i_page_of_slow would answer NULL for every pool block. */
static void pp_route_reserve(void) {
  if (pp_i_g.region_len == 0) return;
  size_t slots = pp_i_g.region_len >> PP_POOL_SHIFT;
  pp_i_g.route = pp_map(slots * sizeof *pp_i_g.route, PROT_READ | PROT_WRITE, MAP_NORESERVE);
  if (pp_i_g.route == NULL) {
    pp_i_g.cfg.lookup = PP_LOOKUP_TREE;
    pp_i_g.lookup_tree = 1;
  }
}

static void pp_thread_exit(void *v);

int pp_i_init(void) {
  if (PP_LIKELY(atomic_load_explicit(&pp_i_started, memory_order_acquire))) return 0;
  pthread_mutex_lock(&pp_i_lock);
  if (!atomic_load(&pp_i_started)) {
    pp_i_config_load();
    pp_i_classes_build();
    pp_i_g.pools = pp_i_g.cfg.pools_per_page;
    pp_i_g.page_size = PP_POOL_SIZE * pp_i_g.pools;
    pp_i_g.page_shift = PP_POOL_SHIFT + (unsigned)__builtin_ctz(pp_i_g.pools);
    pp_i_g.all_pools_mask = pp_i_g.pools == 64 ? ~(uint64_t)0 : ((uint64_t)1 << pp_i_g.pools) - 1;
    pp_i_g.lookup_tree = pp_i_g.cfg.lookup == PP_LOOKUP_TREE;
    pp_i_g.track_sites = pp_i_g.cfg.track_sites;
    pp_i_g.return_to_os = pp_i_g.cfg.return_to_os;
    pp_i_g.large_own = pp_i_g.cfg.large == PP_LARGE_OWN;
    pp_rb_init(&pp_i_w.tree);
    pp_i_g.pool_index_mask = pp_i_g.pools - 1;
    pp_region_reserve();
    pp_route_reserve();
    pp_i_g.fast_len = pp_i_g.lookup_tree || pp_i_g.route == NULL ? 0 : pp_i_g.region_len;
    pthread_key_create(&pp_key, pp_thread_exit);
    atomic_store_explicit(&pp_i_started, 1, memory_order_release);
  }
  pthread_mutex_unlock(&pp_i_lock);
  return 0;
}

/* A heap for this thread: adopt an abandoned one or make one. NULL when out of memory. */
pp_heap_t *pp_i_heap_acquire(void) {
  pp_i_init();
  pthread_mutex_lock(&pp_i_lock);
  pp_heap_t *h = pp_i_w.abandoned;
  if (h != NULL) {
    pp_i_w.abandoned = h->aband_next;
  } else {
    h = pp_i_meta_alloc(sizeof *h);
    if (h != NULL) {
      pp_i_bins_init(h);
      h->id = ++pp_i_w.heap_count;
      h->all_next = pp_i_w.all_heaps;
      pp_i_w.all_heaps = h;
    }
  }
  if (h != NULL) {
    h->aband_next = NULL;
    h->state = PP_HEAP_IN_USE;
  }
  pthread_mutex_unlock(&pp_i_lock);
  if (h != NULL) {
    pp_i_tl_heap = h; /* set first: setspecific may allocate (keys >= 32) */
    if (!pp_i_g.track_sites) pp_i_tl_fast = h; /* sites: every malloc records its caller */
    pthread_setspecific(pp_key, h);
  }
  return h;
}

/* Give back what an idle heap holds that nobody uses: drain remote frees, return the
 * allocation lists' blocks to their pools (releasing pools that become empty). The heap
 * keeps its live blocks' pools and pages. */
void pp_i_heap_trim(pp_heap_t *h) {
  pp_i_heap_drain(h);
  pp_i_heap_flush(h);
}

/* Thread key destructor: the thread is ending. Later allocations of this thread (other
 * destructors) go to the orphan heap; frees from it are remote frees. */
static void pp_thread_exit(void *v) {
  pp_heap_t *h = v;
  pp_i_tl_fast = &pp_i_heap_none;
  pp_i_tl_heap = NULL;
  pp_i_tl_dead = 1;
  pp_i_heap_trim(h);
  pthread_mutex_lock(&pp_i_lock);
  h->state = PP_HEAP_ABANDONED;
  h->aband_next = pp_i_w.abandoned;
  pp_i_w.abandoned = h;
  pthread_mutex_unlock(&pp_i_lock);
}

static void pp_fork_prepare(void) {
  pthread_mutex_lock(&pp_i_orphan_lock);
  pthread_mutex_lock(&pp_i_lock);
  pthread_rwlock_wrlock(&pp_i_tree_lock);
  pthread_mutex_lock(&pp_i_site_lock);
  pthread_mutex_lock(&pp_i_span_lock);
}

static void pp_fork_parent(void) {
  pthread_mutex_unlock(&pp_i_span_lock);
  pthread_mutex_unlock(&pp_i_site_lock);
  pthread_rwlock_unlock(&pp_i_tree_lock);
  pthread_mutex_unlock(&pp_i_lock);
  pthread_mutex_unlock(&pp_i_orphan_lock);
}

/* Other threads do not exist in the child: their heaps stay as they are (never adopted,
 * since they may have been caught mid-update). The forking thread took every lock in
 * pp_fork_prepare and is the child's only thread. The mutexes (default kind: no owner
 * check) are released, as in the parent: initialising a locked mutex again is undefined,
 * and ThreadSanitizer reported it as a double lock. The tree's rwlock is initialised
 * afresh instead: glibc's unlock tells a writer by its thread id, which the child no
 * longer has, so unlocking it there takes it for a reader and leaves it write-locked
 * (forked children then hung in their first free that needs the tree). ThreadSanitizer
 * does not see a re-initialisation as a release: it kept the lock as held by the forking
 * thread and reported every child's first write lock of it as a double lock, and every
 * later lock as taken inside it (479 reports in test_pp_oom's 160 children), so the
 * release is annotated, in sanitizer builds only. */
static void pp_fork_child(void) {
  pthread_mutex_unlock(&pp_i_span_lock);
  pthread_mutex_unlock(&pp_i_site_lock);
#if defined(__SANITIZE_THREAD__) /* ThreadSanitizer: the parent's write lock is released */
  __tsan_mutex_pre_unlock(&pp_i_tree_lock, 0);
  __tsan_mutex_post_unlock(&pp_i_tree_lock, 0);
#endif
  pthread_rwlock_init(&pp_i_tree_lock, NULL);
  pthread_mutex_unlock(&pp_i_lock);
  pthread_mutex_unlock(&pp_i_orphan_lock);
}

__attribute__((constructor)) static void pp_register_fork(void) {
  pthread_atfork(pp_fork_prepare, pp_fork_parent, pp_fork_child);
}
