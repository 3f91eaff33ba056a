/* harness/cli/cmd_run.c — `allocmark run`: validate everything, plan the repetitions,
 * run each in a fresh runner process, aggregate, write one results file per pattern
 * (atomically) and print a table.
 *
 * Order: a round is one pattern x thread count x repetition r, every backend once,
 * starting at backend r (A B C D, then B C D A, ...), so slow drifts of the machine
 * hit every backend alike. Rounds run spread (pass r: round r of every pattern; the
 * default) or grouped (pattern by pattern): --schedule, run_schedule().
 * Bad input (flags, patterns, sizes over --max-memory, unknown or unbuilt backends, an
 * unusable output path) is reported in one line before anything runs: exit 2, no file. A repetition that crashes, hangs or fails is recorded
 * with its status and the rest still run; the exit status is then 1. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cJSON.h>
#include "am_args.h"
#include "cli.h"
#include "cmd_run.h"
#include "pattern.h"
#include "source.h"
#include "progfile.h"
#include "trace.h"
#include "results.h"

static const char run_help[] =
  "usage: allocmark run PATTERN... [options]   or   allocmark run PROGRAM.json... [options]\n"
  "  Runs each pattern on each backend, every repetition in a fresh runner process\n"
  "  (build/runners/am-runner-<backend>), and writes a results JSON per pattern\n"
  "  (schema: results/README.md). Progress goes to stderr, a table to stdout.\n"
  "options:\n"
  "  -b, --backends LIST   comma-separated backends, or `all` (default): every\n"
  "                        allocator built in (`allocmark list`). Harness baselines\n"
  "                        and test-only backends (`allocmark list --all`) run only\n"
  "                        when named. May be repeated. Items may also be:\n"
  "                        so:PATH or so:NAME=PATH (any malloc library, preloaded);\n"
  "                        a variant file's name (`allocmark list variants`). An\n"
  "                        argument with '+' is one variant, BASE+VAR=VALUE[+...]:\n"
  "                        backend BASE with the allocator's own variable VAR set\n"
  "                        (examples per allocator: harness/backends/variants/README.md)\n"
  "  -r, --repetitions N   repetitions per backend and thread count (default: the\n"
  "                        pattern's `repetitions`, else 5)\n"
  "  -t, --threads LIST    thread counts, e.g. 1,2,4 (default: the pattern's)\n"
  "  --quick               the patterns' quick (CI) scale\n"
  "  --latency[=N]         time one op in N (default 1: every op); p50..p99.99, max\n"
  "  --seed N              seed for the streams (default: the pattern's)\n"
  "  --warmup N            untimed replays before each timed one (default: pattern's)\n"
  "  --timeout S           seconds per repetition before it is killed (default 120)\n"
  "  --max-memory BYTES    refuse patterns whose peak live memory exceeds this\n"
  "                        (suffixes K M G T; default: half of the RAM)\n"
  "  --rss-interval-ms N   RSS timeline interval (default 10; 0: none)\n"
  "  --chunk-ops N         replay workloads of more than N ops in chunks generated while\n"
  "                        the timer is paused (default: the runner's, 2^24 ops = 256 MiB)\n"
  "  --no-hw               do not open hardware counters\n"
  "  --paced               traces only: keep the recorded gaps between calls (a trace\n"
  "                        recorded with --timestamps; results say \"replay\": \"paced\")\n"
  "  --dump-at PHASE|end   after each pattern's repetitions, one extra replay (not in\n"
  "                        the results) per backend with a dump hook writes its heap\n"
  "                        map when the phase named PHASE starts (or at the end)\n"
  "  --dump-dir DIR        where those maps go: DIR/<backend>/<pattern>[.at-PHASE].json\n"
  "                        (default: dumps/ beside the results)\n"
  "  --measure LIST        time (default), instructions: also run every repetition\n"
  "                        under valgrind --tool=callgrind, counting the timed region\n"
  "                        only (instructions_per_op; deterministic, ~50x slower; no RSS\n"
  "                        timeline, no hw counters, default --timeout 1200), cache:\n"
  "                        instructions plus callgrind's simulated D1/LL misses per op\n";
/* The rest of --help (one literal would exceed C's portable string length). */
static const char run_help_more[] =
  "  --shard K/N           run only shard K of N of the matrix's cells (whole rounds:\n"
  "                        workload x threads x repetition, every backend once; see\n"
  "                        `allocmark plan --help`); -o must be a folder, which also\n"
  "                        gets shard/plan.json; `allocmark merge` joins the shards\n"
  "  --pin CPUS            pin single-threaded runs to the first CPU of CPUS (e.g. 1 or\n"
  "                        0-1), give multi-threaded runs the whole set (recorded)\n"
  "  --order rotate|random backend order per round: rotated (default) or a seeded\n"
  "                        permutation (--order-seed N, default 0)\n"
  "  --schedule spread|grouped  spread (default): pass r runs repetition r of every\n"
  "                        pattern and thread count, so each benchmark's repetitions\n"
  "                        span the whole run and the machine's slow drift is noise in\n"
  "                        each, not a bias between patterns or runs (files are written\n"
  "                        as each pattern's last repetition ends); grouped: each\n"
  "                        pattern's repetitions back to back, its file written then\n"
  "                        (program files always run grouped)\n"
  "  --aslr off|on         run the runners with address randomization off or on\n"
  "                        (personality(2), like setarch -R; default: as the system)\n"
  "  --env-pad BYTES       add AM_ENV_PAD=<BYTES> to the runner's environment: shifts\n"
  "                        its stack (the environment-size bias of Mytkowicz et al.)\n"
  "  --noise-floor         run every backend twice, as NAME and NAME#2, interleaved, and\n"
  "                        print NAME#2 against NAME: what `compare` calls noise here\n"
  "  Before the run the machine is checked (governor, boost, SMT, ASLR, THP, VM, load,\n"
  "  steal, busy processes): recorded in context.environment, warnings on stderr.\n"
  "  -o, --output PATH     results file (one PATTERN) or an existing folder / a path\n"
  "                        ending in '/' (any number of PATTERNs: one file each).\n"
  "                        Default: results/<pattern>-<UTC stamp>.json\n"
  "Program files (format allocmark-program/1, programs/README.md) run the real program\n"
  "  under each backend's LD_PRELOAD, each repetition a fresh process tree (am-progrun);\n"
  "  -r, --quick, --timeout, --rss-interval-ms and -o apply to them.\n"
  "exit: 0 all repetitions ok; 1 some repetition failed (crashed, timeout, oom,\n"
  "      error; recorded in the file); 2 bad input (nothing run, no file);\n"
  "      130 interrupted (SIGINT/SIGTERM: the unfinished pattern is not written)\n";

