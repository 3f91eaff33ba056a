/* harness/runner/run.c — the runner's `run` sub-command: one measured repetition of a
 * pattern. Loads the pattern, generates the streams (untimed, from the pattern and
 * the seed only), runs the engine and prints one sample JSON document on stdout
 * (sample.c). Exit codes as in runner.h: 0 ok, 2 bad input, 3 NULL from the
 * allocator (oom), 4 other error (including VERIFY corruption). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "engine.h"
#include "pattern.h"
#include "am_args.h"
#include "runner.h"
#include "sample.h"
#include "trace.h"

static const char run_help[] =
  "usage: am-runner-<backend> run --pattern FILE [options]\n"
  "  One measured repetition of a pattern; prints one JSON sample on stdout.\n"
  "  --pattern FILE        pattern file (patterns/README.md)\n"
  "  --threads N           thread count (default: the pattern's first)\n"
  "  --seed S              seed (default: the pattern's)\n"
  "  --quick               the pattern's quick (CI) scale\n"
  "  --warmup N            untimed replays before the timed one (default: the pattern's)\n"
  "  --latency N           time one op in N (1: every op) into latency histograms\n"
  "  --rss-interval-ms N   RSS timeline interval (default 10; 0: no timeline)\n"
  "  --no-hw               do not open hardware counters\n"
  "  --dump FILE           after the timed replay, write the backend's heap map there\n"
  "                        (backends with a dump hook: `allocmark list --json`, \"dump\")\n"
  "  --chunk-ops N         generate and replay a workload of more than N ops (PHASE\n"
  "                        markers included) in untimed chunks of about N ops, all\n"
  "                        threads together (default 16777216 = 2^24: 256 MiB of\n"
  "                        streams; patterns/README.md, \"chunks\")\n"
  "  --dump-phase N        with --dump: write the map when the timed replay\n"
  "                        reaches phase N instead (the heap mid-run; for maps, not timing)\n"
  "  --touch MODE          traces only: none (default), first, all or verify, done to\n"
  "                        each new block as a pattern's `touch` (a FILE that is an\n"
  "                        .amtrace replays the trace: harness/trace/TRACE.md)\n"
  "  exit: 0 ok, 2 bad input, 3 out of memory (the allocator returned NULL, or no memory\n"
  "        for the streams: under an address-space limit), 4 other error\n";



/* The engine's chunk callbacks on an am_gen_t. */
static int chunk_next(void *ctx, char *why, size_t cap) {
  am_diag_t d = {{0}};
  int rc = am_gen_next(ctx, &d);
  if (rc < 0) snprintf(why, cap, "%s", d.msg);
  return rc < 0 ? -1 : rc;
}
static int chunk_rewind(void *ctx, char *why, size_t cap) {
  am_diag_t d = {{0}};
  int rc = am_gen_rewind(ctx, &d);
  if (rc == 0) rc = am_gen_next(ctx, &d) == 1 ? 0 : -1;
  if (rc != 0) snprintf(why, cap, "%s", d.msg[0] ? d.msg : "no chunk 0");
  return rc;
}

static int bad(const char *what, const char *val) {
  fprintf(stderr, "am-runner run: %s: bad value '%s' (try run --help)\n", what, val ? val : "");
  return AM_RUNNER_BADINPUT;
}

