/* tests/conform/main.c — entry point of conform-<backend>: run the conformance cases.
 *
 * usage: conform-<backend> [--no-fork] [--list] [CASE...]
 * Initialises the one backend this executable holds, then runs every case (or the
 * named ones) in order, each in a forked child with a time limit, so a case that
 * crashes or hangs is reported as that case's failure and the others still run.
 * Prints one line per case ("ok", "FAIL", "skip", "xfail" + case name + detail) and a
 * summary; "xfail" is a failure fully explained by a known upstream bug (known_bugs.c).
 * Exit status: 0 no case failed, 1 a case failed, 2 bad usage, 4 init failed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "conform.h"

#define CF_CASE_SECONDS 60 /* a case still running after this is killed and fails */

static const struct { const char *name; cf_case_fn fn; } cases[] = {
#define CF_CASE_ENTRY(name) {#name, cf_case_##name},
  CF_CASES(CF_CASE_ENTRY)
#undef CF_CASE_ENTRY
};
enum { NCASES = sizeof cases / sizeof *cases };

static int print_line(int status, const char *name, const char *msg) {
  const char *tag = status == CF_PASS ? "ok   " : status == CF_SKIP ? "skip " :
                    status == CF_XFAIL ? "xfail" : "FAIL ";
  printf("%s %s%s%s\n", tag, name, *msg ? (status == CF_PASS ? "  " : ": ") : "", msg);
  fflush(stdout);
  return status;
}

/* Run one case in this process and print its line. */
static int run_here(const am_backend_t *b, int i) {
  cf_result_t r = {{0}};
  int st = cases[i].fn(b, &r);
  if (st != CF_PASS && st != CF_SKIP && st != CF_XFAIL) st = CF_FAIL;
  return print_line(st, cases[i].name, r.msg);
}

/* Run one case in a child; the child prints its own line unless it dies first. */
static int run_forked(const am_backend_t *b, int i) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return print_line(CF_FAIL, cases[i].name, "fork failed");
  if (pid == 0) {
    alarm(CF_CASE_SECONDS);
    _exit(run_here(b, i));
  }
  int ws;
  while (waitpid(pid, &ws, 0) < 0)
    if (errno != EINTR) return print_line(CF_FAIL, cases[i].name, "waitpid failed");
  if (WIFEXITED(ws) && (WEXITSTATUS(ws) == CF_PASS || WEXITSTATUS(ws) == CF_SKIP ||
                        WEXITSTATUS(ws) == CF_FAIL || WEXITSTATUS(ws) == CF_XFAIL))
    return WEXITSTATUS(ws);
  char msg[96];
  if (WIFSIGNALED(ws))
    snprintf(msg, sizeof msg, "killed by signal %d (%s)%s", WTERMSIG(ws), strsignal(WTERMSIG(ws)),
             WTERMSIG(ws) == SIGALRM ? ": over the time limit" : "");
  else
    snprintf(msg, sizeof msg, "child exited with status %d", WEXITSTATUS(ws));
  return print_line(CF_FAIL, cases[i].name, msg);
}

static int find_case(const char *name) {
  for (int i = 0; i < NCASES; i++)
    if (strcmp(cases[i].name, name) == 0) return i;
  return -1;
}

static void usage(FILE *f, const char *argv0) {
  fprintf(f, "usage: %s [--no-fork] [--list] [CASE...]\n"
             "  Conformance suite for the '%s' allocator backend, through the front layer.\n"
             "  --no-fork  run the cases in this process (for a debugger)\n"
             "  --list     print the case names and exit\n", argv0, am_this_backend->name);
}

int main(int argc, char **argv) {
  const am_backend_t *b = am_this_backend;
  int fork_cases = 1, nsel = 0, sel[NCASES];
  for (int a = 1; a < argc; a++) {
    if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
      usage(stdout, argv[0]);
      return 0;
    } else if (strcmp(argv[a], "--list") == 0) {
      for (int i = 0; i < NCASES; i++) puts(cases[i].name);
      return 0;
    } else if (strcmp(argv[a], "--no-fork") == 0) {
      fork_cases = 0;
    } else if (find_case(argv[a]) >= 0 && nsel < NCASES) {
      sel[nsel++] = find_case(argv[a]);
    } else {
      fprintf(stderr, "%s: unknown case or option '%s' (try --list, --help)\n", argv[0], argv[a]);
      return 2;
    }
  }
  if (nsel == 0)
    for (int i = 0; i < NCASES; i++) sel[nsel++] = i;

  if (b->init != NULL && b->init() != 0) {
    fprintf(stderr, "%s: backend %s failed to initialise\n", argv[0], b->name);
    return 4;
  }
  printf("conform: backend %s %s (%s)\n", b->name, b->version(), b->config());
  int pass = 0, fail = 0, skip = 0, xfail = 0;
  for (int k = 0; k < nsel; k++) {
    int st = fork_cases ? run_forked(b, sel[k]) : run_here(b, sel[k]);
    if (st == CF_PASS) pass++; else if (st == CF_SKIP) skip++; else if (st == CF_XFAIL) xfail++; else fail++;
  }
  if (b->shutdown != NULL) b->shutdown();
  printf("conform: %s: %d passed, %d failed, %d skipped, %d known upstream bugs (xfail)\n", b->name,
         pass, fail, skip, xfail);
  return fail ? 1 : 0;
}
