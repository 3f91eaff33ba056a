/* tests/pagepool/test_spans.c — the heaps' span caches (PAGEPOOL_LARGE=own; large.c):
 *   - a medium block freed is the next one of its page count in the same thread, and
 *     ahead of the global cache;
 *   - realloc growing a span takes a cached span that fits (same address as the span
 *     freed before), keeping the contents;
 *   - a medium block allocated in one thread and freed in another leaves pp_stats' large
 *     counts exact (each heap counts its own side);
 *   - a thread's cached spans go to the global cache when it ends: the main thread's next
 *     request of that size gets the exited thread's span;
 *   - more medium blocks than a heap keeps (PP_HEAP_SPAN_SLOTS per page count) freed at
 *     once all come back, with contents and zeroing (calloc) intact;
 *   - the global cache's limit follows the spans handed out (span.c): with 320 MiB of
 *     8 MiB blocks live, 12 freed are all kept (96 MiB, over the 64 MiB floor; side by
 *     side, they are one range) and come back (a mark written before the free is still
 *     there); once every block is freed, at most 64 MiB of them stay cached, and short
 *     spans cached while the limit was high are given back too (release builds: debug
 *     builds fill each new block, which leaves no mark);
 *   - the global cache coalesces: blocks of 300 KiB freed side by side serve one of
 *     three times that size from the same memory, and a block of 100 KiB from the
 *     rest of it; a 2 MiB block, longer than that range, is grown from it (its contents
 *     are still there: release builds).
 * Every step ends with pp_check(). */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include "pp_test.h"

enum { MEDIUM = 20000 }; /* 5 OS pages with the header */

static void *child_alloc(void *arg) {
  (void)arg;
  unsigned char *p = pp_malloc(MEDIUM);
  if (p != NULL) memset(p, 0x5A, MEDIUM);
  return p;
}

static void *child_free_and_exit(void *arg) {
  void **out = arg;
  void *p = pp_malloc(3 * MEDIUM);
  *out = p;
  pp_free(p); /* kept by this thread's heap, flushed to the global cache at its exit */
  return NULL;
}

