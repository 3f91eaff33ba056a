/* harness/cli/cmd_record.c — `allocmark record -o FILE [--timestamps] [--follow-fork]
 * [--follow-exec] -- CMD [ARGS]`: runs CMD with build/libamtrace.so preloaded (the
 * recorder, harness/trace/shim.c), then makes each raw recording replay-ready
 * (harness/trace/convert.c): the program itself into FILE, followed children and
 * exec'd programs into FILE's stem + ".<pid>-<generation>.amtrace". Warns before
 * running about what cannot be recorded (static binaries, setuid programs, CPython's
 * arena allocator) and after, when nothing was. Exit: the program's status (128 + N
 * when a signal N ended it), 2 bad input (nothing run), 1 when no trace was written. */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "am_args.h"
#include "cli.h"
#include "trace.h"

static const char record_help[] =
  "usage: allocmark record -o FILE [--timestamps] [--follow-fork] [--follow-exec] -- CMD [ARGS]\n"
  "  Runs CMD with the allocation recorder (build/libamtrace.so, LD_PRELOAD) and writes\n"
  "  a replay-ready trace FILE (format: harness/trace/TRACE.md). Replay it with\n"
  "  `allocmark run FILE`, inspect it with `allocmark trace-info FILE`.\n"
  "options:\n"
  "  -o, --output FILE   the trace (its folder must exist)\n"
  "  --timestamps        record every call's start and its time inside malloc/free\n"
  "                      (CLOCK_MONOTONIC, two reads per call: lifetimes in ns, the time\n"
  "                      in malloc in trace-info, paced replay with run --paced)\n"
  "  --follow-fork       a forked child records to FILE's stem + .<pid>-<gen>.amtrace\n"
  "                      (default: children stop recording)\n"
  "  --follow-exec       programs started by exec (also in children) are recorded too,\n"
  "                      each to its own file (default: not recorded; but when CMD is a\n"
  "                      script, such as a pyenv shim, the exec chain of its own process is\n"
  "                      followed and FILE is the program it finally runs)\n"
  "  --chunk-ops N       ops per chunk of the trace (default 1048576): a replay holds one\n"
  "                      chunk of every thread in memory at a time\n"
  "  --keep-raw          keep the raw recordings (folder FILE.rec.XXXXXX) for debugging\n"
  "blind spots: static binaries and setuid programs ignore LD_PRELOAD; a program with its\n"
  "  own allocator (CPython's pymalloc unless PYTHONMALLOC=malloc, arena allocators) shows\n"
  "  only what reaches malloc.\n"
  "exit: the program's exit status (128+N: killed by signal N); 2 bad input; 1 no trace\n";

/* Bad input: one line, exit status 2 (the one printer, cli_error.c). */
#define usage_error(...) am_cli_error("record", __VA_ARGS__)

/* CMD as the kernel would find it: with a '/', as is; else along $PATH. */
static int find_cmd(const char *cmd, char *out, size_t cap) {
  if (strchr(cmd, '/') != NULL) {
    snprintf(out, cap, "%s", cmd);
    return access(out, X_OK) == 0 ? 0 : -1;
  }
  const char *path = getenv("PATH");
  if (path == NULL) path = "/usr/local/bin:/usr/bin:/bin";
  for (const char *p = path; *p;) {
    const char *e = strchr(p, ':');
    size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
    snprintf(out, cap, "%.*s/%s", (int)n, n ? p : ".", cmd);
    struct stat st;
    if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0) return 0;
    p += n + (e != NULL);
  }
  return -1;
}

