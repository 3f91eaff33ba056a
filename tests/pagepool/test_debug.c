/* tests/pagepool/test_debug.c — misuse detection and pp_check's corruption reports.
 * Always: a corrupted free list and a corrupted page count make pp_check() return
 * PP_ECORRUPT (repaired afterwards). In debug builds (config string "debug=1"), also:
 * fill patterns on allocation and free, and each misuse — double free (small and large),
 * freeing a foreign pointer, an interior pointer, a pointer into a page that went back to
 * the free list — is reported with its address on stderr and aborts (checked in a child). */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "pp_test.h"

/* Run fn(arg) in a child; expect SIGABRT and "pagepool: <what> 0x<addr>" on its stderr. */
static void expect_abort(void (*fn)(void *), void *arg, const char *what, const void *addr) {
  int fd[2];
  PP_T_CHECK(pipe(fd) == 0);
  fflush(NULL);
  pid_t pid = fork();
  PP_T_CHECK(pid >= 0);
  if (pid == 0) {
    dup2(fd[1], 2);
    close(fd[0]);
    fn(arg);
    _exit(0); /* not detected */
  }
  close(fd[1]);
  char buf[512];
  ssize_t n, got = 0;
  while ((n = read(fd[0], buf + got, sizeof buf - 1 - (size_t)got)) > 0) got += n;
  buf[got] = '\0';
  close(fd[0]);
  int st;
  PP_T_CHECK(waitpid(pid, &st, 0) == pid);
  char want[160];
  snprintf(want, sizeof want, "pagepool: %s %#lx", what, (unsigned long)(uintptr_t)addr);
  if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGABRT || strstr(buf, want) == NULL) {
    fprintf(stderr, "expected abort with '%s', got status %#x and stderr:\n%s\n", want, st, buf);
    exit(1);
  }
  printf("detected: %s\n", want);
}

static void do_free(void *p) { pp_free(p); }
static void do_free_twice(void *p) { pp_free(p); pp_free(p); }

int main(void) {
  pp_config_t cfg; /* the class sizes below are pow2's (the default is fine) */
  pp_get_config(&cfg);
  cfg.spacing = PP_CLASSES_POW2;
  PP_T_CHECK(pp_configure(&cfg) == PP_OK);
  int debug = strstr(pp_config_string(), "debug=1") != NULL;

  /* pp_check finds a damaged free list (a's free put a on the heap's allocation list), then
   * the repaired heap passes again. */
  void *keep = pp_malloc(64);
  void *a = pp_malloc(64), *b = pp_malloc(64);
  pp_free(a);
  PP_T_HEAP_OK();
  void *link = *(void **)a;
  *(void **)a = (char *)b + 8; /* not a block start */
  fprintf(stderr, "(a corruption report is expected next)\n");
  PP_T_CHECK(pp_check() == PP_ECORRUPT);
  *(void **)a = a; /* a cycle */
  PP_T_CHECK(pp_check() == PP_ECORRUPT);
  *(void **)a = link;
  PP_T_HEAP_OK();

  if (!debug) {
    printf("release build: pp_check corruption detection ok (misuse detection needs PP_DEBUG)\n");
    pp_free(b);
    pp_free(keep);
    return 0;
  }
  /* Fill patterns. */
  unsigned char *f = pp_malloc(48);
  for (int i = 0; i < 48; i++) PP_T_CHECK(f[i] == 0xA5);
  unsigned char *z = pp_calloc(1, 48);
  for (int i = 0; i < 48; i++) PP_T_CHECK(z[i] == 0);
  pp_free(z);
  for (int i = (int)sizeof(void *); i < 64; i++) PP_T_CHECK(z[i] == 0xDD); /* class 64 */

  void *small = pp_malloc(100);
  expect_abort(do_free_twice, small, "double free", small);
  void *large = pp_malloc(100000);
#ifndef __SANITIZE_ADDRESS__ /* under ASan the system heap's own check reports it first */
  expect_abort(do_free_twice, large, "double free of a large block", large);
#endif
  expect_abort(do_free, (char *)small + 16, "free of a foreign pointer (not a block start)", (char *)small + 16);
  static _Alignas(64) unsigned char outside[256];
  expect_abort(do_free, outside + 64, "free of a foreign pointer", outside + 64);
  /* A page that went back to the free list. */
  static void *lone[200];
  for (int i = 0; i < 200; i++) lone[i] = pp_malloc(4096); /* one pool each: > 2 pages */
  void *last = pp_malloc(4096);                            /* stays current */
  for (int i = 0; i < 200; i++) pp_free(lone[i]);
  pp_stats_t st; /* introspection returns the heap's allocation lists to their pools */
  PP_T_CHECK(pp_stats(&st) == PP_OK);
  int gone = -1, unused = -1; /* a block in a free page, one in an unused pool */
  uintptr_t mask = ~(uintptr_t)(64 * 4096 - 1); /* default page: 64 pools */
  for (int i = 0; i < 200; i++) {
    uintptr_t pg = (uintptr_t)lone[i] & mask;
    int active = pg == ((uintptr_t)keep & mask) || pg == ((uintptr_t)last & mask);
    if (!active && gone < 0) gone = i;
    if (active && unused < 0 && lone[i] != last) unused = i;
  }
  PP_T_CHECK(gone >= 0);
  expect_abort(do_free, lone[gone], "free of a pointer into a free page (double free?)", lone[gone]);
  if (unused >= 0)
    expect_abort(do_free, lone[unused], "free of a pointer into an unused pool (double free?)", lone[unused]);
  pp_free(last);
  pp_free(small);
  pp_free(large);
  pp_free(f);
  pp_free(b);
  pp_free(keep);
  PP_T_HEAP_OK();
  return 0;
}
