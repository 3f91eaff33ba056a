/* harness/cli/cmd_validate.c — `allocmark validate PROGRAM.json...`: do the harness's
 * replays predict real programs? For each program file:
 *   (a) `allocmark run PROGRAM.json` on every backend (LD_PRELOAD, programs/README.md);
 *   (b) its allocations recorded (`allocmark record`, the program run once under the
 *       recorder by am-progrun --wrap, with its setup, env, stdin and server), and the
 *       trace replayed on every backend (`allocmark run TRACE`);
 *   (c) a pattern fitted to the trace (`allocmark trace-fit`) and run on every backend.
 * Then validate_table.c compares them: time relative to system in (a), (b), (c),
 * Kendall's tau (a)-(b) and (a)-(c), measured against predicted differences, peak RSS
 * against the replay's RSS growth; DIR/validate.{json,md,tsv} and the chart
 * DIR/predicted-vs-measured.{png,svg} (plots/validate.gp).
 * Every step is a sub-command of this same executable, so each part is exactly what a
 * user gets from that command. A step that cannot run (no recorder in this build, a
 * trace that could not be made) is said in one line and in the table; the others go on. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <cJSON.h>
#include "am_args.h"
#include "cli.h"
#include "cmd_run.h"
#include "progfile.h"
#include "registry.h"
#include "results.h"
#include "validate.h"

static const char validate_help[] =
  "usage: allocmark validate PROGRAM.json... [-b LIST] [-r N] [--quick] [-o DIR] [--no-chart]\n"
  "  The validity study: do replays predict real programs? For each program:\n"
  "   (a) allocmark run PROGRAM.json -b LIST          the real program on every backend\n"
  "   (b) allocmark record, then allocmark run TRACE   its trace replayed on every backend\n"
  "   (c) allocmark trace-fit TRACE, then allocmark run the fitted pattern\n"
  "  and a side-by-side table: time relative to system in (a), (b), (c), Kendall's tau\n"
  "  of the backends' order (a)-(b) and (a)-(c), measured differences to system against\n"
  "  those the replay predicts (replay ns/op x the trace's ops), peak RSS against the\n"
  "  replay's RSS growth. Writes DIR/{measured,traces,replayed,fitted}/, DIR/validate.json,\n"
  "  validate.md (also on stdout), validate.tsv and predicted-vs-measured.png|svg.\n"
  "options:\n"
  "  -b, --backends LIST  as for run (default: all)\n"
  "  -r, --repetitions N  repetitions of every run (default: each file's own)\n"
  "  --quick              the programs at their quick scale (recorded at it too)\n"
  "  -o, --output DIR     default results/validate-<UTC stamp>/ (must not exist or be empty)\n"
  "  --no-chart           skip gnuplot\n"
  "exit: 0 every part ran; 1 a part failed or could not run (said in the table); 2 bad input\n";

typedef struct vopts_s {
  const char *backends, *reps, *out;
  int quick, chart;
} vopts_t;

/* Run this executable with args; its stdout to log (appended), its stderr (progress)
 * through. Returns its exit status (or 128+signal, -1 when it could not start). */
static int self(char *const *args, const char *log) {
  char exe[4096];
  snprintf(exe, sizeof exe, "%sallocmark", am_exe_dir());
  char *argv[48];
  size_t n = 0;
  argv[n++] = exe;
  for (size_t i = 0; args[i] && n < 47; i++) argv[n++] = args[i];
  argv[n] = NULL;
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) dup2(fd, 1);
    execv(exe, argv);
    _exit(127);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* 1 when this executable has the sub-command (its --help exits 0). */
static int has_command(const char *cmd, const char *log) {
  char *a[] = {(char *)cmd, "--help", NULL};
  return self(a, log) == 0;
}

