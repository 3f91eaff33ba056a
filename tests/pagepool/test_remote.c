/* tests/pagepool/test_remote.c — cross-thread frees (heap.c, PP_RCACHE_SLOTS):
 *   - a thread's frees into another heap wait in its batch for that heap (still counted
 *     as allocated) until the batch is pushed — here by the freeing thread's own pp_stats,
 *     which flushes its heap — and the owner's next drain takes them back; a thread with
 *     no heap (it never allocated) and debug mode have no batches: each free reaches its
 *     pool's remote stack at once;
 *   - a batch fills and is pushed by itself (1000 frees, 32 a batch), and a thread's
 *     partial batches are pushed when it exits;
 *   - frees into several heaps at once (more destinations than batch slots) all arrive;
 *   - pp_check passes after each step.
 * The main thread allocates; children free. */
#include <pthread.h>
#include <string.h>
#include "pp_test.h"

enum { FEW = 10, MANY = 1000, SIZE = 64, HEAPS = 6 };

static void *blocks[MANY];
static pthread_barrier_t bar;

static uint64_t allocated(void) {
  pp_stats_t st;
  PP_T_CHECK(pp_stats(&st) == PP_OK);
  return st.allocated_bytes;
}

/* arg non-NULL: allocate first, so that the thread has a heap (and batches); a thread
 * without one frees straight onto the pools' remote stacks. */
static void *free_few(void *arg) {
  if (arg != NULL) {
    pp_free(pp_malloc(16));
    (void)allocated(); /* its allocation list back to its pools: it holds nothing */
  }
  for (int i = 0; i < FEW; i++) pp_free(blocks[i]);
  pthread_barrier_wait(&bar); /* 1: freed, batch not pushed */
  pthread_barrier_wait(&bar); /* 2: main has looked */
  (void)allocated();          /* introspection flushes this thread's heap: the batch goes */
  pthread_barrier_wait(&bar); /* 3 */
  return NULL;
}

static void *free_range(void *arg) {
  void **v = arg;
  pp_free(pp_malloc(16)); /* a heap of its own */
  for (int i = 0; v[i] != NULL; i++) pp_free(v[i]);
  return NULL; /* the last partial batch goes at thread exit */
}

/* A child that allocates (own heap) and hands its blocks back to main through out. */
static void *alloc_some(void *arg) {
  void **out = arg;
  for (int i = 0; i < FEW; i++) out[i] = pp_malloc(SIZE);
  return NULL;
}

int main(void) {
  int debug = strstr(pp_config_string(), "debug=1") != NULL;
  uint64_t base = allocated();

  /* A few frees wait in the child's batch; a child without a heap has none. */
  PP_T_CHECK(pthread_barrier_init(&bar, NULL, 2) == 0);
  for (int with_heap = 1; with_heap >= 0; with_heap--) {
    for (int i = 0; i < FEW; i++) PP_T_CHECK((blocks[i] = pp_malloc(SIZE)) != NULL);
    pthread_t t;
    PP_T_CHECK(pthread_create(&t, NULL, free_few, with_heap ? &bar : NULL) == 0);
    pthread_barrier_wait(&bar);
    uint64_t pending = allocated() - base;
    PP_T_CHECK(debug || !with_heap ? pending == 0 : pending == FEW * SIZE);
    pthread_barrier_wait(&bar);
    pthread_barrier_wait(&bar);
    PP_T_CHECK(allocated() == base);
    PP_T_CHECK(pthread_join(t, NULL) == 0);
    PP_T_HEAP_OK();
  }
  pthread_t t;

  /* Many frees: full batches push themselves, the rest at the child's exit. */
  static void *v[MANY + 1];
  for (int i = 0; i < MANY; i++) {
    PP_T_CHECK((v[i] = pp_malloc(SIZE + (size_t)(i % 7) * 16)) != NULL);
    memset(v[i], 0x77, SIZE);
  }
  v[MANY] = NULL;
  PP_T_CHECK(pthread_create(&t, NULL, free_range, v) == 0 && pthread_join(t, NULL) == 0);
  PP_T_CHECK(allocated() == base);
  PP_T_HEAP_OK();

  /* Six heaps' blocks freed by one thread: more destinations than batch slots. */
  static void *w[HEAPS * FEW + 1];
  for (int h = 0; h < HEAPS; h++) {
    PP_T_CHECK(pthread_create(&t, NULL, alloc_some, &w[h * FEW]) == 0 && pthread_join(t, NULL) == 0);
  }
  for (int i = 0; i < HEAPS * FEW; i++) PP_T_CHECK(w[i] != NULL);
  w[HEAPS * FEW] = NULL;
  /* The children exited: their heaps are abandoned, and then adopted one by one. */
  PP_T_CHECK(pthread_create(&t, NULL, free_range, w) == 0 && pthread_join(t, NULL) == 0);
  PP_T_CHECK(allocated() == base); /* pp_stats drains abandoned heaps too */
  PP_T_HEAP_OK();
  puts("test_remote: ok");
  return 0;
}
