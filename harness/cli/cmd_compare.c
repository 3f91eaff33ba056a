/* harness/cli/cmd_compare.c — `allocmark compare`: options, loading the results
 * (report_load.c, the one reader of the results JSON), the comparison (compare.c) and
 * writing it (compare_out.c) to stdout or, atomically, to -o FILE. Bad input: one line,
 * exit status 2, nothing written. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "am_args.h"
#include "cli.h"
#include "json_io.h"
#include "compare.h"

static void compare_help(FILE *f) {
  fputs("usage: allocmark compare [options] A B\n"
        "       allocmark compare [options] R --backend X --vs Y\n"
        "  Compares two results (files or run folders), benchmark by benchmark (workload x\n"
        "  backend x threads x metric): B relative to A, A the baseline. With --backend X\n"
        "  --vs Y, two backends (or variants, e.g. 'pagepool+PAGEPOOL_LOOKUP=tree') of one\n"
        "  results file or folder R: X relative to Y. For each: the ratio of the medians,\n"
        "  its confidence interval (Hodges-Lehmann/Moses interval of the log ratio), the\n"
        "  two-sided Mann-Whitney U p-value of the raw samples (exact up to 60 samples), and\n"
        "  a verdict: faster (B better with p < alpha and |ratio - 1| >= min effect),\n"
        "  slower, or same. 'faster' means lower for costs (time, instructions, memory),\n"
        "  higher for ops_per_s. With 5 repetitions per side the smallest possible p is\n"
        "  0.0079; with 3 it is 0.1, so nothing can be called different at 0.05.\n"
        "options:\n"
        "  --backend X --vs Y   within one results: X relative to Y\n"
        "  --metric LIST        comma-separated metrics (default: ns_per_op, and\n"
        "                       instructions_per_op where measured); any of:\n"
        "                      ", f);
  for (const am_cmp_metric_t *m = am_metrics; m->name != NULL; m++) if (am_cmp_metric_ok(m)) fprintf(f, " %s", m->name);
  fputs("\n"
        "  --alpha A            significance level (default 0.05)\n"
        "  --min-effect F       smallest |ratio - 1| called a difference (default 0; e.g.\n"
        "                       0.02 = 2 %)\n"
        "  --pattern NAME       only this workload;  --threads N  only this thread count\n"
        "  --format text|md|json  console table (default), Markdown, or JSON\n"
        "  --json               the same as --format json\n"
        "  -o, --output FILE    write FILE (atomically) instead of stdout\n"
        "  -h, --help           this text\n"
        "exit status: 0 compared (whatever the verdicts); 2 bad input (one line, nothing\n"
        "written); 1 the output could not be written.\n", f);
}

static int usage_error(const char *msg, const char *arg) {
  return am_cli_error("compare", "%s '%s' (try --help)", msg, arg);
}

static int parse_double(const char *s, double lo, double hi, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi)) return -1;
  *out = v;
  return 0;
}

static int parse_metrics(char *list, am_cmp_opts_t *o) {
  for (char *save = NULL, *t = strtok_r(list, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
    const am_cmp_metric_t *m = am_cmp_metric_find(t);
    if (m == NULL) return usage_error("--metric: no comparable metric named", t);
    if (o->n_metrics == AM_CMP_MAX_METRICS) return usage_error("--metric: too many metrics at", t);
    o->metrics[o->n_metrics++] = m;
  }
  if (o->n_metrics == 0) return usage_error("--metric: expected a metric name, got", list);
  o->explicit_metrics = 1;
  return 0;
}

static int write_out(const char *path, const char *buf, size_t len) {
  if (path == NULL) {
    if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
      fprintf(stderr, "allocmark compare: cannot write stdout\n");
      return 1;
    }
    return 0;
  }
  am_diag_t d; /* atomically: json_io.h */
  if (am_write_atomic(path, buf, len, &d) == 0) return 0;
  fprintf(stderr, "allocmark compare: %s\n", d.msg);
  return 1;
}

typedef struct args_s {
  const char *paths[2];
  size_t n;
  const char *backend, *vs, *out;
  am_cmp_format_t fmt;
  am_rfilter_t flt;
  am_cmp_opts_t o;
} args_t;

