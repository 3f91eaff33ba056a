/* harness/progrun/progrun_main.c — `am-progrun run`: one repetition of a program file
 * (see progrun.h). Prints one sample JSON on stdout; exit 0 when a sample was printed
 * (whatever the program did: its status is in the sample), 2 on bad input.
 *
 *   am-progrun run --program FILE --work DIR --tag TAG [--quick] [--preload LIB[:LIB]]
 *                  [--expect LIB --bindings] [--rss-interval-ms N] [--timeout S]
 *                  [--wrap ARG]...
 *
 * --wrap puts ARGs before the server's argv (or the command's, without a server): how
 * `allocmark validate` records a program (`allocmark record -o FILE --`).
 *
 * The timed region is the client's life: from just before its fork to its exit (the
 * server, when there is one, is started and ready before it, and stopped after it).
 * CPU and faults are the whole tree's (getrusage(RUSAGE_CHILDREN); am-progrun is a
 * child subreaper, so orphans are reaped and counted too). Peak RSS is the largest sum
 * of the tree's RSS seen by the sampler, or the largest single process's peak, if
 * larger. The program's stdout is kept in DIR/TAG.out for the output check. */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cJSON.h>
#include "am_args.h"
#include "progfile.h"
#include "progrun.h"
#include "results.h"

extern char **environ;

typedef struct prun_s {
  const char *program, *work, *tag, *preload, *expect;
  int quick, bindings;
  const char *wrap[16];
  size_t n_wrap;
  long interval_ms;
  double timeout_s;
} prun_t;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&t, &t) != 0 && errno == EINTR) {}
}

/* A free TCP port on 127.0.0.1 (the kernel's choice); 0 on failure. */
static unsigned free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t l = sizeof a;
  unsigned port = 0;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &l) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

static int port_open(unsigned port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
  close(fd);
  return ok;
}

/* An environment: ours without LD_PRELOAD/LD_DEBUG*, then the program's, then extra. */
static char **make_env(const am_progfile_t *p, const am_prog_vars_t *v, const char *const *extra) {
  size_t n = 0;
  while (environ[n]) n++;
  char **e = calloc(n + p->n_env + 8, sizeof *e);
  if (e == NULL) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (strncmp(environ[i], "LD_PRELOAD=", 11) == 0 || strncmp(environ[i], "LD_DEBUG", 8) == 0) continue;
    int overridden = 0;
    for (size_t j = 0; j < p->n_env; j++) {
      size_t l = strlen(p->env_k[j]);
      if (strncmp(environ[i], p->env_k[j], l) == 0 && environ[i][l] == '=') overridden = 1;
    }
    if (!overridden) e[k++] = environ[i];
  }
  for (size_t j = 0; j < p->n_env; j++) {
    char val[8192], *kv;
    if (am_progfile_expand(p->env_v[j], v, val, sizeof val) != 0) continue;
    if (asprintf(&kv, "%s=%s", p->env_k[j], val) > 0) e[k++] = kv;
  }
  for (size_t j = 0; extra && extra[j]; j++) e[k++] = (char *)extra[j];
  e[k] = NULL;
  return e;
}

/* Fork argv (expanded) in its own process group, cwd = work, with fds in/out/err. */
static pid_t start(const am_argv_t *a, const am_prog_vars_t *v, char **env, const char *work, int in, int out, int err) {
  static char bufs[AM_PROG_MAX_ARGS][8192];
  char *argv[AM_PROG_MAX_ARGS + 1];
  for (size_t i = 0; i < a->n; i++) {
    if (am_progfile_expand(a->v[i], v, bufs[i], sizeof bufs[i]) != 0) return -1;
    argv[i] = bufs[i];
  }
  argv[a->n] = NULL;
  pid_t pid = fork();
  if (pid != 0) {
    if (pid > 0) setpgid(pid, pid);
    return pid;
  }
  setpgid(0, 0);
  if (chdir(work) != 0) _exit(126);
  dup2(in, 0);
  dup2(out, 1);
  dup2(err, 2);
  environ = env;
  execvp(argv[0], argv);
  dprintf(2, "am-progrun: cannot execute %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

static int open_out(const char *work, const char *tag, const char *ext) {
  char p[8192];
  snprintf(p, sizeof p, "%s/%s.%s", work, tag, ext);
  return open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  *len = 0;
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)(n > 0 ? n : 0) + 1);
  if (b == NULL) { fclose(f); return NULL; }
  *len = fread(b, 1, (size_t)(n > 0 ? n : 0), f);
  b[*len] = '\0';
  fclose(f);
  return b;
}

