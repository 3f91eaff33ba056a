/* harness/runner/selftest.c — the runner's `selftest` sub-command: is the engine's
 * figure for malloc/free pairs the same as a hand-written loop's?
 *
 * Both run in this one process, on a freshly created thread each (so they get the
 * same kind of heap: glibc gives non-main threads their own arena), after one
 * untimed warm-up pass, alternating for --reps repetitions, all pinned to the CPU the
 * runner started on:
 *   engine: a hand-built stream MALLOC(size[i % k]) / FREE, replayed by am_engine_run;
 *   loop:   for (i...) { p = malloc(size[j]); sink = p; free(p); }  with the process's
 *           malloc when the backend overrides it (AM_CAP_OVERRIDES), else through
 *           the backend's table (bump).
 * Prints one JSON document; `allocmark selftest` judges it. Times nothing in CI. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cJSON.h>
#include "engine.h"
#include "results.h"
#include "runner.h"
#include "stats.h"

static const char selftest_help[] =
  "usage: am-runner-<backend> selftest [--pairs N] [--reps N] [--sizes A,B,...]\n"
  "  Times N malloc/free pairs through the replay engine and as a hand-written loop,\n"
  "  in this process, alternating; prints the medians as JSON.\n"
  "  defaults: --pairs 2000000 --reps 7 --sizes 16,24,32,48,64,96,128,256\n";

#define ST_MAX_SIZES 64

typedef struct st_loop_s {
  const am_backend_t *b;
  const uint64_t *sizes;
  unsigned k;
  uint64_t pairs;
  double ns;        /* result: ns per pair of the timed pass */
  int failed;
} st_loop_t;

static void *volatile st_sink;

static double loop_pass(st_loop_t *a) {
  const uint64_t *sz = a->sizes;
  const unsigned k = a->k;
  uint64_t t0 = am_now_ns();
  if (a->b->caps & AM_CAP_OVERRIDES) {
    for (uint64_t i = 0, j = 0; i < a->pairs; i++) {
      void *p = malloc(sz[j]);
      if (p == NULL) { a->failed = 1; break; }
      st_sink = p;
      free(p);
      if (++j == k) j = 0;
    }
  } else {
    void *(*const m)(size_t) = a->b->malloc;
    void (*const f)(void *) = a->b->free;
    for (uint64_t i = 0, j = 0; i < a->pairs; i++) {
      void *p = m(sz[j]);
      if (p == NULL) { a->failed = 1; break; }
      st_sink = p;
      f(p);
      if (++j == k) j = 0;
    }
  }
  return (double)(am_now_ns() - t0) / (double)a->pairs;
}

static void *loop_main(void *arg) {
  st_loop_t *a = arg;
  if (a->b->thread_init != NULL) a->b->thread_init();
  loop_pass(a);              /* warm-up, as the engine's */
  a->ns = loop_pass(a);
  if (a->b->thread_exit != NULL) a->b->thread_exit();
  return NULL;
}

static int parse_sizes(const char *s, uint64_t *out, unsigned *k) {
  *k = 0;
  while (*s) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno != 0 || v > (1ull << 30) || *k == ST_MAX_SIZES) return -1;
    out[(*k)++] = v;
    if (*end == ',') end++;
    else if (*end != '\0') return -1;
    s = end;
  }
  return *k ? 0 : -1;
}