/* Warnings about what LD_PRELOAD cannot see in this executable. */
/* 1 when path is a script (#!), else 0. */
static int check_binary(const char *path, const char *cmd) {
  int script = 0;
  struct stat st;
  if (stat(path, &st) == 0 && (st.st_mode & (S_ISUID | S_ISGID)))
    fprintf(stderr, "allocmark record: warning: %s is setuid/setgid: the loader ignores LD_PRELOAD, nothing will be recorded\n", path);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  unsigned char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  if (n >= 2 && buf[0] == '#' && buf[1] == '!') {
    fprintf(stderr, "allocmark record: note: %s is a script: its own exec chain is followed, and the trace is of the "
                    "program it finally runs in its process (a wrapper that execs the real program, such as a pyenv "
                    "shim); a program it starts as a child is recorded only with --follow-fork --follow-exec\n", path);
    script = 1;
  } else if (n >= (ssize_t)sizeof(Elf64_Ehdr) && memcmp(buf, ELFMAG, SELFMAG) == 0 && buf[EI_CLASS] == ELFCLASS64) {
    Elf64_Ehdr eh;
    memcpy(&eh, buf, sizeof eh);
    int interp = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
      uint64_t off = eh.e_phoff + (uint64_t)i * eh.e_phentsize;
      if (off + sizeof(Elf64_Phdr) > (uint64_t)n) break;
      Elf64_Phdr ph;
      memcpy(&ph, buf + off, sizeof ph);
      if (ph.p_type == PT_INTERP) interp = 1;
    }
    if (!interp)
      fprintf(stderr, "allocmark record: warning: %s is statically linked: LD_PRELOAD cannot hook it, nothing will be recorded\n", path);
  }
  const char *base = strrchr(cmd, '/') != NULL ? strrchr(cmd, '/') + 1 : cmd;
  const char *pm = getenv("PYTHONMALLOC");
  if (strncmp(base, "python", 6) == 0 && (pm == NULL || strncmp(pm, "malloc", 6) != 0))
    fprintf(stderr, "allocmark record: warning: CPython serves small objects from its own arenas (pymalloc); "
                    "set PYTHONMALLOC=malloc to record them\n");
  return script;
}

/* The output for one raw file: FILE for the program, else FILE's stem + .<pid>-<gen>.amtrace */
static void out_name(const char *file, const char *raw_base, int root, char *out, size_t cap) {
  if (root) { snprintf(out, cap, "%s", file); return; }
  size_t l = strlen(file);
  if (l > 8 && strcmp(file + l - 8, ".amtrace") == 0) l -= 8;
  size_t b = strlen(raw_base) - 4; /* drop ".raw" */
  snprintf(out, cap, "%.*s.%.*s.amtrace", (int)l, file, (int)b, raw_base);
}

static int raw_next(void *ctx, am_raw_event_t *ev, am_diag_t *d) { return am_raw_next(ctx, ev, d); }
static int raw_rewind(void *ctx, am_diag_t *d) { return am_raw_rewind(ctx, d); }

/* Convert one raw recording and print its summary; 0 or -1. */
static int convert_one(const char *raw_path, const char *out, const am_convert_opts_t *co) {
  am_diag_t d = {{0}};
  am_raw_t *r = NULL;
  if (am_raw_open(raw_path, &r, &d) != 0) { fprintf(stderr, "allocmark record: %s\n", d.msg); return -1; }
  am_event_src_t src = {.ctx = r, .next = raw_next, .rewind = raw_rewind, .meta = *am_raw_meta(r), .complete = am_raw_complete(r)};
  int rc = am_trace_convert(&src, out, co, &d);
  am_raw_close(r);
  if (rc != 0) { fprintf(stderr, "allocmark record: %s\n", d.msg); return -1; }
  am_trace_t *t = NULL;
  if (am_trace_open(out, &t, &d) != 0) { fprintf(stderr, "allocmark record: %s\n", d.msg); return -1; }
  const am_trace_info_t *i = am_trace_info(t);
  struct stat st;
  double bytes = stat(out, &st) == 0 ? (double)st.st_size : 0;
  char pk[32];
  fprintf(stderr, "allocmark record: %s: %llu ops (%llu malloc, %llu calloc, %llu realloc, %llu aligned, %llu free), "
          "%u thread%s, peak live %s, %.2f bytes/op, %s%s\n", out, (unsigned long long)i->ops,
          (unsigned long long)i->by_kind[AM_OP_MALLOC], (unsigned long long)i->by_kind[AM_OP_CALLOC],
          (unsigned long long)i->by_kind[AM_OP_REALLOC], (unsigned long long)i->by_kind[AM_OP_ALIGNED],
          (unsigned long long)i->by_kind[AM_OP_FREE], i->recorded_threads, i->recorded_threads == 1 ? "" : "s",
          am_fmt_bytes(pk, sizeof pk, (double)i->peak_live_bytes), i->ops ? bytes / (double)i->ops : 0.0,
          i->complete ? "complete" : "INCOMPLETE (the process ended without its exit flush: crash, _exit or kill)",
          i->ops == 0 ? "; nothing was recorded (static binary, own allocator, or no malloc calls?)" : "");
  am_trace_close(t);
  return 0;
}