#define AM_DEFAULT_REPS 5

int am_run_usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = am_cli_verror("run", fmt, ap);
  va_end(ap);
  return rc;
}


/* "123", "512K", "2G", "1.5GiB" -> bytes. */
static int parse_bytes(const char *s, uint64_t *out) {
  if (s == NULL || !((*s >= '0' && *s <= '9') || *s == '.')) return -1;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno != 0 || end == s || v <= 0) return -1;
  double mul = 1;
  switch (*end) {
    case 'k': case 'K': mul = 1024.0; end++; break;
    case 'm': case 'M': mul = 1024.0 * 1024; end++; break;
    case 'g': case 'G': mul = 1024.0 * 1024 * 1024; end++; break;
    case 't': case 'T': mul = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: break;
  }
  if (mul > 1 && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0)) end += strlen(end);
  else if (mul == 1 && strcmp(end, "B") == 0) end++;
  if (*end != '\0' || v * mul >= 1.8e19) return -1;
  *out = (uint64_t)(v * mul);
  return 0;
}

/* -b ARG (backend_spec.c): each -b adds to the list. */
static int parse_backends(am_run_opts_t *o, const char *arg) {
  char err[1400];
  if (am_backend_spec_add_arg(arg, o->backends, AM_RUN_MAX_BACKENDS, &o->n_backends, err, sizeof err) != 0)
    return am_run_usage_error("%s", err);
  return 0;
}

static int parse_threads(am_run_opts_t *o, const char *list) {
  char copy[1024];
  if (strlen(list) >= sizeof copy || list[0] == '\0') return am_run_usage_error("-t: bad thread list '%s'", list);
  snprintf(copy, sizeof copy, "%s", list);
  o->n_threads = 0;
  for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
    uint64_t v;
    if (strcmp(tok, "ncpu") == 0) v = (uint64_t)sysconf(_SC_NPROCESSORS_ONLN);
    else if (am_parse_u64(tok, AM_LIMIT_THREADS, &v) != 0 || v == 0)
      return am_run_usage_error("-t: '%s' is not a thread count (1..%u or ncpu)", tok, AM_LIMIT_THREADS);
    if (o->n_threads == AM_RUN_MAX_THREADS) return am_run_usage_error("-t: more than %d thread counts", AM_RUN_MAX_THREADS);
    o->threads[o->n_threads++] = (unsigned)v;
  }
  return 0;
}

/* --measure time,instructions,cache */
static int parse_measure(am_run_opts_t *o, const char *list) {
  char copy[256];
  if (strlen(list) >= sizeof copy || list[0] == '\0') return am_run_usage_error("--measure: bad list '%s'", list);
  snprintf(copy, sizeof copy, "%s", list);
  for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
    if (strcmp(tok, "time") == 0) continue;
    else if (strcmp(tok, "instructions") == 0) o->measure_instructions = 1;
    else if (strcmp(tok, "cache") == 0) o->measure_instructions = o->measure_cache = 1;
    else return am_run_usage_error("--measure: '%s' is not one of time, instructions, cache", tok);
  }
  return 0;
}

/* Everything about one pattern that the plan needs. */
typedef struct run_pat_s {
  const char *arg;        /* as given                     */
  char abs[PATH_MAX];     /* absolute path for the runner */
  am_source_t *src;       /* the workload (source.h) */
  char name[300];         /* its name in results: the source's, "-paced" for --paced */
  unsigned threads[AM_RUN_MAX_THREADS];
  size_t n_threads;
  unsigned reps;
  uint64_t seed;
  uint64_t est_ops[AM_RUN_MAX_THREADS], est_peak[AM_RUN_MAX_THREADS];
  int dump_phase;         /* --dump-at: the phase's index, -1 the end */
  char out[PATH_MAX];
  /* While it runs: */
  size_t round0;          /* the plan's index of its first round (plan.h)          */
  cJSON **samples;        /* [t * n_backends + b]: the samples of each benchmark   */
  am_env_snap_t env_start; /* when its first round started (environment.during)   */
  int started;
} run_pat_t;

