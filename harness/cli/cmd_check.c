/* harness/cli/cmd_check.c — `allocmark check PATTERN...`: load and validate pattern
 * files, and size each workload (ops, peak live bytes) for every thread count it
 * runs with, without running anything. One line per file; exit 2 if any is invalid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "am_args.h"
#include "cli.h"
#include "pattern.h"
#include "progfile.h"
#include "source.h"

static const char check_help[] =
  "usage: allocmark check [--quick] [-t THREADS] [--seed N] PATTERN...\n"
  "  Validates pattern files (format \"allocmark-pattern/1\", see patterns/README.md)\n"
  "  without running them, and sizes each workload by generating its streams in\n"
  "  counting mode. Prints, per file, either\n"
  "    ok <file> (<name>: <ops> ops, <threads> thread(s), <phases> phase(s), peak live <bytes>)\n"
  "  on stdout (one such group per thread count of a sweep), or the one-line error\n"
  "    <file>:<line>:<col>: malformed JSON (...)   or   <file>: <JSON path>: expected ..., got ...\n"
  "  on stderr. Program files (format \"allocmark-program/1\", programs/README.md) are\n"
  "  validated the same way: `ok <file> (program <name>: ...)` or one line naming the field.\n"
  "  --quick       size the quick (CI) scale instead of the default scale\n"
  "  -t THREADS    size for this thread count instead of the pattern's own\n"
  "  --seed N      use this seed instead of the pattern's\n"
  "Exit status: 0 when every file is valid, 2 when any is not (or on a usage error).\n";


/* A program file (programs/README.md): validate it, print what it runs. */
static int check_program(const char *path, int quick) {
  am_diag_t d;
  am_progfile_t *p;
  if (am_progfile_load(path, &p, &d) != 0) {
    fprintf(stderr, "%s\n", d.msg);
    return 2;
  }
  printf("ok %s (program %s: %s, n=%llu%s, %u repetition%s%s%s%s)\n", path, p->name, p->command.v[0],
         (unsigned long long)am_progfile_n(p, quick), quick ? " (quick)" : "", p->repetitions, p->repetitions == 1 ? "" : "s",
         p->setup.n ? ", setup" : "", p->server.n ? ", server " : "", p->server.n ? p->server.v[0] : "");
  am_progfile_free(p);
  return 0;
}

/* Check one file; 0 valid, 2 invalid. */
static int check_one(const char *path, const am_gen_opts_t *base) {
  am_diag_t d;
  am_source_t *p;
  const am_source_kind_t *k = am_source_sniff(path, &d);
  if (k != NULL && k->exec == AM_EXEC_PROGRAM) return check_program(path, base->quick);
  if (am_source_load(path, &p, &d) != 0) {
    fprintf(stderr, "%s\n", d.msg);
    return 2;
  }
  if (am_source_check(p, &d) != 0) {
    fprintf(stderr, "%s\n", d.msg);
    am_source_free(p);
    return 2;
  }
  unsigned counts[64];
  size_t n = base->threads ? 1 : am_source_thread_counts(p, counts, 64);
  if (base->threads) counts[0] = base->threads;
  char line[1024];
  size_t len = (size_t)snprintf(line, sizeof line, "ok %s (%s:", path, am_source_name(p));
  size_t phases = am_source_phase_count(p);
  for (size_t i = 0; i < n; i++) {
    am_gen_opts_t o = *base;
    o.threads = counts[i];
    uint64_t ops, peak;
    if (am_source_estimate(p, &o, &ops, &peak, &d) != 0) {
      fprintf(stderr, "%s\n", d.msg);
      am_source_free(p);
      return 2;
    }
    char hb[32];
    am_fmt_bytes(hb, sizeof hb, (double)peak);
    if (len < sizeof line)
      len += (size_t)snprintf(line + len, sizeof line - len, "%s %llu ops, %u thread%s, %zu phase%s, peak live %s",
                              i ? ";" : "", (unsigned long long)ops, counts[i], counts[i] == 1 ? "" : "s", phases,
                              phases == 1 ? "" : "s", hb);
  }
  printf("%s)\n", line);
  am_source_free(p);
  return 0;
}

int am_cmd_check(int argc, char **argv) {
  am_gen_opts_t o = {.seed = 0};
  int files = 0, rc = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    uint64_t v;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { fputs(check_help, stdout); return 0; }
    else if (strcmp(a, "--quick") == 0) o.quick = 1;
    else if (strcmp(a, "-t") == 0 || strcmp(a, "--threads") == 0) {
      if (am_parse_u64(i + 1 < argc ? argv[i + 1] : NULL, AM_LIMIT_THREADS, &v) != 0 || v == 0)
        return am_cli_error("check", "%s: expected a thread count from 1 to %u, got %s", a, AM_LIMIT_THREADS,
                            i + 1 < argc ? argv[i + 1] : "nothing");
      o.threads = (unsigned)v;
      i++;
    } else if (strcmp(a, "--seed") == 0) {
      if (am_parse_u64(i + 1 < argc ? argv[i + 1] : NULL, AM_LIMIT_SEED, &v) != 0)
        return am_cli_error("check", "--seed: expected an integer from 0 to %llu, got %s", (unsigned long long)AM_LIMIT_SEED,
                            i + 1 < argc ? argv[i + 1] : "nothing");
      o.seed = v;
      o.seed_set = 1; /* 0 is a seed like any other, as in run */
      i++;
    } else if (a[0] == '-' && a[1] != '\0') {
      fprintf(stderr, "allocmark check: unknown option '%s' (try --help)\n", a);
      return 2;
    }
  }
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-t") == 0 || strcmp(a, "--threads") == 0 || strcmp(a, "--seed") == 0) { i++; continue; }
    if (a[0] == '-' && a[1] != '\0') continue;
    files++;
    if (check_one(a, &o) != 0) rc = 2;
  }
  if (files == 0) {
    fprintf(stderr, "allocmark check: expected at least one pattern file (try --help)\n");
    return 2;
  }
  return rc;
}
