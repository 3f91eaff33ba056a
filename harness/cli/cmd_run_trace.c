/* harness/cli/cmd_run_trace.c — `allocmark run FILE.amtrace...`: recorded traces as
 * workloads (harness/trace/TRACE.md). The same plan as patterns (cmd_run.c): every
 * repetition a fresh runner process (`am-runner-<backend> run --pattern FILE`, which
 * recognises the trace by its magic and streams it from disk in chunks), repetitions
 * interleaved across backends, one results file per trace in the results schema with
 * `pattern.kind = "trace"` and the trace's recorded counts. The thread count is the
 * trace's. Bad input (an unreadable, truncated or corrupt trace, -t, --quick): one line,
 * exit 2, nothing written. The stream checksum of every sample must equal the trace's.
 * --paced (a trace recorded with --timestamps): the runner keeps the recorded gaps
 * (PAUSE ops busy-wait); the results are named NAME-paced and say "replay": "paced". */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cJSON.h>
#include "cli.h"
#include "cmd_run.h"
#include "results.h"
#include "sha256.h"
#include "trace.h"

#define TRACE_MAX 64

static int file_sha256(const char *path, char hex[65]) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return -1;
  am_sha256_t c;
  am_sha256_init(&c);
  unsigned char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) am_sha256_update(&c, buf, n);
  fclose(f);
  uint8_t d[32];
  am_sha256_final(&c, d);
  for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", d[i]);
  return 0;
}

typedef struct tr_s {
  const char *arg;
  char abs[PATH_MAX], name[256], sha[65], out[PATH_MAX + 320];
  cJSON *info;               /* trace-info JSON */
  unsigned threads;
} tr_t;

cJSON *am_trace_info_json(const char *path, am_trace_t *t); /* cmd_trace_info.c */

static int is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int load(tr_t *t, const am_run_opts_t *o) {
  am_diag_t d = {{0}};
  am_trace_t *tr = NULL;
  if (am_trace_open(t->arg, &tr, &d) != 0 || am_trace_check(tr, &d) != 0) { /* every chunk, before anything runs */
    fprintf(stderr, "%s\n", d.msg);
    am_trace_close(tr);
    return 2;
  }
  const am_trace_info_t *i = am_trace_info(tr);
  if (o->paced && (!i->timestamps || i->by_kind[AM_OP_PAUSE] == 0)) {
    am_trace_close(tr);
    return am_run_usage_error("%s: --paced needs a trace recorded with --timestamps (this one holds no recorded gaps)", t->arg);
  }
  t->threads = i->threads;
  t->info = am_trace_info_json(t->arg, tr);
  uint64_t peak = i->peak_live_bytes;
  am_trace_close(tr);
  if (peak > o->max_memory)
    return am_run_usage_error("%s: peak live memory %llu bytes exceeds --max-memory %llu bytes", t->arg, (unsigned long long)peak,
                    (unsigned long long)o->max_memory);
  if (realpath(t->arg, t->abs) == NULL) snprintf(t->abs, sizeof t->abs, "%s", t->arg);
  const char *b = strrchr(t->arg, '/') != NULL ? strrchr(t->arg, '/') + 1 : t->arg;
  snprintf(t->name, sizeof t->name, "%s", b);
  size_t l = strlen(t->name);
  if (l > 8 && strcmp(t->name + l - 8, ".amtrace") == 0) t->name[l - 8] = '\0';
  if (o->paced) strncat(t->name, "-paced", sizeof t->name - strlen(t->name) - 1); /* its own results, labelled */
  if (file_sha256(t->arg, t->sha) != 0) return am_run_usage_error("%s: cannot read", t->arg);
  return 0;
}