/* The raw file that becomes FILE: the command's first image, <pid>-0.raw; when a wrapper
 * script's exec chain is followed (flag m), the last image of that process (the highest
 * generation: the program the script finally ran). */
static void root_raw(struct dirent **names, int n, pid_t pid, int last, char *root, size_t cap) {
  char pre[32];
  int pl = snprintf(pre, sizeof pre, "%ld-", (long)pid);
  unsigned long best = 0;
  for (int k = 0; last && k < n; k++) {
    const char *nm = names[k]->d_name;
    char *end = NULL;
    if (strncmp(nm, pre, (size_t)pl) != 0) continue;
    unsigned long g = strtoul(nm + pl, &end, 10);
    if (end != NULL && strcmp(end, ".raw") == 0 && g > best) best = g;
  }
  snprintf(root, cap, "%ld-%lu.raw", (long)pid, best);
}

static char *env_prepend(const char *name, const char *val) {
  const char *old = getenv(name);
  size_t n = strlen(name) + strlen(val) + (old ? strlen(old) + 1 : 0) + 2;
  char *s = malloc(n);
  if (s != NULL) snprintf(s, n, "%s=%s%s%s", name, val, old && *old ? ":" : "", old && *old ? old : "");
  return s;
}

static int run_child(const char *path, char **argv, const char *dir, const char *flags, pid_t *pid_out) {
  char shim[PATH_MAX];
  snprintf(shim, sizeof shim, "%slibamtrace.so", am_exe_dir());
  if (access(shim, R_OK) != 0) return usage_error("%s is missing (rebuild)", shim);
  pid_t pid = fork();
  if (pid < 0) return usage_error("fork: %s", strerror(errno));
  if (pid == 0) {
    char *pre = env_prepend("LD_PRELOAD", shim);
    if (pre != NULL) putenv(pre);
    setenv("AMTRACE_DIR", dir, 1);
    setenv("AMTRACE_FLAGS", flags, 1);
    setenv("AMTRACE_GEN", "0000000000", 1);
    char me[24];
    snprintf(me, sizeof me, "%ld", (long)getpid());
    setenv("AMTRACE_PID", me, 1);
    signal(SIGINT, SIG_DFL);
    execv(path, argv);
    fprintf(stderr, "allocmark record: exec %s: %s\n", path, strerror(errno));
    _exit(127);
  }
  *pid_out = pid;
  return 0;
}

