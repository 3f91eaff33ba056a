/* harness/cli/report_tables.c — the machine-readable tables of `allocmark report --table
 * NAME` (TSV, CSV or Markdown) and `--tables DIR` (all of them, and the per-pattern ones
 * the charts draw, from one read of the run folder), read by the gnuplot scripts in
 * plots/ and by spreadsheets.
 *
 * Long format, one row per benchmark (or per point), a header row of column names,
 * numbers printed exactly (%.9g), a missing value as an empty cell. Every chart-facing
 * table carries `group` (the row's pattern × threads position, 0-based) and `slot`
 * (the backend's position in the canonical order), so the gnuplot scripts can place
 * grouped bars without counting, and `status`, so they can mark failures. Each table is
 * built as one table model (table.h) and written by its renderer for the format. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "report.h"
#include "table.h"

const char *const am_rtable_names[] = {"time", "rss", "scaling", "latency", "timeline",
                                       "failures", "patterns", "backends", "meta", NULL};
const char *const am_rtable_help[] = {
  "median/min/max ns per op, 95 % CI, ratio to system (and min/max ratio) per benchmark",
  "peak RSS and its growth over the baseline (median/min/max bytes), memory overhead",
  "ops per second (median/min/max) per pattern, backend and thread count",
  "latency percentiles p50..p99.99 and max (ns) per benchmark and op kind, timer cost",
  "RSS timeline points (ms since start, bytes) per benchmark",
  "benchmarks whose status is not ok, with their error",
  "one row per pattern x threads: flags for thread sweep, latency, timeline, failures",
  "backends in chart order, with version, configuration and chart colour",
  "key/value: the environment (machine, host, CPU, cores, date, commit, ...)",
  NULL};

/* A figure column: which aggregate (metric_table.h), which of its fields, and whether
 * it is shown as the ratio to the group's `system` median (am_report_ratio). */
enum { F_MED, F_MIN, F_MAX, F_LO, F_HI, F_COV, F_NOISY };
typedef struct col_s {
  const char *name;
  int metric, field, ratio;
} col_t;

static const col_t time_cols[] = {
  {"median_ns", AM_M_NS_PER_OP, F_MED, 0}, {"min_ns", AM_M_NS_PER_OP, F_MIN, 0},
  {"max_ns", AM_M_NS_PER_OP, F_MAX, 0}, {"ci95_low_ns", AM_M_NS_PER_OP, F_LO, 0},
  {"ci95_high_ns", AM_M_NS_PER_OP, F_HI, 0}, {"ci_coverage", AM_M_NS_PER_OP, F_COV, 0},
  {"ratio", AM_M_NS_PER_OP, F_MED, 1}, {"ratio_min", AM_M_NS_PER_OP, F_MIN, 1},
  {"ratio_max", AM_M_NS_PER_OP, F_MAX, 1}, {"noisy", AM_M_NS_PER_OP, F_NOISY, 0}, {NULL, 0, 0, 0}};
static const col_t rss_cols[] = {
  {"peak_rss_bytes", AM_M_PEAK_RSS_BYTES, F_MED, 0}, {"peak_rss_min", AM_M_PEAK_RSS_BYTES, F_MIN, 0},
  {"peak_rss_max", AM_M_PEAK_RSS_BYTES, F_MAX, 0}, {"overhead", AM_M_MEMORY_OVERHEAD, F_MED, 0},
  {"overhead_min", AM_M_MEMORY_OVERHEAD, F_MIN, 0}, {"overhead_max", AM_M_MEMORY_OVERHEAD, F_MAX, 0},
  {"growth_bytes", AM_M_PEAK_RSS_GROWTH_BYTES, F_MED, 0}, {"growth_min", AM_M_PEAK_RSS_GROWTH_BYTES, F_MIN, 0},
  {"growth_max", AM_M_PEAK_RSS_GROWTH_BYTES, F_MAX, 0}, {NULL, 0, 0, 0}};
static const col_t scaling_cols[] = {
  {"ops_per_s", AM_M_OPS_PER_S, F_MED, 0}, {"ops_per_s_min", AM_M_OPS_PER_S, F_MIN, 0},
  {"ops_per_s_max", AM_M_OPS_PER_S, F_MAX, 0}, {NULL, 0, 0, 0}};

static const char *const bench_key_cols[] = {"pattern", "threads", "backend", "status", "group", "slot", "label", NULL};

static int ok(const am_rbench_t *b) { return strcmp(b->status, "ok") == 0; }