static int is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int mkdir_p(const char *dir) {
  char tmp[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s", dir);
  for (char *c = tmp + 1; *c; c++) {
    if (*c != '/') continue;
    *c = '\0';
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
    *c = '/';
  }
  return (mkdir(tmp, 0755) != 0 && errno != EEXIST) ? -1 : 0;
}

/* Can a results file be written in dir? Creates, fills (4 KiB), syncs and removes a probe
 * file, so a full disk, a read-only mount or a folder that refuses new files (which
 * access() may not see, e.g. for root) is named before anything runs. 0, or -1 with
 * errno set. */
static int probe_dir(const char *dir) {
  char path[PATH_MAX + 64];
  snprintf(path, sizeof path, "%s/.allocmark-probe.%ld", dir, (long)getpid());
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  static const char zeros[4096];
  int rc = write(fd, zeros, sizeof zeros) == (ssize_t)sizeof zeros && fsync(fd) == 0 ? 0 : -1;
  int err = rc == 0 ? 0 : errno != 0 ? errno : ENOSPC;
  close(fd);
  unlink(path);
  errno = err;
  return rc;
}

/* Decide every output path before running; -1 (message printed) when unusable. */
static int plan_outputs(run_pat_t *pats, size_t np, const char *out) {
  char stamp[32];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  const char *dir = "results";
  int single_file = 0;
  if (out != NULL) {
    size_t l = strlen(out);
    if (l == 0) return am_run_usage_error("-o: empty path"), -1;
    if (is_dir(out) || out[l - 1] == '/') dir = out;
    else if (np > 1) return am_run_usage_error("-o %s: with %zu patterns -o must be a folder (existing, or ending in '/')", out, np), -1;
    else single_file = 1;
  }
  if (single_file) {
    snprintf(pats[0].out, sizeof pats[0].out, "%s", out);
    char d[PATH_MAX];
    snprintf(d, sizeof d, "%s", out);
    char *slash = strrchr(d, '/');
    if (slash != NULL) *slash = '\0'; else snprintf(d, sizeof d, ".");
    if (d[0] == '\0') snprintf(d, sizeof d, "/");
    if (!is_dir(d)) return am_run_usage_error("-o %s: folder '%s' does not exist", out, d), -1;
    if (access(d, W_OK) != 0) return am_run_usage_error("-o %s: folder '%s' is not writable", out, d), -1;
    if (is_dir(out)) return am_run_usage_error("-o %s: is a folder", out), -1;
    if (probe_dir(d) != 0) return am_run_usage_error("-o %s: cannot write a file in '%s': %s", out, d, strerror(errno)), -1;
    return 0;
  }
  if (mkdir_p(dir) != 0 || !is_dir(dir)) return am_run_usage_error("cannot create the output folder '%s': %s", dir, strerror(errno)), -1;
  if (access(dir, W_OK) != 0) return am_run_usage_error("output folder '%s' is not writable", dir), -1;
  if (probe_dir(dir) != 0) return am_run_usage_error("output folder '%s': cannot write a file: %s", dir, strerror(errno)), -1;
  size_t dl = strlen(dir);
  for (size_t i = 0; i < np; i++) {
    snprintf(pats[i].out, sizeof pats[i].out, "%s%s%s-%s.json", dir, dir[dl - 1] == '/' ? "" : "/",
             pats[i].name, stamp);
    for (size_t j = 0; j < i; j++)
      if (strcmp(pats[i].out, pats[j].out) == 0)
        return am_run_usage_error("%s and %s: both named '%s'; run them separately", pats[j].arg, pats[i].arg,
                           pats[i].name), -1;
  }
  return 0;
}

/* The results' `workload` block (schema 2; results/README.md). */
static cJSON *workload_json(const run_pat_t *rp, const am_run_opts_t *o) {
  cJSON *pj = cJSON_CreateObject();
  cJSON_AddStringToObject(pj, "name", rp->name);
  cJSON_AddStringToObject(pj, "kind", rp->src->kind->name);
  cJSON_AddStringToObject(pj, "replay", o->paced ? "paced" : "back-to-back");
  cJSON_AddStringToObject(pj, "path", rp->arg);
  cJSON_AddStringToObject(pj, "abs_path", rp->abs);
  cJSON_AddStringToObject(pj, "sha256", am_source_sha256(rp->src));
  am_json_add_u64(pj, "seed", rp->seed);
  cJSON_AddBoolToObject(pj, "quick", o->quick);
  cJSON_AddNumberToObject(pj, "repetitions", rp->reps);
  cJSON *tc = cJSON_AddArrayToObject(pj, "thread_counts");
  cJSON *est = cJSON_AddArrayToObject(pj, "estimates");
  for (size_t i = 0; i < rp->n_threads; i++) {
    cJSON_AddItemToArray(tc, cJSON_CreateNumber(rp->threads[i]));
    cJSON *e = cJSON_CreateObject();
    cJSON_AddNumberToObject(e, "threads", rp->threads[i]);
    am_json_add_u64(e, "ops", rp->est_ops[i]);
    am_json_add_u64(e, "peak_live_bytes", rp->est_peak[i]);
    cJSON_AddItemToArray(est, e);
  }
  cJSON *spec = am_source_describe(rp->src);
  if (spec != NULL) cJSON_AddItemToObject(pj, "spec", spec);
  else cJSON_AddNullToObject(pj, "spec");
  return pj;
}

/* `allocmark plan`: the cells, as text (one per line) or as the plan JSON. */
static int print_plan(const am_plan_t *plan, int as_json) {
  cJSON *pj = am_plan_json(plan);
  if (pj == NULL) return am_run_usage_error("out of memory");
  if (as_json) {
    char *txt = cJSON_Print(pj);
    if (txt != NULL) puts(txt);
    free(txt);
  } else {
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(pj, "cells")) {
      int sh = cJSON_GetObjectItem(c, "shard")->valueint;
      const cJSON *mine = cJSON_GetObjectItem(pj, "shard");
      if (cJSON_IsObject(mine) && cJSON_GetObjectItem(mine, "k")->valueint != sh) continue;
      printf("%-60s round %-6d shard %d\n", cJSON_GetObjectItem(c, "id")->valuestring,
             cJSON_GetObjectItem(c, "round")->valueint, sh);
    }
    printf("%.0f of %.0f cells\n", cJSON_GetObjectItem(pj, "shard_cells")->valuedouble,
           cJSON_GetObjectItem(pj, "total_cells")->valuedouble);
  }
  cJSON_Delete(pj);
  return 0;
}

