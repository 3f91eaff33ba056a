/* harness/cli/cmd_run_prog.c — `allocmark run PROGRAM.json...`: real programs as
 * workloads (programs/README.md). For each program: the untimed `setup` once, in a
 * fresh scratch folder; then per backend an untimed proof repetition under
 * LD_DEBUG=bindings that shows which object every allocation symbol of every process
 * was bound to (and doubles as the warm-up); then the timed repetitions, interleaved
 * across backends like pattern runs, each a fresh `am-progrun` (harness/progrun/)
 * and so a fresh process tree. Then the output check: stdout must be the same on every
 * backend. One results JSON per program, the schema of pattern runs (results/README.md),
 * so `allocmark report`, the charts and run_all.sh read it.
 *
 * The preload: `system` none, every other backend its runner's `malloc_from` (pagepool:
 * the drop-in build/libpagepool.so); backends that do not replace malloc (bump, broken)
 * are `unsupported`. When the proof shows allocation symbols bound elsewhere — a
 * program that links its own allocator, like Debian's redis-server with
 * libjemalloc.so.2 — the run is retried with the objects that must come first
 * preloaded too (glibc's libc.so.6 for `system`, libstdc++.so.6 for operator new), and
 * a backend still not in effect is excluded with status `foreign-allocator` and the
 * linker's evidence. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cJSON.h>
#include "cli.h"
#include "registry.h"
#include "metric_table.h"
#include "table.h"
#include "cmd_run.h"
#include "progfile.h"
#include "results.h"
#include "stats.h"

#define PROG_MAX 64

typedef struct pbe_s {            /* one backend for one program */
  char preload[2048];             /* LD_PRELOAD for the program ("" none) */
  char expect[512];               /* where malloc must bind */
  char note[1024];                /* why the preload differs from the default */
  char excluded[1400];            /* non-empty: not run; the reason */
  const char *excluded_status;
  cJSON *proof;                   /* the proof repetition's sample */
  cJSON *samples;
} pbe_t;

