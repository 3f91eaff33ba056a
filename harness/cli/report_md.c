/* harness/cli/report_md.c — the Markdown report of `allocmark report`: environment,
 * time per operation against `system`, memory, thread scaling, latency, failures and a
 * citation block. Output depends only on the results files (no clock, no paths beyond
 * the file names), so the same files always give the same report. */
#include <math.h>
#include <string.h>
#include "report.h"
#include "table.h"

enum { CELL = 512 };

static int is_ok(const am_rbench_t *b) { return strcmp(b->status, "ok") == 0; }
/* Compared for "fastest in the row": real allocators only, not the baselines. */
static int is_contender(const am_rbench_t *b) {
  return strcmp(b->backend, "bump") != 0 && strcmp(b->backend, "broken") != 0;
}

/* Columns of a table with one row per group and one column per backend. */
static void group_cols(am_table_t *t, const am_report_t *r) {
  am_table_col(t, "pattern", 0);
  am_table_col(t, "threads", 1);
  for (size_t k = 0; k < r->n_backends; k++) am_table_col(t, r->backends[k], 1);
}

/* Write the table as Markdown and free it. */
static void md_table(am_table_t *t, FILE *o) {
  am_table_write(t, AM_TFMT_MD, o);
  am_table_free(t);
}

/* Distinct values of one context key across files, joined with " / ". */
static void ctx_values(const am_report_t *r, int key, char *buf, size_t cap) {
  size_t o = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < r->n_files; i++) {
    const char *v = r->files[i].ctx[key];
    if (v == NULL) continue;
    int seen = 0;
    for (size_t j = 0; j < i; j++)
      if (r->files[j].ctx[key] != NULL && strcmp(r->files[j].ctx[key], v) == 0) seen = 1;
    if (seen) continue;
    int n = snprintf(buf + o, cap - o, "%s%s", o ? " / " : "", v);
    if (n < 0 || (size_t)n >= cap - o) break;
    o += (size_t)n;
  }
  if (o == 0) snprintf(buf, cap, "unknown");
}

static void environment(FILE *o, const am_report_t *r) {
  char v[2048];
  fputs("## Environment\n\n", o);
  am_report_env_warnings_md(r, o); /* report_env.c */
  am_table_t t;
  am_table_init(&t);
  am_table_col(&t, "", 0);
  am_table_col(&t, "", 0);
  for (int k = 0; k < AM_CTX_N; k++) {
    if (k == AM_CTX_CMDLINE) continue; /* per file, in the citation block */
    if (k == AM_CTX_DATE && r->n_files > 1) {
      const char *lo = NULL, *hi = NULL;
      for (size_t i = 0; i < r->n_files; i++) {
        const char *d = r->files[i].ctx[k];
        if (d == NULL) continue;
        if (lo == NULL || strcmp(d, lo) < 0) lo = d;
        if (hi == NULL || strcmp(d, hi) > 0) hi = d;
      }
      if (lo != NULL && strcmp(lo, hi) != 0) {
        am_table_add(&t, "dates");
        am_table_addf(&t, "%s … %s", lo, hi);
        continue;
      }
    }
    int any = 0;
    for (size_t i = 0; i < r->n_files; i++) any |= r->files[i].ctx[k] != NULL;
    if (!any) continue; /* e.g. no sanitizers, no frequency governor */
    ctx_values(r, k, v, sizeof v);
    am_table_add(&t, am_ctx_labels[k]);
    am_table_add(&t, v);
  }
  md_table(&t, o);
  am_table_init(&t);
  am_table_col(&t, "backend", 0);
  am_table_col(&t, "version", 0);
  am_table_col(&t, "configuration", 0);
  for (size_t k = 0; k < r->n_backends; k++) {
    const am_rbench_t *first = NULL;
    for (size_t i = 0; i < r->n_b && first == NULL; i++)
      if (strcmp(r->b[i].backend, r->backends[k]) == 0) first = &r->b[i];
    am_table_add(&t, r->backends[k]);
    am_table_add(&t, first->version[0] ? first->version : "—");
    am_table_add(&t, first->config[0] ? first->config : "—");
  }
  fputc('\n', o);
  md_table(&t, o);
  fputc('\n', o);
  am_report_shards_md(r, o); /* report_shards.c: merged runs only */
}

