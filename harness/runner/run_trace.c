/* harness/runner/run_trace.c — the runner's `run` of a recorded trace (.amtrace,
 * harness/trace/TRACE.md): one measured repetition, like a pattern's (run.c), with
 * the workload streamed from the file in chunks (trace_source.c) while the timer is
 * paused. One replay thread per recorded thread; cross-thread frees wait on their
 * allocation (channels). The sample is the pattern sample (sample.c) plus a `trace`
 * object: the recorded counts the replay must match. Exit codes as run.c. */
#include <stdio.h>
#include <string.h>
#include <cJSON.h>
#include "engine.h"
#include "results.h"
#include "runner.h"
#include "sample.h"
#include "trace_source.h"

int am_touch_parse(const char *s) {
  static const char *const names[] = {"none", "first", "all", "verify"};
  for (int i = 0; i < 4; i++) if (strcmp(s, names[i]) == 0) return i;
  return -1;
}

static int chunk_next(void *ctx, char *why, size_t cap) {
  am_diag_t d = {{0}};
  int rc = am_trace_src_next(ctx, &d);
  if (rc < 0) snprintf(why, cap, "%s", d.msg);
  return rc < 0 ? -1 : rc;
}
static int chunk_rewind(void *ctx, char *why, size_t cap) {
  am_diag_t d = {{0}};
  int rc = am_trace_src_rewind(ctx, &d);
  if (rc == 0) rc = am_trace_src_next(ctx, &d) == 1 ? 0 : -1;
  if (rc != 0) snprintf(why, cap, "%s", d.msg[0] ? d.msg : "no chunk 0");
  return rc;
}

/* The file's stem: the name results and reports use. */
static void stem(const char *path, char *out, size_t cap) {
  const char *b = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
  snprintf(out, cap, "%s", b);
  size_t l = strlen(out);
  if (l > 8 && strcmp(out + l - 8, ".amtrace") == 0) out[l - 8] = '\0';
}

static cJSON *trace_json(const am_trace_src_t *s) {
  const am_trace_info_t *i = am_trace_info(am_trace_src_trace(s));
  static const char *const kinds[] = {NULL, "malloc", "calloc", "realloc", "aligned", "free", "send", "recv"};
  cJSON *o = cJSON_CreateObject();
  am_json_add_u64(o, "ops", i->ops);
  cJSON *k = cJSON_AddObjectToObject(o, "ops_by_kind");
  for (unsigned j = 1; j < 8; j++) am_json_add_u64(k, kinds[j], i->by_kind[j]);
  am_json_add_u64(o, "recorded_threads", i->recorded_threads);
  am_json_add_u64(o, "peak_live_bytes", i->peak_live_bytes);
  am_json_add_u64(o, "orphan_frees", i->orphan_frees);
  cJSON_AddBoolToObject(o, "complete", i->complete);
  am_json_add_hex64(o, "recorded_checksum", i->checksum);
  const uint64_t *fed = am_trace_src_fed(s);
  cJSON *rk = cJSON_AddObjectToObject(o, "replayed_ops_by_kind");
  for (unsigned j = 1; j < 8; j++) am_json_add_u64(rk, kinds[j], fed[j]);
  return o;
}

int am_runner_run_trace(const am_backend_t *b, const char *path, const am_trace_run_opts_t *to) {
  am_diag_t d = {{0}};
  am_trace_src_t *s = NULL;
  int rc = am_trace_src_open(path, (uint8_t)to->touch, &s, &d);
  if (rc != 0) { fprintf(stderr, "%s\n", d.msg); return rc == AM_ENOMEM ? AM_RUNNER_ERROR : AM_RUNNER_BADINPUT; }
  am_workload_t *w = am_trace_src_workload(s);
  int chunked = am_trace_src_chunks(s) > 1;
  am_engine_opts_t o = {
    .warmup = to->warmup,
    .latency_every = to->latency_every,
    .rss_interval_ms = to->rss_interval_ms,
    .hw_counters = to->hw_counters,
    .dump_path = to->dump_path,
    .dump_phase = to->dump_phase,
    .next_chunk = chunked ? chunk_next : NULL,
    .rewind_chunks = chunked ? chunk_rewind : NULL,
    .chunk_ctx = s,
    .paced = to->paced,
  };
  am_engine_result_t r;
  am_engine_run(b, w, &o, &r);
  char name[256];
  stem(path, name, sizeof name);
  am_sample_info_t info = {.pattern_name = name, .pattern_sha256 = NULL, .threads = w->n_threads, .seed = 0,
                           .quick = 0, .chunk_ops = AM_TRACE_CHUNK_OPS};
  cJSON *js = am_sample_json(b, w, &o, &info, &r);
  if (js != NULL) {
    cJSON_AddStringToObject(js, "workload_kind", "trace");
    cJSON_AddStringToObject(js, "replay", to->paced ? "paced" : "back-to-back");
    cJSON_AddItemToObject(js, "trace", trace_json(s));
  }
  char *txt = js != NULL ? cJSON_PrintUnformatted(js) : NULL;
  int out_ok = txt != NULL && puts(txt) >= 0 && fflush(stdout) == 0;
  cJSON_free(txt);
  cJSON_Delete(js);
  if (r.status != AM_ENGINE_OK) fprintf(stderr, "am-runner-%s: %s: %s\n", b->name, am_engine_status_name(r.status), r.error);
  rc = r.status == AM_ENGINE_OK ? (out_ok ? AM_RUNNER_OK : AM_RUNNER_ERROR)
     : r.status == AM_ENGINE_OOM ? AM_RUNNER_OOM : AM_RUNNER_ERROR;
  am_engine_result_free(&r);
  am_trace_src_close(s);
  return rc;
}
