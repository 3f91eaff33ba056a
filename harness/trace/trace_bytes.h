/* harness/trace/trace_bytes.h — the byte-level reading both trace readers share (the
 * recorder's raw files, raw_read.c, and .amtrace files, trace_read.c): whole preads and
 * little-endian fields taken from a bounded buffer. Each returns 0, or -1 when the file
 * or the buffer ends first (the caller names the offset). */
#ifndef AM_TRACE_BYTES_H
#define AM_TRACE_BYTES_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* n bytes at off, retrying short reads and EINTR. */
static inline int am_tb_pread(int fd, void *buf, size_t n, uint64_t off) {
  unsigned char *c = buf;
  while (n > 0) {
    ssize_t r = pread(fd, c, n, (off_t)off);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    c += r; n -= (size_t)r; off += (uint64_t)r;
  }
  return 0;
}

static inline int am_tb_u32(const unsigned char **p, const unsigned char *end, uint32_t *v) {
  if (end - *p < 4) return -1;
  memcpy(v, *p, 4); *p += 4;
  return 0;
}
static inline int am_tb_u64(const unsigned char **p, const unsigned char *end, uint64_t *v) {
  if (end - *p < 8) return -1;
  memcpy(v, *p, 8); *p += 8;
  return 0;
}

/* A string stored as u32 length + bytes, into out (cut at cap - 1, NUL-terminated).
 * nul_to_space: trailing NULs dropped, inner ones made spaces (a /proc cmdline). */
static inline int am_tb_str(const unsigned char **p, const unsigned char *end, char *out, size_t cap, int nul_to_space) {
  uint32_t n;
  if (am_tb_u32(p, end, &n) != 0 || (size_t)(end - *p) < n) return -1;
  size_t k = n < cap - 1 ? n : cap - 1;
  memcpy(out, *p, k);
  out[k] = '\0';
  if (nul_to_space) {
    while (k > 0 && out[k - 1] == '\0') k--;
    out[k] = '\0';
    for (size_t i = 0; i < k; i++) if (out[i] == '\0') out[i] = ' ';
  }
  *p += n;
  return 0;
}

#endif /* AM_TRACE_BYTES_H */
