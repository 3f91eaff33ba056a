/* tests/pagepool/test_oom.c — pagepool out of memory: NULL with ENOMEM, never a crash,
 * never a leak.
 *
 *   test_pp_oom inject   OOM injection (PAGEPOOL_FAIL): for each N in 1..PP_T_MAX_N, a child
 *                        process runs a mixed workload (malloc, calloc, realloc, aligned,
 *                        small and large, three threads) with request N failing (and, in a
 *                        second pass, every request from N on). Every NULL must come with
 *                        errno ENOMEM and leave the other blocks intact; at the end
 *                        everything is freed, pp_check() passes and pp_stats() shows no
 *                        byte and no large block left (no leak). Some N must fail a request.
 *   test_pp_oom rlimit   address-space limits (RLIMIT_AS, as `ulimit -v`): under 1.2 GB,
 *                        50 blocks of 5 MB are served (the reservation takes at most 1/8 of
 *                        the limit); with a limit set after start-up below the reservation
 *                        itself, the large path gives the region's unused tail back and is
 *                        served; exhausting the limit gives NULL + ENOMEM for small and
 *                        large requests, and pagepool recovers once blocks are freed.
 *                        Skipped (77) under sanitizers, whose shadow memory needs the
 *                        address space.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "pp_test.h"

#define PP_T_MAX_N 120    /* injection points tried (the workload makes a few hundred) */
#define PP_T_SLOTS 384
#define PP_T_STEPS 2500

typedef struct work_s {
  unsigned long long seed;
  unsigned nulls;
} work_t;

/* A block's first and last bytes carry a tag, checked before it is freed or resized. */
static void tag(unsigned char *p, size_t n, unsigned char t) { p[0] = t; p[n - 1] = t; }
static void check_tag(const unsigned char *p, size_t n, unsigned char t) {
  PP_T_CHECK(p[0] == t && p[n - 1] == t);
}

static size_t pick_size(unsigned long long *s) {
  unsigned long long r = pp_t_rand(s);
  if (r % 16 == 0) return 4097 + (size_t)(r >> 20) % 300000; /* large */
  return 1 + (size_t)(r >> 20) % 4096;
}

static void *work(void *arg) {
  work_t *w = arg;
  unsigned char *blk[PP_T_SLOTS] = {0};
  size_t len[PP_T_SLOTS] = {0};
  for (unsigned step = 0; step < PP_T_STEPS; step++) {
    unsigned long long r = pp_t_rand(&w->seed);
    unsigned i = (unsigned)(r % PP_T_SLOTS), kind = (unsigned)(r >> 32) % 5;
    unsigned char t = (unsigned char)(i * 7 + 1);
    if (blk[i] != NULL && kind < 2) {
      check_tag(blk[i], len[i], t);
      pp_free(blk[i]);
      blk[i] = NULL;
      continue;
    }
    size_t n = pick_size(&w->seed);
    errno = 0;
    void *p;
    if (blk[i] != NULL) { /* resize: on failure the old block stays valid */
      check_tag(blk[i], len[i], t);
      p = pp_realloc(blk[i], n);
      if (p == NULL) { PP_T_CHECK(errno == ENOMEM); w->nulls++; check_tag(blk[i], len[i], t); continue; }
      PP_T_CHECK(((unsigned char *)p)[0] == t);
    } else if (kind == 2) {
      p = pp_calloc(1, n);
      if (p != NULL) PP_T_CHECK(((unsigned char *)p)[n - 1] == 0);
    } else if (kind == 3) {
      p = pp_aligned_alloc((size_t)64 << (r % 6), n);
    } else {
      p = pp_malloc(n);
    }
    if (p == NULL) { PP_T_CHECK(errno == ENOMEM); w->nulls++; if (blk[i] == NULL) continue; }
    blk[i] = p;
    len[i] = n;
    tag(blk[i], n, t);
  }
  for (unsigned i = 0; i < PP_T_SLOTS; i++)
    if (blk[i] != NULL) { check_tag(blk[i], len[i], (unsigned char)(i * 7 + 1)); pp_free(blk[i]); }
  return NULL;
}

/* The child of one injection point: 0 no request failed, 10 some did (both: clean). */
static int inject_child(unsigned n, int sticky) {
  char v[32];
  snprintf(v, sizeof v, "%u%s", n, sticky ? "+" : "");
  setenv("PAGEPOOL_FAIL", v, 1);
  work_t w[3] = {{0x1234 + n, 0}, {0x9876 + n, 0}, {0x5555 + n, 0}};
  pthread_t th[2];
  int started[2];
  for (int k = 0; k < 2; k++) started[k] = pthread_create(&th[k], NULL, work, &w[k + 1]) == 0;
  work(&w[0]);
  for (int k = 0; k < 2; k++) if (started[k]) pthread_join(th[k], NULL);
  PP_T_HEAP_OK();
  pp_stats_t st;
  PP_T_CHECK(pp_stats(&st) == PP_OK);
  if (st.allocated_bytes != 0 || st.large_blocks != 0) {
    fprintf(stderr, "PAGEPOOL_FAIL=%s: leak: %llu bytes, %llu large blocks left\n", v,
            (unsigned long long)st.allocated_bytes, (unsigned long long)st.large_blocks);
    return 1;
  }
  return w[0].nulls + w[1].nulls + w[2].nulls > 0 ? 10 : 0;
}

