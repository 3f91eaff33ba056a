/* harness/front.h — the front layer: the rules every backend shares, enforced once.
 *
 * As in SQLite's malloc.c over its mem methods: callers (the replay engine, the
 * conformance suite) go through these inline wrappers, never through the table
 * directly, so the backends in harness/backends/ need not repeat NULL checks,
 * overflow checks or argument validation. Semantics follow glibc:
 *   free(NULL) does nothing; realloc(NULL, n) is malloc(n); realloc(p, 0) frees p
 *   and returns NULL; calloc whose n*size overflows returns NULL with errno ENOMEM;
 *   aligned_alloc with an alignment that is not a power of two returns NULL with
 *   errno EINVAL (alignments below sizeof(void*) are raised to it);
 *   usable_size(NULL) is 0; free_sized falls back to free.
 * malloc(0) is passed through: every backend returns a unique freeable pointer.
 */
#ifndef AM_FRONT_H
#define AM_FRONT_H

#include <errno.h>
#include <stdint.h>
#include "backend.h"

static inline void *am_malloc(const am_backend_t *b, size_t n) { return b->malloc(n); }

static inline void am_free(const am_backend_t *b, void *p) {
  if (p != NULL) b->free(p);
}

static inline void *am_calloc(const am_backend_t *b, size_t n, size_t size) {
  if (size != 0 && n > SIZE_MAX / size) { errno = ENOMEM; return NULL; }
  return b->calloc(n, size);
}

static inline void *am_realloc(const am_backend_t *b, void *p, size_t n) {
  if (p == NULL) return b->malloc(n);
  if (n == 0) { b->free(p); return NULL; }
  return b->realloc(p, n);
}

static inline void *am_aligned_alloc(const am_backend_t *b, size_t align, size_t n) {
  if (align == 0 || (align & (align - 1)) != 0) { errno = EINVAL; return NULL; }
  if (align < sizeof(void *)) align = sizeof(void *);
  return b->aligned_alloc(align, n);
}

static inline size_t am_usable_size(const am_backend_t *b, void *p) {
  return (p != NULL && b->usable_size != NULL) ? b->usable_size(p) : 0;
}

static inline void am_free_sized(const am_backend_t *b, void *p, size_t n) {
  if (p == NULL) return;
  if (b->free_sized != NULL) b->free_sized(p, n); else b->free(p);
}

static inline int am_backend_stats(const am_backend_t *b, am_stats_t *out) {
  am_stats_clear(out);
  return b->stats != NULL ? b->stats(out) : -1;
}

#endif /* AM_FRONT_H */
