/* harness/cli/report_load.c — read results files (results/README.md) into am_report_t.
 *
 * The only file that knows the results JSON layout. Everything the writers use is
 * checked here, so a bad file gives one line "<file>: <JSON path>: <what was
 * expected>" and nothing else happens. Context values are shown as text whatever
 * their JSON type, so new context fields never break old reports. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "am_args.h"
#include <sys/stat.h>
#include <cJSON.h>
#include "json_io.h"
#include "registry.h"
#include "report.h"
#include "results.h"
#include "sha256.h"

#define AM_STR_(x) #x
#define AM_STR(x) AM_STR_(x)

const char *const am_rlat_keys[AM_RLAT_N] = {"p50", "p90", "p99", "p99_9", "p99_99", "max"};
const char *const am_rlat_names[AM_RLAT_N] = {"p50", "p90", "p99", "p99.9", "p99.99", "max"};
const char *const am_ctx_keys[AM_CTX_N] = {
  "date_utc", "host", "cpu_model", "cores_online", "memory_bytes", "arch", "kernel", "libc",
  "compiler", "compiler_flags", "build_type", "sanitizers", "git_commit", "git_dirty",
  "thp_enabled", "thp_defrag", "overcommit_memory", "cpu_governor", "perf_event_paranoid",
  "command_line"};
const char *const am_ctx_labels[AM_CTX_N] = {
  "date (UTC)", "host", "CPU", "cores", "memory", "architecture", "kernel", "libc",
  "compiler", "compiler flags", "build type", "sanitizers", "git commit", "uncommitted changes",
  "transparent huge pages", "THP defrag", "overcommit_memory", "CPU frequency governor",
  "perf_event_paranoid", "command line"};

static const char *const statuses[] = {"ok", "crashed", "timeout", "oom", "changed", "error",
                                       "wrong-output", "foreign-allocator", "unsupported"}; /* the last three: program runs */

/* Where we are, for messages: file and JSON path of the benchmark. */
typedef struct loc_s {
  const char *file;
  char at[96];
} loc_t;

static int bad(am_diag_t *d, const loc_t *l, const char *field, const char *what) {
  return am_diag(d, AM_EINVAL, "%s: %s%s%s: expected %s", l->file, l->at,
                 l->at[0] != '\0' && field[0] != '\0' ? "." : "", field, what);
}

static const cJSON *get(const cJSON *o, const char *k) {
  return cJSON_GetObjectItemCaseSensitive(o, k);
}
static int is_absent(const cJSON *v) { return v == NULL || cJSON_IsNull(v); }

/* Optional string: "" when absent or null. */
static int opt_str(const cJSON *o, const char *k, const char **out, const loc_t *l, am_diag_t *d) {
  const cJSON *v = get(o, k);
  if (is_absent(v)) { *out = ""; return 0; }
  if (!cJSON_IsString(v)) return bad(d, l, k, "a string");
  *out = v->valuestring;
  return 0;
}

/* An optional number (or null): -1 when absent. */
static int opt_num(const cJSON *o, const char *k, double *out, const char *path, const loc_t *l, am_diag_t *d) {
  const cJSON *v = get(o, k);
  *out = -1;
  if (is_absent(v)) return 0;
  if (!cJSON_IsNumber(v)) return bad(d, l, path, "a number or null");
  *out = v->valuedouble;
  return 0;
}