/* The last ~400 bytes of a file, for error messages. */
static void tail_of(const char *work, const char *tag, const char *ext, char *buf, size_t cap) {
  char p[8192];
  snprintf(p, sizeof p, "%s/%s.%s", work, tag, ext);
  size_t n;
  char *t = slurp(p, &n);
  buf[0] = '\0';
  if (t == NULL) return;
  while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == ' ')) t[--n] = '\0';
  size_t from = n > cap - 1 ? n - (cap - 1) : 0;
  snprintf(buf, cap, "%s", t + from);
  for (char *c = buf; *c; c++) if (*c == '\n' || *c == '\t') *c = ' ';
  free(t);
}

static void set_status(cJSON *s, const char *st, const char *err) {
  cJSON_ReplaceItemInObject(s, "status", cJSON_CreateString(st));
  cJSON_ReplaceItemInObject(s, "error", err ? cJSON_CreateString(err) : cJSON_CreateNull());
}

/* Wait for pid to exit while sampling the tree; 1 exited (*st), 0 timed out. */
static int wait_sampling(pid_t pid, int *st, am_tree_t *tree, double t0, double deadline, long period) {
  for (;;) {
    pid_t r = waitpid(pid, st, WNOHANG);
    if (r == pid) return 1;
    if (r < 0 && errno != EINTR) { *st = 0; return 1; }
    am_tree_sample(tree, (now_s() - t0) * 1e3);
    if (deadline > 0 && now_s() > deadline) return 0;
    sleep_ms(period);
  }
}

/* Reap every remaining descendant (orphans come to us: we are a subreaper); after
 * 2 s, SIGKILL those still running. */
static void reap_all(void) {
  double until = now_s() + 2;
  int st, killed = 0;
  for (;;) {
    pid_t r = waitpid(-1, &st, WNOHANG);
    if (r < 0 && errno == ECHILD) return;
    if (r > 0) continue;
    if (!killed && now_s() > until) {
      char path[64];
      snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
      FILE *f = fopen(path, "r");
      int c;
      while (f != NULL && fscanf(f, "%d", &c) == 1) kill((pid_t)c, SIGKILL);
      if (f) fclose(f);
      killed = 1;
    }
    sleep_ms(5);
  }
}

static cJSON *timeline_json(const am_tree_t *t, long interval_ms) {
  if (t->cap == 0) return cJSON_CreateNull();
  cJSON *tl = cJSON_CreateObject();
  cJSON_AddNumberToObject(tl, "interval_ms", (double)interval_ms * (double)t->stride);
  cJSON_AddNumberToObject(tl, "requested_interval_ms", (double)interval_ms);
  cJSON *tm = cJSON_AddArrayToObject(tl, "t_ms"), *rs = cJSON_AddArrayToObject(tl, "rss_bytes");
  for (size_t i = 0; i < t->n; i++) {
    cJSON_AddItemToArray(tm, cJSON_CreateNumber(round(t->t_ms[i] * 10) / 10));
    cJSON_AddItemToArray(rs, cJSON_CreateNumber((double)t->rss[i]));
  }
  return tl;
}

