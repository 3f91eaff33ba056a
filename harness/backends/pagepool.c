/* harness/backends/pagepool.c — pagepool, allocmark's own allocator (allocator/).
 * The runner links the drop-in build/libpagepool.so, so the whole process's malloc is
 * pagepool; this table calls the pp_* API directly. Config: pp_config_string(). */
#include <pagepool.h>
#include "../backend.h"

static int pp_be_stats(am_stats_t *s) {
  pp_stats_t st;
  if (pp_stats(&st) != 0) return -1;
  s->allocated = (int64_t)st.allocated_bytes;
  s->active = (int64_t)st.active_bytes;
  s->mapped = (int64_t)st.mapped_bytes;
  return 0;
}

static size_t pp_be_usable(void *p) { return pp_usable_size(p); }

const am_backend_t am_backend_pagepool = {
  .name = "pagepool", .version = pp_version, .config = pp_config_string,
  .caps = AM_CAPS_FULL_ALLOCATOR,
  .malloc = pp_malloc, .free = pp_free, .calloc = pp_calloc, .realloc = pp_realloc,
  .aligned_alloc = pp_aligned_alloc, .usable_size = pp_be_usable, .free_sized = pp_free_sized,
  .stats = pp_be_stats,
};
