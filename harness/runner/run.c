/* harness/runner/run.c — the runner's `run` sub-command: one measured repetition of a
 * workload. Loads it through the workload-source interface (source.h), checks it is the
 * one the driver planned (--sha256), generates the streams (untimed, from the workload
 * and the seed only), runs the engine and prints one sample JSON document on stdout
 * (sample.c). Exit codes as in runner.h: 0 ok, 2 bad input, 3 NULL from the
 * allocator (oom), 4 other error (including VERIFY corruption), 5 the workload changed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "engine.h"
#include "source.h"
#include "am_args.h"
#include "runner.h"
#include "sample.h"

static const char run_help[] =
  "usage: am-runner-<backend> run --workload FILE [options]\n"
  "  One measured repetition of a workload that the engine replays (a pattern file,\n"
  "  patterns/README.md; any replay kind of harness/common/source.h); prints one JSON\n"
  "  sample on stdout.\n"
  "  --workload FILE       the workload file (--pattern FILE: the same)\n"
  "  --sha256 HEX          the digest the driver planned with: a file that no longer\n"
  "                        has it is not replayed (exit 5, status `changed`)\n"
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
  "  --paced               traces only: keep the recorded gaps between calls (a trace\n"
  "                        recorded with --timestamps; PAUSE ops busy-wait)\n"
  "  --touch MODE          traces only: none (default), first, all or verify, done to\n"
  "                        each new block as a pattern's `touch` (a FILE that is an\n"
  "                        .amtrace replays the trace: harness/trace/TRACE.md)\n"
  "  exit: 0 ok, 2 bad input, 3 out of memory (the allocator returned NULL, or no memory\n"
  "        for the streams: under an address-space limit), 4 other error, 5 the workload\n"
  "        is not the one planned (--sha256)\n";



/* The engine's chunk callbacks on a source's chunk stream. */
static int chunk_next(void *ctx, char *why, size_t cap) {
  am_chunks_t *c = ctx;
  am_diag_t d = {{0}};
  int rc = c->ops->next(c, &d);
  if (rc < 0) snprintf(why, cap, "%s", d.msg);
  return rc < 0 ? -1 : rc;
}
static int chunk_rewind(void *ctx, char *why, size_t cap) {
  am_chunks_t *c = ctx;
  am_diag_t d = {{0}};
  int rc = c->ops->rewind(c, &d);
  if (rc == 0) rc = c->ops->next(c, &d) == 1 ? 0 : -1;
  if (rc != 0) snprintf(why, cap, "%s", d.msg[0] ? d.msg : "no chunk 0");
  return rc;
}

int am_touch_parse(const char *s) {
  static const char *const names[] = {"none", "first", "all", "verify"};
  for (int i = 0; i < 4; i++) if (strcmp(s, names[i]) == 0) return i;
  return -1;
}

static int bad(const char *what, const char *val) {
  fprintf(stderr, "am-runner run: %s: bad value '%s' (try run --help)\n", what, val ? val : "");
  return AM_RUNNER_BADINPUT;
}

typedef struct run_args_s {
  const char *workload, *sha256, *dump;
  uint64_t threads, seed, latency, rss_ms, warmup, chunk_ops;
  int quick, hw, have_seed, have_warmup, dump_phase, touch, paced;
} run_args_t;

/* argv into a; AM_RUNNER_OK, or an exit code (-1: --help printed). */
static int parse(int argc, char **argv, run_args_t *a) {
  const char *v;
  uint64_t x;
  *a = (run_args_t){.rss_ms = 10, .chunk_ops = 1u << 24, .hw = 1, .dump_phase = -1};
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { fputs(run_help, stdout); return -1; }
    else if (strcmp(argv[i], "--quick") == 0) a->quick = 1;
    else if (strcmp(argv[i], "--no-hw") == 0) a->hw = 0;
    else if (strcmp(argv[i], "--paced") == 0) a->paced = 1;
    else if ((v = am_opt_value(argc, argv, &i, "--workload", "--pattern")) != NULL) { if (!*v) return bad("--workload", v); a->workload = v; }
    else if ((v = am_opt_value(argc, argv, &i, "--sha256", NULL)) != NULL) { if (strlen(v) != 64) return bad("--sha256", v); a->sha256 = v; }
    else if ((v = am_opt_value(argc, argv, &i, "--dump", NULL)) != NULL) { if (!*v) return bad("--dump", v); a->dump = v; }
    else if ((v = am_opt_value(argc, argv, &i, "--dump-phase", NULL)) != NULL) { if (am_parse_u64(v, 63, &x)) return bad("--dump-phase", v); a->dump_phase = (int)x; }
    else if ((v = am_opt_value(argc, argv, &i, "--chunk-ops", NULL)) != NULL) { if (am_parse_u64(v, UINT64_MAX, &a->chunk_ops) || !a->chunk_ops) return bad("--chunk-ops", v); }
    else if ((v = am_opt_value(argc, argv, &i, "--threads", NULL)) != NULL) { if (am_parse_u64(v, AM_LIMIT_THREADS, &a->threads) || !a->threads) return bad("--threads", v); }
    else if ((v = am_opt_value(argc, argv, &i, "--seed", NULL)) != NULL) { if (am_parse_u64(v, AM_LIMIT_SEED, &a->seed)) return bad("--seed", v); a->have_seed = 1; }
    else if ((v = am_opt_value(argc, argv, &i, "--latency", NULL)) != NULL) { if (am_parse_u64(v, AM_LIMIT_LATENCY, &a->latency) || !a->latency) return bad("--latency", v); }
    else if ((v = am_opt_value(argc, argv, &i, "--rss-interval-ms", NULL)) != NULL) { if (am_parse_u64(v, AM_LIMIT_RSS_MS, &a->rss_ms)) return bad("--rss-interval-ms", v); }
    else if ((v = am_opt_value(argc, argv, &i, "--warmup", NULL)) != NULL) { if (am_parse_u64(v, AM_LIMIT_WARMUP, &a->warmup)) return bad("--warmup", v); a->have_warmup = 1; }
    else if ((v = am_opt_value(argc, argv, &i, "--touch", NULL)) != NULL) { if ((a->touch = am_touch_parse(v)) < 0) return bad("--touch", v); }
    else { fprintf(stderr, "am-runner run: unknown option '%s' (try run --help)\n", argv[i]); return AM_RUNNER_BADINPUT; }
  }
  if (a->workload == NULL) { fprintf(stderr, "am-runner run: --workload FILE is required\n"); return AM_RUNNER_BADINPUT; }
  return AM_RUNNER_OK;
}