/* aggregates.<metric>: {median, min, max, ci95_low, ci95_high, cv, noisy}. */
static int load_stat(const cJSON *aggs, const char *metric, int required, am_rstat_t *s,
                     const loc_t *l, am_diag_t *d) {
  char path[160];
  memset(s, 0, sizeof *s);
  const cJSON *a = get(aggs, metric);
  if (is_absent(a)) {
    if (!required) return 0;
    snprintf(path, sizeof path, "aggregates.%s", metric);
    return bad(d, l, path, "an object with the median (status is ok)");
  }
  snprintf(path, sizeof path, "aggregates.%s", metric);
  if (!cJSON_IsObject(a)) return bad(d, l, path, "an object or null");
  static const char *const keys[] = {"median", "min", "max", "ci95_low", "ci95_high", "cv", "ci_coverage"};
  double *dst[] = {&s->median, &s->min, &s->max, &s->ci_lo, &s->ci_hi, &s->cv, &s->cov};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
    const cJSON *v = get(a, keys[i]);
    snprintf(path, sizeof path, "aggregates.%s.%s", metric, keys[i]);
    if (is_absent(v)) {
      if (i == 0 && required) return bad(d, l, path, "a number (status is ok)");
      *dst[i] = NAN;
      continue;
    }
    if (!cJSON_IsNumber(v)) return bad(d, l, path, "a number or null");
    *dst[i] = v->valuedouble;
  }
  const cJSON *n = get(a, "noisy");
  if (!is_absent(n) && !cJSON_IsBool(n)) {
    snprintf(path, sizeof path, "aggregates.%s.noisy", metric);
    return bad(d, l, path, "true or false");
  }
  s->noisy = cJSON_IsTrue(n);
  s->has = isfinite(s->median);
  if (!isfinite(s->min)) s->min = s->median;
  if (!isfinite(s->max)) s->max = s->median;
  return 0;
}

/* Every aggregate of the metrics table (metric_table.h) into b->m[id]; AM_MF_REQ ones
 * must be there when the status is ok. peak_rss_growth_bytes: results written before it
 * existed fall back on the difference of the peak RSS and baseline RSS medians (a median
 * of differences is not a difference of medians, so min and max stay unknown), else none. */
static int load_aggregates(const cJSON *aggs, am_rbench_t *b, int ok, const loc_t *l, am_diag_t *d) {
  for (int i = 0; i < AM_M_N; i++) {
    const am_metric_t *m = &am_metrics[i];
    if (!am_metric_aggregated(m)) continue;
    int rc = load_stat(aggs, m->name, ok && (m->flags & AM_MF_REQ), &b->m[i], l, d);
    if (rc != 0) return rc;
  }
  am_rstat_t *g = &b->m[AM_M_PEAK_RSS_GROWTH_BYTES];
  const am_rstat_t *base = &b->m[AM_M_RSS_BASELINE_BYTES], *rss = &b->m[AM_M_PEAK_RSS_BYTES];
  if (g->has || !base->has || !rss->has) return 0;
  double v = rss->median - base->median;
  memset(g, 0, sizeof *g);
  g->has = 1;
  g->median = v > 0 ? v : 0;
  g->min = g->max = g->ci_lo = g->ci_hi = g->cv = g->cov = NAN;
  b->growth_derived = 1;
  return 0;
}

/* latency: {timer_cost_ns, ops: {<kind>: {count, p50, p90, p99, p99_9, p99_99, max}}} */
static int load_latency(const cJSON *bj, am_rbench_t *b, const loc_t *l, am_diag_t *d) {
  const cJSON *lat = get(bj, "latency");
  b->timer_ns = -1;
  if (is_absent(lat)) return 0;
  if (!cJSON_IsObject(lat)) return bad(d, l, "latency", "an object or null");
  int rc = opt_num(lat, "timer_cost_ns", &b->timer_ns, "latency.timer_cost_ns", l, d);
  if (rc != 0) return rc;
  const cJSON *ops = get(lat, "ops"), *op;
  if (!cJSON_IsObject(ops)) return bad(d, l, "latency.ops", "an object keyed by operation kind");
  size_t n = (size_t)cJSON_GetArraySize(ops);
  if (n == 0) return 0;
  b->lat = calloc(n, sizeof *b->lat);
  if (b->lat == NULL) return am_diag(d, AM_ENOMEM, "%s: out of memory", l->file);
  cJSON_ArrayForEach(op, ops) {
    char path[160];
    snprintf(path, sizeof path, "latency.ops.%s", op->string);
    if (!cJSON_IsObject(op)) return bad(d, l, path, "an object of percentiles");
    am_rlat_t *x = &b->lat[b->n_lat++];
    x->op = op->string;
    for (int i = 0; i < AM_RLAT_N; i++) {
      snprintf(path, sizeof path, "latency.ops.%s.%s", op->string, am_rlat_keys[i]);
      if ((rc = opt_num(op, am_rlat_keys[i], &x->p[i], path, l, d)) != 0) return rc;
    }
    snprintf(path, sizeof path, "latency.ops.%s.count", op->string);
    if ((rc = opt_num(op, "count", &x->count, path, l, d)) != 0) return rc;
  }
  return 0;
}