static int is_file(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The largest "<stem>*.amtrace" in dir (the process that allocated most). */
static int largest_trace(const char *dir, const char *stem, char *out, size_t cap) {
  DIR *d = opendir(dir);
  if (d == NULL) return -1;
  off_t best = -1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t l = strlen(e->d_name);
    if (strncmp(e->d_name, stem, strlen(stem)) != 0 || l < 8 || strcmp(e->d_name + l - 8, ".amtrace") != 0) continue;
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%.2000s/%.1000s", dir, e->d_name);
    struct stat st;
    if (stat(p, &st) == 0 && st.st_size > best) { best = st.st_size; snprintf(out, cap, "%s", p); }
  }
  closedir(d);
  return best >= 0 ? 0 : -1;
}

/* (b)'s trace: the program once under `allocmark record` (am-progrun --wrap). */
static int record_trace(const am_progfile_t *p, const char *file, const vopts_t *o, const char *dir, am_val_prog_t *vp,
                        const char *log) {
  char work[PATH_MAX], why[1400], tfile[PATH_MAX], exe[4096], prun[4096], to[32];
  const char *tmp = getenv("TMPDIR");
  snprintf(work, sizeof work, "%s/allocmark-rec-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", p->name);
  if (mkdtemp(work) == NULL) { snprintf(vp->why_b, sizeof vp->why_b, "cannot create %.500s", work); return -1; }
  if (am_prog_setup(p, am_progfile_n(p, o->quick), work, p->timeout_s, why, sizeof why) != 0) {
    snprintf(vp->why_b, sizeof vp->why_b, "%.590s", why);
    return -1;
  }
  snprintf(tfile, sizeof tfile, "%.3000s/traces/%s.amtrace", dir, p->name);
  snprintf(exe, sizeof exe, "%sallocmark", am_exe_dir());
  snprintf(prun, sizeof prun, "%srunners/am-progrun", am_exe_dir());
  snprintf(to, sizeof to, "%g", p->timeout_s * 20);
  char abs[PATH_MAX];
  if (realpath(file, abs) == NULL) snprintf(abs, sizeof abs, "%s", file);
  char *argv[40];
  size_t a = 0;
  char *fixed[] = {prun, "run", "--program", abs, "--work", work, "--tag", "record", "--timeout", to,
                   "--rss-interval-ms", "0", "--wrap", exe, "--wrap", "record", "--wrap", "-o", "--wrap", tfile,
                   "--wrap", "--follow-fork", "--wrap", "--follow-exec", "--wrap", "--", NULL};
  for (size_t i = 0; fixed[i]; i++) argv[a++] = fixed[i];
  if (o->quick) argv[a++] = "--quick";
  argv[a] = NULL;
  fprintf(stderr, "validate: %s: (b) recording its allocations (allocmark record)\n", p->name);
  am_spawn_result_t r;
  int rc = am_spawn(argv, NULL, p->timeout_s * 20 + 60, &r);
  cJSON *s = rc == 0 && r.kind == AM_EXIT_OK ? cJSON_Parse(r.out) : NULL;
  FILE *lf = fopen(log, "a");
  if (lf) { fprintf(lf, "record: %s\n", rc == 0 ? r.out : "could not start am-progrun"); fclose(lf); }
  if (rc == 0) am_spawn_result_free(&r);
  const cJSON *st = cJSON_GetObjectItem(s, "status"), *er = cJSON_GetObjectItem(s, "error");
  char d2[PATH_MAX];
  snprintf(d2, sizeof d2, "%.3000s/traces", dir);
  int have = largest_trace(d2, p->name, vp->trace, sizeof vp->trace) == 0;
  if (!have)
    snprintf(vp->why_b, sizeof vp->why_b, "no trace was written (the recorded run: %.40s%s%.400s)",
             cJSON_IsString(st) ? st->valuestring : "no sample", cJSON_IsString(er) ? ": " : "",
             cJSON_IsString(er) ? er->valuestring : "");
  cJSON_Delete(s);
  char *rm[] = {"/bin/rm", "-rf", work, NULL};
  if (am_spawn(rm, NULL, 60, &r) == 0) am_spawn_result_free(&r);
  return have ? 0 : -1;
}

/* allocmark run INPUT -b ... -o OUT; 0 when a results file was written, else its exit
 * status (or -1). */
