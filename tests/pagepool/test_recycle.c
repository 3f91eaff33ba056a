/* tests/pagepool/test_recycle.c — pool and page recycling, and giving memory back.
 * Usage: test_pp_recycle RETURN   (0 or 1: the PAGEPOOL_RETURN knob to configure)
 * With 8 pools per page (32 KiB pages): a pool whose blocks are all freed returns to its
 * page and serves another class next; pages whose pools are all free leave the tree for
 * the free-page list and are reused before anything new is mapped; past 16 MiB of free
 * pages, RETURN=1 gives their memory to the OS (released_bytes) and RETURN=0 keeps it.
 * Last, a bin that cycles between empty and full grows until a batch stays on its list,
 * and one in a run of frees only is parked (its blocks go back to their pools). */
#include <stdint.h>
#include <string.h>
#include "pp_test.h"

#define PAGE (8 * 4096)

static pp_stats_t stats(void) {
  pp_stats_t s;
  PP_T_CHECK(pp_stats(&s) == PP_OK);
  PP_T_HEAP_OK();
  return s;
}

int main(int argc, char **argv) {
  PP_T_CHECK(argc == 2);
  int ret = atoi(argv[1]);
  pp_config_t cfg = { PP_CLASSES_POW2, 8, ret, PP_LOOKUP_FAST, 0, PP_LARGE_OWN };
  PP_T_CHECK(pp_configure(&cfg) == PP_OK);

  /* Pool recycling: fill one pool of class 16 (256 blocks) and start a second. */
  void *b16[257];
  for (int i = 0; i < 257; i++) b16[i] = pp_malloc(16);
  uintptr_t pool0 = (uintptr_t)b16[0] & ~(uintptr_t)4095;
  for (int i = 0; i < 256; i++) PP_T_CHECK(((uintptr_t)b16[i] & ~(uintptr_t)4095) == pool0);
  PP_T_CHECK(((uintptr_t)b16[256] & ~(uintptr_t)4095) != pool0);
  pp_stats_t s = stats();
  PP_T_CHECK(s.active_bytes == 2 * 4096 && s.allocated_bytes == 257 * 16 && s.pages == 1);
  for (int i = 0; i < 256; i++) pp_free(b16[i]);
  s = stats();
  PP_T_CHECK(s.active_bytes == 4096 && s.allocated_bytes == 16);
  void *b32 = pp_malloc(32); /* the released pool serves class 32 now */
  PP_T_CHECK(((uintptr_t)b32 & ~(uintptr_t)4095) == pool0);
  pp_free(b32);
  pp_free(b16[256]);
  s = stats();
  PP_T_CHECK(s.allocated_bytes == 0);

  /* Page recycling: 64 one-block pools of 4096 B = 8 pages. */
  enum { N = 64 };
  void *big[N];
  uintptr_t pages[N];
  for (int i = 0; i < N; i++) {
    big[i] = pp_malloc(4096);
    memset(big[i], i, 4096);
    pages[i] = (uintptr_t)big[i] & ~(uintptr_t)(PAGE - 1);
  }
  s = stats();
  PP_T_CHECK(s.pages >= N / 8 && s.allocated_bytes == N * 4096);
  uint64_t mapped = s.mapped_bytes;
  for (int i = 0; i < N; i++) pp_free(big[i]);
  s = stats();
  PP_T_CHECK(s.allocated_bytes == 0 && s.free_pages >= N / 8 - 1 && s.pages <= 2);
  for (int i = 0; i < N; i++) {
    big[i] = pp_malloc(4096);
    uintptr_t pg = (uintptr_t)big[i] & ~(uintptr_t)(PAGE - 1);
    int known = 0;
    for (int j = 0; j < N; j++) known |= pages[j] == pg;
    PP_T_CHECK(known); /* reused, not carved */
  }
  s = stats();
  PP_T_CHECK(s.mapped_bytes == mapped);
  for (int i = 0; i < N; i++) pp_free(big[i]);

  /* Giving memory back: 20 MiB of pages freed at once is more than the 16 MiB kept hot. */
  enum { M = 20 * 256 };
  void **many = pp_malloc(M * sizeof *many);
  PP_T_CHECK(many != NULL);
  for (int i = 0; i < M; i++) {
    many[i] = pp_malloc(4096);
    PP_T_CHECK(many[i] != NULL);
    ((char *)many[i])[100] = 1;
  }
  for (int i = 0; i < M; i++) pp_free(many[i]);
  s = stats();
  uint64_t peak_released = s.released_bytes;
  PP_T_CHECK(s.free_pages >= M / 8 - 1);
  if (ret) PP_T_CHECK(s.released_bytes >= 3 * (1u << 20) && (s.free_pages * PAGE - s.released_bytes) <= (16u << 20));
  else PP_T_CHECK(s.released_bytes == 0);
  for (int i = 0; i < M; i++) { /* released pages come back zeroed and usable */
    many[i] = pp_malloc(4096);
    PP_T_CHECK(many[i] != NULL);
    memset(many[i], 7, 4096);
  }
  s = stats();
  PP_T_CHECK(s.released_bytes == 0 || !ret);
  for (int i = 0; i < M; i++) pp_free(many[i]);
  pp_free(many);
  PP_T_HEAP_OK();

  /* Growing allocation lists: batches of K blocks of 64 B (64 KiB, four times the list's
   * first limit of 256) allocated, then freed. The bin cycles (empty, then full) every
   * round, so its limit doubles until a whole batch fits: then the next batch is the one
   * just freed, straight from the list, last freed first. */
  enum { K = 1000, ROUNDS = 6 };
  static void *a[K];
  for (int r = 0; r < ROUNDS; r++) {
    for (int i = 0; i < K; i++) {
      a[i] = pp_malloc(64);
      PP_T_CHECK(a[i] != NULL);
      memset(a[i], r, 64);
    }
    PP_T_HEAP_OK(); /* the lists' counts against their grown limits */
    for (int i = 0; i < K; i++) pp_free(a[i]);
  }
  for (int i = 0; i < K; i++) {
    void *b = pp_malloc(64);
    PP_T_CHECK(b == a[K - 1 - i]);
  }
  for (int i = 0; i < K; i++) pp_free(a[i]);
  s = stats(); /* flushes the lists: every limit back to its first value */
  PP_T_CHECK(s.allocated_bytes == 0);

  /* Parking: a run of frees only (a teardown). The bin grows once (it cycled), runs full
   * again with no refill between and is parked: its list's blocks and the run's later
   * frees go back to their pools, so (with no pp_stats flush) the emptied pools serve
   * another class at once. Without parking 512 blocks (8 pools) would stay on the list. */
  enum { P = 63 * 64 };
  static void *q[P];
  static uintptr_t qpool[P];
  int npool = 0, reused = 0;
  for (int i = 0; i < P; i++) {
    q[i] = pp_malloc(64);
    PP_T_CHECK(q[i] != NULL);
    uintptr_t pl = (uintptr_t)q[i] & ~(uintptr_t)4095;
    int j = 0;
    while (j < npool && qpool[j] != pl) j++;
    if (j == npool) qpool[npool++] = pl;
  }
  for (int i = 0; i < P; i++) pp_free(q[i]);
  for (int i = 0; i < npool - 1; i++) { /* one pool stays queued for class 64 */
    q[i] = pp_malloc(4096);
    for (int j = 0; j < npool; j++) reused += ((uintptr_t)q[i] & ~(uintptr_t)4095) == qpool[j];
  }
  PP_T_CHECK(npool >= 63 && reused >= npool - 3);
  for (int i = 0; i < npool - 1; i++) pp_free(q[i]);
  PP_T_CHECK(stats().allocated_bytes == 0);
  printf("recycling ok (return=%d): pages reused, released %llu bytes at peak\n", ret,
         (unsigned long long)peak_released);
  return 0;
}
