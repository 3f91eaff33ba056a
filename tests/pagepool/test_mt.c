/* tests/pagepool/test_mt.c — multithreaded stress: cross-thread frees, thread exit with
 * live blocks, heap adoption. Runs in the normal build and under ThreadSanitizer.
 * Usage: test_pp_mt [fast|tree]   (lookup knob; PAGEPOOL_REGION=1 in the environment
 *                                  forces pages outside the region, found via the tree)
 *        test_pp_mt noroute        (test_pp_mt_noroute, linked with noroute_mmap.c: the
 *                                  route table's mapping fails) the fast lookup asked for,
 *                                  pagepool must fall back to the tree (lookup=tree in
 *                                  pp_config_string), then the same stress
 *        test_pp_mt start          start-up race: pagepool's very first calls are made by
 *                                  several threads at once (a malloc, or a free of NULL,
 *                                  on each, released together by a barrier), so under
 *                                  ThreadSanitizer any fast-path read of a table that
 *                                  pp_i_init writes unsynchronised is reported.
 * Three waves of 4 worker threads (deterministic seeds). Each worker allocates blocks of
 * random sizes (small classes and large), stamps them, and either frees them itself,
 * reallocs them, or hands them to a shared exchange from which any thread takes, checks
 * and frees (or reallocs) them. Workers exit with blocks still in the exchange; the next
 * wave adopts their heaps. At the end main frees what is left; nothing may remain
 * allocated, every invariant must hold, and heaps must have been reused, not leaked. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include "pp_test.h"

#define WAVES 3
#define WORKERS 4
#define ROUNDS 20000
#define XCAP 4096

typedef struct { unsigned char *p; size_t n; } blk_t;

static pthread_mutex_t xlock = PTHREAD_MUTEX_INITIALIZER;
static blk_t xring[XCAP];
static size_t xcount;

static void stamp(blk_t b) {
  unsigned char v = (unsigned char)((uintptr_t)b.p >> 4);
  if (b.n) { b.p[0] = v; b.p[b.n - 1] = v; b.p[b.n / 2] = v; }
}

static void verify(blk_t b) {
  unsigned char v = (unsigned char)((uintptr_t)b.p >> 4);
  if (b.n) PP_T_CHECK(b.p[0] == v && b.p[b.n - 1] == v && b.p[b.n / 2] == v);
  PP_T_CHECK(pp_usable_size(b.p) >= b.n);
}

static size_t pick_size(unsigned long long *s) {
  unsigned long long r = pp_t_rand(s);
  switch (r % 16) {
    case 0: return 4097 + (size_t)(r >> 8) % 30000; /* large path */
    case 1: case 2: return (size_t)(r >> 8) % 4097;
    default: return (size_t)(r >> 8) % 256;
  }
}

static int put(blk_t b) {
  pthread_mutex_lock(&xlock);
  int ok = xcount < XCAP;
  if (ok) xring[xcount++] = b;
  pthread_mutex_unlock(&xlock);
  return ok;
}

static int take(blk_t *b, unsigned long long *s) {
  pthread_mutex_lock(&xlock);
  int ok = xcount > 0;
  if (ok) {
    size_t i = (size_t)(pp_t_rand(s) % xcount);
    *b = xring[i];
    xring[i] = xring[--xcount];
  }
  pthread_mutex_unlock(&xlock);
  return ok;
}

static void *worker(void *arg) {
  unsigned long long seed = 0x9E3779B97F4A7C15ull * ((uintptr_t)arg + 1);
  blk_t mine[64];
  int nmine = 0;
  for (int r = 0; r < ROUNDS; r++) {
    blk_t b = { NULL, pick_size(&seed) };
    b.p = pp_malloc(b.n);
    PP_T_CHECK(b.p != NULL);
    stamp(b);
    unsigned act = (unsigned)(pp_t_rand(&seed) % 4);
    if (act == 0 && nmine < 64) {
      mine[nmine++] = b;
    } else if (act == 1 && put(b)) {
      /* handed over: some other thread frees it */
    } else {
      verify(b);
      pp_free(b.p);
    }
    if (pp_t_rand(&seed) % 2 == 0) { /* a block from anyone: free or realloc it here */
      blk_t o;
      if (take(&o, &seed)) {
        verify(o);
        if (pp_t_rand(&seed) % 3 == 0) {
          o.n = pick_size(&seed) + 1;
          o.p = pp_realloc(o.p, o.n);
          PP_T_CHECK(o.p != NULL);
          stamp(o);
          if (!put(o)) pp_free(o.p);
        } else {
          pp_free(o.p);
        }
      }
    }
    if (nmine == 64 || (nmine > 0 && pp_t_rand(&seed) % 8 == 0)) {
      blk_t m = mine[--nmine];
      verify(m);
      pp_free(m.p);
    }
  }
  /* Exit with blocks alive elsewhere: hand over whatever is left. */
  while (nmine > 0) {
    blk_t m = mine[--nmine];
    if (!put(m)) pp_free(m.p);
  }
  return NULL;
}