static void time_table(FILE *o, const am_report_t *r) {
  fputs("## Time per operation\n\n"
        "Median ns per operation over the repetitions, the 95 % confidence interval of the\n"
        "median in parentheses, and the ratio to `system` (backend median ÷ system median:\n"
        "below 1× is faster than glibc). **Bold**: the fastest allocator of the row.\n"
        "† marks a noisy figure (coefficient of variation above 5 %); * an interval that\n"
        "covers less than 95 % (with fewer than 6 repetitions it is [min, max]); ✗ a\n"
        "benchmark that failed (see Failures).\n\n", o);
  am_table_t t;
  am_table_init(&t);
  group_cols(&t, r);
  for (size_t g = 0; g < r->n_groups; g++) {
    const am_rgroup_t *grp = &r->groups[g];
    const am_rbench_t *best = NULL;
    for (size_t i = grp->first; i < grp->first + grp->count; i++) {
      const am_rbench_t *b = &r->b[i];
      if (is_ok(b) && b->m[AM_M_NS_PER_OP].has && is_contender(b) &&
          (best == NULL || b->m[AM_M_NS_PER_OP].median < best->m[AM_M_NS_PER_OP].median)) best = b;
    }
    am_table_add(&t, grp->pattern);
    am_table_num(&t, grp->threads);
    for (size_t k = 0; k < r->n_backends; k++) {
      const am_rbench_t *b = am_report_find(r, g, r->backends[k]);
      const am_rstat_t *ns = b != NULL ? &b->m[AM_M_NS_PER_OP] : NULL;
      char m[64], lo[64], hi[64], q[48], ratio[64] = "";
      if (b == NULL) { am_table_add(&t, ""); continue; }
      if (!is_ok(b) || !ns->has) { am_table_addf(&t, "✗ %s", b->status); continue; }
      am_fmt_ratio(q, sizeof q, am_report_ratio(r, b, AM_M_NS_PER_OP, ns->median), "×");
      if (q[0]) snprintf(ratio, sizeof ratio, " %s", q);
      am_fmt_num(m, sizeof m, ns->median);
      const char *mark = b == best ? "**" : "", *noisy = ns->noisy ? "†" : "";
      if (isfinite(ns->ci_lo) && isfinite(ns->ci_hi))
        am_table_addf(&t, "%s%s%s%s (%s–%s)%s%s", mark, m, noisy, mark, am_fmt_num(lo, sizeof lo, ns->ci_lo),
                      am_fmt_num(hi, sizeof hi, ns->ci_hi), isfinite(ns->cov) && ns->cov < 0.95 ? "*" : "", ratio);
      else
        am_table_addf(&t, "%s%s%s%s%s", mark, m, noisy, mark, ratio);
    }
  }
  md_table(&t, o);
  fputc('\n', o);
}

static void memory_table(FILE *o, const am_report_t *r) {
  fputs("## Memory\n\n"
        "Per cell: **peak RSS growth** over the pre-workload baseline (median over the\n"
        "repetitions of peak RSS − RSS before the workload, never below 0: what the\n"
        "allocator made resident for the workload), then in parentheses the raw peak\n"
        "resident set size (VmHWM, median), then · memory overhead = growth ÷ peak live\n"
        "requested bytes (1.00 would mean no overhead at all). The raw peak also counts\n"
        "what the harness holds before the workload starts (its operation streams, 16 bytes\n"
        "per operation, slot tables, threads), about the same for every backend and often\n"
        "far larger than the allocator's own memory: compare backends by the growth. ≈: a\n"
        "results file without the growth figure, shown as the peak RSS median minus the\n"
        "baseline median; —: no baseline in the file.\n\n", o);
  am_table_t t;
  am_table_init(&t);
  group_cols(&t, r);
  for (size_t g = 0; g < r->n_groups; g++) {
    am_table_add(&t, r->groups[g].pattern);
    am_table_num(&t, r->groups[g].threads);
    for (size_t k = 0; k < r->n_backends; k++) {
      const am_rbench_t *b = am_report_find(r, g, r->backends[k]);
      char rss[64], grow[64] = "—", ovh[64], ov[80] = "";
      if (b == NULL) { am_table_add(&t, ""); continue; }
      const am_rstat_t *peak = &b->m[AM_M_PEAK_RSS_BYTES], *gr = &b->m[AM_M_PEAK_RSS_GROWTH_BYTES],
                       *over = &b->m[AM_M_MEMORY_OVERHEAD];
      if (!is_ok(b) || !peak->has) { am_table_addf(&t, "✗ %s", b->status); continue; }
      am_fmt_bytes(rss, sizeof rss, peak->median);
      if (gr->has) am_fmt_bytes(grow, sizeof grow, gr->median);
      if (over->has) snprintf(ov, sizeof ov, " · %s", am_fmt_num(ovh, sizeof ovh, over->median));
      am_table_addf(&t, "%s%s (of %s)%s", b->growth_derived ? "≈" : "", grow, rss, ov);
    }
  }
  md_table(&t, o);
  fputc('\n', o);
}