/* rss_timeline: {interval_ms, t_ms: [...], rss_bytes: [...]} (equal lengths). */
static int load_timeline(const cJSON *bj, am_rbench_t *b, const loc_t *l, am_diag_t *d) {
  const cJSON *tl = get(bj, "rss_timeline");
  if (is_absent(tl)) return 0;
  if (!cJSON_IsObject(tl)) return bad(d, l, "rss_timeline", "an object or null");
  const cJSON *t = get(tl, "t_ms"), *r = get(tl, "rss_bytes");
  if (!cJSON_IsArray(t)) return bad(d, l, "rss_timeline.t_ms", "an array of numbers");
  if (!cJSON_IsArray(r)) return bad(d, l, "rss_timeline.rss_bytes", "an array of numbers");
  size_t n = (size_t)cJSON_GetArraySize(t);
  if ((size_t)cJSON_GetArraySize(r) != n)
    return bad(d, l, "rss_timeline.rss_bytes", "as many entries as rss_timeline.t_ms");
  if (n == 0) return 0;
  b->tl_t = malloc(n * sizeof *b->tl_t);
  b->tl_rss = malloc(n * sizeof *b->tl_rss);
  if (b->tl_t == NULL || b->tl_rss == NULL) return am_diag(d, AM_ENOMEM, "%s: out of memory", l->file);
  const cJSON *a = t->child, *c = r->child;
  for (size_t i = 0; i < n; i++, a = a->next, c = c->next) {
    char path[96];
    if (!cJSON_IsNumber(a)) {
      snprintf(path, sizeof path, "rss_timeline.t_ms[%zu]", i);
      return bad(d, l, path, "a number");
    }
    if (!cJSON_IsNumber(c)) {
      snprintf(path, sizeof path, "rss_timeline.rss_bytes[%zu]", i);
      return bad(d, l, path, "a number");
    }
    b->tl_t[i] = a->valuedouble;
    b->tl_rss[i] = c->valuedouble;
  }
  b->n_tl = n;
  return 0;
}

static int load_bench(const cJSON *bj, am_rbench_t *b, const loc_t *l, am_diag_t *d) {
  int rc;
  if (!cJSON_IsObject(bj)) return bad(d, l, "", "an object");
  b->json = bj;
  const cJSON *v = get(bj, "backend");
  if (!cJSON_IsString(v) || v->valuestring[0] == '\0') return bad(d, l, "backend", "a backend name");
  b->backend = v->valuestring;
  if ((rc = opt_str(bj, "backend_version", &b->version, l, d)) != 0) return rc;
  if ((rc = opt_str(bj, "backend_config", &b->config, l, d)) != 0) return rc;
  if ((rc = opt_str(bj, "backend_colour", &b->colour, l, d)) != 0) return rc;
  if ((rc = opt_str(bj, "error", &b->error, l, d)) != 0) return rc;
  v = get(bj, "threads");
  if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > AM_LIMIT_THREADS ||
      v->valuedouble != floor(v->valuedouble)) {
    char want[48];
    snprintf(want, sizeof want, "an integer from 1 to %u", AM_LIMIT_THREADS);
    return bad(d, l, "threads", want);
  }
  b->threads = (unsigned)v->valuedouble;
  v = get(bj, "status");
  b->status = NULL;
  for (size_t i = 0; cJSON_IsString(v) && i < sizeof statuses / sizeof *statuses; i++)
    if (strcmp(v->valuestring, statuses[i]) == 0) b->status = statuses[i];
  if (b->status == NULL) return bad(d, l, "status", "one of ok, crashed, timeout, oom, error");
  int ok = strcmp(b->status, "ok") == 0;
  const cJSON *aggs = get(bj, "aggregates");
  if (is_absent(aggs)) {
    if (ok) return bad(d, l, "aggregates", "an object (status is ok)");
  } else {
    if (!cJSON_IsObject(aggs)) return bad(d, l, "aggregates", "an object or null");
    if ((rc = load_aggregates(aggs, b, ok, l, d)) != 0) return rc;
  }
  if ((rc = load_latency(bj, b, l, d)) != 0) return rc;
  return load_timeline(bj, b, l, d);
}

