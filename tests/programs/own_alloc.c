/* tests/programs/own_alloc.c — a program that brings its own allocator: linked with
 * jemalloc and calling its non-standard mallocx/dallocx. Under any other backend the
 * proof run must find those bound to libjemalloc and exclude the backend. */
#include <stdio.h>
#include <string.h>
#include <jemalloc/jemalloc.h>

int main(void) {
  unsigned long sum = 0;
  for (int i = 0; i < 10000; i++) {
    char *p = mallocx(64 + (size_t)(i % 512), 0);
    if (p == NULL) return 1;
    memset(p, i & 0xff, 64);
    sum += (unsigned char)p[7];
    dallocx(p, 0);
  }
  printf("%lu\n", sum);
  return 0;
}