/* argv[0] of the command, expanded, found on PATH (or as a path). */
static int find_command(const char *cmd, char *buf, size_t cap) {
  if (strchr(cmd, '/')) { snprintf(buf, cap, "%s", cmd); return access(cmd, X_OK) == 0 ? 0 : -1; }
  const char *path = getenv("PATH");
  char copy[8192];
  snprintf(copy, sizeof copy, "%s", path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (char *save = NULL, *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
    snprintf(buf, cap, "%s/%s", d, cmd);
    if (access(buf, X_OK) == 0) return 0;
  }
  return -1;
}

/* Why the program cannot run here ("" when it can): a command not installed. */
static void missing_reason(const am_progfile_t *p, char *why, size_t cap) {
  const am_argv_t *argvs[] = {&p->command, &p->server, &p->setup};
  am_prog_vars_t v = {1, p->dir, ".", 0};
  why[0] = '\0';
  for (size_t i = 0; i < 3; i++) {
    if (argvs[i]->n == 0) continue;
    char c[4096], found[8192];
    am_progfile_expand(argvs[i]->v[0], &v, c, sizeof c);
    if (find_command(c, found, sizeof found) == 0) continue;
    char pk[512] = "";
    size_t n = 0;
    for (size_t k = 0; k < p->n_packages && n < sizeof pk; k++) n += (size_t)snprintf(pk + n, sizeof pk - n, " %s", p->packages[k]);
    snprintf(why, cap, "%.200s is not installed (Debian package(s):%s; install with scripts/deps.sh --programs)", c,
             n ? pk : " not named in the program file");
    return;
  }
}

/* Run the setup (untimed, no preload) in work; 0, or -1 with why. */
int am_prog_setup(const am_progfile_t *p, uint64_t n, const char *work, double timeout_s, char *why, size_t cap) {
  if (p->setup.n == 0) return 0;
  static char bufs[AM_PROG_MAX_ARGS][4096];
  char *argv[AM_PROG_MAX_ARGS + 4];
  size_t a = 0;
  argv[a++] = "/usr/bin/env";
  argv[a++] = "-C";
  argv[a++] = (char *)work;
  am_prog_vars_t v = {n, p->dir, work, 0};
  for (size_t i = 0; i < p->setup.n; i++) {
    am_progfile_expand(p->setup.v[i], &v, bufs[i], sizeof bufs[i]);
    argv[a++] = bufs[i];
  }
  argv[a] = NULL;
  am_spawn_result_t r;
  if (am_spawn(argv, NULL, timeout_s, &r) != 0) { snprintf(why, cap, "setup: could not start"); return -1; }
  int ok = r.kind == AM_EXIT_OK;
  if (!ok) {
    char *t = r.err_tail;
    for (char *c = t; *c; c++) if (*c == '\n') *c = ' ';
    snprintf(why, cap, "setup failed (%s %d): %.400s", r.kind == AM_EXIT_CRASHED ? "signal" : r.kind == AM_EXIT_TIMEOUT ? "timeout" : "exit",
             r.kind == AM_EXIT_CRASHED ? r.signal : r.exit_code, t);
  }
  am_spawn_result_free(&r);
  return ok ? 0 : -1;
}

static void set_status(cJSON *s, const char *st, const char *err) {
  cJSON *a = cJSON_CreateString(st), *b = err ? cJSON_CreateString(err) : cJSON_CreateNull();
  if (cJSON_GetObjectItem(s, "status")) cJSON_ReplaceItemInObject(s, "status", a); else cJSON_AddItemToObject(s, "status", a);
  if (cJSON_GetObjectItem(s, "error")) cJSON_ReplaceItemInObject(s, "error", b); else cJSON_AddItemToObject(s, "error", b);
}

/* One am-progrun: a sample (always an object with a status). */
static cJSON *progrun(const char *file, const char *work, const char *tag, const pbe_t *be, int proof, double timeout_s,
                      unsigned rep, const am_run_opts_t *o) {
  char exe[4096], to[32], rss[24];
  snprintf(exe, sizeof exe, "%srunners/am-progrun", am_exe_dir());
  snprintf(to, sizeof to, "%g", timeout_s);
  char *argv[24];
  int a = 0;
  argv[a++] = exe; argv[a++] = "run";
  argv[a++] = "--program"; argv[a++] = (char *)file;
  argv[a++] = "--work"; argv[a++] = (char *)work;
  argv[a++] = "--tag"; argv[a++] = (char *)tag;
  argv[a++] = "--preload"; argv[a++] = (char *)be->preload;
  argv[a++] = "--timeout"; argv[a++] = to;
  if (o->quick) argv[a++] = "--quick";
  if (proof) { argv[a++] = "--bindings"; argv[a++] = "--expect"; argv[a++] = (char *)be->expect; }
  if (o->rss_interval_ms >= 0 && !proof) {
    snprintf(rss, sizeof rss, "%ld", o->rss_interval_ms);
    argv[a++] = "--rss-interval-ms"; argv[a++] = rss;
  }
  argv[a] = NULL;
  am_spawn_result_t r;
  cJSON *s = NULL;
  if (am_spawn(argv, NULL, timeout_s + 30, &r) == 0) {
    s = r.kind == AM_EXIT_OK ? cJSON_Parse(r.out) : NULL;
    if (s == NULL) {
      s = cJSON_CreateObject();
      char msg[800];
      snprintf(msg, sizeof msg, "am-progrun failed (%s): %.500s", r.kind == AM_EXIT_TIMEOUT ? "timeout" : "no sample", r.err_tail);
      set_status(s, r.kind == AM_EXIT_TIMEOUT ? "timeout" : "error", msg);
    }
    am_spawn_result_free(&r);
  } else {
    s = cJSON_CreateObject();
    set_status(s, "error", "could not start am-progrun");
  }
  cJSON_AddNumberToObject(s, "rep", rep);
  return s;
}

/* From the proof's evidence, the objects to preload as well; 0 when none helps. */
static int fallback_preload(const char *backend, const am_backend_info_t *bi, const cJSON *proof, pbe_t *be) {
  const cJSON *fb = cJSON_GetObjectItem(cJSON_GetObjectItem(proof, "bindings"), "foreign_allocation_bindings"), *e;
  if (cJSON_GetArraySize(fb) == 0) return 0;
  char np[2048];
  snprintf(np, sizeof np, "%s", am_registry_is_reference(backend) ? bi->malloc_from : be->preload);
  cJSON_ArrayForEach(e, fb) {
    const char *line = e->valuestring, *colon = strstr(line, ": _Z");
    if (colon == NULL || strstr(line, "libstdc++") == NULL || strstr(line, "libstdc++") > colon) continue;
    char lib[1024];
    snprintf(lib, sizeof lib, "%.*s", (int)(colon - line), line);
    if (strstr(np, lib) == NULL) {
      size_t l = strlen(np);
      snprintf(np + l, sizeof np - l, "%s%s", l ? ":" : "", lib);
    }
  }
  if (strcmp(np, be->preload) == 0) return 0;
  snprintf(be->note, sizeof be->note, "without it, allocation symbols bound elsewhere (e.g. %.300s); preloaded %.600s so that "
           "the program's malloc and operator new are %s's", cJSON_GetArrayItem(fb, 0)->valuestring, np, backend);
  snprintf(be->preload, sizeof be->preload, "%s", np);
  return 1;
}

/* The proof repetition (retried once with a fallback preload); sets be->excluded. */
static void prove(const char *backend, const am_backend_info_t *bi, const char *file, const char *work, double tmo,
                  const am_run_opts_t *o, pbe_t *be) {
  for (int attempt = 0; attempt < 2; attempt++) {
    char tag[96];
    snprintf(tag, sizeof tag, "proof-%s-%d", backend, attempt);
    cJSON_Delete(be->proof);
    be->proof = progrun(file, work, tag, be, 1, tmo, 0, o);
    const cJSON *ie = cJSON_GetObjectItem(cJSON_GetObjectItem(be->proof, "bindings"), "in_effect");
    if (cJSON_IsTrue(ie)) return;
    if (!cJSON_IsBool(ie)) return; /* the run itself failed: its status shows in the repetitions */
    if (attempt == 0 && fallback_preload(backend, bi, be->proof, be)) continue;
    const cJSON *why = cJSON_GetObjectItem(be->proof, "bindings_error");
    snprintf(be->excluded, sizeof be->excluded, "the backend was not in effect inside the program: %.1200s",
             cJSON_IsString(why) ? why->valuestring : "no evidence");
    be->excluded_status = "foreign-allocator";
    return;
  }
}

static double num(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItem(o, k);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}
static int is_ok(const cJSON *s) {
  const cJSON *st = cJSON_GetObjectItem(s, "status");
  return cJSON_IsString(st) && strcmp(st->valuestring, "ok") == 0;
}

/* The output check: every ok sample's stdout digest must equal the reference's
 * (system's first ok repetition, else the first backend's). Returns the reference. */
static const char *check_outputs(const am_progfile_t *p, pbe_t *be, const am_run_opts_t *o, char *ref_from, size_t cap) {
  const char *ref = NULL;
  for (int pass = 0; pass < 2 && ref == NULL; pass++)
    for (size_t b = 0; b < o->n_backends && ref == NULL; b++) {
      if (pass == 0 && !am_registry_is_reference(o->backends[b].name)) continue;
      const cJSON *s;
      cJSON_ArrayForEach(s, be[b].samples) if (is_ok(s)) {
        ref = cJSON_GetObjectItem(s, "output_sha256")->valuestring;
        snprintf(ref_from, cap, "%s", o->backends[b].name);
        break;
      }
    }
  if (ref == NULL || !p->check_stdout) return ref;
  for (size_t b = 0; b < o->n_backends; b++) {
    cJSON *s;
    cJSON_ArrayForEach(s, be[b].samples) {
      const cJSON *h = cJSON_GetObjectItem(s, "output_sha256");
      if (!is_ok(s) || !cJSON_IsString(h) || strcmp(h->valuestring, ref) == 0) continue;
      char msg[600];
      const cJSON *f = cJSON_GetObjectItem(s, "output_file");
      snprintf(msg, sizeof msg, "stdout differs from %s's (sha256 %.12s... against %.12s...; kept in %.300s)", ref_from,
               h->valuestring, ref, cJSON_IsString(f) ? f->valuestring : "?");
      set_status(s, "wrong-output", msg);
    }
  }
  return ref;
}

static void add_figure_aggregate(cJSON *bm, const cJSON *samples) {
  double x[1024];
  size_t n = 0;
  const cJSON *s;
  cJSON_ArrayForEach(s, samples) if (is_ok(s) && n < 1024) x[n++] = num(s, "figure");
  am_summary_t sum;
  am_summarize(x, n, &sum);
  cJSON *ag = cJSON_GetObjectItem(bm, "aggregates");
  if (ag != NULL && sum.n > 0) cJSON_AddItemToObject(ag, "figure", am_summary_json(&sum));
}

static void print_table(const am_progfile_t *p, const cJSON *bms, unsigned reps) {
  double sys = NAN;
  const cJSON *bm;
  cJSON_ArrayForEach(bm, bms)
    if (am_registry_is_reference(cJSON_GetObjectItem(bm, "backend")->valuestring))
      sys = num(cJSON_GetObjectItem(cJSON_GetObjectItem(bm, "aggregates"), "wall_s"), "median");
  printf("\n%s (program), %u repetition%s\n", p->name, reps, reps == 1 ? "" : "s");
  am_table_t t;
  am_table_init(&t);
  am_table_col(&t, "backend", 0);
  am_table_col(&t, "wall s median [95% CI]", 0);
  am_table_col(&t, "vs system", 1);
  am_table_col(&t, p->fig_regex ? p->fig_unit : "figure", 1);
  am_table_col(&t, am_metrics[AM_M_PEAK_RSS_BYTES].label, 1);
  am_table_col(&t, "status", 0);
  cJSON_ArrayForEach(bm, bms) {
    const cJSON *ag = cJSON_GetObjectItem(bm, "aggregates"), *w = cJSON_GetObjectItem(ag, "wall_s");
    double med = num(w, "median");
    char ci[64] = "-", rel[16], fig[32] = "-", rss[24];
    if (isfinite(med)) snprintf(ci, sizeof ci, "%.3f [%.3f, %.3f]%s", med, num(w, "ci95_low"), num(w, "ci95_high"),
                                cJSON_IsTrue(cJSON_GetObjectItem(w, "noisy")) ? " ~" : "");
    am_fmt_ratio(rel, sizeof rel, am_ratio(med, sys), "x");
    double f = num(cJSON_GetObjectItem(ag, "figure"), "median");
    if (isfinite(f)) snprintf(fig, sizeof fig, "%.6g", f);
    am_fmt_bytes(rss, sizeof rss, num(cJSON_GetObjectItem(ag, am_metrics[AM_M_PEAK_RSS_BYTES].name), "median"));
    const cJSON *er = cJSON_GetObjectItem(bm, "error");
    am_table_add(&t, cJSON_GetObjectItem(bm, "backend")->valuestring);
    am_table_add(&t, ci);
    am_table_add(&t, rel[0] ? rel : "-");
    am_table_add(&t, fig);
    am_table_add(&t, rss);
    am_table_addf(&t, "%s%s%.160s", cJSON_GetObjectItem(bm, "status")->valuestring, cJSON_IsString(er) ? ": " : "",
                  cJSON_IsString(er) ? er->valuestring : "");
  }
  am_table_write(&t, AM_TFMT_TEXT, stdout);
  am_table_free(&t);
  printf("  wall = the command's wall time (a server, when there is one, is started before and stopped after it);"
         " ~ noisy (cv > 5 %%)\n");
}

static int is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static cJSON *program_json(const am_progfile_t *p, const char *arg, const char *abs, unsigned reps, const am_run_opts_t *o,
                           const char *ref, const char *ref_from) {
  cJSON *pj = cJSON_CreateObject();
  cJSON_AddStringToObject(pj, "name", p->name);
  cJSON_AddStringToObject(pj, "kind", "program");
  cJSON_AddStringToObject(pj, "path", arg);
  cJSON_AddStringToObject(pj, "abs_path", abs);
  cJSON_AddStringToObject(pj, "sha256", p->sha256);
  cJSON_AddBoolToObject(pj, "quick", o->quick);
  cJSON_AddNumberToObject(pj, "repetitions", reps);
  cJSON *tc = cJSON_AddArrayToObject(pj, "thread_counts");
  cJSON_AddItemToArray(tc, cJSON_CreateNumber(1));
  cJSON *est = cJSON_AddArrayToObject(pj, "estimates");
  cJSON *e = cJSON_CreateObject();
  cJSON_AddNumberToObject(e, "threads", 1);
  cJSON_AddNumberToObject(e, "ops", 1);
  cJSON_AddNullToObject(e, "peak_live_bytes");
  cJSON_AddItemToArray(est, e);
  am_json_add_u64(pj, "n", am_progfile_n(p, o->quick));
  cJSON_AddStringToObject(pj, "unit", "ops = 1 per run of the command: ns_per_op is its wall time in ns");
  if (p->fig_regex) {
    cJSON *f = cJSON_AddObjectToObject(pj, "figure");
    cJSON_AddStringToObject(f, "unit", p->fig_unit);
    cJSON_AddStringToObject(f, "better", p->fig_higher_better ? "higher" : "lower");
  }
  cJSON *oc = cJSON_AddObjectToObject(pj, "output_check");
  cJSON_AddStringToObject(oc, "stdout", p->check_stdout ? "identical" : "ignore");
  if (ref) { cJSON_AddStringToObject(oc, "reference_sha256", ref); cJSON_AddStringToObject(oc, "reference_backend", ref_from); }
  else cJSON_AddNullToObject(oc, "reference_sha256");
  cJSON_AddItemToObject(pj, "spec", cJSON_Duplicate(p->root, 1));
  return pj;
}

static void progress(size_t *done, size_t total, double t0, const char *name, unsigned r, unsigned reps,
                     const char *backend, const cJSON *s) {
  (*done)++;
  double el = am_now_s() - t0, eta = el / (double)*done * (double)(total - *done);
  const cJSON *er = cJSON_GetObjectItem(s, "error");
  char what[200];
  if (is_ok(s)) snprintf(what, sizeof what, "%.3f s", num(s, "wall_s"));
  else snprintf(what, sizeof what, "%s: %.150s", cJSON_GetObjectItem(s, "status")->valuestring,
                cJSON_IsString(er) ? er->valuestring : "");
  fprintf(stderr, "[%zu/%zu] %s rep %u/%u %-9s %s  (elapsed %.1fs, ETA %.1fs)\n", *done, total, name, r + 1, reps,
          backend, what, el, eta);
}

/* Everything for one program; returns the number of failed repetitions, or -1 when the
 * results file could not be written. */
static long run_program(const am_progfile_t *p, const char *arg, const char *out, const am_run_opts_t *o,
                        const am_backend_info_t *info, const cJSON *context, size_t *done, size_t total, double t0) {
  char abs[PATH_MAX], work[PATH_MAX], why[1400];
  if (realpath(arg, abs) == NULL) snprintf(abs, sizeof abs, "%s", arg);
  unsigned reps = o->reps ? o->reps : p->repetitions;
  int user_timeout = 0;
  for (int i = 1; i < o->argc; i++) user_timeout |= strncmp(o->argv[i], "--timeout", 9) == 0;
  double tmo = user_timeout ? o->timeout_s : p->timeout_s;
  const char *tmp = getenv("TMPDIR");
  snprintf(work, sizeof work, "%s/allocmark-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", p->name);
  pbe_t *be = calloc(o->n_backends, sizeof *be);
  if (be == NULL || mkdtemp(work) == NULL) { free(be); fprintf(stderr, "allocmark run: cannot create %s\n", work); return -1; }
  missing_reason(p, why, sizeof why);
  const char *common_status = why[0] ? "error" : NULL;
  if (!why[0] && am_prog_setup(p, am_progfile_n(p, o->quick), work, tmo, why, sizeof why) != 0) common_status = "error";
  if (common_status) fprintf(stderr, "%s: %s\n", arg, why);
  for (size_t b = 0; b < o->n_backends; b++) {
    be[b].samples = cJSON_CreateArray();
    int sys = am_registry_is_reference(o->backends[b].name);
    snprintf(be[b].expect, sizeof be[b].expect, "%s", info[b].malloc_from);
    if (!sys) snprintf(be[b].preload, sizeof be[b].preload, "%s", info[b].malloc_from);
    if (common_status) { snprintf(be[b].excluded, sizeof be[b].excluded, "%s", why); be[b].excluded_status = common_status; }
    else if (o->backends[b].n_user > 0) { /* a variant's variables are not given to programs */
      snprintf(be[b].excluded, sizeof be[b].excluded, "backend %s is a variant: its variables are applied to "
               "runners only, not passed to programs", o->backends[b].name);
      be[b].excluded_status = "unsupported";
    } else if (!sys && !info[b].overrides_malloc) {
      snprintf(be[b].excluded, sizeof be[b].excluded, "backend %s does not replace malloc (no overrides_malloc "
               "capability): it cannot be preloaded into a program", o->backends[b].name);
      be[b].excluded_status = "unsupported";
    } else {
      fprintf(stderr, "%s: proof run on %s (LD_DEBUG=bindings, untimed)\n", p->name, o->backends[b].name);
      prove(o->backends[b].name, &info[b], abs, work, tmo, o, &be[b]);
      if (be[b].note[0]) fprintf(stderr, "%s on %s: %s\n", p->name, o->backends[b].name, be[b].note);
      if (be[b].excluded[0]) fprintf(stderr, "%s on %s: excluded: %s\n", p->name, o->backends[b].name, be[b].excluded);
    }
  }
  for (unsigned r = 0; r < reps; r++)
    for (size_t j = 0; j < o->n_backends; j++) {
      size_t b = (j + r) % o->n_backends;
      cJSON *s;
      if (be[b].excluded[0]) {
        s = cJSON_CreateObject();
        set_status(s, be[b].excluded_status, be[b].excluded);
        cJSON_AddNumberToObject(s, "rep", r);
      } else {
        char tag[96];
        snprintf(tag, sizeof tag, "%s-%u", o->backends[b].name, r);
        s = progrun(abs, work, tag, &be[b], 0, tmo, r, o);
      }
      cJSON_AddItemToArray(be[b].samples, s);
      progress(done, total, t0, p->name, r, reps, o->backends[b].name, s);
    }
  char ref_from[32] = "";
  const char *ref = check_outputs(p, be, o, ref_from, sizeof ref_from);
  cJSON *bms = cJSON_CreateArray();
  long failed = 0;
  for (size_t b = 0; b < o->n_backends; b++) {
    const cJSON *s;
    cJSON_ArrayForEach(s, be[b].samples) failed += !is_ok(s);
    cJSON *bm = am_run_benchmark(&info[b], 1, be[b].samples);
    add_figure_aggregate(bm, cJSON_GetObjectItem(bm, "samples"));
    cJSON_AddStringToObject(bm, "preload", be[b].preload);
    if (be[b].note[0]) cJSON_AddStringToObject(bm, "preload_note", be[b].note);
    if (be[b].proof) {
      cJSON_DeleteItemFromObject(be[b].proof, "rss_timeline");
      cJSON_AddItemToObject(bm, "proof", be[b].proof);
    } else cJSON_AddNullToObject(bm, "proof");
    cJSON_AddItemToArray(bms, bm);
  }
  cJSON *root = cJSON_CreateObject();
  cJSON_AddNumberToObject(root, "schema_version", AM_RESULTS_SCHEMA_VERSION);
  cJSON_AddStringToObject(root, "generator", "allocmark run");
  cJSON_AddItemToObject(root, "context", cJSON_Duplicate(context, 1));
  cJSON_AddItemToObject(root, "workload", program_json(p, arg, abs, reps, o, ref, ref_from));
  cJSON_AddItemToObject(root, "benchmarks", bms);
  am_diag_t d;
  int wrc = am_json_write_atomic(out, root, 1, &d);
  if (wrc != 0) fprintf(stderr, "allocmark run: %s\n", d.msg);
  else { print_table(p, bms, reps); printf("results: %s\n", out); }
  fflush(stdout);
  cJSON_Delete(root);
  free(be);
  if (failed == 0) {
    char *rm[] = {"/bin/rm", "-rf", work, NULL};
    am_spawn_result_t r;
    if (am_spawn(rm, NULL, 60, &r) == 0) am_spawn_result_free(&r);
  } else fprintf(stderr, "%s: scratch folder kept for inspection: %s\n", p->name, work);
  return wrc != 0 ? -1 : failed;
}

int am_run_programs(const am_run_opts_t *o, const am_backend_info_t *info, const char *const *files, size_t nf) {
  if (nf > PROG_MAX) return am_run_usage_error("more than %d program files", PROG_MAX);
  am_progfile_t *ps[PROG_MAX];
  static char outs[PROG_MAX][PATH_MAX];
  int rc = 0;
  for (size_t i = 0; i < nf; i++) {
    am_diag_t d;
    if (am_progfile_load(files[i], &ps[i], &d) != 0) {
      fprintf(stderr, "%s\n", d.msg);
      for (size_t k = 0; k < i; k++) am_progfile_free(ps[k]);
      return 2;
    }
  }
  char stamp[32];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  const char *dir = "results";
  size_t ol = o->out ? strlen(o->out) : 0;
  if (o->out && !is_dir(o->out) && o->out[ol - 1] != '/') {
    if (nf > 1) rc = am_run_usage_error("-o %s: with several programs -o must be a folder (existing, or ending in '/')", o->out);
    else snprintf(outs[0], sizeof outs[0], "%s", o->out);
  } else {
    if (o->out) dir = o->out;
    mkdir(dir, 0755);
    if (!is_dir(dir) || access(dir, W_OK) != 0) rc = am_run_usage_error("output folder '%s' is not a writable folder", dir);
    for (size_t i = 0; i < nf && rc == 0; i++) {
      snprintf(outs[i], sizeof outs[i], "%s%s%s-%s.json", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", ps[i]->name, stamp);
      for (size_t k = 0; k < i; k++)
        if (strcmp(outs[k], outs[i]) == 0) rc = am_run_usage_error("%s: two programs named '%s'; run them separately", files[i], ps[i]->name);
    }
  }
  size_t total = 0, done = 0;
  for (size_t i = 0; i < nf; i++) total += (size_t)(o->reps ? o->reps : ps[i]->repetitions) * o->n_backends;
  double t0 = am_now_s();
  cJSON *context = rc == 0 ? am_run_context(o) : NULL;
  long failed = 0;
  for (size_t i = 0; i < nf && rc == 0; i++) {
    long f = run_program(ps[i], files[i], outs[i], o, info, context, &done, total, t0);
    if (f < 0) rc = 1;
    else failed += f;
  }
  cJSON_Delete(context);
  for (size_t i = 0; i < nf; i++) am_progfile_free(ps[i]);
  if (failed) fprintf(stderr, "allocmark run: %ld of %zu repetitions failed or were excluded (see status and error)\n", failed, total);
  return rc ? rc : failed ? 1 : 0;
}