/* 0, 1 for --help (done), or 2 (message printed). */
static int parse_args(int argc, char **argv, args_t *a) {
  memset(a, 0, sizeof *a);
  am_cmp_opts_default(&a->o);
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    static const char *const valued[] = {"--backend", "--vs", "--metric", "--alpha", "--min-effect", "--pattern",
                                         "--threads", "--format", "-o", "--output"};
    int takes = 0;
    for (size_t k = 0; k < sizeof valued / sizeof *valued; k++) takes |= strcmp(s, valued[k]) == 0;
    if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) { compare_help(stdout); return 1; }
    if (takes && v == NULL) return usage_error("missing value for", s);
    if (takes) i++;
    if (strcmp(s, "--json") == 0) a->fmt = AM_CMP_JSON;
    else if (strcmp(s, "--backend") == 0) a->backend = v;
    else if (strcmp(s, "--vs") == 0) a->vs = v;
    else if (strcmp(s, "-o") == 0 || strcmp(s, "--output") == 0) a->out = v;
    else if (strcmp(s, "--pattern") == 0) a->flt.pattern = v;
    else if (strcmp(s, "--metric") == 0) { if (parse_metrics(argv[i], &a->o) != 0) return 2; }
    else if (strcmp(s, "--alpha") == 0) {
      if (parse_double(v, 1e-9, 0.5, &a->o.alpha) != 0) return usage_error("--alpha: expected a number in (0, 0.5], got", v);
    } else if (strcmp(s, "--min-effect") == 0) {
      if (parse_double(v, 0, 10, &a->o.min_effect) != 0) return usage_error("--min-effect: expected a number >= 0, got", v);
    } else if (strcmp(s, "--threads") == 0) {
      double t;
      if (parse_double(v, 1, AM_LIMIT_THREADS, &t) != 0 || t != (unsigned)t) {
        char m[64];
        snprintf(m, sizeof m, "--threads: expected 1..%u, got", AM_LIMIT_THREADS);
        return usage_error(m, v);
      }
      a->flt.threads = (unsigned)t;
    } else if (strcmp(s, "--format") == 0) {
      if (strcmp(v, "text") == 0) a->fmt = AM_CMP_TEXT;
      else if (strcmp(v, "md") == 0) a->fmt = AM_CMP_MD;
      else if (strcmp(v, "json") == 0) a->fmt = AM_CMP_JSON;
      else return usage_error("--format: expected text, md or json, got", v);
    } else if (s[0] == '-' && s[1] != '\0') return usage_error("unknown option", s);
    else if (a->n == 2) return usage_error("expected two results (A B) or one with --backend/--vs; extra", s);
    else a->paths[a->n++] = s;
  }
  if ((a->backend != NULL) != (a->vs != NULL))
    return usage_error("--backend and --vs go together; missing", a->backend != NULL ? "--vs" : "--backend");
  if (a->backend != NULL && a->n != 1) {
    fprintf(stderr, "allocmark compare: --backend X --vs Y takes one results file or folder, got %zu (try --help)\n", a->n);
    return 2;
  }
  if (a->backend == NULL && a->n != 2) {
    fprintf(stderr, "allocmark compare: expected two results (A B), got %zu (try --help)\n", a->n);
    return 2;
  }
  return 0;
}

int am_cmd_compare(int argc, char **argv) {
  args_t a;
  int rc = parse_args(argc, argv, &a);
  if (rc != 0) return rc == 1 ? 0 : rc;
  am_report_t ra, rb;
  am_diag_t d;
  am_cmp_list_t l;
  memset(&rb, 0, sizeof rb);
  memset(&l, 0, sizeof l);
  char *pa[1] = {(char *)a.paths[0]}, *pb[1] = {(char *)a.paths[a.n - 1]};
  rc = am_report_load(&ra, pa, 1, &a.flt, &d);
  if (rc == 0 && a.backend == NULL) rc = am_report_load(&rb, pb, 1, &a.flt, &d);
  if (rc == 0)
    rc = a.backend != NULL ? am_compare_backends(&ra, a.backend, a.vs, &a.o, &l, &d)
                           : am_compare_runs(&ra, &rb, a.paths[0], a.paths[1], &a.o, &l, &d);
  if (rc != 0) {
    fprintf(stderr, "allocmark compare: %s\n", d.msg);
    am_cmp_list_free(&l);
    am_report_free(&ra);
    am_report_free(&rb);
    return 2;
  }
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  if (mem != NULL) {
    am_cmp_write(&l, a.fmt, mem);
    rc = fclose(mem) != 0;
  } else rc = 1;
  am_cmp_list_free(&l);
  am_report_free(&ra);
  am_report_free(&rb);
  if (rc == 0) rc = write_out(a.out, buf, len);
  else fprintf(stderr, "allocmark compare: out of memory\n");
  free(buf);
  return rc;
}
