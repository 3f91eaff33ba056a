/* tests/trace/threadprog.c — thread creation points for the trace tests (test_paced.sh):
 * the main thread starts N threads one after another (each joined before the next), and
 * sleeps US microseconds before each; thread i frees a block the main thread allocated
 * for it, then makes and frees K blocks of its own. With N over the replay's 256
 * threads, later threads share replay threads (RESPAWN); the sleeps are the gaps a paced
 * replay keeps. Usage: threadprog [N [K [US]]] (default 300 4 200). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static long k_blocks = 4;

static void *worker(void *arg) {
  free(arg); /* a cross-thread free */
  for (long i = 0; i < k_blocks; i++) {
    volatile char *p = malloc(48 + (size_t)i);
    if (p != NULL) p[0] = 1;
    free((void *)p);
  }
  return NULL;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 300, us = argc > 3 ? atol(argv[3]) : 200;
  if (argc > 2) k_blocks = atol(argv[2]);
  for (long i = 0; i < n; i++) {
    if (us > 0) usleep((useconds_t)us);
    pthread_t t;
    void *gift = malloc(24);
    if (pthread_create(&t, NULL, worker, gift) != 0) { free(gift); return 1; }
    pthread_join(t, NULL);
  }
  printf("%ld threads\n", n);
  return 0;
}
