/* harness/cli/compare.c — the core of `allocmark compare` (compare.h): pair the
 * benchmarks of two results, read each metric from their raw ok samples, and give the
 * ratio of medians, its CI, the Mann–Whitney p-value (harness/common/signif.h) and a
 * verdict. Benchmarks that cannot be compared (failed, missing on one side, different
 * operation streams, too few samples) are listed with the reason, never dropped. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "compare.h"
#include "signif.h"
#include "stats.h"

/* Comparable: an aggregated metric of the metrics table with a direction. */
int am_cmp_metric_ok(const am_cmp_metric_t *m) { return m->better != AM_NEITHER && am_metric_aggregated(m); }

const am_cmp_metric_t *am_cmp_metric_find(const char *name) {
  const am_cmp_metric_t *m = am_metric_find(name);
  return m != NULL && am_cmp_metric_ok(m) ? m : NULL;
}

void am_cmp_opts_default(am_cmp_opts_t *o) {
  memset(o, 0, sizeof *o);
  o->alpha = 0.05;
  o->min_effect = 0;
  o->level = 0.95;
}

/* Finite values of metric m in the ok samples of benchmark b, into x (malloc'd). */
static size_t samples_of(const am_rbench_t *b, const am_cmp_metric_t *m, double **x) {
  *x = NULL;
  const cJSON *arr = b->json != NULL ? cJSON_GetObjectItemCaseSensitive(b->json, "samples") : NULL, *s;
  size_t n = (size_t)cJSON_GetArraySize(arr), k = 0;
  if (n == 0 || (*x = malloc(n * sizeof **x)) == NULL) return 0;
  cJSON_ArrayForEach(s, arr) {
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(s, "status");
    if (!cJSON_IsString(st) || strcmp(st->valuestring, "ok") != 0) continue;
    const cJSON *o = m->parent != NULL ? cJSON_GetObjectItemCaseSensitive(s, m->parent) : s;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, m->name);
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) (*x)[k++] = v->valuedouble;
  }
  return k;
}

/* The stream checksum of the first ok sample ("" when none). */
static const char *checksum_of(const am_rbench_t *b) {
  const cJSON *arr = b->json != NULL ? cJSON_GetObjectItemCaseSensitive(b->json, "samples") : NULL, *s;
  cJSON_ArrayForEach(s, arr) {
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(s, "checksum");
    if (cJSON_IsString(c)) return c->valuestring;
  }
  return "";
}

static int grow(void **p, size_t n, size_t size) {
  /* capacity: 8, then doubling at each power of two from 8 on */
  if (n != 0 && (n < 8 || (n & (n - 1)) != 0)) return 0;
  void *q = realloc(*p, (n ? 2 * n : 8) * size);
  if (q == NULL) return -1;
  *p = q;
  return 0;
}

static int skip(am_cmp_list_t *l, const am_rbench_t *b, const char *backend, const char *why) {
  if (grow((void **)&l->s, l->n_skip, sizeof *l->s) != 0) return AM_ENOMEM;
  am_cmp_skip_t *s = &l->s[l->n_skip++];
  s->workload = b->pattern;
  s->backend = backend;
  s->threads = b->threads;
  snprintf(s->reason, sizeof s->reason, "%s", why);
  return 0;
}

static double median_of(double *x, size_t n) {
  am_summary_t s;
  double *c = malloc(n * sizeof *c);
  if (c == NULL) return NAN;
  memcpy(c, x, n * sizeof *c);
  am_summarize(c, n, &s);
  free(c);
  return s.median;
}

/* One metric of one pair; appends a comparison (or nothing when neither has it). */
static int compare_metric(am_cmp_list_t *l, const am_rbench_t *a, const am_rbench_t *b, const char *backend,
                          const am_cmp_metric_t *m, const am_cmp_opts_t *o) {
  double *xa, *xb;
  size_t na = samples_of(a, m, &xa), nb = samples_of(b, m, &xb);
  int rc = 0;
  if (na == 0 || nb == 0) {
    if ((na != 0 || nb != 0 || o->explicit_metrics)) {
      char why[160];
      snprintf(why, sizeof why, "%s: no ok sample with a value in %s", m->name, na == 0 ? "A" : "B");
      rc = skip(l, b, backend, why);
    }
    free(xa); free(xb);
    return rc;
  }
  if (grow((void **)&l->c, l->n, sizeof *l->c) != 0) { free(xa); free(xb); return AM_ENOMEM; }
  am_cmp_t *c = &l->c[l->n++];
  memset(c, 0, sizeof *c);
  c->workload = b->pattern;
  c->threads = b->threads;
  c->backend = backend;
  c->base_backend = a->backend;
  c->metric = m;
  c->na = na; c->nb = nb;
  c->med_a = median_of(xa, na);
  c->med_b = median_of(xb, nb);
  c->ratio = am_ratio(c->med_b, c->med_a); /* fmt.h, as report and run's console */
  if (am_ratio_ci(xa, na, xb, nb, o->level, &c->ci_lo, &c->ci_hi, &c->ci_cov) != 0)
    c->ci_lo = c->ci_hi = c->ci_cov = NAN;
  c->p = am_mwu_p(xa, na, xb, nb);
  c->verdict = "same";
  if (isfinite(c->p) && c->p < o->alpha && isfinite(c->ratio) && fabs(c->ratio - 1) >= o->min_effect &&
      c->ratio != 1) {
    int b_lower = c->ratio < 1;
    c->verdict = b_lower != (m->better == AM_HIGHER) ? "faster" : "slower";
  }
  if (strcmp(c->verdict, "faster") == 0) l->n_faster++;
  else if (strcmp(c->verdict, "slower") == 0) l->n_slower++;
  else l->n_same++;
  free(xa); free(xb);
  return 0;
}