int main(void) {
  PP_T_CHECK(strstr(pp_config_string(), "large=own") != NULL);
  pp_stats_t st;

  /* Coalescing, first, while the global cache is empty: a span of 3 x 300 KiB freed is one
   * range; three blocks of 300 KiB are carved from its low end, side by side; freed (the
   * middle one last, joining the other two) they are one range again, which serves the
   * long block at its old address, and then a block of 100 KiB from its low end. */
  enum { S = 300 << 10, N3 = 3 * S - 256, N1 = S - 256 };
  char *y = pp_malloc(N3);
  PP_T_CHECK(y != NULL);
  pp_free(y);
  char *c1 = pp_malloc(N1), *c2 = pp_malloc(N1), *c3 = pp_malloc(N1);
  PP_T_CHECK(c1 == y && c2 == y + S && c3 == y + 2 * S);
  pp_free(c1);
  pp_free(c3);
  pp_free(c2);
  char *z = pp_malloc(N3);
  PP_T_CHECK(z == y);
  pp_free(z);
  z = pp_malloc(100 << 10);
  PP_T_CHECK(z == y);
  pp_free(z);
  PP_T_HEAP_OK();
  /* A request longer than every cached range reuses the longest one's pages: extended in
   * place (after it, or before it), else grown by mremap, its contents stay (release
   * builds: a debug build fills each new block). */
  if (strstr(pp_config_string(), "debug=1") == NULL) {
    z = pp_malloc(N3);
    PP_T_CHECK(z == y);
    z[0] = 0x77;
    pp_free(z);
    size_t more = ((size_t)2 << 20) + 4096 - 3 * (size_t)S; /* the span grows by this */
    char *w = pp_malloc((size_t)2 << 20);
    PP_T_CHECK(w != NULL && (w[0] == 0x77 || w[more] == 0x77));
    pp_free(w);
    PP_T_HEAP_OK();
  }

  /* LIFO reuse in the thread's own cache (a small block first: the thread's heap is made
   * at its first small allocation; without one, medium blocks go to the global cache). */
  void *small = pp_malloc(16);
  PP_T_CHECK(small != NULL);
  void *a = pp_malloc(MEDIUM), *b = pp_malloc(MEDIUM);
  PP_T_CHECK(a != NULL && b != NULL && a != b);
  pp_free(a);
  pp_free(b);
  PP_T_CHECK(pp_malloc(MEDIUM) == b);
  PP_T_CHECK(pp_malloc(MEDIUM) == a);
  pp_free(a);
  pp_free(b);
  PP_T_HEAP_OK();

  /* realloc growth into a cached span: 64 KiB freed, then a block grown to 60000 B. */
  unsigned char *big = pp_malloc(65536);
  PP_T_CHECK(big != NULL);
  pp_free(big);
  unsigned char *v = pp_malloc(100);
  for (int i = 0; i < 100; i++) v[i] = (unsigned char)i;
  v = pp_realloc(v, 8000); /* a span of 2 pages */
  PP_T_CHECK(v != NULL);
  for (int i = 100; i < 8000; i++) v[i] = (unsigned char)i;
  v = pp_realloc(v, 60000); /* 15 pages: the 17-page span is within a quarter */
  PP_T_CHECK(v == big);
  for (int i = 0; i < 8000; i++) PP_T_CHECK(v[i] == (unsigned char)i);
  pp_free(v);
  PP_T_CHECK(pp_stats(&st) == PP_OK && st.large_blocks == 0 && st.large_bytes == 0);
  PP_T_HEAP_OK();

  /* Cross-thread: allocated by a child, freed here. */
  pthread_t t;
  void *cp = NULL;
  PP_T_CHECK(pthread_create(&t, NULL, child_alloc, NULL) == 0 && pthread_join(t, &cp) == 0);
  PP_T_CHECK(cp != NULL && ((unsigned char *)cp)[MEDIUM - 1] == 0x5A);
  PP_T_CHECK(pp_stats(&st) == PP_OK && st.large_blocks == 1 && st.large_bytes == MEDIUM);
  pp_free(cp);
  PP_T_CHECK(pp_stats(&st) == PP_OK && st.large_blocks == 0 && st.large_bytes == 0);
  PP_T_HEAP_OK();

  /* Thread exit: its kept span reaches the global cache, and this thread (whose own cache
   * has no span of that page count) gets it. */
  void *gone = NULL;
  PP_T_CHECK(pthread_create(&t, NULL, child_free_and_exit, &gone) == 0 && pthread_join(t, NULL) == 0);
  PP_T_CHECK(gone != NULL && pp_malloc(3 * MEDIUM) == gone);
  pp_free(gone);
  PP_T_HEAP_OK();

  /* More than a heap keeps: 40 blocks of one page count, dirty, freed, then calloc'ed. */
  enum { N = 40 };
  unsigned char *m[N];
  for (int i = 0; i < N; i++) {
    m[i] = pp_malloc(MEDIUM);
    PP_T_CHECK(m[i] != NULL);
    memset(m[i], 0xEE, MEDIUM);
  }
  for (int i = 0; i < N; i++) pp_free(m[i]);
  for (int i = 0; i < N; i++) {
    m[i] = pp_calloc(1, MEDIUM);
    PP_T_CHECK(m[i] != NULL);
    for (int k = 0; k < MEDIUM; k += 127) PP_T_CHECK(m[i][k] == 0);
    PP_T_CHECK(m[i][MEDIUM - 1] == 0);
    memset(m[i], i, MEDIUM);
  }
  for (int i = 0; i < N; i++) {
    PP_T_CHECK(m[i][0] == (unsigned char)i && m[i][MEDIUM - 1] == (unsigned char)i);
    pp_free(m[i]);
  }
  PP_T_CHECK(pp_stats(&st) == PP_OK && st.large_blocks == 0 && st.large_bytes == 0);
  PP_T_HEAP_OK();

  /* The global cache's limit: the bytes of the spans handed out, at least 64 MiB. Only one word of
   * each block is written, so its memory is a page. Not in debug builds, whose malloc
   * fills every new block (PP_CANARY), so reuse leaves no mark (and 320 MiB are written). */
  if (strstr(pp_config_string(), "debug=1") == NULL) {
    enum { L = 40, LFREE = 12, LSIZE = 8 << 20, MARK = 1000 };
    unsigned char *l[L];
    for (int i = 0; i < L; i++) {
      l[i] = pp_malloc(LSIZE);
      PP_T_CHECK(l[i] != NULL); /* fresh, or grown from a cached range: never 0x3C here */
      l[i][MARK] = 0x3C;
    }
    for (int i = 0; i < LFREE; i++) pp_free(l[i]);
    int marked = 0;
    for (int i = 0; i < LFREE; i++) {
      l[i] = pp_malloc(LSIZE);
      PP_T_CHECK(l[i] != NULL);
      marked += l[i][MARK] == 0x3C;
    }
    PP_T_CHECK(marked == LFREE); /* 64 MiB alone would have kept 7 */
    for (int i = 0; i < L; i++) pp_free(l[i]);
    marked = 0;
    for (int i = 0; i < L; i++) {
      l[i] = pp_malloc(LSIZE);
      PP_T_CHECK(l[i] != NULL);
      marked += l[i][MARK] == 0x3C;
    }
    PP_T_CHECK(marked <= 8); /* 64 MiB: 7 spans of 8 MiB and a page, and most of an 8th */
    /* Short spans cached while the limit was high (74 MiB of 64 KiB spans on the global
     * stacks, with 320 MiB handed out) are given back once the table is empty and the
     * limit has fallen to 64 MiB: the last free gives some back (and does not read the
     * empty table). */
    enum { M = 1200, MSIZE = 60 << 10 };
    static unsigned char *ms[M];
    for (int i = 0; i < M; i++) {
      ms[i] = pp_malloc(MSIZE);
      PP_T_CHECK(ms[i] != NULL);
      ms[i][MARK] = 0x3C;
    }
    for (int i = 0; i < M; i++) pp_free(ms[i]);
    for (int i = 0; i < L; i++) pp_free(l[i]);
    PP_T_HEAP_OK();
    marked = 0;
    for (int i = 0; i < M; i++) {
      ms[i] = pp_malloc(MSIZE);
      PP_T_CHECK(ms[i] != NULL);
      marked += ms[i][MARK] == 0x3C;
    }
    PP_T_CHECK(marked < M);
    for (int i = 0; i < M; i++) pp_free(ms[i]);
  }
  pp_free(small);
  PP_T_HEAP_OK();
  puts("test_spans: ok");
  return 0;
}
