/* harness/cli/report.h — `allocmark report`: results files loaded into one in-memory
 * model, and the writers that turn it into Markdown or machine-readable tables.
 *
 *   report_load.c    read results files / folders, validate, fill am_report_t (the one
 *                    place that knows the results JSON layout, results/README.md)
 *   report_md.c      the Markdown report
 *   report_tables.c  the tables (time, rss, scaling, latency, timeline, ...), each built
 *                    as one table model (table.h: TSV / CSV / Markdown / console renderers),
 *                    read by the plots/ scripts and spreadsheets
 *   report_tables_dir.c  --tables DIR: every table the charts draw, from one load
 *   fmt.c            number and text formatting (fmt.h), shared with the console
 *   cmd_report.c     options, and writing the output only once everything succeeded
 */
#ifndef AM_REPORT_H
#define AM_REPORT_H

#include <stddef.h>
#include <stdio.h>
#include "am_error.h"
#include "fmt.h"
#include "metric_table.h"

struct cJSON;

/* One aggregated metric of a benchmark. `has` is 0 when the results hold no value
 * (null, absent, or a failed benchmark); the other fields are then meaningless. */
typedef struct am_rstat_s {
  int has;
  int noisy;                 /* cv above the engine's threshold (5 %)            */
  double median, min, max, ci_lo, ci_hi, cv;
  double cov;                /* true coverage of [ci_lo, ci_hi] (NaN: unknown);
                                below 0.95 with fewer than 6 repetitions          */
} am_rstat_t;

/* Latency percentiles of one operation kind, in ns (-1: not reported). */
enum { AM_RLAT_P50, AM_RLAT_P90, AM_RLAT_P99, AM_RLAT_P999, AM_RLAT_P9999, AM_RLAT_MAX, AM_RLAT_N };
extern const char *const am_rlat_keys[AM_RLAT_N];  /* JSON keys: "p50" ... "p99_9" */
extern const char *const am_rlat_names[AM_RLAT_N]; /* shown: "p50" ... "p99.9"     */
typedef struct am_rlat_s {
  const char *op;            /* "malloc", "free", ...                            */
  double p[AM_RLAT_N];
  double count;              /* ops timed (-1: not reported)                     */
} am_rlat_t;

/* One benchmark: a backend on a pattern at a thread count. Strings point into the
 * file's parsed JSON, which lives as long as the report. */
typedef struct am_rbench_s {
  size_t file;               /* index in am_report_t.files                       */
  size_t index;              /* position in the file's benchmarks[]              */
  const char *pattern;
  const char *backend, *version, *config;
  const char *colour;        /* backend_colour ("" in files without it)          */
  const char *status;        /* "ok", "crashed", "timeout", "oom", "error"       */
  const char *error;         /* "" when none                                     */
  unsigned threads;
  am_rstat_t m[AM_M_N];      /* aggregates.<key> of every aggregated metric of the
                                metrics table (metric_table.h), by am_metric_id_t;
                                has 0 when absent. m[AM_M_PEAK_RSS_GROWTH_BYTES]: in
                                files without that aggregate, peak RSS median −
                                rss_baseline_bytes median (clamped at 0, no min/max,
                                growth_derived set), or none                       */
  int growth_derived;
  am_rlat_t *lat;            /* latency per op kind (NULL when not measured)     */
  size_t n_lat;
  double timer_ns;           /* cost of one timing (latency.timer_cost_ns; -1: unknown) */
  double *tl_t, *tl_rss;     /* RSS timeline: ms since start, bytes (n_tl points) */
  size_t n_tl;
  size_t group;              /* index in am_report_t.groups                      */
  size_t slot;               /* index of the backend in am_report_t.backends     */
  const struct cJSON *json;  /* the benchmark's object in the file (raw samples[]) */
} am_rbench_t;

/* The results file's context (what the environment block shows), as text; NULL when
 * absent or null. The order is the order of the environment block. */
enum {
  AM_CTX_DATE, AM_CTX_HOST, AM_CTX_CPU, AM_CTX_CORES, AM_CTX_MEMORY, AM_CTX_ARCH,
  AM_CTX_KERNEL, AM_CTX_LIBC, AM_CTX_COMPILER, AM_CTX_CFLAGS, AM_CTX_BUILD, AM_CTX_SANITIZE,
  AM_CTX_COMMIT, AM_CTX_DIRTY, AM_CTX_THP, AM_CTX_THP_DEFRAG, AM_CTX_OVERCOMMIT,
  AM_CTX_GOVERNOR, AM_CTX_PERF, AM_CTX_CMDLINE, AM_CTX_N
};
extern const char *const am_ctx_keys[AM_CTX_N];   /* JSON keys under "context"  */
extern const char *const am_ctx_labels[AM_CTX_N]; /* row labels in the report   */

typedef struct am_rfile_s {
  char *path;                /* as given (or folder/name)                        */
  const char *base;          /* last path component                              */
  char sha256[65];
  struct cJSON *root;
  const char *pattern;       /* pattern.name                                     */
  char *ctx[AM_CTX_N];       /* context values as text (NULL: absent)            */
} am_rfile_t;