/* Load the workload and check it is the planned one; AM_RUNNER_OK or an exit code. */
static int load(const run_args_t *a, am_source_t **src) {
  am_diag_t d = {{0}};
  if (am_source_load(a->workload, src, &d) != 0) { fprintf(stderr, "%s\n", d.msg); return AM_RUNNER_BADINPUT; }
  if ((*src)->kind->exec != AM_EXEC_REPLAY) {
    fprintf(stderr, "%s: a %s file is not replayed by a runner (allocmark run runs it)\n", a->workload, (*src)->kind->name);
    return AM_RUNNER_BADINPUT;
  }
  if (a->sha256 != NULL && strcmp(a->sha256, am_source_sha256(*src)) != 0) {
    fprintf(stderr, "%s: sha256 %s, but the run was planned with %s: the file changed since the run began; "
            "not replayed\n", a->workload, am_source_sha256(*src), a->sha256);
    return AM_RUNNER_CHANGED;
  }
  return AM_RUNNER_OK;
}

int am_runner_run(const am_backend_t *b, int argc, char **argv) {
  run_args_t a;
  int rc = parse(argc, argv, &a);
  if (rc != AM_RUNNER_OK) return rc < 0 ? AM_RUNNER_OK : rc;
  am_source_t *src = NULL;
  if ((rc = load(&a, &src)) != AM_RUNNER_OK) { am_source_free(src); return rc; }
  am_diag_t d = {{0}};
  /* --seed 0 is a seed like any other: only an absent --seed means the workload's. */
  am_gen_opts_t g = {.seed = a.have_seed ? a.seed : am_source_seed(src), .seed_set = 1,
                     .threads = (unsigned)a.threads, .quick = a.quick, .touch = (unsigned char)a.touch,
                     .paced = a.paced};
  am_chunks_t *chunks = NULL;
  rc = am_source_open(src, &g, a.chunk_ops, &chunks, &d);
  if (rc == 0 && chunks->ops->next(chunks, &d) != 1) rc = d.msg[0] ? AM_ENOMEM : AM_EINVAL;
  if (rc != 0) {
    fprintf(stderr, "%s\n", d.msg[0] ? d.msg : "the workload has no chunk");
    if (chunks != NULL) chunks->ops->close(chunks);
    am_source_free(src);
    return rc == AM_ENOMEM ? AM_RUNNER_OOM : AM_RUNNER_BADINPUT; /* the message says where */
  }
  int chunked = chunks->ops->chunks(chunks) > 1;
  am_workload_t *w = chunks->ops->workload(chunks);
  am_engine_opts_t o = {
    .warmup = a.have_warmup ? (unsigned)a.warmup : am_source_warmup(src),
    .latency_every = (unsigned)a.latency,
    .rss_interval_ms = (unsigned)a.rss_ms,
    .hw_counters = a.hw,
    .dump_path = a.dump,
    .dump_phase = a.dump_phase,
    .next_chunk = chunked ? chunk_next : NULL,
    .rewind_chunks = chunked ? chunk_rewind : NULL,
    .chunk_ctx = chunks,
    .paced = a.paced,
  };
  am_engine_result_t r;
  am_engine_run(b, w, &o, &r);
  am_sample_info_t info = {
    .pattern_name = am_source_name(src), .pattern_sha256 = am_source_sha256(src),
    .threads = w->n_threads, .seed = g.seed, .quick = a.quick, .chunk_ops = a.chunk_ops,
  };
  cJSON *js = am_sample_json(b, w, &o, &info, &r);
  if (js != NULL && chunks->ops->annotate != NULL) chunks->ops->annotate(chunks, js); /* the kind's own keys */
  char *s = js != NULL ? cJSON_PrintUnformatted(js) : NULL;
  int out_ok = s != NULL && puts(s) >= 0 && fflush(stdout) == 0;
  cJSON_free(s);
  cJSON_Delete(js);
  if (r.status != AM_ENGINE_OK) fprintf(stderr, "am-runner-%s: %s: %s\n", b->name, am_engine_status_name(r.status), r.error);
  rc = r.status == AM_ENGINE_OK ? (out_ok ? AM_RUNNER_OK : AM_RUNNER_ERROR)
     : r.status == AM_ENGINE_OOM ? AM_RUNNER_OOM : AM_RUNNER_ERROR;
  am_engine_result_free(&r);
  chunks->ops->close(chunks); /* owns w */
  am_source_free(src);
  return rc;
}
