/* harness/backends/bump.c — the "speed of light" baseline: a bump pointer.
 *
 * Not an allocator to compare: it measures the harness's own cost per operation.
 * Each thread takes 1 MiB chunks from one reserved region with an atomic add, then
 * bumps inside its chunk without atomics. A 16-byte header before each block holds
 * its size (for realloc and usable_size). free does nothing, except that freeing the
 * block the calling thread allocated last rolls its bump pointer back (a stack
 * discipline, as in arena allocators): malloc/free pairs then reuse hot memory, so the
 * baseline measures the harness rather than page faults. Memory handed out again
 * after a roll-back may be dirty, so calloc clears it. Knob: AM_BUMP_GIB — size of the
 * reserved region in GiB (default 64; MAP_NORESERVE, so only touched pages cost memory). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "../backend.h"

#define BUMP_CHUNK ((size_t)1 << 20)
#define BUMP_HDR 16u

static char *bump_base;
static size_t bump_len;
static _Atomic size_t bump_next;
static _Thread_local char *bump_cur, *bump_end;

static const char *bump_version(void) { return "1.0"; }
static const char *bump_config(void) { return "free=noop header=16"; }

static int bump_init(void) {
  const char *g = getenv("AM_BUMP_GIB");
  size_t gib = (g != NULL && atoi(g) > 0) ? (size_t)atoi(g) : 64;
  bump_len = gib << 30;
  void *p = mmap(NULL, bump_len, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return -1;
  bump_base = p;
  return 0;
}

static void bump_shutdown(void) {
  if (bump_base != NULL) munmap(bump_base, bump_len);
  bump_base = NULL;
}

static void *bump_aligned(size_t align, size_t n) {
  if (align < BUMP_HDR) align = BUMP_HDR;
  for (;;) {
    uintptr_t c = (uintptr_t)bump_cur + BUMP_HDR;
    c = (c + align - 1) & ~(uintptr_t)(align - 1);
    if (bump_cur != NULL && c + n <= (uintptr_t)bump_end && c + n >= c) {
      ((size_t *)c)[-1] = n;
      ((char **)c)[-2] = bump_cur; /* where this block's allocation started: for roll-back */
      bump_cur = (char *)(c + ((n + 15) & ~(size_t)15));
      return (void *)c;
    }
    size_t want = n + align + BUMP_HDR;
    size_t take = want > BUMP_CHUNK ? (want + BUMP_CHUNK - 1) & ~(BUMP_CHUNK - 1) : BUMP_CHUNK;
    if (want < n) return NULL;
    size_t off = atomic_fetch_add_explicit(&bump_next, take, memory_order_relaxed);
    if (bump_base == NULL || off + take > bump_len) return NULL;
    bump_cur = bump_base + off;
    bump_end = bump_cur + take;
  }
}

static void *bump_malloc(size_t n) { return bump_aligned(BUMP_HDR, n); }

static void bump_free(void *p) {
  size_t n = ((size_t *)p)[-1];
  if ((char *)p + ((n + 15) & ~(size_t)15) == bump_cur) bump_cur = ((char **)p)[-2];
}

static void *bump_calloc(size_t n, size_t s) {
  void *p = bump_aligned(BUMP_HDR, n * s);
  if (p != NULL) memset(p, 0, n * s);
  return p;
}
static size_t bump_usable(void *p) { return ((size_t *)p)[-1]; }

static void *bump_realloc(void *p, size_t n) {
  size_t old = bump_usable(p);
  void *q = bump_malloc(n);
  if (q != NULL) memcpy(q, p, old < n ? old : n);
  return q;
}

static int bump_stats(am_stats_t *s) {
  s->mapped = (int64_t)atomic_load_explicit(&bump_next, memory_order_relaxed);
  return 0;
}

const am_backend_t am_backend_bump = {
  .name = "bump", .version = bump_version, .config = bump_config,
  .caps = AM_CAP_USABLE_SIZE | AM_CAP_STATS | AM_CAP_THREADS | AM_CAP_BASELINE,
  .init = bump_init, .shutdown = bump_shutdown,
  .malloc = bump_malloc, .free = bump_free, .calloc = bump_calloc, .realloc = bump_realloc,
  .aligned_alloc = bump_aligned, .usable_size = bump_usable, .stats = bump_stats,
  .colour = "#8c564b",
};