/* Start the server and wait until 127.0.0.1:port accepts. 0 ok, else -1 with msg. */
static int start_server(const am_progfile_t *p, const am_argv_t *srv, const am_prog_vars_t *v, char **env, const prun_t *o, int devnull,
                        pid_t *spid, double *ready_s, char *msg, size_t cap) {
  int lg = open_out(o->work, o->tag, "server.log");
  double t0 = now_s();
  *spid = start(srv, v, env, o->work, devnull, lg, lg);
  if (lg >= 0) close(lg);
  if (*spid < 0) { snprintf(msg, cap, "could not start the server"); return -1; }
  while (!port_open(v->port)) {
    int st;
    if (waitpid(*spid, &st, WNOHANG) == *spid) {
      char tail[400];
      tail_of(o->work, o->tag, "server.log", tail, sizeof tail);
      snprintf(msg, cap, "the server exited before accepting connections (%s %d): %s",
               WIFSIGNALED(st) ? "signal" : "status", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), tail);
      *spid = 0;
      return -1;
    }
    if (now_s() - t0 > p->server_ready_s) {
      snprintf(msg, cap, "the server did not accept connections on 127.0.0.1:%u within %g s", v->port, p->server_ready_s);
      return -1;
    }
    sleep_ms(5);
  }
  *ready_s = now_s() - t0;
  return 0;
}

/* Stop the server (SIGTERM to its group, SIGKILL after 10 s). Returns its wait status,
 * or -1 when it had to be killed. Wrapped (`--wrap`: the group leader is e.g. the
 * recorder), only the wrapper's children get SIGTERM, and the wrapper has 60 s to end
 * by itself (the recorder converts its trace after the server exits). */
static int stop_server(pid_t spid, am_tree_t *tree, double t0, int wrapped_server) {
  int st = 0;
  if (wrapped_server) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)spid, (int)spid);
    FILE *f = fopen(path, "r");
    int c, any = 0;
    while (f != NULL && fscanf(f, "%d", &c) == 1) { kill((pid_t)c, SIGTERM); any = 1; }
    if (f) fclose(f);
    if (!any) kill(spid, SIGTERM);
    if (wait_sampling(spid, &st, tree, t0, now_s() + 60, 10)) return st;
  } else {
    kill(-spid, SIGTERM);
    if (wait_sampling(spid, &st, tree, t0, now_s() + 10, 10)) return st;
  }
  kill(-spid, SIGKILL);
  waitpid(spid, &st, 0);
  return -1;
}

/* w = o's wrap arguments, then a. 0, or -1 when too long. */
static int wrapped(const prun_t *o, const am_argv_t *a, am_argv_t *w) {
  if (o->n_wrap + a->n > AM_PROG_MAX_ARGS) return -1;
  w->n = 0;
  for (size_t i = 0; i < o->n_wrap; i++) w->v[w->n++] = o->wrap[i];
  for (size_t i = 0; i < a->n; i++) w->v[w->n++] = a->v[i];
  w->v[w->n] = NULL;
  return 0;
}

