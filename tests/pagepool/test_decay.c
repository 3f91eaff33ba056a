/* tests/pagepool/test_decay.c — the span cache's decay (PAGEPOOL_DECAY; span.c,
 * pp_span_decay). Argument: the delay the test runs under, "20" (CTest sets
 * PAGEPOOL_DECAY=20) or "0" (decay off). Whether a span is still cached or went back to
 * the OS is read with mincore(2), which fails with ENOMEM on an address that is no longer
 * mapped: no timing of the test itself is asserted, only the order of events.
 *   - a large block freed and asked for again at once comes back at the same address
 *     (the cache serves what is needed again soon);
 *   - a large block freed and left alone for 5 delays, while no other span is handed out,
 *     is unmapped by the decay that the next free runs, all but the cache's floor (256 KiB)
 *     at its low end; with decay off it stays mapped (cached);
 *   - the same for short spans, 64 of 60 KiB that a thread frees (its heap keeps some and
 *     hands them to the global cache when it ends; the rest go there at once: the stacks
 *     of span.c): left alone, at most the floor's worth stay mapped, given back over the
 *     next frees (a free unmaps 8 pieces at most);
 *   - a large block that stays live keeps as many idle bytes cached: a freed block of its
 *     size is still mapped after the delay (at least its low half: the cut comes from a
 *     range's end);
 *   - pp_config_string shows the delay in force.
 * Every step ends with pp_check(). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include "pp_test.h"

enum { BIG = 8 << 20, OTHER = 2 << 20, MEDIUM = 60 << 10, NMED = 64, FLOOR = 256 << 10 };

/* 1 when the OS page holding p is mapped, 0 when mincore says it is not (ENOMEM). */
static int mapped(const void *p) {
  unsigned char vec;
  void *page = (void *)((uintptr_t)p & ~(uintptr_t)4095);
  if (mincore(page, 4096, &vec) == 0) return 1;
  PP_T_CHECK(errno == ENOMEM);
  return 0;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static void *child_medium(void *arg) {
  char **m = arg;
  for (int i = 0; i < NMED; i++) {
    m[i] = pp_malloc(MEDIUM);
    if (m[i] != NULL) memset(m[i], 0x3C, MEDIUM);
  }
  for (int i = 0; i < NMED; i++) pp_free(m[i]);
  return NULL;
}

/* How many of the n blocks' first pages are still mapped. */
static int count_mapped(char **m, int n) {
  int k = 0;
  for (int i = 0; i < n; i++) k += mapped(m[i]);
  return k;
}

int main(int argc, char **argv) {
  long delay = pp_t_knob_arg(argc, argv, "decay");
  PP_T_CHECK(strstr(pp_config_string(), "large=own") != NULL);
  long idle = delay == 0 ? 100 : 5 * delay;

  /* Freed and taken again at once: the cache's memory. */
  char *a = pp_malloc(BIG);
  PP_T_CHECK(a != NULL);
  memset(a, 0x11, BIG);
  pp_free(a);
  char *a2 = pp_malloc(BIG);
  PP_T_CHECK(a2 == a);
  PP_T_HEAP_OK();

  /* Freed and left alone: the next free (of another span) gives it back. */
  char *b = pp_malloc(OTHER);
  PP_T_CHECK(b != NULL);
  memset(b, 0x22, OTHER);
  pp_free(a2);
  PP_T_CHECK(mapped(a2));
  sleep_ms(idle);
  pp_free(b);
  PP_T_CHECK(mapped(a2)); /* the floor, at the range's low end */
  PP_T_CHECK(mapped(a2 + FLOOR - 8192));
  PP_T_CHECK(mapped(a2 + FLOOR + 4096) == (delay == 0));
  PP_T_CHECK(mapped(a2 + BIG - 1) == (delay == 0));
  PP_T_CHECK(mapped(b)); /* just freed: cached */
  char *a3 = pp_malloc(BIG);
  PP_T_CHECK(a3 != NULL);
  memset(a3, 0x33, BIG);
  pp_free(a3);
  PP_T_HEAP_OK();

  /* Short spans on the global cache's stacks, left alone: the next free gives all but the
   * floor back. The 2 MiB taken and freed first empties the table (its own span cached). */
  char *c = pp_malloc(OTHER);
  PP_T_CHECK(c != NULL);
  sleep_ms(idle);
  pp_free(c);
  c = pp_malloc(OTHER); /* the span just freed: the table is empty now */
  PP_T_CHECK(c != NULL);
  static char *m[NMED];
  pthread_t t;
  PP_T_CHECK(pthread_create(&t, NULL, child_medium, m) == 0);
  PP_T_CHECK(pthread_join(t, NULL) == 0);
  for (int i = 0; i < NMED; i++) PP_T_CHECK(m[i] != NULL);
  PP_T_CHECK(count_mapped(m, NMED) == NMED);
  sleep_ms(idle);
  pp_free(c); /* the decay: c itself is not idle; a free unmaps at most 8 pieces (as the
               * limit's trim), so the next frees go on */
  for (int i = 0; i < NMED / 4; i++) {
    c = pp_malloc(OTHER);
    PP_T_CHECK(c != NULL);
    pp_free(c);
  }
  int left = count_mapped(m, NMED);
  if (delay == 0) PP_T_CHECK(left == NMED);
  else PP_T_CHECK(left <= (int)(FLOOR / MEDIUM) + 1);
  PP_T_HEAP_OK();

  /* A live large block: the decay keeps as many bytes cached as are handed out. */
  char *live = pp_malloc(BIG);
  PP_T_CHECK(live != NULL);
  memset(live, 0x44, BIG);
  char *d = pp_malloc(BIG), *e = pp_malloc(OTHER);
  PP_T_CHECK(d != NULL && e != NULL);
  memset(d, 0x55, BIG);
  pp_free(d);
  sleep_ms(idle);
  pp_free(e); /* idle: d's span, 8 MiB, no more than the 8 MiB still live */
  PP_T_CHECK(mapped(d) && mapped(d + BIG / 2)); /* other idle pieces may go from its end */
  pp_free(live);
  PP_T_HEAP_OK();
  return 0;
}
