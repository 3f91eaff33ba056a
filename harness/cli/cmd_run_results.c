/* harness/cli/cmd_run_results.c — from samples to a `benchmarks[]` entry (status,
 * aggregates per metric, latency percentiles, a representative RSS timeline) and the
 * console table printed at the end of `allocmark run`. Schema: results/README.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "cli.h"
#include "cmd_run.h"
#include "metric_table.h"
#include "registry.h"
#include "results.h"
#include "stats.h"
#include "table.h"

static const char *const pct_keys[] = {"p50", "p90", "p99", "p99_9", "p99_99"};

#define MAXS 1024

static int is_ok(const cJSON *s) {
  const cJSON *st = cJSON_GetObjectItem(s, "status");
  return cJSON_IsString(st) && strcmp(st->valuestring, "ok") == 0;
}

static double num_at(const cJSON *s, const char *parent, const char *key) {
  if (parent != NULL) s = cJSON_GetObjectItem(s, parent);
  const cJSON *v = cJSON_GetObjectItem(s, key);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* One aggregates.<key> per aggregated row of the metrics table (metric_table.h), over
 * the ok samples; AM_MF_AGG_IF rows are left out when no sample has them. */
static void add_aggregates(cJSON *bm, const cJSON *samples) {
  cJSON *ag = cJSON_AddObjectToObject(bm, "aggregates");
  double x[MAXS];
  for (const am_metric_t *m = am_metrics; m->name != NULL; m++) {
    if (!am_metric_aggregated(m)) continue;
    size_t n = 0, present = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, samples) {
      if (!is_ok(s) || n == MAXS) continue;
      x[n] = num_at(s, m->parent, m->name);
      if (isfinite(x[n])) present++;
      n++;
    }
    if ((m->flags & AM_MF_AGG_IF) && present == 0) continue; /* not measured */
    am_summary_t sum;
    am_summarize(x, n, &sum);
    cJSON_AddItemToObject(ag, m->name, am_summary_json(&sum));
  }
}

/* Latency: per op kind, the median over samples of each percentile; max of max. */
static void add_latency(cJSON *bm, const cJSON *samples) {
  const cJSON *s, *first = NULL;
  cJSON_ArrayForEach(s, samples) if (is_ok(s) && cJSON_IsObject(cJSON_GetObjectItem(s, "latency"))) { first = s; break; }
  if (first == NULL) { cJSON_AddNullToObject(bm, "latency"); return; }
  const cJSON *fl = cJSON_GetObjectItem(first, "latency");
  cJSON *l = cJSON_AddObjectToObject(bm, "latency");
  cJSON_AddItemToObject(l, "timer", cJSON_Duplicate(cJSON_GetObjectItem(fl, "timer"), 1));
  cJSON_AddItemToObject(l, "sample_every", cJSON_Duplicate(cJSON_GetObjectItem(fl, "sample_every"), 1));
  double x[MAXS];
  size_t n = 0;
  cJSON_ArrayForEach(s, samples)
    if (is_ok(s) && n < MAXS) x[n++] = num_at(cJSON_GetObjectItem(s, "latency"), "timer_cost_ns", "median");
  am_summary_t sum;
  am_summarize(x, n, &sum);
  am_json_add_num(l, "timer_cost_ns", sum.median);
  cJSON_AddStringToObject(l, "aggregation", "median over repetitions of each percentile; max is the largest max");
  cJSON *ops = cJSON_AddObjectToObject(l, "ops");
  const cJSON *kind;
  cJSON_ArrayForEach(kind, cJSON_GetObjectItem(fl, "ops")) {
    cJSON *k = cJSON_AddObjectToObject(ops, kind->string);
    for (size_t p = 0; p < sizeof pct_keys / sizeof *pct_keys; p++) {
      n = 0;
      cJSON_ArrayForEach(s, samples) {
        if (!is_ok(s) || n == MAXS) continue;
        const cJSON *ko = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "latency"), "ops"), kind->string);
        x[n++] = num_at(ko, NULL, pct_keys[p]);
      }
      am_summarize(x, n, &sum);
      am_json_add_num(k, pct_keys[p], sum.median);
    }
    double mx = NAN;
    cJSON_ArrayForEach(s, samples) {
      if (!is_ok(s)) continue;
      double v = num_at(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "latency"), "ops"), kind->string), NULL, "max");
      if (isfinite(v) && (!isfinite(mx) || v > mx)) mx = v;
    }
    am_json_add_num(k, "max", mx);
  }
}