/* The command line (an array of arguments after the program name) as one shell
 * line, "allocmark run ...", arguments quoted where the shell would need it. */
static char *argv_text(const cJSON *arr) {
  size_t cap = 16;
  const cJSON *a;
  cJSON_ArrayForEach(a, arr) cap += 3 + 4 * (cJSON_IsString(a) ? strlen(a->valuestring) : 4);
  char *s = malloc(cap), *o = s;
  if (s == NULL) return NULL;
  o += sprintf(o, "allocmark");
  cJSON_ArrayForEach(a, arr) {
    const char *t = cJSON_IsString(a) ? a->valuestring : "?";
    *o++ = ' ';
    if (t[0] != '\0' && strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./,=:+@%") == strlen(t)) {
      o += sprintf(o, "%s", t);
      continue;
    }
    *o++ = '\'';
    for (; *t; t++) {
      if (*t == '\'') { memcpy(o, "'\\''", 4); o += 4; } else *o++ = *t;
    }
    *o++ = '\'';
    *o = '\0';
  }
  return s;
}

/* Context value as text: strings as they are (trimmed), numbers and booleans printed,
 * the command line as a shell line, the memory size in GiB, other objects and arrays
 * as compact JSON. */
static char *ctx_text(int key, const cJSON *v) {
  char buf[64];
  if (is_absent(v)) return NULL;
  if (key == AM_CTX_CMDLINE && cJSON_IsArray(v)) return argv_text(v);
  if (key == AM_CTX_MEMORY && cJSON_IsNumber(v)) return strdup(am_fmt_bytes(buf, sizeof buf, v->valuedouble));
  if (cJSON_IsString(v)) {
    const char *t = v->valuestring;
    while (*t == ' ') t++;
    return *t != '\0' ? strdup(t) : NULL;
  }
  if (cJSON_IsBool(v)) return strdup(cJSON_IsTrue(v) ? "yes" : "no");
  if (cJSON_IsNumber(v)) return strdup(am_fmt_exact(buf, sizeof buf, v->valuedouble));
  char *s = cJSON_PrintUnformatted(v), *c = s != NULL ? strdup(s) : NULL;
  cJSON_free(s);
  return c;
}

