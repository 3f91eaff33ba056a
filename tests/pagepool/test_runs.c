/* tests/pagepool/test_runs.c — runs of pools (PAGEPOOL_RUNS, issue 15).
 * Usage: test_pp_runs on|off   (ctest sets PAGEPOOL_RUNS to match)
 * Blocks of 1632, 2720 and 3264 B (classes of the default spacing, fit) leave a fifth or
 * more of a 4 KiB pool unused, so their classes take runs of 2 or 4 pools: then blocks lie
 * across pool boundaries and 40 blocks of 3264 B are active in about 30 pools, not 40. Checks the memory they take
 * (pp_stats), that every block keeps its contents, that frees from another thread reach
 * the run's descriptor, that pp_check() holds at each step, and that the dump names the
 * runs. With runs off, every block lies inside one pool, as in the original design. */
#include <pthread.h>
#include <stdint.h>
#include "pp_test.h"

#define N 40
static const size_t sizes[3] = { 1632, 2720, 3264 };
static unsigned char *blocks[3][N];


/* Frees the odd blocks of every size: remote frees into the main thread's runs. */
static void *remote_free(void *arg) {
  (void)arg;
  for (unsigned s = 0; s < 3; s++)
    for (unsigned i = 1; i < N; i += 2) pp_free(blocks[s][i]);
  return NULL;
}

int main(int argc, char **argv) {
  PP_T_CHECK(argc == 2);
  int on = strcmp(argv[1], "on") == 0;
  PP_T_CHECK(strstr(pp_config_string(), on ? "runs=1" : "runs=0") != NULL);
  pp_stats_t st0, st;
  PP_T_CHECK(pp_stats(&st0) == PP_OK);

  size_t straddle = 0;
  for (unsigned s = 0; s < 3; s++)
    for (unsigned i = 0; i < N; i++) {
      unsigned char *p = pp_malloc(sizes[s] - 8);
      PP_T_CHECK(p != NULL && pp_owns(p));
      PP_T_CHECK(pp_t_usable_is(p, sizes[s], sizes[s] - 8));
      uintptr_t a = (uintptr_t)p;
      if ((a >> 12) != ((a + sizes[s] - 1) >> 12)) straddle++;
      pp_t_fill(p, sizes[s] - 8, s * 64 + i);
      blocks[s][i] = p;
    }
  PP_T_HEAP_OK();
  /* The unused tail of a pool (a run) is no block, though it lies at a multiple of the
   * size: 1632 B fill 5 blocks of a run of 8 KiB (8160 B), 2 of one pool (3264 B). */
  uintptr_t run = on ? 8192 : 4096, fit = on ? 8160 : 3264;
  for (unsigned i = 0; i < N; i++) {
    uintptr_t base = (uintptr_t)blocks[0][i] & ~(run - 1);
    PP_T_CHECK(pp_owns((void *)base) && !pp_owns((void *)(base + fit)));
  }
  PP_T_CHECK(pp_stats(&st) == PP_OK);
  size_t active = (size_t)(st.active_bytes - st0.active_bytes);
  size_t one_pool_each = 3 * N * 4096;
  fprintf(stderr, "runs %s: %zu of %u blocks across a pool boundary, %zu KiB of pools active (%zu one pool each)\n",
          argv[1], straddle, 3 * N, active >> 10, one_pool_each >> 10);
  if (on) {
    PP_T_CHECK(straddle > 0);
    /* 1632: 5 in 8 KiB, 2720: 3 in 8 KiB, 3264: 5 in 16 KiB, the last run of each part used */
    /* and one run more of each, taken ahead by the allocation lists' refills */
    size_t want = ((N + 4) / 5 + 1) * 8192 + ((N + 2) / 3 + 1) * 8192 + ((N + 4) / 5 + 1) * 16384;
    PP_T_CHECK(active <= want);
    PP_T_CHECK(active < one_pool_each * 4 / 5);
  } else {
    PP_T_CHECK(straddle == 0);
    /* 1632: 2 in a pool, 2720 and 3264: 1 (and a pool more of each, taken ahead) */
    PP_T_CHECK(active >= (N / 2 + 2 * N) * 4096 && active <= (N / 2 + 2 * N + 3) * 4096);
  }

  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  PP_T_CHECK(f != NULL && pp_dump_json(f) == PP_OK);
  fclose(f);
  int runs2 = strstr(text, ", 2]}") != NULL, runs4 = strstr(text, ", 4]}") != NULL; /* "run": [first, pools] */
  PP_T_CHECK(on ? runs2 && runs4 : !runs2 && !runs4);
  free(text);

  pthread_t t;
  PP_T_CHECK(pthread_create(&t, NULL, remote_free, NULL) == 0);
  PP_T_CHECK(pthread_join(t, NULL) == 0);
  for (unsigned s = 0; s < 3; s++)
    for (unsigned i = 0; i < N; i += 2) PP_T_CHECK(pp_t_same(blocks[s][i], sizes[s] - 8, s * 64 + i));
  /* Allocating again drains the remote frees into the runs and reuses their blocks. */
  for (unsigned s = 0; s < 3; s++)
    for (unsigned i = 1; i < N; i += 2) {
      blocks[s][i] = pp_malloc(sizes[s]);
      PP_T_CHECK(blocks[s][i] != NULL);
      pp_t_fill(blocks[s][i], sizes[s], 200 + i);
    }
  PP_T_HEAP_OK();
  for (unsigned s = 0; s < 3; s++)
    for (unsigned i = 0; i < N; i++) {
      PP_T_CHECK(pp_t_same(blocks[s][i], i % 2 ? sizes[s] : sizes[s] - 8, i % 2 ? 200 + i : s * 64 + i));
      pp_free(blocks[s][i]);
    }
  PP_T_HEAP_OK();
  return 0;
}
