/* harness/runner/verify.c — fill and check patterns for VERIFY blocks (verify.h). */
#include <string.h>
#include "verify.h"

void am_verify_fill(void *p, uint64_t n, uint64_t word) {
  unsigned char *q = p;
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) memcpy(q + i, &word, 8);
  if (i < n) memcpy(q + i, &word, (size_t)(n - i));
}

int am_verify_check(const void *p, uint64_t n, uint64_t word, uint64_t *bad) {
  const unsigned char *q = p, *w = (const unsigned char *)&word;
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    memcpy(&v, q + i, 8);
    if (v != word) break;
  }
  for (; i < n; i++)
    if (q[i] != w[i % 8]) { *bad = i; return -1; }
  return 0;
}

int am_verify_zero(const void *p, uint64_t n, uint64_t *bad) {
  const unsigned char *q = p;
  for (uint64_t i = 0; i < n; i++)
    if (q[i] != 0) { *bad = i; return -1; }
  return 0;
}
