/* harness/common/gen_mem.c — mmap-backed growable arrays (see gen_mem.h). Growth
 * doubles the mapping with mremap, which moves pages instead of copying them. */
#include <sys/mman.h>
#include <unistd.h>
#include "gen_mem.h"

static size_t page_size(void) {
  static size_t ps;
  if (ps == 0) { long v = sysconf(_SC_PAGESIZE); ps = v > 0 ? (size_t)v : 4096; }
  return ps;
}

size_t am_map_bytes(size_t n, size_t esz) {
  if (n == 0) return 0;
  size_t ps = page_size(), b = n * esz;
  return (b + ps - 1) / ps * ps;
}

void *am_map(size_t n) {
  if (n == 0) return NULL;
  void *p = mmap(NULL, am_map_bytes(n, 1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

void am_unmap(void *p, size_t n) {
  if (p != NULL && n != 0) munmap(p, am_map_bytes(n, 1));
}

int am_mvec_reserve_slow(am_mvec_t *v, size_t n) {
  size_t want = v->cap * 2;
  if (want < n) want = n;
  size_t bytes = am_map_bytes(want, v->esz), old = am_map_bytes(v->cap, v->esz);
  void *p = v->p == NULL ? mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                         : mremap(v->p, old, bytes, MREMAP_MAYMOVE);
  if (p == MAP_FAILED) return -1;
  v->p = p;
  v->cap = bytes / v->esz;
  return 0;
}

int am_mvec_shrink(am_mvec_t *v) {
  if (v->p == NULL) return 0;
  size_t old = am_map_bytes(v->cap, v->esz), now = am_map_bytes(v->len, v->esz);
  if (now == old) return 0;
  if (now == 0) { munmap(v->p, old); v->p = NULL; v->cap = 0; return 0; }
  void *p = mremap(v->p, old, now, 0);
  if (p == MAP_FAILED) return -1;
  v->cap = now / v->esz;
  return 0;
}

void am_mvec_free(am_mvec_t *v) {
  if (v->p != NULL) munmap(v->p, am_map_bytes(v->cap, v->esz));
  v->p = NULL;
  v->len = v->cap = 0;
}