/* A sharded run's shard/plan.json, in the folder of its results files (`allocmark merge`
 * reads it; in a subfolder so that `allocmark report DIR` sees results files only). */
static int write_plan(const am_plan_t *plan, const run_pat_t *pats) {
  char path[PATH_MAX + 32];
  snprintf(path, sizeof path, "%s", pats[0].out);
  char *slash = strrchr(path, '/');
  size_t at = slash != NULL ? (size_t)(slash + 1 - path) : 0;
  snprintf(path + at, sizeof path - at, "shard");
  if (mkdir(path, 0755) != 0 && errno != EEXIST) return am_run_usage_error("cannot create %s: %s", path, strerror(errno));
  snprintf(path + at, sizeof path - at, "shard/plan.json");
  cJSON *pj = am_plan_json(plan);
  am_diag_t d;
  int rc = am_json_write_atomic(path, pj, 1, &d);
  cJSON_Delete(pj);
  if (rc != 0) return am_run_usage_error("%s", d.msg);
  return 0;
}

/* Parse argv into o and the pattern list; 0, or 2 after printing the error. */
int am_run_parse_args(int argc, char **argv, am_run_opts_t *o, const char **pats, size_t *np) {
  const char *v;
  int env_rc;
  int have_b = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { fputs(run_help, stdout); fputs(run_help_more, stdout); return -1; }
    else if (strcmp(a, "--quick") == 0) o->quick = 1;
    else if (strcmp(a, "--no-hw") == 0) o->no_hw = 1;
    else if (strcmp(a, "--paced") == 0) o->paced = 1;
    else if (strcmp(a, "--latency") == 0) o->latency = 1;
    else if (strncmp(a, "--latency=", 10) == 0) {
      uint64_t x;
      if (am_parse_u64(a + 10, AM_LIMIT_LATENCY, &x) != 0 || x == 0)
        return am_run_usage_error("--latency: '%s' is not a count 1..%u", a + 10, AM_LIMIT_LATENCY);
      o->latency = (unsigned)x;
    } else if ((v = am_opt_value(argc, argv, &i, "--backends", "-b")) != NULL) {
      if (parse_backends(o, v) != 0) return 2;
      have_b = 1;
    } else if ((v = am_opt_value(argc, argv, &i, "--threads", "-t")) != NULL) {
      if (parse_threads(o, v) != 0) return 2;
    } else if ((v = am_opt_value(argc, argv, &i, "--repetitions", "-r")) != NULL) {
      uint64_t x;
      if (am_parse_u64(v, AM_LIMIT_REPETITIONS, &x) != 0 || x == 0)
        return am_run_usage_error("-r: '%s' is not a repetition count (1..%u)", v, AM_LIMIT_REPETITIONS);
      o->reps = (unsigned)x;
    } else if ((v = am_opt_value(argc, argv, &i, "--seed", NULL)) != NULL) {
      if (am_parse_u64(v, AM_LIMIT_SEED, &o->seed) != 0)
        return am_run_usage_error("--seed: '%s' is not an integer 0..2^53-1 (results store it as a JSON number)", v);
      o->have_seed = 1;
    } else if ((v = am_opt_value(argc, argv, &i, "--warmup", NULL)) != NULL) {
      uint64_t x;
      if (am_parse_u64(v, AM_LIMIT_WARMUP, &x) != 0) return am_run_usage_error("--warmup: '%s' is not a count (0..%u)", v, AM_LIMIT_WARMUP);
      o->warmup = (long)x;
    } else if ((v = am_opt_value(argc, argv, &i, "--rss-interval-ms", NULL)) != NULL) {
      uint64_t x;
      if (am_parse_u64(v, AM_LIMIT_RSS_MS, &x) != 0) return am_run_usage_error("--rss-interval-ms: '%s' is not 0..%u", v, AM_LIMIT_RSS_MS);
      o->rss_interval_ms = (long)x;
    } else if ((v = am_opt_value(argc, argv, &i, "--chunk-ops", NULL)) != NULL) {
      if (am_parse_u64(v, UINT64_MAX, &o->chunk_ops) != 0 || o->chunk_ops == 0)
        return am_run_usage_error("--chunk-ops: '%s' is not a positive op count", v);
    } else if ((v = am_opt_value(argc, argv, &i, "--timeout", NULL)) != NULL) {
      char *end;
      errno = 0;
      double t = strtod(v, &end);
      if (*v == '\0' || *end != '\0' || errno != 0 || !(t > 0) || t > AM_LIMIT_TIMEOUT_S)
        return am_run_usage_error("--timeout: '%s' is not a positive number of seconds", v);
      o->timeout_s = t;
    } else if ((v = am_opt_value(argc, argv, &i, "--max-memory", NULL)) != NULL) {
      if (parse_bytes(v, &o->max_memory) != 0) return am_run_usage_error("--max-memory: '%s' is not a size (e.g. 512M, 4G)", v);
    } else if ((v = am_opt_value(argc, argv, &i, "--dump-at", NULL)) != NULL) {
      if (*v == '\0') return am_run_usage_error("--dump-at: needs a phase name or `end`");
      o->dump_at = v;
    } else if ((v = am_opt_value(argc, argv, &i, "--dump-dir", NULL)) != NULL) {
      if (*v == '\0') return am_run_usage_error("--dump-dir: needs a folder");
      o->dump_dir = v;
    } else if ((v = am_opt_value(argc, argv, &i, "--measure", NULL)) != NULL) {
      if (parse_measure(o, v) != 0) return 2;
    } else if ((v = am_opt_value(argc, argv, &i, "--shard", NULL)) != NULL) {
      if (am_shard_parse(v, &o->shard) != 0)
        return am_run_usage_error("--shard: '%s' is not K/N with 1 <= K <= N <= %u", v, AM_SHARD_MAX);
    } else if (o->plan_only && strcmp(a, "--json") == 0) {
      o->plan_json = 1;
    } else if ((v = am_opt_value(argc, argv, &i, "--output", "-o")) != NULL) {
      if (*v == '\0') return am_run_usage_error("-o: needs a path");
      o->out = v;
    } else if ((env_rc = am_env_parse_opt(argc, argv, &i, o)) != 0) {
      if (env_rc < 0) return 2;
    } else if (a[0] == '-' && a[1] != '\0') {
      return am_run_usage_error("unknown option '%s' (try allocmark run --help)", a);
    } else {
      if (*np == AM_RUN_MAX_PATTERNS) return am_run_usage_error("more than %d patterns", AM_RUN_MAX_PATTERNS);
      pats[(*np)++] = a;
    }
  }
  /* A flag whose value was missing came back as "" above and was caught; a trailing
   * option such as `-b` alone also lands here. */
  if (*np == 0) return am_run_usage_error("no PATTERN given (try allocmark run --help)");
  if (!have_b && parse_backends(o, "all") != 0) return 2;
  if (o->n_backends == 0) return am_run_usage_error("-b: no backend selected (none built here? see `allocmark list --all`)");
  if (o->noise_floor) { /* each backend's twin, NAME#2, right after the list: same runner */
    size_t n = o->n_backends;
    if (2 * n > AM_RUN_MAX_BACKENDS) return am_run_usage_error("--noise-floor: at most %d backends", AM_RUN_MAX_BACKENDS / 2);
    for (size_t b = 0; b < n; b++) {
      am_backend_spec_t *tw = &o->backends[o->n_backends++];
      *tw = o->backends[b];
      if (snprintf(tw->name, sizeof tw->name, "%s%s", o->backends[b].name, AM_NOISE_SUFFIX) >= (int)sizeof tw->name)
        return am_run_usage_error("--noise-floor: backend name '%s' too long", o->backends[b].name);
    }
  }
  return 0;
}

