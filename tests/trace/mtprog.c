/* tests/trace/mtprog.c — the program `allocmark record` is tested on: N rounds of
 * every hooked call on the main thread, N blocks allocated by a producer thread and
 * freed by a consumer thread (cross-thread frees; both threads exit), and a forked
 * child that allocates and frees N blocks. No stdio (its buffers would add libc's own
 * allocations): the one line of output goes out with write(2). With N = 0 it makes
 * exactly the same threads, fork and libc calls, so the trace of `mtprog N` minus the
 * trace of `mtprog 0` is exactly the calls below (tests/trace/test_record.sh). Each
 * thread's first call, a free and every round's calls run with errno set to a marker
 * and report when a call changed it (the recorder must leave errno as libc does: its
 * output is compared with a plain run's). */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void **shared;
static int n;
static volatile int errno_changed; /* a call changed errno (set to 4242 before it) */
#define KEEP(call) do { errno = 4242; call; if (errno != 4242) errno_changed = 1; } while (0)

static void *producer(void *arg) {
  (void)arg;
  for (int i = 0; i < n; i++) KEEP(shared[i] = malloc(48));
  return NULL;
}
static void *consumer(void *arg) {
  (void)arg;
  for (int i = 0; i < n; i++) KEEP(free(shared[i]));
  return NULL;
}

int main(int argc, char **argv) {
  n = argc > 1 ? atoi(argv[1]) : 10;
  static void *table[100000];
  if (n < 0 || n > 100000) return 2;
  shared = table;
  for (int i = 0; i < n; i++) {
    void *a, *b, *c, *d = NULL;
    KEEP(a = malloc(24));
    KEEP(b = calloc(3, 8));
    KEEP(c = realloc(NULL, 16));
    KEEP(c = realloc(c, 1000));
    c = reallocarray(c, 10, 200);
    if (posix_memalign(&d, 64, 100) != 0) return 1;
    void *e = aligned_alloc(256, 512), *f = memalign(128, 40), *g = valloc(10), *h = pvalloc(5000);
    if (malloc_usable_size(a) < 24) return 1;
    KEEP(free(a)); free(b); free(c); free(d); free(e); free(f); free(g); free(h);
  }
  pthread_t p, q;
  pthread_create(&p, NULL, producer, NULL);
  pthread_join(p, NULL);
  pthread_create(&q, NULL, consumer, NULL);
  pthread_join(q, NULL);
  pid_t pid = fork();
  if (pid == 0) {
    for (int i = 0; i < n; i++) free(malloc(200));
    exit(0);
  }
  int st;
  waitpid(pid, &st, 0);
  const char changed[] = "errno changed by a call\n";
  if (errno_changed && write(1, changed, sizeof changed - 1) < 0) return 1;
  const char msg[] = "mtprog done\n";
  if (write(1, msg, sizeof msg - 1) < 0) return 1;
  return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