/* Group label for the x axis: the pattern, with the thread count when it sweeps. */
static const char *label(const am_rgroup_t *g, char *buf, size_t cap) {
  if (!g->sweep) return g->pattern;
  snprintf(buf, cap, "%s (%ut)", g->pattern, g->threads);
  return buf;
}

static void key_cells(am_table_t *t, const am_report_t *r, const am_rbench_t *b) {
  char l[256];
  am_table_add(t, b->pattern);
  am_table_num(t, b->threads);
  am_table_add(t, b->backend);
  am_table_add(t, b->status);
  am_table_num(t, (double)b->group);
  am_table_num(t, (double)b->slot);
  am_table_add(t, label(&r->groups[b->group], l, sizeof l));
}

static void figure_cols(am_table_t *t, const char *const *keys, const col_t *cols) {
  am_table_cols(t, keys);
  for (; cols->name != NULL; cols++) am_table_col(t, cols->name, 1);
}

/* The figure cells of an ok benchmark (empty when failed or the aggregate is absent). */
static void figure_cells(am_table_t *t, const am_report_t *r, const am_rbench_t *b, const col_t *cols) {
  for (; cols->name != NULL; cols++) {
    const am_rstat_t *s = &b->m[cols->metric];
    double v = NAN;
    if (ok(b) && s->has) {
      const double f[] = {s->median, s->min, s->max, s->ci_lo, s->ci_hi, s->cov, s->noisy};
      v = f[cols->field];
      if (cols->ratio) v = am_report_ratio(r, b, cols->metric, v);
    }
    am_table_num(t, v);
  }
}

static void t_time(am_table_t *t, const am_report_t *r) {
  figure_cols(t, bench_key_cols, time_cols);
  for (size_t i = 0; i < r->n_b; i++) {
    key_cells(t, r, &r->b[i]);
    figure_cells(t, r, &r->b[i], time_cols);
  }
}

static void t_rss(am_table_t *t, const am_report_t *r) {
  figure_cols(t, bench_key_cols, rss_cols);
  for (size_t i = 0; i < r->n_b; i++) {
    key_cells(t, r, &r->b[i]);
    figure_cells(t, r, &r->b[i], rss_cols);
  }
}

static void t_scaling(am_table_t *t, const am_report_t *r) {
  static const char *const keys[] = {"pattern", "threads", "backend", "status", "group", "slot", NULL};
  figure_cols(t, keys, scaling_cols);
  /* By pattern, backend, threads: each backend's points are consecutive (one line). */
  for (size_t g = 0; g < r->n_groups; g++) {
    if (g > 0 && strcmp(r->groups[g - 1].pattern, r->groups[g].pattern) == 0) continue;
    size_t end = g;
    while (end < r->n_groups && strcmp(r->groups[end].pattern, r->groups[g].pattern) == 0) end++;
    for (size_t k = 0; k < r->n_backends; k++)
      for (size_t h = g; h < end; h++) {
        const am_rbench_t *b = am_report_find(r, h, r->backends[k]);
        if (b == NULL) continue;
        am_table_add(t, b->pattern); am_table_num(t, b->threads); am_table_add(t, b->backend);
        am_table_add(t, b->status); am_table_num(t, (double)b->group); am_table_num(t, (double)b->slot);
        figure_cells(t, r, b, scaling_cols);
      }
  }
}

static void t_latency(am_table_t *t, const am_report_t *r) {
  static const char *const cols[] = {"pattern", "threads", "backend", "slot", "op", "count",
    "p50_ns", "p90_ns", "p99_ns", "p99.9_ns", "p99.99_ns", "max_ns", "timer_ns", NULL};
  am_table_cols(t, cols);
  for (size_t i = 0; i < r->n_b; i++) {
    const am_rbench_t *b = &r->b[i];
    for (size_t k = 0; k < b->n_lat; k++) {
      const am_rlat_t *x = &b->lat[k];
      am_table_add(t, b->pattern); am_table_num(t, b->threads); am_table_add(t, b->backend);
      am_table_num(t, (double)b->slot); am_table_add(t, x->op);
      am_table_num(t, x->count >= 0 ? x->count : NAN);
      for (int p = 0; p < AM_RLAT_N; p++) am_table_num(t, x->p[p] >= 0 ? x->p[p] : NAN);
      am_table_num(t, b->timer_ns >= 0 ? b->timer_ns : NAN);
    }
  }
}

