/* harness/backends/system.c — glibc malloc, the reference every result is compared to.
 * Its runner links no other allocator, so the process's malloc is glibc's own.
 * Config: the GLIBC_TUNABLES in force ("default" when unset). */
#include <gnu/libc-version.h>
#include <malloc.h>
#include <stdlib.h>
#include "../backend.h"

static const char *sys_version(void) { return gnu_get_libc_version(); }

static const char *sys_config(void) {
  const char *t = getenv("GLIBC_TUNABLES");
  return (t != NULL && *t != '\0') ? t : "default";
}

static int sys_stats(am_stats_t *s) {
  struct mallinfo2 mi = mallinfo2(); /* main arena only for arena/uordblks; mmapped: all */
  s->allocated = (int64_t)(mi.uordblks + mi.hblkhd);
  s->mapped = (int64_t)(mi.arena + mi.hblkhd);
  return 0;
}

/* posix_memalign rather than aligned_alloc: the same glibc code path, but sanitizer
 * builds reject aligned_alloc sizes that are not a multiple of the alignment. */
static void *sys_aligned(size_t a, size_t n) {
  void *p = NULL;
  return posix_memalign(&p, a, n) == 0 ? p : NULL;
}
static size_t sys_usable(void *p) { return malloc_usable_size(p); }

const am_backend_t am_backend_system = {
  .name = "system", .version = sys_version, .config = sys_config,
  .caps = AM_CAP_USABLE_SIZE | AM_CAP_STATS | AM_CAP_THREADS | AM_CAP_OVERRIDES | AM_CAP_REAL_FREE,
  .malloc = malloc, .free = free, .calloc = calloc, .realloc = realloc,
  .aligned_alloc = sys_aligned, .usable_size = sys_usable, .stats = sys_stats,
  .colour = "#4d4d4d",
};
