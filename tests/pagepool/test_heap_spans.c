/* tests/pagepool/test_heap_spans.c — each heap's medium-span cache and its bound,
 * PAGEPOOL_HEAP_SPANS (large.c, pp_span_keep). Argument: the KiB the test runs under (CTest
 * sets PAGEPOOL_HEAP_SPANS to it): "2048" (the default), "16" or "0".
 * For a block of 2 OS pages (8 KiB span) and one of 5 (20 KiB), in turn:
 *   - the main thread (which has a heap) allocates the block and frees it;
 *   - a new thread with no heap (it makes no small allocation) asks for the same size: its
 *     request goes to the global cache;
 *   - when the span fits in the bound, the main heap kept it: the thread gets another
 *     span, and the main thread's next block of that size is the one it freed;
 *   - when it does not fit (16 KiB: the 5-page one; 0: both), the free gave the span to the
 *     global cache, and the thread gets it.
 * Every block stays live to the end, so the global cache holds at most the span just freed
 * (no neighbour to coalesce with, no choice of fit). Then, where 8 KiB fits the bound, an
 * aligned block's kept span serves a plain block (see below), and a thread that allocates
 * only medium blocks has a heap that keeps its spans too. pp_config_string shows the bound.
 * Every step ends with pp_check(). */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include "pp_test.h"

static void *child_alloc(void *arg) { return pp_malloc(*(size_t *)arg); }

/* A thread that allocates only medium blocks: its first one makes its heap (large.c,
 * pp_span_alloc), so the span it frees stays with it, where the bound allows, while the
 * main thread allocates a block of that size between its free and its next malloc. */
typedef struct {
  size_t size;
  void *first, *again;
  pthread_barrier_t bar;
} medium_only_t;
static void *medium_only(void *arg) {
  medium_only_t *m = arg;
  m->first = pp_malloc(m->size);
  pp_free(m->first);
  pthread_barrier_wait(&m->bar); /* the main thread allocates now */
  pthread_barrier_wait(&m->bar);
  m->again = pp_malloc(m->size);
  return NULL;
}

int main(int argc, char **argv) {
  long kib = pp_t_knob_arg(argc, argv, "heap_spans");
  PP_T_CHECK(strstr(pp_config_string(), "large=own") != NULL);

  void *small = pp_malloc(16); /* the main thread's heap is made at its first small block */
  PP_T_CHECK(small != NULL);
  enum { NSIZES = 2 };
  size_t size[NSIZES] = { 8000, 20000 }, span[NSIZES] = { 8 << 10, 20 << 10 };
  void *live[3 * NSIZES];
  int nlive = 0;
  for (int i = 0; i < NSIZES; i++) {
    int kept = span[i] <= (size_t)kib << 10;
    void *a = pp_malloc(size[i]);
    PP_T_CHECK(a != NULL);
    memset(a, 0x5A, size[i]);
    pp_free(a);
    pthread_t t;
    void *c = NULL;
    PP_T_CHECK(pthread_create(&t, NULL, child_alloc, &size[i]) == 0 && pthread_join(t, &c) == 0);
    PP_T_CHECK(c != NULL);
    live[nlive++] = c;
    if (kept) {
      PP_T_CHECK(c != a);
      void *again = pp_malloc(size[i]);
      PP_T_CHECK(again == a);
      live[nlive++] = again;
    } else {
      PP_T_CHECK(c == a);
    }
    PP_T_HEAP_OK();
  }
  /* The heap keeps a span as its start, whatever block it held: an aligned block's span
   * (its block 256 B in) serves the next plain block of its page count at 32 B in (the
   * medium fast path, pp_span_take), which then resizes in place within the span and
   * moves out of it with its contents. */
  if ((size_t)kib << 10 >= span[0]) {
    char *al = pp_aligned_alloc(256, 7000);
    PP_T_CHECK(al != NULL && (uintptr_t)al % 256 == 0);
    pp_free(al);
    char *b = pp_malloc(7000);
    PP_T_CHECK(b == al - 256 + 32);
    PP_T_CHECK(pp_usable_size(b) >= 7000);
    memset(b, 0x3C, 7000);
    PP_T_CHECK(pp_realloc(b, 8000) == b); /* 8000 + 32 B: the same two pages */
    char *c = pp_realloc(b, 30000);
    PP_T_CHECK(c != NULL && c[0] == 0x3C && c[6999] == 0x3C);
    pp_free(c);
    PP_T_HEAP_OK();
  }
  /* A page count used nowhere above (10 pages): neither heap nor the global cache holds
   * such a span. Kept by the thread's heap: the main thread gets another span and the
   * thread its own back; not kept (over the bound): the main thread gets it from the
   * global cache. */
  {
    medium_only_t m = { .size = 40000 };
    int kept = (size_t)40 << 10 <= (size_t)kib << 10;
    PP_T_CHECK(pthread_barrier_init(&m.bar, NULL, 2) == 0);
    pthread_t t;
    PP_T_CHECK(pthread_create(&t, NULL, medium_only, &m) == 0);
    pthread_barrier_wait(&m.bar);
    void *x = pp_malloc(m.size);
    pthread_barrier_wait(&m.bar);
    PP_T_CHECK(pthread_join(t, NULL) == 0 && x != NULL && m.first != NULL && m.again != NULL);
    if (kept) PP_T_CHECK(x != m.first && m.again == m.first);
    else PP_T_CHECK(x == m.first && m.again != m.first);
    pthread_barrier_destroy(&m.bar);
    pp_free(x);
    pp_free(m.again);
    PP_T_HEAP_OK();
  }
  for (int i = 0; i < nlive; i++) pp_free(live[i]);
  pp_free(small);
  PP_T_HEAP_OK();
  printf("heap_spans=%ld: ok\n", kib);
  return 0;
}
