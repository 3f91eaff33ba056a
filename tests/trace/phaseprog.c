/* tests/trace/phaseprog.c — a program with three clear phases, for trace-fit's phase
 * detection (test_fit.sh): N blocks of 32 B allocated and kept (a fill), 4 N
 * malloc/free pairs of 4096 B (a steady churn), then the N blocks freed (a teardown).
 * Usage: phaseprog [N [steady]] (default 20000); with "steady" only the churn runs (a
 * trace without phases). */
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 20000;
  int steady = argc > 2 && strcmp(argv[2], "steady") == 0;
  if (n < 1) n = 1;
  void **keep = calloc((size_t)n, sizeof *keep);
  if (keep == NULL) return 1;
  for (long i = 0; i < n && !steady; i++) keep[i] = malloc(32);
  volatile char sink = 0;
  for (long i = 0; i < 4 * n; i++) {
    char *p = malloc(4096);
    if (p != NULL) { p[0] = (char)i; sink += p[0]; }
    free(p);
  }
  for (long i = 0; i < n && !steady; i++) free(keep[i]);
  free(keep);
  printf("%ld\n", n + (long)(sink & 0));
  return 0;
}