static int timeout_given(int argc, char **argv) {
  for (int i = 1; i < argc; i++) if (strcmp(argv[i], "--timeout") == 0 || strncmp(argv[i], "--timeout=", 10) == 0) return 1;
  return 0;
}

/* run's defaults, then argv. 0; -1 after --help; 2 after the one-line error. */
static int run_options(int argc, char **argv, int plan_only, am_run_opts_t *o, const char **pat_args, size_t *np) {
  memset(o, 0, sizeof *o);
  o->plan_only = plan_only;
  o->timeout_s = 120;
  o->warmup = -1;
  o->rss_interval_ms = -1;
  o->max_memory = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE) / 2;
  o->argc = argc;
  o->argv = argv;
  int prc = am_run_parse_args(argc, argv, o, pat_args, np);
  if (prc != 0) return prc;
  if (o->measure_instructions) {
    char vg[4096];
    if (am_vg_find(vg, sizeof vg) != 0)
      return am_run_usage_error("--measure instructions: valgrind is not on PATH (scripts/deps.sh installs it: apt-get install valgrind)");
    if (o->rss_interval_ms < 0) o->rss_interval_ms = 0; /* a sampler's ticks depend on wall time */
    o->no_hw = 1;
    if (!timeout_given(argc, argv)) o->timeout_s = 1200;
  }
  return 0;
}

/* Runners and their versions, before anything runs. 0, or 2 after the error. */
static int runner_infos(const am_run_opts_t *o, am_backend_info_t *info) {
  for (size_t b = 0; b < o->n_backends; b++) {
    char path[4096];
    if (am_runner_path(o->backends[b].runner, path, sizeof path) != 0)
      return am_run_usage_error("backend %s: runner %s is missing (rebuild)", o->backends[b].name, path);
    int irc = am_run_backend_info(&o->backends[b], &info[b]);
    if (irc < 0) return am_run_usage_error("backend %s: `%s info` failed", o->backends[b].name, path);
    if (irc > 0) /* so:PATH or a variant its runner refused: recorded as status error */
      fprintf(stderr, "allocmark run: backend %s: %s; its repetitions will fail\n", o->backends[b].name, info[b].error);
    if (o->measure_instructions && !info[b].valgrind_marks)
      return am_run_usage_error("--measure instructions: runner %s was built without valgrind/callgrind.h, so its "
                         "timed region is not marked (apt-get install valgrind, then rebuild)", path);
  }
  return 0;
}

/* One workload: load it, its thread counts, repetitions, seed, --dump-at phase and
 * estimates (checked against --max-memory). 0, or 2 after the error. */
