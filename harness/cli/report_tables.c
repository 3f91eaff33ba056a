/* harness/cli/report_tables.c — the machine-readable tables of `allocmark report
 * --table NAME` (TSV, CSV or Markdown), read by the gnuplot scripts in plots/ and by spreadsheets.
 *
 * Long format, one row per benchmark (or per point), a header row of column names,
 * numbers printed exactly (%.9g), a missing value as an empty cell. Every chart-facing
 * table carries `group` (the row's pattern × threads position, 0-based) and `slot`
 * (the backend's position in the canonical order), so the gnuplot scripts can place
 * grouped bars without counting, and `status`, so they can mark failures. */
#include <math.h>
#include <string.h>
#include "registry.h"
#include "report.h"

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

typedef struct tw_s {
  FILE *o;
  am_rformat_t f;
  int col, ncols;
} tw_t;

static void tw_str(tw_t *w, const char *s) {
  if (s == NULL) s = "";
  if (w->col > 0) fputs(w->f == AM_RFMT_TSV ? "\t" : w->f == AM_RFMT_CSV ? "," : " | ", w->o);
  else if (w->f == AM_RFMT_MD) fputs("| ", w->o);
  w->col++;
  if (w->f == AM_RFMT_CSV && strpbrk(s, ",\"\n\r") != NULL) {
    fputc('"', w->o);
    for (; *s; s++) {
      if (*s == '"') fputc('"', w->o);
      fputc(*s, w->o);
    }
    fputc('"', w->o);
    return;
  }
  for (; *s; s++) {
    char c = *s;
    if (c == '\n' || c == '\r' || (c == '\t' && w->f != AM_RFMT_CSV)) c = ' ';
    if (c == '|' && w->f == AM_RFMT_MD) fputc('\\', w->o);
    fputc(c, w->o);
  }
}

static void tw_num(tw_t *w, double v) {
  char buf[64];
  tw_str(w, isfinite(v) ? am_fmt_exact(buf, sizeof buf, v) : "");
}
static void tw_stat(tw_t *w, const am_rstat_t *s, double v) { tw_num(w, s->has ? v : NAN); }
static void tw_uint(tw_t *w, size_t v) { tw_num(w, (double)v); }

static void tw_end(tw_t *w) {
  fputs(w->f == AM_RFMT_MD ? " |\n" : "\n", w->o);
  w->col = 0;
}

static void tw_header(tw_t *w, const char *const *cols) {
  int n = 0;
  for (; cols[n] != NULL; n++) tw_str(w, cols[n]);
  tw_end(w);
  if (w->f == AM_RFMT_MD) {
    for (int i = 0; i < n; i++) fputs(i ? "---|" : "|---|", w->o);
    fputc('\n', w->o);
  }
}

/* Group label for the x axis: the pattern, with the thread count when it sweeps. */
static const char *label(const am_rgroup_t *g, char *buf, size_t cap) {
  if (!g->sweep) return g->pattern;
  snprintf(buf, cap, "%s (%ut)", g->pattern, g->threads);
  return buf;
}

static int ok(const am_rbench_t *b) { return strcmp(b->status, "ok") == 0; }

static void bench_keys(tw_t *w, const am_report_t *r, const am_rbench_t *b) {
  char l[256];
  tw_str(w, b->pattern);
  tw_uint(w, b->threads);
  tw_str(w, b->backend);
  tw_str(w, b->status);
  tw_uint(w, b->group);
  tw_uint(w, b->slot);
  tw_str(w, label(&r->groups[b->group], l, sizeof l));
}

static void t_time(tw_t *w, const am_report_t *r) {
  static const char *const cols[] = {"pattern", "threads", "backend", "status", "group", "slot", "label",
    "median_ns", "min_ns", "max_ns", "ci95_low_ns", "ci95_high_ns", "ci_coverage", "ratio", "ratio_min",
    "ratio_max", "noisy", NULL};
  tw_header(w, cols);
  for (size_t i = 0; i < r->n_b; i++) {
    const am_rbench_t *b = &r->b[i], *s = r->groups[b->group].sys;
    const am_rstat_t *ns = &b->m[AM_M_NS_PER_OP];
    int has = ok(b) && ns->has;
    double base = s != NULL && s->m[AM_M_NS_PER_OP].median > 0 ? s->m[AM_M_NS_PER_OP].median : NAN;
    bench_keys(w, r, b);
    tw_num(w, has ? ns->median : NAN);
    tw_num(w, has ? ns->min : NAN);
    tw_num(w, has ? ns->max : NAN);
    tw_num(w, has ? ns->ci_lo : NAN);
    tw_num(w, has ? ns->ci_hi : NAN);
    tw_num(w, has ? ns->cov : NAN);
    tw_num(w, has ? ns->median / base : NAN);
    tw_num(w, has ? ns->min / base : NAN);
    tw_num(w, has ? ns->max / base : NAN);
    tw_num(w, has ? ns->noisy : NAN);
    tw_end(w);
  }
}

