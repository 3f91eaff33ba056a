/* harness/cli/cmd_report.c — `allocmark report`: options, then load (report_load.c),
 * render into memory (report_md.c / report_tables.c), and only when all of that
 * succeeded write stdout or -o FILE (temp file + rename, so a reader never sees half
 * a report and bad input leaves nothing behind). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "am_args.h"
#include "cli.h"
#include "json_io.h"
#include "report.h"
#include "compare.h"

static void report_help(FILE *f) {
  fputs("usage: allocmark report [options] RESULTS...\n"
        "  Reads results files written by `allocmark run` (or every results file in a\n"
        "  folder) and writes a Markdown report: environment, median ns/op with its 95 %\n"
        "  CI and the ratio to `system`, peak RSS and memory overhead, thread scaling,\n"
        "  latency percentiles, failures, and a citation block (dates, git commit, command\n"
        "  lines, sha256 of each results file). Or the same as one HTML page, or one\n"
        "  machine-readable table.\n"
        "options:\n"
        "  -o, --output FILE     write FILE (atomically) instead of stdout\n"
        "  --format md|html|tsv|csv  md (default); html: one self-contained page (inline\n"
        "                        SVG charts, sortable tables, no network); or a table\n"
        "                        format; tsv/csv need a table (default: time)\n"
        "  --baseline RESULTS    with html: compare against this earlier run (file or\n"
        "                        folder; allocmark compare BASELINE RESULTS) and colour\n"
        "                        each benchmark's verdict\n"
        "  --table NAME          write only this table (default format then tsv):\n", f);
  for (size_t i = 0; am_rtable_names[i] != NULL; i++)
    fprintf(f, "      %-9s %s\n", am_rtable_names[i], am_rtable_help[i]);
  fputs("  --tables DIR          write every table the charts draw into DIR (created), from\n"
        "                        one read of the results: NAME.tsv for each table above,\n"
        "                        and per pattern x threads failures-P-Nt, latency-P-Nt,\n"
        "                        timeline-P-Nt, per thread-swept pattern scaling-P and\n"
        "                        backends-P (each what --table NAME --pattern P [--threads\n"
        "                        N] writes; P: the pattern name, bytes outside\n"
        "                        [A-Za-z0-9._-] as '_'); --format csv or md: .csv or\n"
        "                        .md files.\n"
        "                        plots/plot_all.sh draws from these files only\n"
        "  --pattern NAME        only the benchmarks of this pattern\n"
        "  --threads N           only the benchmarks run with N threads\n"
        "  -h, --help            this text\n"
        "exit status: 0 written; 2 bad input (one line naming the file and the JSON field,\n"
        "nothing written); 1 the output could not be written.\n", f);
}

static int usage_error(const char *msg, const char *arg) {
  return am_cli_error("report", "%s '%s' (try --help)", msg, arg);
}

/* Write buf to path atomically (json_io.h); 0 or -1 (message printed). */
static int write_atomic(const char *path, const char *buf, size_t len) {
  am_diag_t d;
  if (am_write_atomic(path, buf, len, &d) == 0) return 0;
  fprintf(stderr, "allocmark report: %s\n", d.msg);
  return -1;
}