static int load_workload(const am_run_opts_t *o, run_pat_t *rp) {
  am_diag_t d;
  if (am_source_load(rp->arg, &rp->src, &d) != 0 || am_source_check(rp->src, &d) != 0) {
    fprintf(stderr, "%s\n", d.msg);
    return 2;
  }
  if (o->paced && !(rp->src->kind->flags & AM_SOURCE_PACEABLE))
    return am_run_usage_error("--paced: %s is a %s; --paced is for traces only (recorded with --timestamps)", rp->arg,
                              rp->src->kind->name);
  /* A paced replay is another measurement than the back-to-back one: its own name. */
  snprintf(rp->name, sizeof rp->name, "%s%s", am_source_name(rp->src), o->paced ? "-paced" : "");
  if (realpath(rp->arg, rp->abs) == NULL) snprintf(rp->abs, sizeof rp->abs, "%s", rp->arg);
  if (o->n_threads) { memcpy(rp->threads, o->threads, sizeof o->threads); rp->n_threads = o->n_threads; }
  else rp->n_threads = am_source_thread_counts(rp->src, rp->threads, AM_RUN_MAX_THREADS);
  unsigned pr = am_source_repetitions(rp->src);
  rp->reps = o->reps ? o->reps : pr ? pr : AM_DEFAULT_REPS;
  rp->seed = o->have_seed ? o->seed : am_source_seed(rp->src);
  rp->dump_phase = -1;
  if (o->dump_at != NULL && strcmp(o->dump_at, "end") != 0) {
    rp->dump_phase = am_source_phase_index(rp->src, o->dump_at);
    if (rp->dump_phase < 0) { fprintf(stderr, "%s: phases: no phase named '%s' (--dump-at)\n", rp->arg, o->dump_at); return 2; }
  }
  for (size_t t = 0; t < rp->n_threads; t++) {
    am_gen_opts_t g = {.seed = rp->seed, .seed_set = 1, .threads = rp->threads[t], .quick = o->quick, .paced = o->paced};
    if (am_source_estimate(rp->src, &g, &rp->est_ops[t], &rp->est_peak[t], &d) != 0) {
      fprintf(stderr, "%s\n", d.msg);
      return 2;
    }
    if (rp->est_peak[t] > o->max_memory) {
      fprintf(stderr, "%s: peak live memory %llu bytes with %u thread%s exceeds --max-memory %llu bytes\n", rp->arg,
              (unsigned long long)rp->est_peak[t], rp->threads[t], rp->threads[t] == 1 ? "" : "s",
              (unsigned long long)o->max_memory);
      return 2;
    }
  }
  return 0;
}

static void free_workloads(run_pat_t *pats, size_t np, size_t n_backends) {
  for (size_t i = 0; i < np; i++) {
    am_source_free(pats[i].src);
    for (size_t k = 0; pats[i].samples != NULL && k < pats[i].n_threads * n_backends; k++)
      cJSON_Delete(pats[i].samples[k]);
    free(pats[i].samples);
  }
  free(pats);
}

/* Each workload's sample arrays and plan offset, before the first round (its
 * env_start is taken by its first round, run_round). 0, or 2 after the error. */
static int prepare_workloads(run_pat_t *pats, size_t np, size_t n_backends) {
  size_t round = 0;
  for (size_t i = 0; i < np; i++) {
    run_pat_t *rp = &pats[i];
    rp->round0 = round;
    round += rp->n_threads * rp->reps;
    if ((rp->samples = calloc(rp->n_threads * n_backends, sizeof *rp->samples)) == NULL)
      return am_run_usage_error("out of memory");
    for (size_t k = 0; k < rp->n_threads * n_backends; k++)
      if ((rp->samples[k] = cJSON_CreateArray()) == NULL) return am_run_usage_error("out of memory");
  }
  return 0;
}

/* The plan of the cells (plan.h); `allocmark plan` prints it, a sharded run writes it
 * beside its results; every output path decided. *cells: this shard's cell count. 0, or
 * 2 after the error; with `allocmark plan`, 1 after printing (nothing to run). */
static int plan_run(const am_run_opts_t *o, run_pat_t *pats, size_t np, size_t *cells) {
  if (o->shard.n && !o->plan_only && o->out != NULL && !is_dir(o->out) && o->out[strlen(o->out) - 1] != '/')
    return am_run_usage_error("-o %s: with --shard, -o must be a folder (existing, or ending in '/')", o->out);
  const char *names[AM_RUN_MAX_BACKENDS]; /* the plan keeps these pointers */
  for (size_t b = 0; b < o->n_backends; b++) names[b] = o->backends[b].name;
  am_plan_t *plan = am_plan_new(&o->shard, names, o->n_backends);
  for (size_t i = 0; i < np && plan != NULL; i++)
    if (am_plan_add(plan, pats[i].name, am_source_sha256(pats[i].src), pats[i].threads,
                    pats[i].n_threads, pats[i].reps) != 0) { am_plan_free(plan); plan = NULL; }
  if (plan == NULL) return am_run_usage_error("out of memory");
  int rc = 0;
  if (o->plan_only) rc = print_plan(plan, o->plan_json) == 0 ? 1 : 2;
  else if (plan_outputs(pats, np, o->out) != 0) rc = 2;
  else if (o->shard.n && write_plan(plan, pats) != 0) rc = 2;
  *cells = am_plan_shard_cells(plan);
  am_plan_free(plan);
  return rc;
}

/* Progress of a run, for the one line printed per repetition. */
typedef struct run_progress_s {
  size_t total, done, failed, round;
  double t_start;
  char host[256];
} run_progress_t;