static void t_rss(tw_t *w, const am_report_t *r) {
  static const char *const cols[] = {"pattern", "threads", "backend", "status", "group", "slot", "label",
    "peak_rss_bytes", "peak_rss_min", "peak_rss_max", "overhead", "overhead_min", "overhead_max",
    "growth_bytes", "growth_min", "growth_max", NULL};
  tw_header(w, cols);
  for (size_t i = 0; i < r->n_b; i++) {
    const am_rbench_t *b = &r->b[i];
    am_rstat_t none = {0};
    const am_rstat_t *m = ok(b) ? &b->m[AM_M_PEAK_RSS_BYTES] : &none, *v = ok(b) ? &b->m[AM_M_MEMORY_OVERHEAD] : &none,
                     *gr = ok(b) ? &b->m[AM_M_PEAK_RSS_GROWTH_BYTES] : &none;
    bench_keys(w, r, b);
    tw_stat(w, m, m->median); tw_stat(w, m, m->min); tw_stat(w, m, m->max);
    tw_stat(w, v, v->median); tw_stat(w, v, v->min); tw_stat(w, v, v->max);
    tw_stat(w, gr, gr->median); tw_stat(w, gr, gr->min); tw_stat(w, gr, gr->max);
    tw_end(w);
  }
}

static void t_scaling(tw_t *w, const am_report_t *r) {
  static const char *const cols[] = {"pattern", "threads", "backend", "status", "group", "slot",
    "ops_per_s", "ops_per_s_min", "ops_per_s_max", NULL};
  tw_header(w, cols);
  /* By pattern, backend, threads: each backend's points are consecutive (one line). */
  for (size_t g = 0; g < r->n_groups; g++) {
    if (g > 0 && strcmp(r->groups[g - 1].pattern, r->groups[g].pattern) == 0) continue;
    size_t end = g;
    while (end < r->n_groups && strcmp(r->groups[end].pattern, r->groups[g].pattern) == 0) end++;
    for (size_t k = 0; k < r->n_backends; k++)
      for (size_t h = g; h < end; h++) {
        const am_rbench_t *b = am_report_find(r, h, r->backends[k]);
        if (b == NULL) continue;
        am_rstat_t none = {0};
        const am_rstat_t *s = ok(b) ? &b->m[AM_M_OPS_PER_S] : &none;
        tw_str(w, b->pattern); tw_uint(w, b->threads); tw_str(w, b->backend); tw_str(w, b->status);
        tw_uint(w, b->group); tw_uint(w, b->slot);
        tw_stat(w, s, s->median); tw_stat(w, s, s->min); tw_stat(w, s, s->max);
        tw_end(w);
      }
  }
}

static void t_latency(tw_t *w, const am_report_t *r) {
  static const char *const cols[] = {"pattern", "threads", "backend", "slot", "op", "count",
    "p50_ns", "p90_ns", "p99_ns", "p99.9_ns", "p99.99_ns", "max_ns", "timer_ns", NULL};
  tw_header(w, cols);
  for (size_t i = 0; i < r->n_b; i++) {
    const am_rbench_t *b = &r->b[i];
    for (size_t k = 0; k < b->n_lat; k++) {
      const am_rlat_t *x = &b->lat[k];
      tw_str(w, b->pattern); tw_uint(w, b->threads); tw_str(w, b->backend); tw_uint(w, b->slot);
      tw_str(w, x->op);
      tw_num(w, x->count >= 0 ? x->count : NAN);
      for (int p = 0; p < AM_RLAT_N; p++) tw_num(w, x->p[p] >= 0 ? x->p[p] : NAN);
      tw_num(w, b->timer_ns >= 0 ? b->timer_ns : NAN);
      tw_end(w);
    }
  }
}