static int run_step(const char *input, const char *out, const vopts_t *o, int quick, const char *log) {
  char *a[16];
  size_t n = 0;
  a[n++] = "run"; a[n++] = (char *)input; a[n++] = "-b"; a[n++] = (char *)o->backends;
  if (o->reps) { a[n++] = "-r"; a[n++] = (char *)o->reps; }
  if (quick) a[n++] = "--quick";
  a[n++] = "-o"; a[n++] = (char *)out; a[n] = NULL;
  int rc = self(a, log);
  return (rc == 0 || rc == 1) && is_file(out) ? 0 : rc > 0 ? rc : -1;
}

static int study_one(const char *file, const vopts_t *o, const char *dir, int can_record, int can_fit, am_val_prog_t *vp,
                     const char *log) {
  am_progfile_t *p;
  am_diag_t d;
  if (am_progfile_load(file, &p, &d) != 0) { fprintf(stderr, "%s\n", d.msg); return 2; }
  snprintf(vp->name, sizeof vp->name, "%s", p->name);
  int bad = 0;
  char out[PATH_MAX];
  fprintf(stderr, "validate: %s: (a) the program on every backend\n", p->name);
  snprintf(out, sizeof out, "%.3000s/measured/%s.json", dir, p->name);
  if (run_step(file, out, o, o->quick, log) == 0) snprintf(vp->measured, sizeof vp->measured, "%s", out);
  else bad = 1;
  if (!can_record) {
    snprintf(vp->why_b, sizeof vp->why_b, "not run: this allocmark has no `record` command (issue 12's recorder)");
    snprintf(vp->why_c, sizeof vp->why_c, "not run: needs a trace from `allocmark record`");
    am_progfile_free(p);
    return 1;
  }
  if (record_trace(p, file, o, dir, vp, log) == 0) {
    snprintf(vp->info, sizeof vp->info, "%.3000s/traces/%s.info.json", dir, p->name);
    char *ti[] = {"trace-info", "--json", vp->trace, NULL};
    unlink(vp->info);
    if (self(ti, vp->info) != 0) vp->info[0] = '\0';
    fprintf(stderr, "validate: %s: (b) replaying %s on every backend\n", p->name, vp->trace);
    snprintf(out, sizeof out, "%.3000s/replayed/%s.json", dir, p->name);
    int rr = run_step(vp->trace, out, o, 0, log);
    if (rr == 0) snprintf(vp->replayed, sizeof vp->replayed, "%s", out);
    else if (rr == 2)
      snprintf(vp->why_b, sizeof vp->why_b, "recorded, but this allocmark cannot replay it: `allocmark run TRACE` "
               "rejected the trace as bad input (trace replay, issue 12, is not in this build)");
    else snprintf(vp->why_b, sizeof vp->why_b, "`allocmark run %.400s` wrote no results (exit %d; log: validate.log)", vp->trace, rr);
    if (rr != 0) bad = 1;
    char fit[PATH_MAX];
    snprintf(fit, sizeof fit, "%.3000s/fitted/%s.pattern.json", dir, p->name);
    char *fa[] = {"trace-fit", vp->trace, "-o", fit, NULL};
    if (!can_fit) { snprintf(vp->why_c, sizeof vp->why_c, "not run: this allocmark has no `trace-fit` command (issue 12)"); bad = 1; }
    else if (fprintf(stderr, "validate: %s: (c) fitting a pattern to the trace, running it\n", p->name), self(fa, log) != 0 || !is_file(fit)) {
      snprintf(vp->why_c, sizeof vp->why_c, "`allocmark trace-fit` failed (log: validate.log)");
      bad = 1;
    } else {
      snprintf(out, sizeof out, "%.3000s/fitted/%s.json", dir, p->name);
      if (run_step(fit, out, o, 0, log) == 0) snprintf(vp->fitted, sizeof vp->fitted, "%s", out);
      else { snprintf(vp->why_c, sizeof vp->why_c, "the fitted pattern's run wrote no results (log: validate.log)"); bad = 1; }
    }
  } else {
    snprintf(vp->why_c, sizeof vp->why_c, "not run: no trace");
    bad = 1;
  }
  am_progfile_free(p);
  return bad;
}