/* The tree's measurements: wall, CPU, faults, peak RSS (sampled sum or single peak). */
static void rep_measures(cJSON *s, double wall, const am_tree_t *tree) {
  struct rusage ru;
  getrusage(RUSAGE_CHILDREN, &ru);
  uint64_t single = (uint64_t)ru.ru_maxrss * 1024u, peak = tree->peak_bytes > single ? tree->peak_bytes : single;
  am_json_add_num(s, "wall_s", wall);
  am_json_add_num(s, "cpu_user_s", (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6);
  am_json_add_num(s, "cpu_sys_s", (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6);
  am_json_add_u64(s, "peak_rss_bytes", peak);
  am_json_add_u64(s, "peak_rss_tree_sampled_bytes", tree->peak_bytes);
  am_json_add_u64(s, "peak_rss_single_process_bytes", single);
  am_json_add_u64(s, "rss_baseline_bytes", 0);
  am_json_add_u64(s, "peak_rss_growth_bytes", peak);
  am_json_add_u64(s, "minor_faults", (uint64_t)ru.ru_minflt);
  am_json_add_u64(s, "major_faults", (uint64_t)ru.ru_majflt);
  cJSON_AddNumberToObject(s, "total_ops", 1);
  am_json_add_num(s, "ns_per_op", wall * 1e9);
  am_json_add_num(s, "ops_per_s", wall > 0 ? 1 / wall : NAN);
  cJSON_AddNumberToObject(s, "processes_max", (double)tree->max_procs);
}

/* The sample's server block: ready time, port, how it ended (sst: stop_server's). */
static void rep_server(cJSON *s, double ready_s, unsigned port, int sst) {
  cJSON *sv = cJSON_AddObjectToObject(s, "server");
  am_json_add_num(sv, "ready_s", ready_s);
  cJSON_AddNumberToObject(sv, "port", port);
  if (sst == -1) cJSON_AddStringToObject(sv, "end", "killed after 10 s without exiting on SIGTERM");
  else if (WIFSIGNALED(sst)) cJSON_AddNumberToObject(sv, "signal", WTERMSIG(sst));
  else cJSON_AddNumberToObject(sv, "exit_code", WEXITSTATUS(sst));
}

/* How the client (and the server) ended, and the program's checks: the sample's status.
 * cpid < 0: never started; done 0: timed out; st, sst: wait statuses (sst -1: killed). */
static void rep_status(cJSON *s, const am_progfile_t *p, const prun_t *o, pid_t cpid, int done, int st,
                       pid_t spid, int sst, const char *out, const char *tail) {
  char msg[1400];
  if (cpid < 0) set_status(s, "error", "could not start the command (fork failed or an argument too long)");
  else if (!done) {
    snprintf(msg, sizeof msg, "no exit after %g s: killed", o->timeout_s);
    set_status(s, "timeout", msg);
  } else if (WIFSIGNALED(st)) {
    cJSON_AddNumberToObject(s, "signal", WTERMSIG(st));
    snprintf(msg, sizeof msg, "killed by signal %d (%s)%s%s", WTERMSIG(st), strsignal(WTERMSIG(st)), tail[0] ? ": " : "", tail);
    set_status(s, "crashed", msg);
  } else {
    cJSON_AddNumberToObject(s, "exit_code", WEXITSTATUS(st));
    if (WEXITSTATUS(st) != p->check_exit) {
      snprintf(msg, sizeof msg, "exit status %d, expected %d%s%s", WEXITSTATUS(st), p->check_exit, tail[0] ? ": " : "", tail);
      set_status(s, "error", msg);
    } else if (spid > 0 && sst != -1 && WIFSIGNALED(sst) && WTERMSIG(sst) != SIGTERM) {
      snprintf(msg, sizeof msg, "the server was killed by signal %d (%s)", WTERMSIG(sst), strsignal(WTERMSIG(sst)));
      set_status(s, "crashed", msg);
    } else if (p->check_contains && (out == NULL || strstr(out, p->check_contains) == NULL)) {
      snprintf(msg, sizeof msg, "stdout does not contain \"%.200s\" (check.contains)", p->check_contains);
      set_status(s, "wrong-output", msg);
    }
  }
}

/* The program's output (digest, size, figure), its stderr's tail, the status, the RSS
 * timeline and the bindings check: everything after the client and server ended. */
static void rep_results(cJSON *s, const am_progfile_t *p, const prun_t *o, pid_t cpid, int done, int st, pid_t spid,
                        int sst, const am_tree_t *tree) {
  char out_path[8300], tail[420];
  snprintf(out_path, sizeof out_path, "%s/%s.out", o->work, o->tag);
  size_t olen;
  char *out = slurp(out_path, &olen), hex[65];
  am_progfile_output_sha256(p, out ? out : "", out ? olen : 0, hex);
  cJSON_AddStringToObject(s, "output_sha256", hex);
  am_json_add_u64(s, "output_bytes", olen);
  cJSON_AddStringToObject(s, "output_file", out_path);
  am_json_add_num(s, "figure", am_progfile_figure(p, out));
  tail_of(o->work, o->tag, "err", tail, sizeof tail);
  if (tail[0]) cJSON_AddStringToObject(s, "stderr_tail", tail);
  rep_status(s, p, o, cpid, done, st, spid, sst, out, tail);
  free(out);
  cJSON_AddItemToObject(s, "rss_timeline", timeline_json(tree, o->interval_ms));
  if (o->bindings) {
    char prefix[8300], why[1400];
    int ok;
    snprintf(prefix, sizeof prefix, "%s/%s.ld", o->work, o->tag);
    cJSON_AddItemToObject(s, "bindings", am_bindings_check(prefix, o->expect ? o->expect : "", &ok, why, sizeof why));
    if (!ok) cJSON_AddStringToObject(s, "bindings_error", why);
  }
}

/* The client's stdin: /dev/null, or the program's stdin file (relative to the work
 * folder). The fd, or -1 with msg filled. */
static int open_stdin(const am_progfile_t *p, const prun_t *o, const am_prog_vars_t *v, int devnull, char *msg, size_t cap) {
  if (!p->stdin_file) return devnull;
  char sp[8192], full[8300];
  am_progfile_expand(p->stdin_file, v, sp, sizeof sp);
  snprintf(full, sizeof full, "%s%s%s", sp[0] == '/' ? "" : o->work, sp[0] == '/' ? "" : "/", sp);
  int in = open(full, O_RDONLY | O_CLOEXEC);
  if (in < 0) snprintf(msg, cap, "stdin %.1000s: %s", full, strerror(errno));
  return in;
}

/* The whole repetition; fills sample s. */
static void run_rep(const am_progfile_t *p, const prun_t *o, cJSON *s) {
  am_argv_t cmd = p->command, srv = p->server;
  if (o->n_wrap && wrapped(o, p->server.n ? &p->server : &p->command, p->server.n ? &srv : &cmd) != 0) {
    set_status(s, "error", "--wrap: too many arguments");
    return;
  }
  am_prog_vars_t v = {am_progfile_n(p, o->quick), p->dir, o->work, 0};
  if (p->server.n && (v.port = free_port()) == 0) { set_status(s, "error", "no free TCP port on 127.0.0.1"); return; }
  char pre[8300], dbg_out[8300], msg[1400];
  const char *pre_extra[4] = {NULL, NULL, NULL, NULL};
  size_t ne = 0;
  if (o->preload && o->preload[0]) { snprintf(pre, sizeof pre, "LD_PRELOAD=%s", o->preload); pre_extra[ne++] = pre; }
  if (o->bindings) {
    pre_extra[ne++] = "LD_DEBUG=bindings";
    snprintf(dbg_out, sizeof dbg_out, "LD_DEBUG_OUTPUT=%s/%s.ld", o->work, o->tag);
    pre_extra[ne++] = dbg_out;
  }
  char **env_pre = make_env(p, &v, pre_extra), **env_plain = make_env(p, &v, NULL);
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  am_tree_t tree;
  if (env_pre == NULL || env_plain == NULL || devnull < 0 || am_tree_init(&tree, o->interval_ms > 0) != 0) {
    set_status(s, "error", "am-progrun: out of memory");
    return;
  }
  long period = o->interval_ms > 0 ? o->interval_ms : 10;
  pid_t spid = 0;
  double ready_s = NAN;
  if (p->server.n && start_server(p, &srv, &v, env_pre, o, devnull, &spid, &ready_s, msg, sizeof msg) != 0) {
    set_status(s, "error", msg);
    if (spid > 0) { kill(-spid, SIGKILL); waitpid(spid, NULL, 0); }
    return;
  }
  int in = open_stdin(p, o, &v, devnull, msg, sizeof msg);
  if (in < 0) {
    set_status(s, "error", msg);
    if (spid > 0) stop_server(spid, &tree, now_s(), o->n_wrap > 0);
    return;
  }
  int fo = open_out(o->work, o->tag, "out"), fe = open_out(o->work, o->tag, "err");
  char **cenv = (p->server.n && !p->client_preload) ? env_plain : env_pre;
  double t0 = now_s();
  pid_t cpid = start(&cmd, &v, cenv, o->work, in, fo, fe);
  close(fo); close(fe);
  tree.roots[0] = cpid;
  tree.roots[1] = spid;
  tree.n_roots = spid > 0 ? 2 : 1;
  int st = 0, done = cpid > 0 && wait_sampling(cpid, &st, &tree, t0, t0 + o->timeout_s, period);
  double wall = now_s() - t0;
  if (cpid > 0 && !done) { kill(-cpid, SIGKILL); waitpid(cpid, &st, 0); }
  if (cpid > 0) kill(-cpid, SIGKILL); /* leftovers of the client's group */
  int sst = 0;
  if (spid > 0) sst = stop_server(spid, &tree, t0, o->n_wrap > 0);
  reap_all();
  rep_measures(s, wall, &tree);
  if (p->server.n) rep_server(s, ready_s, v.port, sst);
  rep_results(s, p, o, cpid, done, st, spid, sst, &tree);
  am_tree_free(&tree);
}

static int usage(const char *what) {
  fprintf(stderr, "am-progrun: %s (usage: am-progrun run --program FILE --work DIR --tag TAG [--quick] "
                  "[--preload LIBS] [--expect LIB --bindings] [--rss-interval-ms N] [--timeout S] [--wrap ARG]...)\n", what);
  return 2;
}

int main(int argc, char **argv) {
  prun_t o = {.tag = "rep", .interval_ms = 10, .timeout_s = 120};
  if (argc < 2 || strcmp(argv[1], "run") != 0) return usage("expected the sub-command `run`");
  for (int i = 2; i < argc; i++) {
    const char *v;
    uint64_t x;
    if (strcmp(argv[i], "--quick") == 0) o.quick = 1;
    else if (strcmp(argv[i], "--bindings") == 0) o.bindings = 1;
    else if ((v = am_opt_value(argc, argv, &i, "--program", NULL)) != NULL) o.program = v;
    else if ((v = am_opt_value(argc, argv, &i, "--work", NULL)) != NULL) o.work = v;
    else if ((v = am_opt_value(argc, argv, &i, "--tag", NULL)) != NULL) o.tag = v;
    else if ((v = am_opt_value(argc, argv, &i, "--preload", NULL)) != NULL) o.preload = v;
    else if ((v = am_opt_value(argc, argv, &i, "--expect", NULL)) != NULL) o.expect = v;
    else if ((v = am_opt_value(argc, argv, &i, "--wrap", NULL)) != NULL) {
      if (o.n_wrap == sizeof o.wrap / sizeof *o.wrap) return usage("too many --wrap arguments");
      o.wrap[o.n_wrap++] = v;
    }
    else if ((v = am_opt_value(argc, argv, &i, "--rss-interval-ms", NULL)) != NULL) {
      if (am_parse_u64(v, 60000, &x) != 0) return usage("--rss-interval-ms: expected 0..60000");
      o.interval_ms = (long)x;
    } else if ((v = am_opt_value(argc, argv, &i, "--timeout", NULL)) != NULL) {
      char *end;
      o.timeout_s = strtod(v, &end);
      if (*end || !(o.timeout_s > 0)) return usage("--timeout: expected seconds > 0");
    } else return usage("unknown argument");
  }
  if (o.program == NULL || o.work == NULL || o.tag[0] == '\0') return usage("--program and --work are required");
  am_progfile_t *p;
  am_diag_t d;
  if (am_progfile_load(o.program, &p, &d) != 0) { fprintf(stderr, "%s\n", d.msg); return 2; }
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  signal(SIGPIPE, SIG_IGN);
  cJSON *s = cJSON_CreateObject();
  cJSON_AddStringToObject(s, "status", "ok");
  cJSON_AddNullToObject(s, "error");
  cJSON_AddStringToObject(s, "program", p->name);
  cJSON_AddStringToObject(s, "program_sha256", p->sha256);
  am_json_add_u64(s, "n", am_progfile_n(p, o.quick));
  cJSON_AddBoolToObject(s, "quick", o.quick);
  cJSON_AddStringToObject(s, "preload", o.preload ? o.preload : "");
  cJSON_AddBoolToObject(s, "proof_run", o.bindings);
  run_rep(p, &o, s);
  am_json_scrub(s);
  char *txt = cJSON_PrintUnformatted(s);
  if (txt) { puts(txt); free(txt); }
  cJSON_Delete(s);
  am_progfile_free(p);
  return 0;
}