/* One repetition's line on stderr: [done/total] ..., ns/op or the failure. */
static void print_progress(const run_progress_t *pg, const char *pname, const run_pat_t *rp, size_t t, unsigned r,
                           const char *backend, const cJSON *s) {
  const cJSON *st = cJSON_GetObjectItem(s, "status"), *ns = cJSON_GetObjectItem(s, "ns_per_op");
  int ok = cJSON_IsString(st) && strcmp(st->valuestring, "ok") == 0;
  double el = am_now_s() - pg->t_start, eta = el / (double)pg->done * (double)(pg->total - pg->done);
  char what[160];
  if (ok && cJSON_IsNumber(ns)) snprintf(what, sizeof what, "%.2f ns/op", ns->valuedouble);
  else {
    const cJSON *er = cJSON_GetObjectItem(s, "error");
    snprintf(what, sizeof what, "%s: %.120s", cJSON_IsString(st) ? st->valuestring : "error",
             cJSON_IsString(er) ? er->valuestring : "");
  }
  fprintf(stderr, "[%zu/%zu] %s t=%u rep %u/%u %-9s %s  (elapsed %.1fs, ETA %.1fs)\n", pg->done, pg->total, pname,
          rp->threads[t], r + 1, rp->reps, backend, what, el, eta);
}

/* Round r of one workload at its t-th thread count: every backend once, in the round's
 * order (rotated, or --order random), each sample appended to the workload's array for
 * that backend. Rounds outside this --shard are skipped. */
static void run_round(const am_run_opts_t *o, run_pat_t *rp, size_t t, unsigned r, run_progress_t *pg) {
  size_t round = rp->round0 + t * rp->reps + r; /* the plan's round index (plan.h) */
  if (!am_shard_has_round(&o->shard, round)) return;
  if (!rp->started) { am_env_snap(&rp->env_start); rp->started = 1; } /* its `during` starts here */
  for (size_t j = 0; j < o->n_backends && !am_spawn_stop; j++) {
    size_t b = am_run_order(o, j, r, round);
    cJSON *s = am_run_one(&o->backends[b], rp->abs, am_source_sha256(rp->src), rp->threads[t], rp->seed, r, o);
    if (am_spawn_stop) { cJSON_Delete(s); break; } /* killed by the stop: not a result */
    char cell[512];
    cJSON_AddStringToObject(s, "cell", am_cell_id(cell, sizeof cell, rp->name, rp->threads[t], r, o->backends[b].name));
    cJSON_AddStringToObject(s, "host", pg->host);
    cJSON_AddItemToArray(rp->samples[t * o->n_backends + b], s);
    pg->done++;
    const cJSON *st = cJSON_GetObjectItem(s, "status");
    if (!cJSON_IsString(st) || strcmp(st->valuestring, "ok") != 0) pg->failed++;
    print_progress(pg, rp->name, rp, t, r, o->backends[b].name, s);
  }
}

/* --dump-at: the heap maps of one workload, in --dump-dir or dumps/ beside its results. */
static void run_workload_dumps(const am_run_opts_t *o, const run_pat_t *rp) {
  char dd[PATH_MAX];
  if (o->dump_dir != NULL) snprintf(dd, sizeof dd, "%s", o->dump_dir);
  else {
    snprintf(dd, sizeof dd, "%s", rp->out);
    char *slash = strrchr(dd, '/');
    if (slash != NULL) snprintf(slash, sizeof dd - (size_t)(slash - dd), "/dumps");
    else snprintf(dd, sizeof dd, "dumps");
  }
  am_run_dumps(rp->abs, am_source_sha256(rp->src), rp->name, o->dump_at, rp->dump_phase,
               rp->threads[0], rp->seed, dd, o);
}

/* A workload whose rounds have all run: its benchmarks (one per backend and thread
 * count, from the samples, which they take), results file (atomically), table and
 * --dump-at maps. 0, or 1 when the file could not be written. */
static int finish_workload(const am_run_opts_t *o, const am_backend_info_t *info, run_pat_t *rp,
                           const cJSON *context) {
  cJSON *benchmarks = cJSON_CreateArray();
  for (size_t t = 0; t < rp->n_threads; t++)
    for (size_t b = 0; b < o->n_backends; b++) {
      cJSON **sp = &rp->samples[t * o->n_backends + b];
      if (o->shard.n && cJSON_GetArraySize(*sp) == 0) continue; /* no cell of it in this shard */
      cJSON_AddItemToArray(benchmarks, am_run_benchmark(&info[b], rp->threads[t], *sp));
      *sp = NULL;
    }
  if (o->shard.n && cJSON_GetArraySize(benchmarks) == 0) { cJSON_Delete(benchmarks); return 0; }
  cJSON *root = cJSON_CreateObject();
  cJSON_AddNumberToObject(root, "schema_version", AM_RESULTS_SCHEMA_VERSION);
  cJSON_AddStringToObject(root, "generator", "allocmark run");
  cJSON *ctx = cJSON_Duplicate(context, 1);
  am_env_during(ctx, &rp->env_start);
  cJSON_AddItemToObject(root, "context", ctx);
  cJSON_AddItemToObject(root, "workload", workload_json(rp, o));
  cJSON_AddItemToObject(root, "benchmarks", benchmarks);
  am_diag_t d;
  int rc = 0;
  if (am_json_write_atomic(rp->out, root, 1, &d) != 0) {
    fprintf(stderr, "allocmark run: %s\n", d.msg);
    rc = 1;
  } else {
    am_run_print_table(rp->name, benchmarks, rp->reps);
    if (o->noise_floor) am_run_print_noise_floor(rp->out, o);
    printf("results: %s\n", rp->out);
  }
  fflush(stdout);
  cJSON_Delete(root);
  if (o->dump_at != NULL) run_workload_dumps(o, rp);
  return rc;
}

/* Every round of every workload, in the --schedule's order, each workload finished
 * (written) after its last round. grouped: workload by workload, each one's rounds back
 * to back. spread (default): pass r runs round r of every workload and thread count, so
 * each benchmark's repetitions span the whole run, and a slow drift of the machine (a
 * neighbour, the host's clock) becomes noise within every benchmark instead of a bias
 * between workloads, or between this run and another. 0, or 1 when a file failed. */