int am_runner_run(const am_backend_t *b, int argc, char **argv) {
  const char *pattern = NULL, *dump = NULL, *v;
  uint64_t threads = 0, seed = 0, latency = 0, rss_ms = 10, warmup = 0, chunk_ops = 1u << 24, x;
  int quick = 0, hw = 1, have_warmup = 0, dump_phase = -1, touch = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { fputs(run_help, stdout); return AM_RUNNER_OK; }
    else if (strcmp(argv[i], "--quick") == 0) quick = 1;
    else if (strcmp(argv[i], "--no-hw") == 0) hw = 0;
    else if ((v = am_opt_value(argc, argv, &i, "--pattern", NULL)) != NULL) { if (!*v) return bad("--pattern", v); pattern = v; }
    else if ((v = am_opt_value(argc, argv, &i, "--dump", NULL)) != NULL) { if (!*v) return bad("--dump", v); dump = v; }
    else if ((v = am_opt_value(argc, argv, &i, "--dump-phase", NULL)) != NULL) { if (am_parse_u64(v, 63, &x)) return bad("--dump-phase", v); dump_phase = (int)x; }
    else if ((v = am_opt_value(argc, argv, &i, "--chunk-ops", NULL)) != NULL) { if (am_parse_u64(v, UINT64_MAX, &chunk_ops) || !chunk_ops) return bad("--chunk-ops", v); }
    else if ((v = am_opt_value(argc, argv, &i, "--threads", NULL)) != NULL) { if (am_parse_u64(v, 4096, &threads) || !threads) return bad("--threads", v); }
    else if ((v = am_opt_value(argc, argv, &i, "--seed", NULL)) != NULL) { if (am_parse_u64(v, UINT64_MAX, &seed)) return bad("--seed", v); }
    else if ((v = am_opt_value(argc, argv, &i, "--latency", NULL)) != NULL) { if (am_parse_u64(v, 1u << 30, &latency) || !latency) return bad("--latency", v); }
    else if ((v = am_opt_value(argc, argv, &i, "--rss-interval-ms", NULL)) != NULL) { if (am_parse_u64(v, 60000, &rss_ms)) return bad("--rss-interval-ms", v); }
    else if ((v = am_opt_value(argc, argv, &i, "--touch", NULL)) != NULL) { if ((touch = am_touch_parse(v)) < 0) return bad("--touch", v); }
    else if ((v = am_opt_value(argc, argv, &i, "--warmup", NULL)) != NULL) { if (am_parse_u64(v, 1000, &x)) return bad("--warmup", v); warmup = x; have_warmup = 1; }
    else { fprintf(stderr, "am-runner run: unknown option '%s' (try run --help)\n", argv[i]); return AM_RUNNER_BADINPUT; }
  }
  if (pattern == NULL) { fprintf(stderr, "am-runner run: --pattern FILE is required\n"); return AM_RUNNER_BADINPUT; }
  if (am_trace_sniff(pattern)) { /* a recorded trace (run_trace.c) */
    am_trace_run_opts_t to = {.warmup = (unsigned)warmup, .latency_every = (unsigned)latency, .rss_interval_ms = (unsigned)rss_ms,
                              .hw_counters = hw, .dump_pagepool = dump, .dump_phase = dump_phase, .touch = touch};
    return am_runner_run_trace(b, pattern, &to);
  }

  am_diag_t d = {{0}};
  am_pattern_t *p = NULL;
  if (am_pattern_load(pattern, &p, &d) != 0) { fprintf(stderr, "%s\n", d.msg); return AM_RUNNER_BADINPUT; }
  am_gen_opts_t g = {.seed = seed, .threads = (unsigned)threads, .quick = quick};
  if (g.seed == 0) g.seed = am_pattern_seed(p);
  /* A counting walk says how many chunks the workload takes; one: build it whole. */
  am_workload_t *w = NULL;
  am_gen_t *gen = NULL;
  int rc = am_gen_open(p, &g, chunk_ops, &gen, &d);
  if (rc == 0 && am_gen_chunks(gen) <= 1) {
    am_gen_close(gen);
    gen = NULL;
    rc = am_workload_build(p, &g, &w, &d);
  } else if (rc == 0) {
    w = am_gen_workload(gen);
    rc = am_gen_next(gen, &d) == 1 ? 0 : AM_ENOMEM;
  }
  if (rc != 0) {
    fprintf(stderr, "%s\n", d.msg);
    am_gen_close(gen);
    am_pattern_free(p);
    return rc == AM_ENOMEM ? AM_RUNNER_OOM : AM_RUNNER_BADINPUT; /* the message says where */
  }
  am_engine_opts_t o = {
    .warmup = have_warmup ? (unsigned)warmup : am_pattern_warmup(p),
    .latency_every = (unsigned)latency,
    .rss_interval_ms = (unsigned)rss_ms,
    .hw_counters = hw,
    .dump_path = dump,
    .dump_phase = dump_phase,
    .next_chunk = gen != NULL ? chunk_next : NULL,
    .rewind_chunks = gen != NULL ? chunk_rewind : NULL,
    .chunk_ctx = gen,
  };
  am_engine_result_t r;
  am_engine_run(b, w, &o, &r);
  am_sample_info_t info = {
    .pattern_name = am_pattern_name(p), .pattern_sha256 = am_pattern_sha256(p),
    .threads = w->n_threads, .seed = g.seed, .quick = quick, .chunk_ops = chunk_ops,
  };
  cJSON *js = am_sample_json(b, w, &o, &info, &r);
  char *s = js != NULL ? cJSON_PrintUnformatted(js) : NULL;
  int out_ok = s != NULL && puts(s) >= 0 && fflush(stdout) == 0;
  cJSON_free(s);
  cJSON_Delete(js);
  if (r.status != AM_ENGINE_OK) fprintf(stderr, "am-runner-%s: %s: %s\n", b->name, am_engine_status_name(r.status), r.error);
  rc = r.status == AM_ENGINE_OK ? (out_ok ? AM_RUNNER_OK : AM_RUNNER_ERROR)
     : r.status == AM_ENGINE_OOM ? AM_RUNNER_OOM : AM_RUNNER_ERROR;
  am_engine_result_free(&r);
  if (gen != NULL) am_gen_close(gen); /* owns w */
  else am_workload_free(w);
  am_pattern_free(p);
  return rc;
}