static void scaling_tables(FILE *o, const am_report_t *r) {
  int any = 0;
  for (size_t g = 0; g < r->n_groups; g++) any |= r->groups[g].sweep;
  if (!any) return;
  fputs("## Thread scaling\n\nMedian throughput in million operations per second, by thread count.\n\n", o);
  for (size_t g = 0; g < r->n_groups; g++) {
    if (!r->groups[g].sweep || (g > 0 && strcmp(r->groups[g - 1].pattern, r->groups[g].pattern) == 0))
      continue;
    size_t end = g;
    while (end < r->n_groups && strcmp(r->groups[end].pattern, r->groups[g].pattern) == 0) end++;
    fprintf(o, "### %s\n\n", r->groups[g].pattern);
    am_table_t t;
    am_table_init(&t);
    am_table_col(&t, "backend", 0);
    for (size_t h = g; h < end; h++) {
      char head[48];
      snprintf(head, sizeof head, "%u thread%s", r->groups[h].threads, r->groups[h].threads > 1 ? "s" : "");
      am_table_col(&t, head, 1);
    }
    for (size_t k = 0; k < r->n_backends; k++) {
      int present = 0;
      for (size_t h = g; h < end; h++) present |= am_report_find(r, h, r->backends[k]) != NULL;
      if (!present) continue;
      am_table_add(&t, r->backends[k]);
      for (size_t h = g; h < end; h++) {
        const am_rbench_t *b = am_report_find(r, h, r->backends[k]);
        char v[64];
        if (b == NULL) am_table_add(&t, "");
        else if (!is_ok(b) || !b->m[AM_M_OPS_PER_S].has) am_table_addf(&t, "✗ %s", b->status);
        else am_table_add(&t, am_fmt_num(v, sizeof v, b->m[AM_M_OPS_PER_S].median / 1e6));
      }
    }
    md_table(&t, o);
    fputc('\n', o);
  }
}

static void latency_tables(FILE *o, const am_report_t *r) {
  int any = 0;
  for (size_t i = 0; i < r->n_b; i++) any |= r->b[i].n_lat > 0;
  if (!any) return;
  fputs("## Latency\n\nPer-operation latency in ns (log-linear histogram, ≤ 1 % bucket error), the\n"
        "median over the repetitions of each percentile, and the largest max; `timer` is\n"
        "the measured cost of one timing, included in the figures (nothing subtracted).\n\n", o);
  for (size_t g = 0; g < r->n_groups; g++) {
    const am_rgroup_t *grp = &r->groups[g];
    int has = 0;
    for (size_t i = grp->first; i < grp->first + grp->count; i++) has |= r->b[i].n_lat > 0;
    if (!has) continue;
    fprintf(o, "### %s, %u thread%s\n\n", grp->pattern, grp->threads, grp->threads > 1 ? "s" : "");
    am_table_t t;
    am_table_init(&t);
    am_table_col(&t, "backend", 0);
    am_table_col(&t, "op", 0);
    for (int p = 0; p < AM_RLAT_N; p++) am_table_col(&t, am_rlat_names[p], 1);
    am_table_col(&t, "timer", 1);
    for (size_t i = grp->first; i < grp->first + grp->count; i++) {
      const am_rbench_t *b = &r->b[i];
      char v[64];
      for (size_t k = 0; k < b->n_lat; k++) {
        am_table_add(&t, b->backend);
        am_table_add(&t, b->lat[k].op);
        for (int p = 0; p < AM_RLAT_N; p++)
          am_table_add(&t, b->lat[k].p[p] >= 0 ? am_fmt_num(v, sizeof v, b->lat[k].p[p]) : "—");
        am_table_add(&t, b->timer_ns >= 0 ? am_fmt_num(v, sizeof v, b->timer_ns) : "—");
      }
    }
    md_table(&t, o);
    fputc('\n', o);
  }
}