/* The ok sample whose ns_per_op is the median (lower middle): its RSS timeline. */
static void add_timeline(cJSON *bm, const cJSON *samples) {
  double x[MAXS];
  size_t n = 0;
  const cJSON *s, *best = NULL;
  cJSON_ArrayForEach(s, samples) if (is_ok(s) && n < MAXS) x[n++] = num_at(s, NULL, "ns_per_op");
  am_summary_t sum;
  am_summarize(x, n, &sum);
  double target = n ? x[(n - 1) / 2] : NAN;
  cJSON_ArrayForEach(s, samples) if (is_ok(s) && num_at(s, NULL, "ns_per_op") == target) { best = s; break; }
  const cJSON *tl = best ? cJSON_GetObjectItem(best, "rss_timeline") : NULL;
  if (!cJSON_IsObject(tl)) { cJSON_AddNullToObject(bm, "rss_timeline"); return; }
  cJSON *c = cJSON_Duplicate(tl, 1);
  cJSON_AddItemToObject(c, "rep", cJSON_Duplicate(cJSON_GetObjectItem(best, "rep"), 1));
  cJSON_AddItemToObject(bm, "rss_timeline", c);
}

cJSON *am_run_spec_json(const am_backend_info_t *bi) {
  const am_backend_spec_t *sp = bi->spec;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "runner", sp != NULL ? sp->runner : bi->name);
  cJSON *lib = NULL;
  if (sp != NULL && sp->library[0]) { /* the so runner's config: path=... sha256=... size=... */
    lib = cJSON_CreateObject();
    cJSON_AddStringToObject(lib, "path", sp->library);
    const char *h = strstr(bi->config, "sha256="), *z = strstr(bi->config, " size=");
    if (h != NULL && strlen(h) >= 7 + 64) {
      char hex[65];
      snprintf(hex, sizeof hex, "%.64s", h + 7);
      cJSON_AddStringToObject(lib, "sha256", hex);
    } else cJSON_AddNullToObject(lib, "sha256");
    if (z != NULL) cJSON_AddNumberToObject(lib, "size", strtod(z + 6, NULL));
    else cJSON_AddNullToObject(lib, "size");
  }
  cJSON_AddItemToObject(o, "library", lib != NULL ? lib : cJSON_CreateNull());
  cJSON *env = cJSON_AddObjectToObject(o, "env");
  char *envv[AM_SPEC_MAX_ENV + 1];
  size_t n = sp != NULL ? am_backend_spec_env(sp, envv, AM_SPEC_MAX_ENV + 1) : 0;
  for (size_t i = 0; i < n && i < sp->n_user; i++) {
    char k[64];
    const char *eq = strchr(envv[i], '=');
    snprintf(k, sizeof k, "%.*s", (int)(eq - envv[i]), envv[i]);
    cJSON_AddStringToObject(env, k, eq + 1);
  }
  cJSON *rb = bi->read_back[0] ? cJSON_Parse(bi->read_back) : NULL;
  cJSON_AddItemToObject(o, "env_read_back", rb != NULL ? rb : cJSON_CreateNull());
  if (sp != NULL && sp->file[0]) cJSON_AddStringToObject(o, "file", sp->file);
  else cJSON_AddNullToObject(o, "file");
  if (sp != NULL && sp->description[0]) cJSON_AddStringToObject(o, "description", sp->description);
  else cJSON_AddNullToObject(o, "description");
  if (bi->error[0]) cJSON_AddStringToObject(o, "refused", bi->error);
  else cJSON_AddNullToObject(o, "refused");
  return o;
}

cJSON *am_run_benchmark(const am_backend_info_t *bi, unsigned threads, cJSON *samples) {
  cJSON *bm = cJSON_CreateObject();
  cJSON_AddStringToObject(bm, "backend", bi->name);
  cJSON_AddStringToObject(bm, "backend_version", bi->version);
  cJSON_AddStringToObject(bm, "backend_config", bi->config);
  cJSON_AddStringToObject(bm, "malloc_from", bi->malloc_from);
  cJSON_AddStringToObject(bm, "backend_colour", bi->colour);
  cJSON_AddItemToObject(bm, "backend_spec", am_run_spec_json(bi));
  cJSON_AddNumberToObject(bm, "threads", threads);
  size_t n = 0, bad = 0;
  const cJSON *s, *first_bad = NULL;
  cJSON_ArrayForEach(s, samples) {
    n++;
    if (!is_ok(s)) { bad++; if (first_bad == NULL) first_bad = s; }
  }
  if (first_bad == NULL) {
    cJSON_AddStringToObject(bm, "status", n ? "ok" : "error");
    if (n) cJSON_AddNullToObject(bm, "error");
    else cJSON_AddStringToObject(bm, "error", "no repetition ran");
  } else {
    const cJSON *st = cJSON_GetObjectItem(first_bad, "status"), *er = cJSON_GetObjectItem(first_bad, "error");
    char msg[1200];
    snprintf(msg, sizeof msg, "%zu of %zu repetitions failed; first (rep %d): %s", bad, n,
             cJSON_GetObjectItem(first_bad, "rep") ? cJSON_GetObjectItem(first_bad, "rep")->valueint : -1,
             cJSON_IsString(er) ? er->valuestring : "?");
    cJSON_AddStringToObject(bm, "status", cJSON_IsString(st) ? st->valuestring : "error");
    cJSON_AddStringToObject(bm, "error", msg);
  }
  cJSON_AddNumberToObject(bm, "repetitions", (double)n);
  cJSON_AddNumberToObject(bm, "ok_repetitions", (double)(n - bad));
  add_aggregates(bm, samples);
  add_latency(bm, samples);
  add_timeline(bm, samples);
  cJSON_AddItemToObject(bm, "samples", samples);
  return bm;
}