static int run_schedule(const am_run_opts_t *o, const am_backend_info_t *info, run_pat_t *pats, size_t np,
                        const cJSON *context, run_progress_t *pg) {
  int rc = 0;
  if (o->schedule_grouped) {
    for (size_t i = 0; i < np && !am_spawn_stop; i++) {
      for (size_t t = 0; t < pats[i].n_threads; t++)
        for (unsigned r = 0; r < pats[i].reps && !am_spawn_stop; r++) run_round(o, &pats[i], t, r, pg);
      if (!am_spawn_stop && finish_workload(o, info, &pats[i], context) != 0) rc = 1;
    }
    return rc;
  }
  unsigned passes = 0;
  for (size_t i = 0; i < np; i++) passes = pats[i].reps > passes ? pats[i].reps : passes;
  for (unsigned r = 0; r < passes && !am_spawn_stop; r++)
    for (size_t i = 0; i < np && !am_spawn_stop; i++) {
      if (r >= pats[i].reps) continue;
      for (size_t t = 0; t < pats[i].n_threads && !am_spawn_stop; t++) run_round(o, &pats[i], t, r, pg);
      if (r + 1 == pats[i].reps && !am_spawn_stop && finish_workload(o, info, &pats[i], context) != 0) rc = 1;
    }
  return rc;
}

static int run_main(int argc, char **argv, int plan_only) {
  am_run_opts_t o;
  static const char *pat_args[AM_RUN_MAX_PATTERNS];
  size_t np = 0;
  int prc = run_options(argc, argv, plan_only, &o, pat_args, &np);
  if (prc < 0) return 0; /* --help */
  if (prc != 0) return prc;
  am_backend_info_t info[AM_RUN_MAX_BACKENDS];
  if ((prc = runner_infos(&o, info)) != 0) return prc;

  /* Program files (programs/README.md) run through cmd_run_prog.c; not mixed with patterns. */
  size_t nprog = 0;
  for (size_t i = 0; i < np; i++) {
    am_diag_t d;
    const am_source_kind_t *k = am_source_sniff(pat_args[i], &d);
    nprog += k != NULL && k->exec == AM_EXEC_PROGRAM;
  }
  if (o.paced && nprog) return am_run_usage_error("--paced: for traces only (recorded with --timestamps)");
  if (nprog == np) { /* programs run one after another (cmd_run_prog.c), and say so */
    o.schedule_grouped = 1;
    return am_run_programs(&o, info, pat_args, np);
  }
  if (nprog != 0) return am_run_usage_error("run pattern files and program files in separate commands");

  run_pat_t *pats = calloc(np, sizeof *pats);
  if (pats == NULL) return am_run_usage_error("out of memory");
  int rc = 0;
  for (size_t i = 0; i < np && rc == 0; i++) {
    pats[i].arg = pat_args[i];
    rc = load_workload(&o, &pats[i]);
  }
  run_progress_t pg = {.host = "?"};
  if (rc == 0) rc = plan_run(&o, pats, np, &pg.total);
  if (rc != 0) {
    free_workloads(pats, np, o.n_backends);
    return rc == 1 ? 0 : rc; /* 1: `allocmark plan` printed it */
  }

  gethostname(pg.host, sizeof pg.host - 1);
  pg.t_start = am_now_s();
  cJSON *context = am_run_context(&o);
  cJSON_AddItemToObject(context, "environment", am_env_probe(&o)); /* cmd_run_env.c */
  am_spawn_catch_signals(); /* SIGINT/SIGTERM: stop now, write no unfinished pattern */
  int prep = prepare_workloads(pats, np, o.n_backends);
  if (prep == 0) rc = run_schedule(&o, info, pats, np, context, &pg);
  cJSON_Delete(context);
  free_workloads(pats, np, o.n_backends);
  if (prep != 0) return prep; /* out of memory before anything ran: 2, like other bad starts */
  if (am_spawn_stop) {
    fprintf(stderr, "allocmark run: interrupted by signal %d: the unfinished patterns were not written; "
                    "results files written before are complete\n", (int)am_spawn_stop);
    return 130;
  }
  if (pg.failed) fprintf(stderr, "allocmark run: %zu of %zu repetitions failed (see the status and error fields)\n", pg.failed, pg.total);
  return (rc != 0 || pg.failed) ? 1 : 0;
}

int am_cmd_run(int argc, char **argv) { return run_main(argc, argv, 0); }

static const char plan_help[] =
  "usage: allocmark plan PATTERN... [run options] [--shard K/N] [--json]\n"
  "  Lists the cells `allocmark run` with the same arguments would run, in plan order\n"
  "  (run's --schedule grouped; spread runs repetition r of every workload in pass r),\n"
  "  without running any. A cell is workload x threads x repetition x backend, with the\n"
  "  stable id <workload>/t<threads>/r<rep>/<backend> (rep 0-based) that results samples\n"
  "  carry as `cell`. A round is workload x threads x repetition (every backend once,\n"
  "  rotated); --shard K/N keeps round i (0-based, plan order) when i mod N = K-1, so\n"
  "  each shard interleaves its backends and the N shards together hold every cell once.\n"
  "  --json prints {format, shard, backends, workloads, cells[{id, workload, threads,\n"
  "  rep, backend, round, shard}], total_cells, shard_cells}: the shard/plan.json a\n"
  "  sharded run writes in its results folder.\n"
  "exit: 0; 2 bad input\n";

int am_cmd_plan(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { fputs(plan_help, stdout); return 0; }
  return run_main(argc, argv, 1);
}