/* plots/validate.gp on the table, with the backends (not system) and their colours
 * (from the results: each backend names its own) in the order of the table. */
static void chart(const char *dir, const char *tsv, const cJSON *doc) {
  char gp[4096], outp[PATH_MAX], names[1024] = "", colours[1024] = "", e[PATH_MAX * 3 + 2048];
  const cJSON *pg, *row;
  cJSON_ArrayForEach(pg, cJSON_GetObjectItem(doc, "programs"))
    cJSON_ArrayForEach(row, cJSON_GetObjectItem(pg, "backends")) {
      const char *b = cJSON_GetObjectItem(row, "backend")->valuestring, *c = cJSON_GetObjectItem(row, "colour")->valuestring;
      char w[80];
      snprintf(w, sizeof w, " %.60s ", b);
      char padded[1030];
      snprintf(padded, sizeof padded, " %s ", names);
      if (am_registry_is_reference(b) || strstr(padded, w) != NULL || strlen(names) + strlen(b) + 2 >= sizeof names) continue;
      size_t ln = strlen(names), lc = strlen(colours);
      snprintf(names + ln, sizeof names - ln, "%s%s", ln ? " " : "", b);
      snprintf(colours + lc, sizeof colours - lc, "%s%.15s", lc ? " " : "", c);
    }
  snprintf(gp, sizeof gp, "%s/plots/validate.gp", AM_SOURCE_DIR);
  snprintf(outp, sizeof outp, "%.3000s/predicted-vs-measured", dir);
  for (int k = 0; k < 2; k++) {
    snprintf(e, sizeof e, "data='%s'; out='%s'; fmt='%s'; backends='%s'; colours='%s'", tsv, outp, k ? "svg" : "png",
             names, colours);
    char *argv[] = {"/usr/bin/gnuplot", "-e", e, gp, NULL};
    am_spawn_result_t r;
    if (am_spawn(argv, NULL, 60, &r) != 0) return;
    if (r.kind != AM_EXIT_OK) fprintf(stderr, "validate: gnuplot failed: %.300s\n", r.err_tail);
    am_spawn_result_free(&r);
  }
}

/* validate.md (am_write_atomic_rendered's renderer). */
static int render_md(FILE *f, const void *doc) {
  am_val_markdown(doc, f);
  return 0;
}