/* Load one file; *seen counts results files (kept or filtered out, not skipped). */
static int load_file(am_report_t *r, const char *path, int from_folder, const am_rfilter_t *flt,
                     size_t *seen, am_diag_t *d) {
  char *text = NULL;
  size_t len = 0;
  int rc = am_file_read(path, AM_JSON_FILE_MAX, &text, &len, d);
  if (rc != 0) return rc;
  cJSON *root = NULL;
  rc = am_json_parse(path, text, len, &root, d);
  if (rc != 0) { free(text); return rc; }
  am_rfile_t *nf = realloc(r->files, (r->n_files + 1) * sizeof *r->files);
  if (nf == NULL) { free(text); cJSON_Delete(root); return am_diag(d, AM_ENOMEM, "out of memory"); }
  r->files = nf;
  am_rfile_t *f = &r->files[r->n_files];
  memset(f, 0, sizeof *f);
  f->root = root;
  f->path = strdup(path);
  const char *slash = strrchr(f->path, '/');
  f->base = slash != NULL ? slash + 1 : f->path;
  am_sha256_hex(text, len, f->sha256);
  free(text);
  loc_t l = {.file = f->path, .at = ""};

  const cJSON *sv = get(root, "schema_version");
  if (from_folder && (!cJSON_IsObject(root) || sv == NULL)) { /* not a results file: skip */
    free(f->path);
    cJSON_Delete(root);
    return 0;
  }
  r->n_files++; /* from here on, am_report_free releases it */
  ++*seen;
  if (!cJSON_IsObject(root)) return bad(d, &l, "(top level)", "an object");
  if (!cJSON_IsNumber(sv) || sv->valuedouble < 1 || sv->valuedouble > AM_RESULTS_SCHEMA_VERSION ||
      sv->valuedouble != floor(sv->valuedouble))
    return bad(d, &l, "schema_version", "an integer 1.." AM_STR(AM_RESULTS_SCHEMA_VERSION)
               " (the results schemas this allocmark reads)");
  const cJSON *ctx = get(root, "context");
  if (!is_absent(ctx) && !cJSON_IsObject(ctx)) return bad(d, &l, "context", "an object");
  for (int i = 0; i < AM_CTX_N; i++) f->ctx[i] = ctx_text(i, get(ctx, am_ctx_keys[i]));
  /* The workload block: `workload` since schema 2, `pattern` in schema 1 files. */
  const char *wkey = sv->valuedouble >= 2 ? "workload" : "pattern";
  const cJSON *pat = get(root, wkey);
  if (!cJSON_IsObject(pat)) return bad(d, &l, wkey, "an object");
  const cJSON *pn = get(pat, "name");
  if (!cJSON_IsString(pn) || pn->valuestring[0] == '\0')
    return bad(d, &l, sv->valuedouble >= 2 ? "workload.name" : "pattern.name", "a string");
  f->pattern = pn->valuestring;
  const cJSON *arr = get(root, "benchmarks"), *bj;
  if (!cJSON_IsArray(arr)) return bad(d, &l, "benchmarks", "an array");
  if (flt != NULL && flt->pattern != NULL && strcmp(flt->pattern, f->pattern) != 0) {
    /* Another pattern: not a source of this report at all. */
    for (int i = 0; i < AM_CTX_N; i++) free(f->ctx[i]);
    free(f->path);
    cJSON_Delete(f->root);
    r->n_files--;
    return 0;
  }
  size_t n = (size_t)cJSON_GetArraySize(arr), k = 0;
  am_rbench_t *nb = realloc(r->b, (r->n_b + n + 1) * sizeof *r->b);
  if (nb == NULL) return am_diag(d, AM_ENOMEM, "out of memory");
  r->b = nb;
  cJSON_ArrayForEach(bj, arr) {
    am_rbench_t *b = &r->b[r->n_b];
    memset(b, 0, sizeof *b);
    snprintf(l.at, sizeof l.at, "benchmarks[%zu]", k);
    b->file = r->n_files - 1;
    b->index = k++;
    b->pattern = f->pattern;
    r->n_b++; /* counted before loading, so a half-loaded one is freed too */
    if ((rc = load_bench(bj, b, &l, d)) != 0) return rc;
    if (flt != NULL && flt->threads != 0 && b->threads != flt->threads) {
      free(b->lat); free(b->tl_t); free(b->tl_rss);
      r->n_b--;
    }
  }
  return 0;
}

static int cmp_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_folder(am_report_t *r, const char *dir, const am_rfilter_t *flt, am_diag_t *d) {
  DIR *dp = opendir(dir);
  if (dp == NULL) return am_diag(d, AM_ENOENT, "%s: cannot open folder: %s", dir, strerror(errno));
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(dp)) != NULL) {
    size_t l = strlen(e->d_name);
    if (e->d_name[0] == '.' || l < 6 || strcmp(e->d_name + l - 5, ".json") != 0) continue;
    if (n == cap) {
      char **nn = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof *names);
      if (nn == NULL) break;
      names = nn;
    }
    names[n++] = strdup(e->d_name);
  }
  closedir(dp);
  if (n > 0) qsort(names, n, sizeof *names, cmp_name);
  size_t seen = 0;
  int rc = 0;
  for (size_t i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
    if (rc == 0) rc = load_file(r, path, 1, flt, &seen, d);
    free(names[i]);
  }
  free(names);
  if (rc == 0 && seen == 0)
    rc = am_diag(d, AM_EINVAL, "%s: expected results files (*.json with a schema_version) in this folder", dir);
  return rc;
}