/* A row of the time and memory tables: one pattern at one thread count. */
typedef struct am_rgroup_s {
  const char *pattern;
  unsigned threads;
  int sweep;                 /* the pattern has several thread counts            */
  size_t first, count;       /* its benchmarks: r->b[first .. first+count)       */
  const am_rbench_t *sys;    /* the `system` benchmark when ok, else NULL        */
} am_rgroup_t;

typedef struct am_report_s {
  am_rfile_t *files;   size_t n_files;
  am_rbench_t *b;      size_t n_b;     /* sorted: pattern, threads, backend order */
  am_rgroup_t *groups; size_t n_groups;
  const char **backends; size_t n_backends; /* order of first appearance: the order
                                             * the runs ran them (`-b`; `all`: the registry's) */
  size_t n_failed;
  int view;            /* made by am_report_view: shares the files, latency and timelines */
} am_report_t;

/* Filters applied while loading (NULL / 0: keep everything). */
typedef struct am_rfilter_s {
  const char *pattern;
  unsigned threads;
} am_rfilter_t;

/* Load results files and folders (every *.json in a folder that has a top-level
 * "schema_version"). 0, or a negative AM_E* code with d naming the file and field. */
int am_report_load(am_report_t *r, char *const *paths, size_t n, const am_rfilter_t *f, am_diag_t *d);
void am_report_free(am_report_t *r);
/* The benchmarks of r with this pattern (NULL: any) and thread count (0: any) as a report
 * of their own, indexed (groups, backends, slots, n_failed) exactly as loading the files
 * with those filters would; it shares r's files, which must outlive it (free it with
 * am_report_free). 0, or AM_EINVAL when nothing matches. */
int am_report_view(const am_report_t *r, const char *pattern, unsigned threads, am_report_t *v, am_diag_t *d);
/* The benchmark of `backend` in group g, or NULL. */
const am_rbench_t *am_report_find(const am_report_t *r, size_t g, const char *backend);

/* Distinct environment warnings of the files (report_env.c): up to cap, pointers
 * into the files' JSON; and the Markdown block listing them (nothing when none). */
size_t am_report_env_warnings(const am_report_t *r, const char **out, size_t cap);
void am_report_env_warnings_md(const am_report_t *r, FILE *o);

/* A run merged from shards: one row per shard folder (report_shards.c). */
typedef struct am_rshard_s {
  char shard[48], dir[512], host[128], date[48], cells[32], machine[320];
} am_rshard_t;
/* The rows (at most cap); 0 when the files are not a merged run. */
size_t am_report_shards(const am_report_t *r, am_rshard_t *rows, size_t cap);
/* Their Markdown section ("Shards: which machine ran what"), nothing when not merged. */
void am_report_shards_md(const am_report_t *r, FILE *o);

/* The HTML report (report_html.c): one self-contained page. base: the comparison of
 * these results against a baseline run (compare.h), coloured per benchmark, or NULL. */
struct am_cmp_list_s;
void am_report_html(const am_report_t *r, const struct am_cmp_list_s *base, FILE *out);

/* The Markdown report. */
void am_report_markdown(const am_report_t *r, FILE *out);

/* Tables. */
/* The table formats: the table model's (table.h) Markdown, TSV and CSV renderers. */
#include "table.h"
typedef am_tfmt_t am_rformat_t;
#define AM_RFMT_MD AM_TFMT_MD
#define AM_RFMT_TSV AM_TFMT_TSV
#define AM_RFMT_CSV AM_TFMT_CSV
/* Names of the tables, NULL-terminated, and a one-line description of each. */
extern const char *const am_rtable_names[];
extern const char *const am_rtable_help[];
/* Write table `name` in format f. 0, or AM_EINVAL for an unknown name. */
int am_report_table(const am_report_t *r, const char *name, am_rformat_t f, FILE *out);
/* Every table the charts draw, from the one loaded report, into folder dir (created),
 * each file written atomically once all are rendered (report_tables_dir.c): NAME.EXT for
 * every table, and per pattern x threads group (P: the pattern with every byte outside
 * [A-Za-z0-9._-] made '_') failures-P-Nt.EXT, latency-P-Nt.EXT (when measured),
 * timeline-P-Nt.EXT (when recorded), and per pattern run at several thread counts
 * scaling-P.EXT and backends-P.EXT: each the table `--table NAME --pattern P [--threads
 * N]` writes. EXT: tsv, csv or md. The number of files written in *n_out; 0, or a
 * negative AM_E* code with d set (nothing, or, for a failed rename, not all, written). */
int am_report_tables_dir(const am_report_t *r, const char *dir, am_rformat_t f, size_t *n_out, am_diag_t *d);

/* The ratio of b's figure v (of metric id) to the `system` benchmark's median of its
 * group (am_ratio, fmt.h): NaN when the group has no ok system benchmark. */
double am_report_ratio(const am_report_t *r, const am_rbench_t *b, int id, double v);
/* b's chart colour: the one its run recorded (backend_colour); in older files, the
 * registry's (registry.h: the runner's when built here, else derived from the name). */
const char *am_report_colour(const am_rbench_t *b);

#endif /* AM_REPORT_H */
