/* tests/trace/mallocbench.c — a malloc-bound loop for measuring the recorder's cost per
 * op (scripts/trace_bench.sh): N rounds of free + malloc in a window of 64 blocks of 16
 * to 271 bytes, so every op hits the allocator's fast path. Prints the ops and ns/op. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 5000000;
  void *win[64] = {0};
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++) {
    unsigned j = (unsigned)(i * 7) & 63;
    free(win[j]);
    win[j] = malloc(16 + (size_t)(i & 255));
    if (win[j] == NULL) return 1;
  }
  for (unsigned j = 0; j < 64; j++) free(win[j]);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
  printf("ops %ld ns_per_op %.2f\n", 2 * n, ns / (double)(2 * n));
  return 0;
}
