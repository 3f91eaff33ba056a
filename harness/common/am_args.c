/* harness/common/am_args.c — command-line helpers (see am_args.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "am_args.h"

int am_parse_u64(const char *s, uint64_t max, uint64_t *out) {
  if (s == NULL || *s < '0' || *s > '9') return -1;
  errno = 0;
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0' || v > max) return -1;
  *out = v;
  return 0;
}

const char *am_opt_value(int argc, char **argv, int *i, const char *lng, const char *shrt) {
  const char *a = argv[*i];
  size_t n = strlen(lng);
  if (strncmp(a, lng, n) == 0 && a[n] == '=') return a + n + 1;
  if (strcmp(a, lng) == 0 || (shrt != NULL && strcmp(a, shrt) == 0)) {
    if (*i + 1 >= argc) return "";
    return argv[++*i];
  }
  return NULL;
}
