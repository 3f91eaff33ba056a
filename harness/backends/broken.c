/* harness/backends/broken.c — a deliberately broken backend: the test hook that proves
 * the conformance suite and the fault handling can fail. Never part of `-b all`.
 *
 * AM_BROKEN selects the fault (read in init):
 *   overlap   blocks overlap: the cursor advances by half the request   (default)
 *   misalign  blocks are 8 bytes off 16-byte alignment
 *   nozero    calloc returns memory filled with 0xAB
 *   nocopy    realloc moves without copying the contents
 *   crash     abort() on allocation number AM_BROKEN_AFTER (default 1000)
 *   hang      sleep forever on that allocation
 *   null      return NULL from that allocation on
 * Everything else is glibc malloc with a 16-byte header, so the other modes are sound. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "../backend.h"

enum { BR_OVERLAP, BR_MISALIGN, BR_NOZERO, BR_NOCOPY, BR_CRASH, BR_HANG, BR_NULL };
static const char *const br_names[] = {"overlap", "misalign", "nozero", "nocopy",
                                       "crash", "hang", "null"};
static int br_mode;
static long br_after = 1000;
static _Atomic long br_count;
static char *br_arena;
static _Atomic size_t br_next;
#define BR_ARENA ((size_t)1 << 34)

static const char *br_version(void) { return "0"; }
static const char *br_config(void) { return br_names[br_mode]; }

static int br_init(void) {
  const char *m = getenv("AM_BROKEN"), *a = getenv("AM_BROKEN_AFTER");
  for (int i = 0; m != NULL && i < (int)(sizeof br_names / sizeof *br_names); i++)
    if (strcmp(m, br_names[i]) == 0) br_mode = i;
  if (a != NULL && atol(a) > 0) br_after = atol(a);
  if (br_mode == BR_OVERLAP) {
    void *p = mmap(NULL, BR_ARENA, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return -1;
    br_arena = p;
  }
  return 0;
}

/* Every block: [size_t size][pad to 16][payload]; misalign shifts the payload by 8. */
static void *br_alloc(size_t align, size_t n) {
  long k = atomic_fetch_add(&br_count, 1) + 1;
  if (k >= br_after) {
    if (br_mode == BR_CRASH) abort();
    if (br_mode == BR_HANG) for (;;) pause();
    if (br_mode == BR_NULL) return NULL;
  }
  if (br_mode == BR_OVERLAP) {
    size_t step = ((n / 2) + 15) & ~(size_t)15;
    size_t off = atomic_fetch_add(&br_next, 16 + step);
    char *p = br_arena + ((off + align - 1) & ~(align - 1)) + 16;
    if ((size_t)(p - br_arena) + n > BR_ARENA) return NULL;
    ((size_t *)p)[-1] = n;
    return p;
  }
  size_t shift = br_mode == BR_MISALIGN ? 8 : 0;
  if (align < 16) align = 16;
  char *base = malloc(n + align + 16 + shift);
  if (base == NULL) return NULL;
  char *p = (char *)(((uintptr_t)base + 16 + align - 1) & ~(uintptr_t)(align - 1)) + shift;
  ((size_t *)p)[-1] = n;
  ((char **)p)[-2] = base;
  return p;
}

static void br_free(void *p) {
  if (br_mode != BR_OVERLAP) free(((char **)p)[-2]);
}
static void *br_malloc(size_t n) { return br_alloc(16, n); }
static void *br_aligned(size_t a, size_t n) { return br_alloc(a, n); }
static size_t br_usable(void *p) { return ((size_t *)p)[-1]; }

static void *br_calloc(size_t n, size_t s) {
  void *p = br_alloc(16, n * s);
  if (p != NULL) memset(p, br_mode == BR_NOZERO ? 0xAB : 0, n * s);
  return p;
}

static void *br_realloc(void *p, size_t n) {
  void *q = br_alloc(16, n);
  if (q == NULL) return NULL;
  size_t old = br_usable(p);
  if (br_mode != BR_NOCOPY) memcpy(q, p, old < n ? old : n);
  br_free(p);
  return q;
}

const am_backend_t am_backend_broken = {
  .name = "broken", .version = br_version, .config = br_config,
  .caps = AM_CAP_USABLE_SIZE | AM_CAP_THREADS | AM_CAP_TEST_ONLY,
  .init = br_init,
  .malloc = br_malloc, .free = br_free, .calloc = br_calloc, .realloc = br_realloc,
  .aligned_alloc = br_aligned, .usable_size = br_usable,
  .colour = "#e377c2",
};
