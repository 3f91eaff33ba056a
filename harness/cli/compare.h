/* harness/cli/compare.h — `allocmark compare`: is B different from A, benchmark by
 * benchmark, from the raw samples of two results (or of two backends in one).
 *
 *   compare.c      match benchmarks, read the samples, the statistics (signif.h), verdicts
 *   compare_out.c  the console table, Markdown and JSON writers
 *   cmd_compare.c  options and output (stdout or -o FILE)
 *
 * A benchmark is workload × backend × threads; each is compared per metric. The ratio is
 * median(B) / median(A) (for `--backend X --vs Y`: X / Y); the verdict is `faster` when B
 * is better (lower for costs like ns_per_op, higher for ops_per_s) with p < alpha and
 * |ratio − 1| >= min_effect, `slower` when worse under the same two conditions, else
 * `same`. For memory metrics `faster` reads "smaller". */
#ifndef AM_COMPARE_H
#define AM_COMPARE_H

#include <stddef.h>
#include <stdio.h>
#include "am_error.h"
#include "metric_table.h"
#include "report.h"

#define AM_CMP_MAX_METRICS 8

/* A metric that can be compared: a row of the metrics table (metric_table.h) that is
 * aggregated and has a direction (better: lower for costs, higher for throughput). */
typedef am_metric_t am_cmp_metric_t;
int am_cmp_metric_ok(const am_cmp_metric_t *m);
const am_cmp_metric_t *am_cmp_metric_find(const char *name);

typedef struct am_cmp_opts_s {
  double alpha;         /* significance level (default 0.05)               */
  double min_effect;    /* smallest |ratio − 1| called a difference (0)    */
  double level;         /* CI level (default 0.95)                         */
  const am_cmp_metric_t *metrics[AM_CMP_MAX_METRICS];
  size_t n_metrics;     /* 0: ns_per_op, and instructions_per_op where measured */
  int explicit_metrics; /* metrics named by --metric: report those missing */
} am_cmp_opts_t;
void am_cmp_opts_default(am_cmp_opts_t *o);

typedef struct am_cmp_s {
  const char *workload, *backend, *base_backend; /* base_backend: A's backend     */
  unsigned threads;
  const am_cmp_metric_t *metric;
  size_t na, nb;              /* samples with a value                           */
  double med_a, med_b, ratio; /* ratio = med_b / med_a                          */
  double ci_lo, ci_hi, ci_cov;/* CI of the ratio and its coverage (NaN: none)   */
  double p;                   /* Mann–Whitney U, two-sided                      */
  const char *verdict;        /* "faster", "slower", "same"                     */
} am_cmp_t;

typedef struct am_cmp_skip_s {
  const char *workload, *backend;
  unsigned threads;
  char reason[160];
} am_cmp_skip_t;

typedef struct am_cmp_list_s {
  am_cmp_t *c;       size_t n;
  am_cmp_skip_t *s;  size_t n_skip;
  size_t n_faster, n_slower, n_same;
  int within;                  /* 1: --backend X --vs Y in one results       */
  const char *label_a, *label_b;
  am_cmp_opts_t opts;
} am_cmp_list_t;

/* B relative to A. 0, or AM_EINVAL with d set (nothing in common). */
int am_compare_runs(const am_report_t *a, const am_report_t *b, const char *label_a, const char *label_b,
                    const am_cmp_opts_t *o, am_cmp_list_t *out, am_diag_t *d);
/* Backend x relative to backend y, both in r. */
int am_compare_backends(const am_report_t *r, const char *x, const char *y, const am_cmp_opts_t *o,
                        am_cmp_list_t *out, am_diag_t *d);
void am_cmp_list_free(am_cmp_list_t *l);
/* The comparison of benchmark b (from the B side) for metric name, or NULL. */
const am_cmp_t *am_cmp_find(const am_cmp_list_t *l, const char *workload, unsigned threads,
                            const char *backend, const char *metric);

typedef enum am_cmp_format_e { AM_CMP_TEXT, AM_CMP_MD, AM_CMP_JSON } am_cmp_format_t;
void am_cmp_write(const am_cmp_list_t *l, am_cmp_format_t f, FILE *out);

#endif /* AM_COMPARE_H */