static void failures(FILE *o, const am_report_t *r) {
  fputs("## Failures\n\n", o);
  if (r->n_failed == 0) {
    fprintf(o, "None: all %zu benchmarks finished with status `ok`.\n\n", r->n_b);
    return;
  }
  fprintf(o, "%zu of %zu benchmarks did not finish with status `ok`; they have no figures above.\n\n",
          r->n_failed, r->n_b);
  am_table_t t;
  am_table_init(&t);
  static const struct { const char *name; int right; } cols[] = {
    {"pattern", 0}, {"threads", 1}, {"backend", 0}, {"status", 0}, {"error", 0}};
  for (size_t c = 0; c < sizeof cols / sizeof *cols; c++) am_table_col(&t, cols[c].name, cols[c].right);
  for (size_t i = 0; i < r->n_b; i++) {
    const am_rbench_t *b = &r->b[i];
    if (is_ok(b)) continue;
    am_table_add(&t, b->pattern);
    am_table_num(&t, b->threads);
    am_table_add(&t, b->backend);
    am_table_add(&t, b->status);
    am_table_add(&t, b->error[0] ? b->error : "(no message)");
  }
  md_table(&t, o);
  fputc('\n', o);
}

static const char *ctx_or(const am_rfile_t *f, int k, const char *dflt) {
  return f->ctx[k] != NULL ? f->ctx[k] : dflt;
}

static size_t count_patterns(const am_report_t *r) {
  size_t np = 0;
  for (size_t g = 0; g < r->n_groups; g++)
    np += g == 0 || strcmp(r->groups[g - 1].pattern, r->groups[g].pattern) != 0;
  return np;
}

static void citation(FILE *o, const am_report_t *r) {
  char v[2048];
  fputs("## Citation\n\nThe results files this report was made from (check them with `sha256sum -c`\n"
        "in the folder that holds them):\n\n```\n", o);
  for (size_t i = 0; i < r->n_files; i++) fprintf(o, "%s  %s\n", r->files[i].sha256, r->files[i].base);
  fputs("```\n\n", o);
  am_table_t t;
  am_table_init(&t);
  static const char *const cols[] = {"file", "pattern", "date", "git commit", "command line", NULL};
  am_table_cols(&t, cols);
  for (size_t i = 0; i < r->n_files; i++) {
    const am_rfile_t *f = &r->files[i];
    am_table_add(&t, f->base);
    am_table_add(&t, f->pattern);
    am_table_add(&t, ctx_or(f, AM_CTX_DATE, "unknown"));
    am_table_add(&t, ctx_or(f, AM_CTX_COMMIT, "unknown"));
    if (f->ctx[AM_CTX_CMDLINE] != NULL) am_table_addf(&t, "`%s`", f->ctx[AM_CTX_CMDLINE]);
    else am_table_add(&t, "unknown");
  }
  md_table(&t, o);
  ctx_values(r, AM_CTX_COMMIT, v, sizeof v);
  const am_rfile_t *f0 = &r->files[0];
  size_t np = count_patterns(r);
  fprintf(o, "\nSuggested citation:\n\n> allocmark (git commit %s), results of %zu pattern%s on %s",
          v, np, np > 1 ? "s" : "", ctx_or(f0, AM_CTX_HOST, "an unnamed host"));
  if (f0->ctx[AM_CTX_CPU] != NULL) fprintf(o, " (%s", f0->ctx[AM_CTX_CPU]);
  if (f0->ctx[AM_CTX_CPU] != NULL && f0->ctx[AM_CTX_CORES] != NULL) fprintf(o, ", %s cores", f0->ctx[AM_CTX_CORES]);
  if (f0->ctx[AM_CTX_CPU] != NULL) fputc(')', o);
  fprintf(o, ", %s; results files identified by the SHA-256 digests above.\n",
          ctx_or(f0, AM_CTX_DATE, "undated"));
}

void am_report_markdown(const am_report_t *r, FILE *o) {
  size_t np = count_patterns(r);
  fprintf(o, "# allocmark report\n\n%zu results file%s · %zu pattern%s · %zu backend%s · %zu benchmarks, "
             "%zu not ok.\n\n", r->n_files, r->n_files > 1 ? "s" : "", np, np > 1 ? "s" : "",
          r->n_backends, r->n_backends > 1 ? "s" : "", r->n_b, r->n_failed);
  environment(o, r);
  time_table(o, r);
  memory_table(o, r);
  scaling_tables(o, r);
  latency_tables(o, r);
  failures(o, r);
  citation(o, r);
}