/* Backends in order of first appearance (files in order, benchmarks in file order:
 * the order `allocmark run -b` ran them, which for `all` is the registry's). Set by
 * index_report for the two comparators below (qsort takes no context). */
static const char **rank_names;
static size_t rank_n;

static int backend_rank(const char *name) {
  for (size_t i = 0; i < rank_n; i++) if (strcmp(rank_names[i], name) == 0) return (int)i;
  return (int)rank_n;
}

static int cmp_bench(const void *pa, const void *pb) {
  const am_rbench_t *a = pa, *b = pb;
  int c = strcmp(a->pattern, b->pattern);
  if (c != 0) return c;
  if (a->threads != b->threads) return a->threads < b->threads ? -1 : 1;
  int ra = backend_rank(a->backend), rb = backend_rank(b->backend);
  if (ra != rb) return ra < rb ? -1 : 1;
  c = strcmp(a->backend, b->backend);
  if (c != 0) return c;
  if (a->file != b->file) return a->file < b->file ? -1 : 1;
  return a->index < b->index ? -1 : a->index > b->index;
}

static int cmp_backend(const void *pa, const void *pb) {
  const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
  int ra = backend_rank(a), rb = backend_rank(b);
  return ra != rb ? (ra < rb ? -1 : 1) : strcmp(a, b);
}

/* Sort, reject duplicates, and build the groups and the backend list. */
static int index_report(am_report_t *r, am_diag_t *d) {
  r->groups = calloc(r->n_b + 1, sizeof *r->groups);
  r->backends = calloc(r->n_b + 1, sizeof *r->backends);
  if (r->groups == NULL || r->backends == NULL) return am_diag(d, AM_ENOMEM, "out of memory");
  rank_names = r->backends; /* first appearance, before sorting */
  rank_n = 0;
  for (size_t i = 0; i < r->n_b; i++)
    if (backend_rank(r->b[i].backend) == (int)rank_n) r->backends[rank_n++] = r->b[i].backend;
  qsort(r->b, r->n_b, sizeof *r->b, cmp_bench);
  for (size_t i = 0; i < r->n_b; i++) {
    am_rbench_t *b = &r->b[i];
    if (i > 0 && strcmp(b[-1].pattern, b->pattern) == 0 && b[-1].threads == b->threads &&
        strcmp(b[-1].backend, b->backend) == 0)
      return am_diag(d, AM_EINVAL, "%s: benchmarks[%zu]: expected one benchmark per pattern, backend "
                     "and threads (%s, %s, %u also in %s benchmarks[%zu])", r->files[b->file].path,
                     b->index, b->pattern, b->backend, b->threads, r->files[b[-1].file].path, b[-1].index);
    if (i == 0 || strcmp(b[-1].pattern, b->pattern) != 0 || b[-1].threads != b->threads) {
      am_rgroup_t *g = &r->groups[r->n_groups++];
      g->pattern = b->pattern;
      g->threads = b->threads;
      g->first = i;
      if (i > 0 && strcmp(b[-1].pattern, b->pattern) == 0) g->sweep = g[-1].sweep = 1;
    }
    am_rgroup_t *g = &r->groups[r->n_groups - 1];
    g->count++;
    b->group = r->n_groups - 1;
    if (strcmp(b->status, "ok") != 0) r->n_failed++;
    else if (am_registry_is_reference(b->backend) && b->m[AM_M_NS_PER_OP].has) g->sys = b;
    size_t k = 0;
    while (k < r->n_backends && strcmp(r->backends[k], b->backend) != 0) k++;
    if (k == r->n_backends) r->backends[r->n_backends++] = b->backend;
  }
  qsort(r->backends, r->n_backends, sizeof *r->backends, cmp_backend);
  rank_names = NULL;
  rank_n = 0;
  for (size_t i = 0; i < r->n_b; i++)
    for (size_t k = 0; k < r->n_backends; k++)
      if (strcmp(r->backends[k], r->b[i].backend) == 0) r->b[i].slot = k;
  return 0;
}

