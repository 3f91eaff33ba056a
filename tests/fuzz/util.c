/* tests/fuzz/util.c — helpers for the fuzz targets (fuzz.h): memfd-backed files, a
 * null stream, argv splitting. Linked into every target, never itself a target. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz.h"

const char *am_fuzz_file(int slot, const uint8_t *data, size_t size) {
  static int fds[AM_FUZZ_FILES] = {-1, -1, -1, -1};
  static char paths[AM_FUZZ_FILES][32];
  if (slot < 0 || slot >= AM_FUZZ_FILES) return NULL;
  if (fds[slot] < 0) {
    fds[slot] = memfd_create("am-fuzz", MFD_CLOEXEC);
    if (fds[slot] < 0) return NULL;
    snprintf(paths[slot], sizeof paths[slot], "/proc/self/fd/%d", fds[slot]);
  }
  int fd = fds[slot];
  if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0) return NULL;
  size_t done = 0;
  while (done < size) {
    ssize_t n = write(fd, data + done, size - done);
    if (n <= 0) return NULL;
    done += (size_t)n;
  }
  return paths[slot];
}

FILE *am_fuzz_null(void) {
  static FILE *f;
  if (f == NULL) f = fopen("/dev/null", "w");
  return f;
}

size_t am_fuzz_split(const uint8_t *data, size_t size, char **out, size_t cap, char **buf) {
  char *b = malloc(size + 1);
  *buf = b;
  if (b == NULL || cap == 0) return 0;
  memcpy(b, data, size);
  b[size] = '\0';
  size_t n = 0;
  char *p = b, *end = b + size;
  while (n < cap) {
    out[n++] = p;
    char *z = memchr(p, '\0', (size_t)(end - p));
    if (z == NULL || z == end) break;
    p = z + 1;
  }
  return n;
}