int am_runner_selftest(const am_backend_t *b, int argc, char **argv) {
  uint64_t pairs = 2000000, sizes[ST_MAX_SIZES] = {16, 24, 32, 48, 64, 96, 128, 256};
  unsigned k = 8, reps = 7;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    char *end = NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { fputs(selftest_help, stdout); return AM_RUNNER_OK; }
    if (v == NULL) { fprintf(stderr, "am-runner selftest: %s needs a value\n", a); return AM_RUNNER_BADINPUT; }
    i++;
    if (strcmp(a, "--pairs") == 0) {
      pairs = strtoull(v, &end, 10);
      if (*end || pairs == 0 || pairs > (1ull << 32)) { fprintf(stderr, "am-runner selftest: --pairs: bad value '%s'\n", v); return AM_RUNNER_BADINPUT; }
    } else if (strcmp(a, "--reps") == 0) {
      unsigned long r = strtoul(v, &end, 10);
      if (*end || r == 0 || r > 1000) { fprintf(stderr, "am-runner selftest: --reps: bad value '%s'\n", v); return AM_RUNNER_BADINPUT; }
      reps = (unsigned)r;
    } else if (strcmp(a, "--sizes") == 0) {
      if (parse_sizes(v, sizes, &k) != 0) { fprintf(stderr, "am-runner selftest: --sizes: bad list '%s'\n", v); return AM_RUNNER_BADINPUT; }
    } else {
      fprintf(stderr, "am-runner selftest: unknown option '%s'\n", a);
      return AM_RUNNER_BADINPUT;
    }
  }
  /* Engine and loop run on the same CPU: on a VM whose vCPUs differ in speed from moment
   * to moment (steal time), threads landing on different vCPUs made one side up to 1.8x
   * slower for a whole run. The worker threads inherit this mask. */
  int cpu = sched_getcpu();
  cpu_set_t one;
  CPU_ZERO(&one);
  if (cpu >= 0) CPU_SET(cpu, &one);
  int pinned = cpu >= 0 && sched_setaffinity(0, sizeof one, &one) == 0;
  /* The stream: MALLOC slot 0, FREE slot 0, sizes cycling through the list. */
  size_t n_ops = (size_t)pairs * 2, len = n_ops * sizeof(am_op_t);
  am_op_t *ops = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (ops == MAP_FAILED) { fprintf(stderr, "am-runner selftest: mmap: %s\n", strerror(errno)); return AM_RUNNER_ERROR; }
  for (uint64_t i = 0, j = 0; i < pairs; i++) {
    ops[2 * i] = (am_op_t){.kind = AM_OP_MALLOC, .size = sizes[j]};
    ops[2 * i + 1] = (am_op_t){.kind = AM_OP_FREE};
    if (++j == k) j = 0;
  }
  am_stream_t st = {.ops = ops, .n_ops = n_ops, .n_slots = 1};
  am_workload_t w = {.n_threads = 1, .streams = &st, .total_ops = n_ops, .alloc_ops = pairs, .free_ops = pairs};
  am_engine_opts_t o = {.warmup = 1};
  double eng[1000], lp[1000];
  int rc = AM_RUNNER_OK;
  char err[600] = "";
  for (unsigned r = 0; r < reps && rc == AM_RUNNER_OK; r++) {
    am_engine_result_t res;
    am_engine_run(b, &w, &o, &res);
    if (res.status != AM_ENGINE_OK) {
      snprintf(err, sizeof err, "engine: %s", res.error);
      rc = res.status == AM_ENGINE_OOM ? AM_RUNNER_OOM : AM_RUNNER_ERROR;
    }
    eng[r] = (double)res.wall_ns / (double)pairs;
    am_engine_result_free(&res);
    st_loop_t a = {.b = b, .sizes = sizes, .k = k, .pairs = pairs};
    pthread_t t;
    if (pthread_create(&t, NULL, loop_main, &a) != 0) { snprintf(err, sizeof err, "pthread_create failed"); rc = AM_RUNNER_ERROR; break; }
    pthread_join(t, NULL);
    if (a.failed) { snprintf(err, sizeof err, "loop: malloc returned NULL"); rc = AM_RUNNER_OOM; }
    lp[r] = a.ns;
  }
  munmap(ops, len);
  cJSON *js = cJSON_CreateObject();
  cJSON_AddStringToObject(js, "backend", b->name);
  cJSON_AddStringToObject(js, "backend_version", b->version());
  cJSON_AddNumberToObject(js, "pairs", (double)pairs);
  cJSON_AddNumberToObject(js, "reps", reps);
  cJSON *sz = cJSON_AddArrayToObject(js, "sizes");
  for (unsigned i = 0; i < k; i++) cJSON_AddItemToArray(sz, cJSON_CreateNumber((double)sizes[i]));
  cJSON_AddStringToObject(js, "loop_calls", (b->caps & AM_CAP_OVERRIDES) ? "malloc/free" : "backend table");
  if (pinned) cJSON_AddNumberToObject(js, "pinned_cpu", cpu);
  else cJSON_AddNullToObject(js, "pinned_cpu");
  if (rc == AM_RUNNER_OK) {
    am_summary_t se, sl;
    cJSON *re = cJSON_AddArrayToObject(js, "engine_samples"), *rl = cJSON_AddArrayToObject(js, "loop_samples");
    for (unsigned i = 0; i < reps; i++) {
      cJSON_AddItemToArray(re, am_json_num(eng[i]));
      cJSON_AddItemToArray(rl, am_json_num(lp[i]));
    }
    am_summarize(eng, reps, &se);
    am_summarize(lp, reps, &sl);
    cJSON_AddItemToObject(js, "engine_ns_per_pair", am_summary_json(&se));
    cJSON_AddItemToObject(js, "loop_ns_per_pair", am_summary_json(&sl));
    am_json_add_num(js, "engine_ns_per_op", se.median / 2);
    am_json_add_num(js, "diff_pct", (se.median - sl.median) / sl.median * 100.0);
    cJSON_AddStringToObject(js, "status", "ok");
  } else {
    cJSON_AddStringToObject(js, "status", rc == AM_RUNNER_OOM ? "oom" : "error");
    cJSON_AddStringToObject(js, "error", err);
  }
  am_json_scrub(js);
  char *s = cJSON_PrintUnformatted(js);
  if (s != NULL) puts(s);
  cJSON_free(s);
  cJSON_Delete(js);
  return rc;
}