#define STARTERS 4
static pthread_barrier_t start_gate;

static void *starter(void *arg) {
  size_t n = 24 + (uintptr_t)arg * 40; /* a different class on each thread */
  pthread_barrier_wait(&start_gate);
  /* Even threads: the free fast path's first reads, before any malloc of theirs. Odd
   * threads: the malloc fast path first (a free first would synchronise with a finished
   * start-up and hide a race of the malloc path). */
  if ((uintptr_t)arg % 2 == 0) pp_free(NULL);
  unsigned char *p = pp_malloc(n);
  PP_T_CHECK(p != NULL);
  memset(p, 0x5A, n);
  unsigned char *q = pp_malloc(n); /* the fast path again, now with a heap */
  PP_T_CHECK(q != NULL && q != p);
  pp_free(p);
  pp_free(q);
  return NULL;
}

/* Nothing of pagepool runs before the starters (no configure, no warm-up block). */
static int start_race(void) {
  pthread_t t[STARTERS];
  PP_T_CHECK(pthread_barrier_init(&start_gate, NULL, STARTERS) == 0);
  for (int i = 0; i < STARTERS; i++)
    PP_T_CHECK(pthread_create(&t[i], NULL, starter, (void *)(uintptr_t)i) == 0);
  for (int i = 0; i < STARTERS; i++) PP_T_CHECK(pthread_join(t[i], NULL) == 0);
  pthread_barrier_destroy(&start_gate);
  PP_T_HEAP_OK();
  pp_stats_t s;
  PP_T_CHECK(pp_stats(&s) == PP_OK);
  PP_T_CHECK(s.allocated_bytes == 0 && s.large_blocks == 0);
  PP_T_CHECK(s.heaps >= 1 && s.heaps <= STARTERS);
  printf("start race: %llu heaps, nothing left allocated\n", (unsigned long long)s.heaps);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "start") == 0) return start_race();
  int tree = argc > 1 && strcmp(argv[1], "tree") == 0;
  int noroute = argc > 1 && strcmp(argv[1], "noroute") == 0;
  pp_config_t cfg;
  pp_get_config(&cfg); /* PAGEPOOL_* from the environment, then the lookup knob */
  cfg.lookup = tree ? PP_LOOKUP_TREE : PP_LOOKUP_FAST;
  PP_T_CHECK(pp_configure(&cfg) == PP_OK);
  void *warm = pp_malloc(8); /* main's heap exists before the workers */
  if (noroute) PP_T_CHECK(strstr(pp_config_string(), " lookup=tree") != NULL);
  for (int w = 0; w < WAVES; w++) {
    pthread_t t[WORKERS];
    for (int i = 0; i < WORKERS; i++)
      PP_T_CHECK(pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(w * WORKERS + i)) == 0);
    for (int i = 0; i < WORKERS; i++) PP_T_CHECK(pthread_join(t[i], NULL) == 0);
    printf("wave %d: %zu blocks left in the exchange\n", w, xcount);
    PP_T_HEAP_OK();
  }
  blk_t b;
  unsigned long long seed = 7;
  while (take(&b, &seed)) {
    verify(b);
    pp_free(b.p);
  }
  pp_free(warm);
  PP_T_HEAP_OK();
  pp_stats_t s;
  PP_T_CHECK(pp_stats(&s) == PP_OK);
  printf("after: allocated %llu, large %llu, pages %llu, free pages %llu, heaps %llu\n",
         (unsigned long long)s.allocated_bytes, (unsigned long long)s.large_blocks,
         (unsigned long long)s.pages, (unsigned long long)s.free_pages, (unsigned long long)s.heaps);
  PP_T_CHECK(s.allocated_bytes == 0 && s.large_blocks == 0);
  PP_T_CHECK(s.heaps <= 1 + WORKERS + 1); /* later waves adopted the exited threads' heaps */
  return 0;
}