static double agg(const cJSON *bm, const char *metric, const char *field) {
  const cJSON *a = cJSON_GetObjectItem(cJSON_GetObjectItem(bm, "aggregates"), metric);
  return num_at(a, NULL, field);
}

void am_run_print_table(const char *pattern, const cJSON *benchmarks, unsigned reps) {
  unsigned seen[256];
  size_t ns = 0;
  const cJSON *bm;
  cJSON_ArrayForEach(bm, benchmarks) {
    unsigned t = (unsigned)num_at(bm, NULL, "threads");
    int dup = 0;
    for (size_t i = 0; i < ns; i++) dup |= seen[i] == t;
    if (!dup && ns < 256) seen[ns++] = t;
  }
  for (size_t g = 0; g < ns; g++) {
    double sys = NAN;
    cJSON_ArrayForEach(bm, benchmarks)
      if ((unsigned)num_at(bm, NULL, "threads") == seen[g] && am_registry_is_reference(cJSON_GetObjectItem(bm, "backend")->valuestring))
        sys = agg(bm, am_metrics[AM_M_NS_PER_OP].name, "median");
    printf("\n%s, %u thread%s, %u repetition%s\n", pattern, seen[g], seen[g] == 1 ? "" : "s", reps, reps == 1 ? "" : "s");
    am_table_t t;
    am_table_init(&t);
    am_table_col(&t, "backend", 0);
    char head[64];
    snprintf(head, sizeof head, "%s median [95%% CI]", am_metrics[AM_M_NS_PER_OP].label);
    am_table_col(&t, head, 0);
    am_table_col(&t, "vs system", 1);
    am_table_col(&t, am_metrics[AM_M_PEAK_RSS_GROWTH_BYTES].label, 1);
    am_table_col(&t, am_metrics[AM_M_PEAK_RSS_BYTES].label, 1);
    am_table_col(&t, am_metrics[AM_M_MEMORY_OVERHEAD].label, 1);
    am_table_col(&t, "status", 0);
    cJSON_ArrayForEach(bm, benchmarks) {
      if ((unsigned)num_at(bm, NULL, "threads") != seen[g]) continue;
      double med = agg(bm, am_metrics[AM_M_NS_PER_OP].name, "median"), lo = agg(bm, am_metrics[AM_M_NS_PER_OP].name, "ci95_low"),
             hi = agg(bm, am_metrics[AM_M_NS_PER_OP].name, "ci95_high"), cov = agg(bm, am_metrics[AM_M_NS_PER_OP].name, "ci_coverage");
      const cJSON *noisy = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(bm, "aggregates"), am_metrics[AM_M_NS_PER_OP].name), "noisy");
      char ci[64] = "-", rel[16], rss[24], growth[24], over[16] = "-";
      if (isfinite(med))
        snprintf(ci, sizeof ci, "%.2f [%.2f, %.2f]%s%s", med, lo, hi, isfinite(cov) && cov < 0.95 ? "*" : "",
                 cJSON_IsTrue(noisy) ? " ~" : "");
      am_fmt_ratio(rel, sizeof rel, am_ratio(med, sys), "x");
      am_fmt_bytes(rss, sizeof rss, agg(bm, am_metrics[AM_M_PEAK_RSS_BYTES].name, "median"));
      am_fmt_bytes(growth, sizeof growth, agg(bm, am_metrics[AM_M_PEAK_RSS_GROWTH_BYTES].name, "median"));
      double ov = agg(bm, am_metrics[AM_M_MEMORY_OVERHEAD].name, "median");
      if (isfinite(ov)) snprintf(over, sizeof over, "%.2f", ov);
      else if (num_at(bm, NULL, "ok_repetitions") > 0) snprintf(over, sizeof over, "n/a"); /* too few live bytes */
      am_table_add(&t, cJSON_GetObjectItem(bm, "backend")->valuestring);
      am_table_add(&t, ci);
      am_table_add(&t, rel[0] ? rel : "-");
      am_table_add(&t, growth);
      am_table_add(&t, rss);
      am_table_add(&t, over);
      am_table_add(&t, cJSON_GetObjectItem(bm, "status")->valuestring);
    }
    am_table_write(&t, AM_TFMT_TEXT, stdout);
    am_table_free(&t);
  }
  printf("  * CI covers less than 95 %% (fewer than 6 repetitions: [min, max]);  ~ noisy (cv > 5 %%)\n");
  printf("  RSS growth = peak RSS - RSS before the workload (peak RSS includes the harness's op streams)\n");
  printf("  overhead = RSS growth / peak live requested bytes (one thread: planned,\n"
         "  exact; several: observed at run time); n/a: fewer than %u bytes live\n", AM_OVERHEAD_MIN_LIVE_BYTES);
}