static void t_timeline(tw_t *w, const am_report_t *r) {
  static const char *const cols[] = {"pattern", "threads", "backend", "slot", "t_ms", "rss_bytes", NULL};
  tw_header(w, cols);
  for (size_t i = 0; i < r->n_b; i++) {
    const am_rbench_t *b = &r->b[i];
    for (size_t k = 0; k < b->n_tl; k++) {
      tw_str(w, b->pattern); tw_uint(w, b->threads); tw_str(w, b->backend); tw_uint(w, b->slot);
      tw_num(w, b->tl_t[k]); tw_num(w, b->tl_rss[k]);
      tw_end(w);
    }
  }
}

static void t_failures(tw_t *w, const am_report_t *r) {
  static const char *const cols[] = {"pattern", "threads", "backend", "status", "group", "slot", "label",
    "error", NULL};
  tw_header(w, cols);
  for (size_t i = 0; i < r->n_b; i++) {
    if (ok(&r->b[i])) continue;
    bench_keys(w, r, &r->b[i]);
    tw_str(w, r->b[i].error);
    tw_end(w);
  }
}

static void t_patterns(tw_t *w, const am_report_t *r) {
  static const char *const cols[] = {"pattern", "threads", "group", "label", "sweep", "latency",
    "timeline", "benchmarks", "failed", NULL};
  tw_header(w, cols);
  for (size_t g = 0; g < r->n_groups; g++) {
    const am_rgroup_t *grp = &r->groups[g];
    size_t lat = 0, tl = 0, failed = 0;
    for (size_t i = grp->first; i < grp->first + grp->count; i++) {
      lat += r->b[i].n_lat > 0;
      tl += r->b[i].n_tl > 0;
      failed += !ok(&r->b[i]);
    }
    char l[256];
    tw_str(w, grp->pattern); tw_uint(w, grp->threads); tw_uint(w, g); tw_str(w, label(grp, l, sizeof l));
    tw_uint(w, (size_t)grp->sweep); tw_uint(w, lat > 0); tw_uint(w, tl > 0);
    tw_uint(w, grp->count); tw_uint(w, failed);
    tw_end(w);
  }
}

static void t_backends(tw_t *w, const am_report_t *r) {
  static const char *const cols[] = {"slot", "backend", "version", "config", "colour", NULL};
  tw_header(w, cols);
  for (size_t k = 0; k < r->n_backends; k++) {
    const am_rbench_t *b = NULL;
    for (size_t i = 0; i < r->n_b && b == NULL; i++)
      if (strcmp(r->b[i].backend, r->backends[k]) == 0) b = &r->b[i];
    tw_uint(w, k); tw_str(w, b->backend); tw_str(w, b->version); tw_str(w, b->config);
    /* The colour the run recorded; in older files, the registry's (colour.h). */
    tw_str(w, b->colour[0] ? b->colour : am_registry_colour(b->backend));
    tw_end(w);
  }
}

static void t_meta(tw_t *w, const am_report_t *r) {
  static const char *const cols[] = {"key", "value", NULL};
  const am_rfile_t *f = &r->files[0];
  char machine[512];
  snprintf(machine, sizeof machine, "%s%s%s%s%s%s", f->ctx[AM_CTX_HOST] ? f->ctx[AM_CTX_HOST] : "unknown host",
           f->ctx[AM_CTX_CPU] ? ", " : "", f->ctx[AM_CTX_CPU] ? f->ctx[AM_CTX_CPU] : "",
           f->ctx[AM_CTX_CORES] ? ", " : "", f->ctx[AM_CTX_CORES] ? f->ctx[AM_CTX_CORES] : "",
           f->ctx[AM_CTX_CORES] ? " cores" : "");
  tw_header(w, cols);
  tw_str(w, "machine"); tw_str(w, machine); tw_end(w);
  for (int k = 0; k < AM_CTX_N; k++) {
    tw_str(w, am_ctx_keys[k]);
    tw_str(w, f->ctx[k] != NULL ? f->ctx[k] : "");
    tw_end(w);
  }
  tw_str(w, "files"); tw_uint(w, r->n_files); tw_end(w);
}

int am_report_table(const am_report_t *r, const char *name, am_rformat_t f, FILE *out) {
  static void (*const fns[])(tw_t *, const am_report_t *) = {
    t_time, t_rss, t_scaling, t_latency, t_timeline, t_failures, t_patterns, t_backends, t_meta};
  tw_t w = {.o = out, .f = f};
  for (size_t i = 0; am_rtable_names[i] != NULL; i++)
    if (strcmp(name, am_rtable_names[i]) == 0) { fns[i](&w, r); return 0; }
  return AM_EINVAL;
}
