/* scripts/false_sharing_probe.c — can this machine show false sharing at all? A plain
 * two-thread test with no allocator in it: each thread, pinned to its own CPU, stores
 * to (and reloads) its own byte N times. The two bytes are 1 B apart (one cache line)
 * or 4 KiB apart (separate lines, separate pages); a third run has one thread alone.
 * On hardware where two cores write one line, the shared-line run is several times
 * slower than the separate-lines run; where it is not, patterns/false-sharing.json and
 * patterns/cache-thrash.json cannot show an allocator's false sharing either
 * (patterns/README.md, "How to read them"). Built and run by false_sharing_probe.sh. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static char *buf;
static long n_stores = 300000000;
static size_t gap;

static void *writer(void *arg) {
  long i = (long)arg;
  volatile char *p = buf + (size_t)i * gap;
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET((int)i, &s);
  pthread_setaffinity_np(pthread_self(), sizeof s, &s); /* best effort */
  for (long k = 0; k < n_stores; k++) {
    *p = (char)k;
    (void)*p;
  }
  return NULL;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double run(size_t g, int threads) {
  pthread_t t[2];
  gap = g;
  double a = now();
  for (long i = 0; i < threads; i++) pthread_create(&t[i], NULL, writer, (void *)i);
  for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
  return now() - a;
}

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 5;
  buf = aligned_alloc(4096, 8192);
  if (buf == NULL) return 1;
  printf("run  one-thread_s  same-line_s  4KiB-apart_s  same/apart\n");
  for (int r = 1; r <= reps; r++) {
    double one = run(0, 1), same = run(1, 2), apart = run(4096, 2);
    printf("%3d  %12.3f  %11.3f  %12.3f  %10.2f\n", r, one, same, apart, same / apart);
  }
  free(buf);
  return 0;
}