int am_cmd_validate(int argc, char **argv) {
  vopts_t o = {"all", NULL, NULL, 0, 1};
  const char *files[64];
  size_t nf = 0;
  for (int i = 1; i < argc; i++) {
    const char *v;
    uint64_t x;
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { fputs(validate_help, stdout); return 0; }
    else if (strcmp(argv[i], "--quick") == 0) o.quick = 1;
    else if (strcmp(argv[i], "--no-chart") == 0) o.chart = 0;
    else if ((v = am_opt_value(argc, argv, &i, "--backends", "-b")) != NULL) {
      if (*v == '\0') { fprintf(stderr, "allocmark validate: -b needs a list\n"); return 2; }
      o.backends = v;
    } else if ((v = am_opt_value(argc, argv, &i, "--repetitions", "-r")) != NULL) {
      if (am_parse_u64(v, 1000, &x) != 0 || x == 0) { fprintf(stderr, "allocmark validate: -r: '%s' is not 1..1000\n", v); return 2; }
      o.reps = v;
    } else if ((v = am_opt_value(argc, argv, &i, "--output", "-o")) != NULL) {
      if (*v == '\0') { fprintf(stderr, "allocmark validate: -o needs a folder\n"); return 2; }
      o.out = v;
    } else if (argv[i][0] == '-') { fprintf(stderr, "allocmark validate: unknown option '%s' (try --help)\n", argv[i]); return 2; }
    else if (nf == 64) { fprintf(stderr, "allocmark validate: more than 64 program files\n"); return 2; }
    else files[nf++] = argv[i];
  }
  if (nf == 0) { fprintf(stderr, "allocmark validate: expected at least one program file (try --help)\n"); return 2; }
  for (size_t i = 0; i < nf; i++) { /* every file valid before anything runs */
    am_progfile_t *p;
    am_diag_t d;
    if (!am_progfile_sniff(files[i])) { fprintf(stderr, "%s: format: expected \"%s\" (validate takes program files)\n", files[i], AM_PROGRAM_FORMAT); return 2; }
    if (am_progfile_load(files[i], &p, &d) != 0) { fprintf(stderr, "%s\n", d.msg); return 2; }
    am_progfile_free(p);
  }
  char dir[PATH_MAX], sub[PATH_MAX + 16], log[PATH_MAX + 16];
  if (o.out) snprintf(dir, sizeof dir, "%s", o.out);
  else {
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    mkdir("results", 0755);
    snprintf(dir, sizeof dir, "results/validate-%s", stamp);
  }
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) { fprintf(stderr, "allocmark validate: -o %s: %s\n", dir, strerror(errno)); return 2; }
  char absd[PATH_MAX]; /* the recorder runs in the program's scratch folder: paths must be absolute */
  if (realpath(dir, absd) == NULL) { fprintf(stderr, "allocmark validate: -o %s: %s\n", dir, strerror(errno)); return 2; }
  snprintf(dir, sizeof dir, "%s", absd);
  static const char *const subs[] = {"measured", "traces", "replayed", "fitted"};
  for (size_t i = 0; i < 4; i++) {
    snprintf(sub, sizeof sub, "%s/%s", dir, subs[i]);
    if (mkdir(sub, 0755) != 0 && errno != EEXIST) { fprintf(stderr, "allocmark validate: %s: %s\n", sub, strerror(errno)); return 2; }
  }
  snprintf(log, sizeof log, "%s/validate.log", dir);
  int can_record = has_command("record", log), can_fit = has_command("trace-fit", log);
  if (!can_record) fprintf(stderr, "validate: this allocmark has no `record` command (issue 12): only (a) runs; (b) and (c) are marked not run\n");
  else if (!can_fit) fprintf(stderr, "validate: this allocmark has no `trace-fit` command (issue 12): (c) is marked not run\n");
  am_val_prog_t *vp = calloc(nf, sizeof *vp);
  if (vp == NULL) return 1;
  int bad = 0;
  for (size_t i = 0; i < nf; i++) {
    int r = study_one(files[i], &o, dir, can_record, can_fit, &vp[i], log);
    if (r == 2) { free(vp); return 2; }
    bad |= r;
  }
  cJSON *doc = am_val_collect(vp, nf, am_registry_reference());
  cJSON_AddBoolToObject(doc, "quick", o.quick);
  cJSON_AddStringToObject(doc, "backends", o.backends);
  char path[PATH_MAX + 32];
  am_diag_t d;
  snprintf(path, sizeof path, "%s/validate.json", dir);
  if (am_json_write_atomic(path, doc, 1, &d) != 0) fprintf(stderr, "allocmark validate: %s\n", d.msg);
  snprintf(path, sizeof path, "%s/validate.md", dir);
  if (am_write_atomic_rendered(path, render_md, doc, &d) != 0) fprintf(stderr, "allocmark validate: %s\n", d.msg);
  am_val_markdown(doc, stdout);
  snprintf(path, sizeof path, "%s/validate.tsv", dir);
  int predicted = 0;
  const cJSON *pg, *row;
  cJSON_ArrayForEach(pg, cJSON_GetObjectItem(doc, "programs"))
    cJSON_ArrayForEach(row, cJSON_GetObjectItem(pg, "backends"))
      predicted |= cJSON_IsNumber(cJSON_GetObjectItem(row, "predicted_diff_s"));
  if (am_val_tsv(doc, path) == 0 && o.chart) {
    if (predicted) chart(dir, path, doc);
    else fprintf(stderr, "validate: no chart: no program has a replay prediction\n");
  }
  printf("\nvalidate: %s (validate.json, validate.md, validate.tsv, predicted-vs-measured.png)\n", dir);
  cJSON_Delete(doc);
  free(vp);
  return bad ? 1 : 0;
}