static void t_timeline(am_table_t *t, const am_report_t *r) {
  static const char *const cols[] = {"pattern", "threads", "backend", "slot", "t_ms", "rss_bytes", NULL};
  am_table_cols(t, cols);
  for (size_t i = 0; i < r->n_b; i++) {
    const am_rbench_t *b = &r->b[i];
    for (size_t k = 0; k < b->n_tl; k++) {
      am_table_add(t, b->pattern); am_table_num(t, b->threads); am_table_add(t, b->backend);
      am_table_num(t, (double)b->slot); am_table_num(t, b->tl_t[k]); am_table_num(t, b->tl_rss[k]);
    }
  }
}

static void t_failures(am_table_t *t, const am_report_t *r) {
  am_table_cols(t, bench_key_cols);
  am_table_col(t, "error", 0);
  for (size_t i = 0; i < r->n_b; i++) {
    if (ok(&r->b[i])) continue;
    key_cells(t, r, &r->b[i]);
    am_table_add(t, r->b[i].error);
  }
}

static void t_patterns(am_table_t *t, const am_report_t *r) {
  static const char *const cols[] = {"pattern", "threads", "group", "label", "sweep", "latency",
    "timeline", "benchmarks", "failed", NULL};
  am_table_cols(t, cols);
  for (size_t g = 0; g < r->n_groups; g++) {
    const am_rgroup_t *grp = &r->groups[g];
    size_t lat = 0, tl = 0, failed = 0;
    for (size_t i = grp->first; i < grp->first + grp->count; i++) {
      lat += r->b[i].n_lat > 0;
      tl += r->b[i].n_tl > 0;
      failed += !ok(&r->b[i]);
    }
    char l[256];
    am_table_add(t, grp->pattern); am_table_num(t, grp->threads); am_table_num(t, (double)g);
    am_table_add(t, label(grp, l, sizeof l)); am_table_num(t, grp->sweep); am_table_num(t, lat > 0);
    am_table_num(t, tl > 0); am_table_num(t, (double)grp->count); am_table_num(t, (double)failed);
  }
}

static void t_backends(am_table_t *t, const am_report_t *r) {
  static const char *const cols[] = {"slot", "backend", "version", "config", "colour", NULL};
  am_table_cols(t, cols);
  for (size_t k = 0; k < r->n_backends; k++) {
    const am_rbench_t *b = NULL;
    for (size_t i = 0; i < r->n_b && b == NULL; i++)
      if (strcmp(r->b[i].backend, r->backends[k]) == 0) b = &r->b[i];
    am_table_num(t, (double)k); am_table_add(t, b->backend); am_table_add(t, b->version);
    am_table_add(t, b->config);
    am_table_add(t, am_report_colour(b));
  }
}

static void t_meta(am_table_t *t, const am_report_t *r) {
  static const char *const cols[] = {"key", "value", NULL};
  const am_rfile_t *f = &r->files[0];
  am_table_cols(t, cols);
  am_table_add(t, "machine");
  am_table_addf(t, "%s%s%s%s%s%s", f->ctx[AM_CTX_HOST] ? f->ctx[AM_CTX_HOST] : "unknown host",
                f->ctx[AM_CTX_CPU] ? ", " : "", f->ctx[AM_CTX_CPU] ? f->ctx[AM_CTX_CPU] : "",
                f->ctx[AM_CTX_CORES] ? ", " : "", f->ctx[AM_CTX_CORES] ? f->ctx[AM_CTX_CORES] : "",
                f->ctx[AM_CTX_CORES] ? " cores" : "");
  for (int k = 0; k < AM_CTX_N; k++) {
    am_table_add(t, am_ctx_keys[k]);
    am_table_add(t, f->ctx[k] != NULL ? f->ctx[k] : "");
  }
  am_table_add(t, "files");
  am_table_num(t, (double)r->n_files);
}

static void (*const table_fns[])(am_table_t *, const am_report_t *) = {
  t_time, t_rss, t_scaling, t_latency, t_timeline, t_failures, t_patterns, t_backends, t_meta};

int am_report_table(const am_report_t *r, const char *name, am_rformat_t f, FILE *out) {
  for (size_t i = 0; am_rtable_names[i] != NULL; i++) {
    if (strcmp(name, am_rtable_names[i]) != 0) continue;
    am_table_t t;
    am_table_init(&t);
    table_fns[i](&t, r);
    int rc = am_table_write(&t, f, out);
    am_table_free(&t);
    return rc;
  }
  return AM_EINVAL;
}