int am_cmd_report(int argc, char **argv) {
  const char *out_path = NULL, *table = NULL, *format = NULL, *baseline = NULL, *tables_dir = NULL;
  int html = 0;
  am_rfilter_t flt = {0};
  char **paths = calloc((size_t)argc + 1, sizeof *paths);
  size_t n = 0;
  if (paths == NULL) return 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int has_val = i + 1 < argc;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { report_help(stdout); free(paths); return 0; }
    if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && has_val) out_path = argv[++i];
    else if (strcmp(a, "--format") == 0 && has_val) format = argv[++i];
    else if (strcmp(a, "--baseline") == 0 && has_val) baseline = argv[++i];
    else if (strcmp(a, "--table") == 0 && has_val) table = argv[++i];
    else if (strcmp(a, "--tables") == 0 && has_val) tables_dir = argv[++i];
    else if (strcmp(a, "--pattern") == 0 && has_val) flt.pattern = argv[++i];
    else if (strcmp(a, "--threads") == 0 && has_val) {
      char *end;
      long t = strtol(argv[++i], &end, 10);
      if (*end != '\0' || t < 1 || t > AM_LIMIT_THREADS) {
        char m[64];
        snprintf(m, sizeof m, "--threads: expected 1..%u, got", AM_LIMIT_THREADS);
        free(paths);
        return usage_error(m, argv[i]);
      }
      flt.threads = (unsigned)t;
    } else if (a[0] == '-' && a[1] != '\0') {
      static const char *const valued[] = {"-o", "--output", "--format", "--table", "--tables", "--pattern", "--threads", "--baseline"};
      int known = 0;
      for (size_t k = 0; k < sizeof valued / sizeof *valued; k++) known |= strcmp(a, valued[k]) == 0;
      free(paths);
      return usage_error(known ? "missing value for" : "unknown option", a);
    } else paths[n++] = argv[i];
  }
  am_rformat_t fmt = format == NULL && tables_dir != NULL ? AM_RFMT_TSV : AM_RFMT_MD;
  if (format != NULL) {
    if (strcmp(format, "md") == 0) fmt = AM_RFMT_MD;
    else if (strcmp(format, "html") == 0) html = 1;
    else if (strcmp(format, "tsv") == 0) fmt = AM_RFMT_TSV;
    else if (strcmp(format, "csv") == 0) fmt = AM_RFMT_CSV;
    else { free(paths); return usage_error("--format: expected md, html, tsv or csv, got", format); }
  }
  if (html && table != NULL) { free(paths); return usage_error("--format html: is the whole report, not a table; drop", "--table"); }
  if (baseline != NULL && !html) { free(paths); return usage_error("--baseline: only with", "--format html"); }
  if (tables_dir != NULL && (html || table != NULL || out_path != NULL)) {
    free(paths);
    return usage_error("--tables DIR: cannot go with",
                       html ? "--format html" : table != NULL ? "--table" : "-o");
  }
  if (table != NULL) {
    size_t k = 0;
    while (am_rtable_names[k] != NULL && strcmp(am_rtable_names[k], table) != 0) k++;
    if (am_rtable_names[k] == NULL) { free(paths); return usage_error("--table: no table named", table); }
    if (format == NULL) fmt = AM_RFMT_TSV;
  } else if (fmt != AM_RFMT_MD && !html) table = "time";
  if (n == 0) {
    free(paths);
    fprintf(stderr, "allocmark report: expected at least one results file or folder (try --help)\n");
    return 2;
  }

  am_report_t r;
  am_diag_t d;
  if (am_report_load(&r, paths, n, &flt, &d) != 0) {
    fprintf(stderr, "allocmark report: %s\n", d.msg);
    am_report_free(&r);
    free(paths);
    return 2;
  }
  free(paths);
  if (tables_dir != NULL) {
    size_t nf = 0;
    int rc = am_report_tables_dir(&r, tables_dir, fmt, &nf, &d);
    am_report_free(&r);
    if (rc != 0) fprintf(stderr, "allocmark report: %s\n", d.msg);
    return rc == 0 ? 0 : rc == AM_EIO ? 1 : 2;
  }
  am_report_t rb;
  am_cmp_list_t cmp;
  memset(&rb, 0, sizeof rb);
  memset(&cmp, 0, sizeof cmp);
  if (baseline != NULL) { /* its benchmarks against ours: our run relative to the baseline */
    char *bp[1] = {(char *)baseline};
    am_cmp_opts_t co;
    am_cmp_opts_default(&co);
    if (am_report_load(&rb, bp, 1, &flt, &d) != 0 || am_compare_runs(&rb, &r, baseline, "this run", &co, &cmp, &d) != 0) {
      fprintf(stderr, "allocmark report: %s\n", d.msg);
      am_cmp_list_free(&cmp);
      am_report_free(&rb);
      am_report_free(&r);
      return 2;
    }
  }
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  if (mem == NULL) {
    am_cmp_list_free(&cmp);
    am_report_free(&rb);
    am_report_free(&r);
    fprintf(stderr, "allocmark report: out of memory\n");
    return 1;
  }
  if (html) am_report_html(&r, baseline != NULL ? &cmp : NULL, mem);
  else if (table != NULL) am_report_table(&r, table, fmt, mem);
  else am_report_markdown(&r, mem);
  int rc = fclose(mem) != 0 ? 1 : 0;
  am_cmp_list_free(&cmp);
  am_report_free(&rb);
  am_report_free(&r);
  if (rc == 0) {
    if (out_path != NULL) rc = write_atomic(out_path, buf, len) != 0;
    else if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
      fprintf(stderr, "allocmark report: cannot write stdout\n");
      rc = 1;
    }
  }
  free(buf);
  return rc;
}
