/* harness/common/sha256.h — SHA-256 (FIPS 180-4) of a byte buffer, for the pattern
 * file digest written into results (pattern.sha256). Small and self-contained; not
 * on any timed path. */
#ifndef AM_SHA256_H
#define AM_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct am_sha256_s {
  uint32_t h[8];
  uint64_t len;       /* bytes hashed so far */
  uint8_t buf[64];
  size_t n;           /* bytes waiting in buf */
} am_sha256_t;

void am_sha256_init(am_sha256_t *c);
void am_sha256_update(am_sha256_t *c, const void *data, size_t len);
void am_sha256_final(am_sha256_t *c, uint8_t out[32]);
/* One call: lowercase hex digest (64 characters + NUL) of data into hex. */
void am_sha256_hex(const void *data, size_t len, char hex[65]);

#endif /* AM_SHA256_H */