int am_cmd_record(int argc, char **argv) {
  const char *out = NULL;
  int ts = 0, ffork = 0, fexec = 0, keep = 0, i;
  const char *v;
  am_convert_opts_t co = {0};
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) { i++; break; }
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { fputs(record_help, stdout); return 0; }
    else if (strcmp(a, "--timestamps") == 0) ts = 1;
    else if (strcmp(a, "--follow-fork") == 0) ffork = 1;
    else if (strcmp(a, "--follow-exec") == 0) fexec = 1;
    else if (strcmp(a, "--keep-raw") == 0) keep = 1;
    else if ((v = am_opt_value(argc, argv, &i, "--chunk-ops", NULL)) != NULL) {
      if (am_parse_u64(v, 1u << 30, &co.chunk_ops) != 0 || co.chunk_ops == 0) return usage_error("--chunk-ops: '%s' is not 1..2^30", v);
    }
    else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
      if (i + 1 >= argc || argv[i + 1][0] == '\0') return usage_error("-o: needs a path");
      out = argv[++i];
    } else if (strncmp(a, "--output=", 9) == 0 && a[9]) out = a + 9;
    else if (a[0] == '-') return usage_error("unknown option '%s' (try allocmark record --help)", a);
    else break; /* CMD without "--" */
  }
  if (out == NULL) return usage_error("-o FILE is required (try allocmark record --help)");
  if (i >= argc) return usage_error("no command given: allocmark record -o FILE -- CMD [ARGS]");
  struct stat st;
  if (stat(out, &st) == 0 && S_ISDIR(st.st_mode)) return usage_error("-o %s: is a folder", out);
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", out);
  char *slash = strrchr(dir, '/');
  if (slash != NULL) { slash[slash == dir ? 1 : 0] = '\0'; } else snprintf(dir, sizeof dir, ".");
  if (access(dir, W_OK) != 0) return usage_error("-o %s: folder '%s' is not writable or does not exist", out, dir);
  char path[PATH_MAX];
  if (find_cmd(argv[i], path, sizeof path) != 0) return usage_error("%s: command not found or not executable", argv[i]);
  int script = check_binary(path, argv[i]);

  char rec[PATH_MAX + 32];
  snprintf(rec, sizeof rec, "%s.rec.XXXXXX", out);
  if (mkdtemp(rec) == NULL) return usage_error("cannot create %s: %s", rec, strerror(errno));
  char flags[8], *f = flags;
  if (ts) *f++ = 't';
  if (ffork) *f++ = 'f';
  if (fexec) *f++ = 'e';
  int chain = script && !fexec; /* a wrapper script: follow its own exec chain (flag m) */
  if (chain) *f++ = 'm';
  *f = '\0';
  pid_t pid = 0;
  void (*old_int)(int) = signal(SIGINT, SIG_IGN); /* the program decides what ^C does */
  double t_run = am_now_s();
  int rc = run_child(path, argv + i, rec, flags, &pid);
  int status = 0;
  if (rc == 0) while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  signal(SIGINT, old_int);
  if (rc != 0) { rmdir(rec); return rc; }
  t_run = am_now_s() - t_run;
  double t_conv = am_now_s();
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
  if (WIFSIGNALED(status)) fprintf(stderr, "allocmark record: %s was killed by signal %d\n", argv[i], WTERMSIG(status));

  /* Convert every raw file: the program first, then the others in name order. */
  struct dirent **names = NULL;
  int n = scandir(rec, &names, NULL, alphasort);
  char root[64];
  int skipped = 0;
  root_raw(names, n, pid, chain, root, sizeof root);
  int wrote_root = 0, failed = 0;
  for (int pass = 0; pass < 2; pass++)
    for (int k = 0; k < n; k++) {
      const char *nm = names[k]->d_name;
      size_t l = strlen(nm);
      if (l < 5 || strcmp(nm + l - 4, ".raw") != 0) continue;
      int is_root = strcmp(nm, root) == 0;
      if (is_root != (pass == 0)) continue;
      char raw[PATH_MAX * 2], o[PATH_MAX * 2];
      snprintf(raw, sizeof raw, "%s/%s", rec, nm);
      if (chain && !is_root) { /* a wrapper script's own images before the program it ran */
        skipped++;
        if (!keep) unlink(raw);
        continue;
      }
      out_name(out, nm, is_root, o, sizeof o);
      if (convert_one(raw, o, &co) != 0) failed = 1;
      else if (is_root) wrote_root = 1;
      if (!keep) unlink(raw);
    }
  if (skipped > 0)
    fprintf(stderr, "allocmark record: %d image%s of the wrapper script before it (%s) not kept\n", skipped,
            skipped == 1 ? "" : "s", keep ? "raw files" : "--keep-raw keeps them as raw files");
  fprintf(stderr, "allocmark record: %s ran %.3f s under the recorder; conversion took %.3f s\n", argv[i], t_run,
          am_now_s() - t_conv);
  for (int k = 0; k < n; k++) free(names[k]);
  free(names);
  if (!keep) rmdir(rec);
  else fprintf(stderr, "allocmark record: raw recordings kept in %s\n", rec);
  if (!wrote_root) {
    fprintf(stderr, "allocmark record: no trace written for %s (not recorded: static binary, setuid, or it never called malloc)\n", argv[i]);
    return code ? code : 1;
  }
  return code ? code : failed;
}
