/* scripts/glibc_fs_layout.c — where glibc puts the blocks of patterns/false-sharing.json,
 * by hand: thread 0 allocates 16 x 8 B and hands them to thread 1, which frees them
 * (7 go to thread 1's tcache, 9 back to thread 0's arena); then each thread runs
 * malloc(8) / 20000 one-byte stores / free, 2000 times. Prints each thread's block, the
 * distance between them and each thread's time. The finding it supports is in
 * patterns/README.md (false-sharing.json). Not part of the build:
 *   gcc -O2 -pthread scripts/glibc_fs_layout.c -o /tmp/fs_layout && /tmp/fs_layout
 *   GLIBC_TUNABLES=glibc.malloc.tcache_count=0 /tmp/fs_layout     # without the tcache */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void *handed[16], *block[2];
static double took[2];
static atomic_int stage;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void scratch(int id) {
  double t0 = now();
  for (int i = 0; i < 2000; i++) {
    volatile unsigned char *q = malloc(8);
    if (i == 0) block[id] = (void *)q;
    for (int r = 0; r < 20000; r++) q[0] = (unsigned char)r;
    free((void *)q);
  }
  took[id] = now() - t0;
}

static void *maker(void *a) {
  (void)a;
  for (int i = 0; i < 16; i++) handed[i] = malloc(8);
  atomic_store(&stage, 1);
  while (atomic_load(&stage) != 2) {}
  scratch(0);
  return NULL;
}

static void *taker(void *a) {
  (void)a;
  while (atomic_load(&stage) != 1) {}
  for (int i = 0; i < 16; i++) free(handed[i]);
  atomic_store(&stage, 2);
  scratch(1);
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, maker, NULL);
  pthread_create(&b, NULL, taker, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  long d = (long)((char *)block[1] - (char *)block[0]);
  printf("handed-out blocks %p .. %p\nthread 0 (maker) block %p  %.1f ms\nthread 1 (taker) block %p  %.1f ms\n"
         "distance %ld B (%s 4 KiB page, %s 64 B line)\n", handed[0], handed[15], block[0], took[0] * 1e3, block[1],
         took[1] * 1e3, d, ((unsigned long)block[0] >> 12) == ((unsigned long)block[1] >> 12) ? "same" : "different",
         ((unsigned long)block[0] >> 6) == ((unsigned long)block[1] >> 6) ? "same" : "different");
  return 0;
}
