/* tests/pagepool/test_misuse.c — each misuse pagepool detects, and the report it prints.
 *
 *   test_pp_misuse debug    (linked with pagepool built in debug mode, PP_DEBUG=1, in every
 *                           build) double free, free of a foreign pointer, free of an
 *                           interior pointer, use after free (a write into a freed block,
 *                           caught when it is handed out again), a write past the end of a
 *                           small block and of a large one (canaries), a double free of a
 *                           large block
 *   test_pp_misuse release  (linked with the release library) the always-on checks: double
 *                           free of a large block, free of a foreign pointer
 * Each misuse runs in a child, which must die of SIGABRT after one line on stderr
 * "pagepool: <what> 0x<address> (<class>)"; the line is printed.
 */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "pp_test.h"

static void expect_report(const char *name, void (*fn)(void), const char *want) {
  int fd[2];
  PP_T_CHECK(pipe(fd) == 0);
  fflush(NULL);
  pid_t pid = fork();
  PP_T_CHECK(pid >= 0);
  if (pid == 0) {
    dup2(fd[1], 2);
    close(fd[0]);
    fn();
    _exit(0); /* not detected */
  }
  close(fd[1]);
  char buf[1024];
  ssize_t n, got = 0;
  while ((n = read(fd[0], buf + got, sizeof buf - 1 - (size_t)got)) > 0) got += n;
  buf[got] = '\0';
  close(fd[0]);
  int st;
  PP_T_CHECK(waitpid(pid, &st, 0) == pid);
  char *nl = strchr(buf, '\n');
  if (nl != NULL) *nl = '\0';
  if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGABRT || strstr(buf, want) == NULL) {
    fprintf(stderr, "%s: expected SIGABRT and a report with '%s'; got status %#x, stderr: %s\n", name, want, st, buf);
    exit(1);
  }
  printf("%-22s %s\n", name, buf);
}

static char want[256];
static void *victim;
/* The expected report: what, the address, and the start of the class part. */
static const char *report(const char *what, const void *p, const char *cls) {
  snprintf(want, sizeof want, "pagepool: %s %#lx (%s", what, (unsigned long)(uintptr_t)p, cls);
  return want;
}

static void double_free(void) { pp_free(victim); pp_free(victim); }
static void free_it(void) { pp_free(victim); }
static void use_after_free(void) {
  unsigned char *p = victim;
  pp_free(p);
  p[20] = 1; /* the bug */
  for (int i = 0; i < 64; i++) (void)pp_malloc(64); /* p comes back: its poison is checked */
}
static void past_end(void) {
  unsigned char *p = victim;
  p[100] = 0; /* one byte past the 100 asked for */
  pp_free(p);
}
static void past_end_large(void) {
  unsigned char *p = victim;
  p[100000] = 0;
  pp_free(p);
}

int main(int argc, char **argv) {
  pp_config_t cfg; /* the class sizes in the reports below are pow2's (the default is fine) */
  pp_get_config(&cfg);
  cfg.spacing = PP_CLASSES_POW2;
  PP_T_CHECK(pp_configure(&cfg) == PP_OK);
  int debug = strstr(pp_config_string(), "debug=1") != NULL;
  if (argc != 2 || (strcmp(argv[1], "debug") != 0 && strcmp(argv[1], "release") != 0)) {
    fprintf(stderr, "usage: test_pp_misuse debug|release\n");
    return 2;
  }
  PP_T_CHECK(debug == (strcmp(argv[1], "debug") == 0));
  static _Alignas(64) unsigned char outside[256];
  if (debug) {
    void *keep = pp_malloc(64); /* the heap starts */
    victim = pp_malloc(100);
    expect_report("double free", double_free, report("double free", victim, "class 128 B"));
    victim = outside + 64;
    expect_report("foreign pointer", free_it, report("free of a foreign pointer", victim, "not a block of pagepool"));
    victim = (char *)pp_malloc(100) + 32;
    expect_report("interior pointer", free_it,
                  report("free of a foreign pointer (not a block start)", victim, "class 128 B"));
    victim = pp_malloc(64);
    expect_report("use after free", use_after_free, report("write after free into block", victim, "class 64 B"));
    victim = pp_malloc(100);
    expect_report("write past the end", past_end,
                  report("write past the end of block", victim, "class 128 B, requested 100 B"));
    victim = pp_malloc(100000);
    expect_report("write past the end (large)", past_end_large,
                  report("write past the end of large block", victim, "large block of 100000 B"));
    expect_report("double free (large)", double_free,
                  report("double free of a large block", victim, "large block"));
    pp_free(keep);
  } else {
    victim = pp_malloc(100000);
    expect_report("double free (large)", double_free,
                  report("double free of a large block", victim, "large block"));
    victim = outside + 64;
    expect_report("foreign pointer", free_it, report("free of a foreign pointer", victim, "not a block of pagepool"));
  }
  printf("misuse detection (%s): every report seen\n", argv[1]);
  return 0;
}
