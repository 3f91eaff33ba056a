/* harness/common/gen_mem.h — growable arrays backed by mmap for the stream generator:
 * the streams and the generator's bookkeeping never touch the allocator under test
 * (the runner builds streams in the same process that then measures that allocator). */
#ifndef AM_GEN_MEM_H
#define AM_GEN_MEM_H

#include <stddef.h>

typedef struct am_mvec_s {
  void *p;        /* NULL until the first reserve                 */
  size_t len;     /* elements in use                              */
  size_t cap;     /* elements that fit in the mapping             */
  size_t esz;     /* element size in bytes                        */
} am_mvec_t;

static inline void am_mvec_init(am_mvec_t *v, size_t esz) { v->p = NULL; v->len = v->cap = 0; v->esz = esz; }
/* Room for at least n elements; 0, or -1 when the kernel refuses memory. */
int am_mvec_reserve_slow(am_mvec_t *v, size_t n) __attribute__((noinline));
static inline int am_mvec_reserve(am_mvec_t *v, size_t n) { return n <= v->cap ? 0 : am_mvec_reserve_slow(v, n); }
/* Shrink the mapping to exactly len elements (rounded up to a page); 0 or -1. */
int am_mvec_shrink(am_mvec_t *v);
void am_mvec_free(am_mvec_t *v);
/* Bytes of the mapping that holds n elements of size esz (0 for n == 0). */
size_t am_map_bytes(size_t n, size_t esz);
/* A zeroed anonymous mapping of n bytes, or NULL; release with am_unmap(p, n). */
void *am_map(size_t n);
void am_unmap(void *p, size_t n);

#endif /* AM_GEN_MEM_H */