static int plan_outs(tr_t *ts, size_t n, const am_run_opts_t *o) {
  char stamp[32];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  size_t ol = o->out ? strlen(o->out) : 0;
  if (o->out && !is_dir(o->out) && o->out[ol - 1] != '/') {
    if (n > 1) return am_run_usage_error("-o %s: with several traces -o must be a folder (existing, or ending in '/')", o->out);
    snprintf(ts[0].out, sizeof ts[0].out, "%s", o->out);
    return 0;
  }
  const char *dir = o->out ? o->out : "results";
  mkdir(dir, 0755);
  if (!is_dir(dir) || access(dir, W_OK) != 0) return am_run_usage_error("output folder '%s' is not a writable folder", dir);
  for (size_t i = 0; i < n; i++) {
    snprintf(ts[i].out, sizeof ts[i].out, "%s%s%s-%s.json", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", ts[i].name, stamp);
    for (size_t k = 0; k < i; k++)
      if (strcmp(ts[k].out, ts[i].out) == 0) return am_run_usage_error("%s: two traces named '%s'; run them separately", ts[i].arg, ts[i].name);
  }
  return 0;
}

/* A sample whose checksum is not the trace's replayed other streams: an error. */
static void check_checksum(cJSON *s, const cJSON *info) {
  const cJSON *st = cJSON_GetObjectItem(s, "status"), *c = cJSON_GetObjectItem(s, "checksum");
  const cJSON *tr = cJSON_GetObjectItem(s, "trace");
  const char *want = cJSON_GetStringValue(cJSON_GetObjectItem(tr, "recorded_checksum"));
  (void)info;
  if (!cJSON_IsString(st) || strcmp(st->valuestring, "ok") != 0 || !cJSON_IsString(c) || want == NULL) return;
  const cJSON *touch = cJSON_GetObjectItem(s, "touch");
  if (touch != NULL) return; /* another touch policy hashes differently */
  if (strcmp(c->valuestring, want) != 0) {
    cJSON_ReplaceItemInObject(s, "status", cJSON_CreateString("error"));
    cJSON_ReplaceItemInObject(s, "error", cJSON_CreateString("the replayed streams' checksum differs from the trace's"));
  }
}

static long run_one_trace(tr_t *t, const am_run_opts_t *o, const am_backend_info_t *info, const cJSON *context,
                          size_t *done, size_t total, double t0) {
  unsigned reps = o->reps ? o->reps : 5;
  cJSON *samples[AM_RUN_MAX_BACKENDS];
  long failed = 0;
  for (size_t b = 0; b < o->n_backends; b++) samples[b] = cJSON_CreateArray();
  for (unsigned r = 0; r < reps; r++)
    for (size_t j = 0; j < o->n_backends; j++) {
      size_t b = (j + r) % o->n_backends;
      cJSON *s = am_run_one(&o->backends[b], t->abs, NULL, t->threads, 0, r, o);
      check_checksum(s, t->info);
      const cJSON *st = cJSON_GetObjectItem(s, "status"), *ns = cJSON_GetObjectItem(s, "ns_per_op");
      int ok = cJSON_IsString(st) && strcmp(st->valuestring, "ok") == 0;
      if (!ok) failed++;
      (*done)++;
      double el = am_now_s() - t0, eta = el / (double)*done * (double)(total - *done);
      char what[200];
      if (ok && cJSON_IsNumber(ns)) snprintf(what, sizeof what, "%.2f ns/op", ns->valuedouble);
      else {
        const cJSON *er = cJSON_GetObjectItem(s, "error");
        snprintf(what, sizeof what, "%s: %.150s", cJSON_IsString(st) ? st->valuestring : "error", cJSON_IsString(er) ? er->valuestring : "");
      }
      fprintf(stderr, "[%zu/%zu] %s (trace, t=%u) rep %u/%u %-9s %s  (elapsed %.1fs, ETA %.1fs)\n", *done, total, t->name,
              t->threads, r + 1, reps, o->backends[b].name, what, el, eta);
      cJSON_AddItemToArray(samples[b], s);
    }
  cJSON *benchmarks = cJSON_CreateArray();
  for (size_t b = 0; b < o->n_backends; b++) cJSON_AddItemToArray(benchmarks, am_run_benchmark(&info[b], t->threads, samples[b]));
  cJSON *root = cJSON_CreateObject();
  cJSON_AddNumberToObject(root, "schema_version", AM_RESULTS_SCHEMA_VERSION);
  cJSON_AddStringToObject(root, "generator", "allocmark run");
  cJSON_AddItemToObject(root, "context", cJSON_Duplicate(context, 1));
  cJSON *pj = cJSON_AddObjectToObject(root, "workload");
  cJSON_AddStringToObject(pj, "name", t->name);
  cJSON_AddStringToObject(pj, "kind", "trace");
  cJSON_AddStringToObject(pj, "replay", o->paced ? "paced" : "back-to-back");
  cJSON_AddStringToObject(pj, "path", t->arg);
  cJSON_AddStringToObject(pj, "abs_path", t->abs);
  cJSON_AddStringToObject(pj, "sha256", t->sha);
  am_json_add_u64(pj, "seed", 0);
  cJSON_AddBoolToObject(pj, "quick", 0);
  cJSON_AddNumberToObject(pj, "repetitions", reps);
  cJSON *tc = cJSON_AddArrayToObject(pj, "thread_counts");
  cJSON_AddItemToArray(tc, cJSON_CreateNumber(t->threads));
  cJSON *est = cJSON_AddArrayToObject(pj, "estimates");
  cJSON *e = cJSON_CreateObject();
  cJSON_AddNumberToObject(e, "threads", t->threads);
  cJSON_AddItemToObject(e, "ops", cJSON_Duplicate(cJSON_GetObjectItem(t->info, "stream_ops"), 1));
  cJSON_AddItemToObject(e, "peak_live_bytes", cJSON_Duplicate(cJSON_GetObjectItem(t->info, "peak_live_bytes"), 1));
  cJSON_AddItemToArray(est, e);
  cJSON_AddNullToObject(pj, "spec");
  cJSON_AddItemToObject(pj, "trace", cJSON_Duplicate(t->info, 1));
  cJSON_AddItemToObject(root, "benchmarks", benchmarks);
  am_diag_t d;
  if (am_json_write_atomic(t->out, root, 1, &d) != 0) {
    fprintf(stderr, "allocmark run: %s\n", d.msg);
    failed = -1;
  } else {
    am_run_print_table(t->name, benchmarks, reps);
    printf("results: %s\n", t->out);
  }
  fflush(stdout);
  cJSON_Delete(root);
  return failed;
}

int am_run_traces(const am_run_opts_t *o, const am_backend_info_t *info, const char *const *files, size_t nf) {
  if (nf > TRACE_MAX) return am_run_usage_error("more than %d traces", TRACE_MAX);
  if (o->n_threads) return am_run_usage_error("-t: a trace replays with its recorded threads; drop -t");
  if (o->quick) return am_run_usage_error("--quick: a trace has no quick scale; record a smaller run instead");
  static tr_t ts[TRACE_MAX];
  memset(ts, 0, sizeof ts);
  int rc = 0;
  for (size_t i = 0; i < nf && rc == 0; i++) { ts[i].arg = files[i]; rc = load(&ts[i], o); }
  if (rc == 0) rc = plan_outs(ts, nf, o);
  size_t total = 0, done = 0;
  for (size_t i = 0; i < nf; i++) total += (size_t)(o->reps ? o->reps : 5) * o->n_backends;
  double t0 = am_now_s();
  cJSON *context = rc == 0 ? am_run_context(o) : NULL;
  long failed = 0;
  for (size_t i = 0; i < nf && rc == 0; i++) {
    long f = run_one_trace(&ts[i], o, info, context, &done, total, t0);
    if (f < 0) rc = 1;
    else failed += f;
  }
  cJSON_Delete(context);
  for (size_t i = 0; i < nf; i++) cJSON_Delete(ts[i].info);
  if (failed) fprintf(stderr, "allocmark run: %ld of %zu repetitions failed (see the status and error fields)\n", failed, total);
  return rc ? rc : failed ? 1 : 0;
}