/* Every metric of one pair (a: baseline). */
static int compare_pair(am_cmp_list_t *l, const am_rbench_t *a, const am_rbench_t *b, const char *backend,
                        const am_cmp_opts_t *o) {
  char why[160];
  if (strcmp(a->status, "ok") != 0 || strcmp(b->status, "ok") != 0) {
    snprintf(why, sizeof why, "not ok: A %s, B %s", a->status, b->status);
    return skip(l, b, backend, why);
  }
  const char *ca = checksum_of(a), *cb = checksum_of(b);
  if (ca[0] != '\0' && cb[0] != '\0' && strcmp(ca, cb) != 0) {
    snprintf(why, sizeof why, "different operation streams (checksum %.16s against %.16s)", ca, cb);
    return skip(l, b, backend, why);
  }
  if (o->n_metrics == 0) {
    int rc = compare_metric(l, a, b, backend, am_cmp_metric_find("ns_per_op"), o);
    if (rc == 0) rc = compare_metric(l, a, b, backend, am_cmp_metric_find("instructions_per_op"), o);
    return rc;
  }
  for (size_t i = 0; i < o->n_metrics; i++) {
    int rc = compare_metric(l, a, b, backend, o->metrics[i], o);
    if (rc != 0) return rc;
  }
  return 0;
}

static void list_init(am_cmp_list_t *l, const am_cmp_opts_t *o) {
  memset(l, 0, sizeof *l);
  l->opts = *o;
}

int am_compare_runs(const am_report_t *a, const am_report_t *b, const char *label_a, const char *label_b,
                    const am_cmp_opts_t *o, am_cmp_list_t *out, am_diag_t *d) {
  list_init(out, o);
  out->label_a = label_a;
  out->label_b = label_b;
  size_t matched = 0;
  for (size_t i = 0; i < b->n_b; i++) {
    const am_rbench_t *y = &b->b[i], *x = NULL;
    for (size_t g = 0; g < a->n_groups && x == NULL; g++)
      if (strcmp(a->groups[g].pattern, y->pattern) == 0 && a->groups[g].threads == y->threads)
        x = am_report_find(a, g, y->backend);
    int rc = x == NULL ? skip(out, y, y->backend, "only in B") : compare_pair(out, x, y, y->backend, o);
    if (rc != 0) return am_diag(d, rc, "out of memory");
    matched += x != NULL;
  }
  for (size_t i = 0; i < a->n_b; i++) {
    const am_rbench_t *x = &a->b[i], *y = NULL;
    for (size_t g = 0; g < b->n_groups && y == NULL; g++)
      if (strcmp(b->groups[g].pattern, x->pattern) == 0 && b->groups[g].threads == x->threads)
        y = am_report_find(b, g, x->backend);
    if (y == NULL && skip(out, x, x->backend, "only in A") != 0) return am_diag(d, AM_ENOMEM, "out of memory");
  }
  if (matched == 0)
    return am_diag(d, AM_EINVAL, "%s, %s: expected benchmarks in common (same pattern, backend and threads)",
                   label_a, label_b);
  return 0;
}

int am_compare_backends(const am_report_t *r, const char *x, const char *y, const am_cmp_opts_t *o,
                        am_cmp_list_t *out, am_diag_t *d) {
  list_init(out, o);
  out->within = 1;
  out->label_a = y;
  out->label_b = x;
  int seen_x = 0, seen_y = 0;
  size_t matched = 0;
  for (size_t g = 0; g < r->n_groups; g++) {
    const am_rbench_t *bx = am_report_find(r, g, x), *by = am_report_find(r, g, y);
    seen_x |= bx != NULL;
    seen_y |= by != NULL;
    int rc = 0;
    if (bx != NULL && by != NULL) { rc = compare_pair(out, by, bx, bx->backend, o); matched++; }
    else if (bx != NULL) rc = skip(out, bx, bx->backend, "no --vs backend in this group");
    else if (by != NULL) rc = skip(out, by, x, "no --backend benchmark in this group");
    if (rc != 0) return am_diag(d, rc, "out of memory");
  }
  const char *f = r->n_files > 0 ? r->files[0].path : "(results)";
  if (!seen_x) return am_diag(d, AM_EINVAL, "%s: benchmarks: expected backend '%s' (--backend)", f, x);
  if (!seen_y) return am_diag(d, AM_EINVAL, "%s: benchmarks: expected backend '%s' (--vs)", f, y);
  if (matched == 0)
    return am_diag(d, AM_EINVAL, "%s: benchmarks: expected '%s' and '%s' on a common pattern and thread count", f, x, y);
  return 0;
}

void am_cmp_list_free(am_cmp_list_t *l) {
  free(l->c);
  free(l->s);
  memset(l, 0, sizeof *l);
}

const am_cmp_t *am_cmp_find(const am_cmp_list_t *l, const char *workload, unsigned threads,
                            const char *backend, const char *metric) {
  for (size_t i = 0; i < l->n; i++) {
    const am_cmp_t *c = &l->c[i];
    if (c->threads == threads && strcmp(c->workload, workload) == 0 && strcmp(c->backend, backend) == 0 &&
        strcmp(c->metric->name, metric) == 0)
      return c;
  }
  return NULL;
}