int am_report_load(am_report_t *r, char *const *paths, size_t n, const am_rfilter_t *f, am_diag_t *d) {
  memset(r, 0, sizeof *r);
  size_t seen = 0;
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    int rc = stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode) ? load_folder(r, paths[i], f, d)
                                                             : load_file(r, paths[i], 0, f, &seen, d);
    if (rc != 0) return rc;
  }
  if (r->n_b == 0) {
    if (f != NULL && (f->pattern != NULL || f->threads != 0))
      return am_diag(d, AM_EINVAL, "no benchmark matches --pattern/--threads in the results given");
    return am_diag(d, AM_EINVAL, "%s: benchmarks: expected at least one benchmark in the results given",
                   r->n_files > 0 ? r->files[0].path : "(no files)");
  }
  return index_report(r, d);
}

static int cmp_load_order(const void *pa, const void *pb) {
  const am_rbench_t *a = pa, *b = pb;
  if (a->file != b->file) return a->file < b->file ? -1 : 1;
  return a->index < b->index ? -1 : a->index > b->index;
}

int am_report_view(const am_report_t *r, const char *pattern, unsigned threads, am_report_t *v, am_diag_t *d) {
  memset(v, 0, sizeof *v);
  v->view = 1;
  v->files = r->files;
  v->n_files = r->n_files;
  v->b = calloc(r->n_b + 1, sizeof *v->b);
  if (v->b == NULL) return am_diag(d, AM_ENOMEM, "out of memory");
  for (size_t i = 0; i < r->n_b; i++)
    if ((pattern == NULL || strcmp(r->b[i].pattern, pattern) == 0) && (threads == 0 || r->b[i].threads == threads))
      v->b[v->n_b++] = r->b[i];
  if (v->n_b == 0) return am_diag(d, AM_EINVAL, "no benchmark matches --pattern/--threads in the results given");
  /* Back into the order they were read, so the backends rank as a filtered load ranks them. */
  qsort(v->b, v->n_b, sizeof *v->b, cmp_load_order);
  return index_report(v, d);
}

void am_report_free(am_report_t *r) {
  if (r->view) {
    free(r->b);
    free(r->groups);
    free(r->backends);
    memset(r, 0, sizeof *r);
    return;
  }
  for (size_t i = 0; i < r->n_b; i++) {
    free(r->b[i].lat);
    free(r->b[i].tl_t);
    free(r->b[i].tl_rss);
  }
  for (size_t i = 0; i < r->n_files; i++) {
    for (int k = 0; k < AM_CTX_N; k++) free(r->files[i].ctx[k]);
    free(r->files[i].path);
    cJSON_Delete(r->files[i].root);
  }
  free(r->b);
  free(r->files);
  free(r->groups);
  free(r->backends);
  memset(r, 0, sizeof *r);
}

const am_rbench_t *am_report_find(const am_report_t *r, size_t g, const char *backend) {
  const am_rgroup_t *grp = &r->groups[g];
  for (size_t i = grp->first; i < grp->first + grp->count; i++)
    if (strcmp(r->b[i].backend, backend) == 0) return &r->b[i];
  return NULL;
}

double am_report_ratio(const am_report_t *r, const am_rbench_t *b, int id, double v) {
  const am_rbench_t *s = r->groups[b->group].sys;
  return am_ratio(v, s != NULL ? s->m[id].median : NAN);
}

const char *am_report_colour(const am_rbench_t *b) {
  return b->colour[0] != '\0' ? b->colour : am_registry_colour(b->backend);
}