static int run_inject(void) {
  unsigned failed_some = 0, runs = 0;
  for (int sticky = 0; sticky <= 1; sticky++)
    for (unsigned n = 1; n <= PP_T_MAX_N; n += sticky ? 3 : 1) {
      fflush(NULL);
      pid_t pid = fork();
      PP_T_CHECK(pid >= 0);
      if (pid == 0) _exit(inject_child(n, sticky));
      int st;
      PP_T_CHECK(waitpid(pid, &st, 0) == pid);
      if (!WIFEXITED(st) || (WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 10)) {
        fprintf(stderr, "PAGEPOOL_FAIL=%u%s: child ended with status %#x\n", n, sticky ? "+" : "", st);
        return 1;
      }
      failed_some += WEXITSTATUS(st) == 10;
      runs++;
    }
  printf("oom injection: %u runs, %u saw NULL + ENOMEM, no crash, no leak\n", runs, failed_some);
  PP_T_CHECK(failed_some > 0);
  return 0;
}

static void set_as(rlim_t bytes) {
  struct rlimit rl = {bytes, bytes};
  PP_T_CHECK(setrlimit(RLIMIT_AS, &rl) == 0);
}

/* VmSize of this process in bytes. */
static unsigned long long vm_size(void) {
  FILE *f = fopen("/proc/self/status", "r");
  PP_T_CHECK(f != NULL);
  char line[256];
  unsigned long long kb = 0;
  while (fgets(line, sizeof line, f) != NULL)
    if (sscanf(line, "VmSize: %llu kB", &kb) == 1) break;
  fclose(f);
  PP_T_CHECK(kb > 0);
  return kb * 1024;
}

#define PP_T_BIG 50
#define PP_T_BIG_SIZE 5000000u

/* 50 x 5 MB (the defect's Python case), written, then small blocks too; all freed. */
static void serve_big(const char *what) {
  static void *big[PP_T_BIG];
  for (int i = 0; i < PP_T_BIG; i++) {
    big[i] = pp_malloc(PP_T_BIG_SIZE);
    if (big[i] == NULL) { fprintf(stderr, "%s: block %d of 5 MB refused (errno %d)\n", what, i, errno); exit(1); }
    memset(big[i], i, PP_T_BIG_SIZE);
  }
  static void *small[20000];
  for (int i = 0; i < 20000; i++) PP_T_CHECK((small[i] = pp_malloc(100)) != NULL);
  for (int i = 0; i < 20000; i++) pp_free(small[i]);
  for (int i = 0; i < PP_T_BIG; i++) pp_free(big[i]);
  PP_T_HEAP_OK();
  printf("%s: 50 x 5 MB and 20000 x 100 B served\n", what);
}

static void exhaust(void) {
  enum { MAXB = 4096 };
  static void *b[MAXB];
  int n = 0, large_null = 0, small_null = 0;
  while (n < MAXB) { /* large blocks until refused */
    errno = 0;
    void *p = pp_malloc(8u << 20);
    if (p == NULL) { PP_T_CHECK(errno == ENOMEM); large_null = 1; break; }
    b[n++] = p;
  }
  static void *s[1 << 20];
  size_t k = 0;
  while (k < sizeof s / sizeof *s) { /* then small ones until refused */
    errno = 0;
    void *p = pp_malloc(2048);
    if (p == NULL) { PP_T_CHECK(errno == ENOMEM); small_null = 1; break; }
    s[k++] = p;
  }
  PP_T_CHECK(large_null && small_null);
  for (size_t i = 0; i < k; i++) pp_free(s[i]);
  for (int i = 0; i < n; i++) pp_free(b[i]);
  PP_T_HEAP_OK();
  void *again = pp_malloc(8u << 20), *again_small = pp_malloc(2048);
  PP_T_CHECK(again != NULL && again_small != NULL); /* recovered */
  pp_free(again);
  pp_free(again_small);
  printf("exhaustion: %d large blocks and %zu small ones, then NULL + ENOMEM for both; recovered\n", n, k);
}

static int in_child(void (*fn)(void)) {
  fflush(NULL);
  pid_t pid = fork();
  PP_T_CHECK(pid >= 0);
  if (pid == 0) { fn(); fflush(NULL); _exit(0); }
  int st;
  PP_T_CHECK(waitpid(pid, &st, 0) == pid);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) { fprintf(stderr, "child ended with status %#x\n", st); return 1; }
  return 0;
}

static void limit_before_start(void) {
  set_as(1200000ull * 1024); /* ulimit -v 1200000 */
  pp_free(pp_malloc(16));    /* start-up reserves the region (as a program's first malloc) */
  serve_big("RLIMIT_AS 1.2 GB before start-up");
}

static void limit_after_start(void) {
  pp_free(pp_malloc(16)); /* start-up: the full reservation (32 GiB by default) */
  unsigned long long vm = vm_size();
  PP_T_CHECK(vm > (24ull << 30)); /* the reservation is there */
  set_as(vm - (16ull << 30));     /* below what is mapped: only giving back the tail helps */
  serve_big("RLIMIT_AS set after start-up, below the reservation");
}

static void limit_exhaust(void) {
  set_as(600000ull * 1024);
  exhaust();
}

static int run_rlimit(void) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  printf("skipped: sanitizer shadow memory needs the address space\n");
  (void)in_child, (void)limit_before_start, (void)limit_after_start, (void)limit_exhaust;
  return 77;
#else
  return in_child(limit_before_start) | in_child(limit_after_start) | in_child(limit_exhaust);
#endif
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "inject") == 0) return run_inject();
  if (argc == 2 && strcmp(argv[1], "rlimit") == 0) return run_rlimit();
  /* One case in this process (for a debugger). */
  if (argc == 2 && strcmp(argv[1], "rlimit-before") == 0) { limit_before_start(); return 0; }
  if (argc == 2 && strcmp(argv[1], "rlimit-after") == 0) { limit_after_start(); return 0; }
  if (argc == 2 && strcmp(argv[1], "rlimit-exhaust") == 0) { limit_exhaust(); return 0; }
  fprintf(stderr, "usage: test_pp_oom inject|rlimit\n");
  return 2;
}
