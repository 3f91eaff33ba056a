/* harness/backends/pagepool.c — pagepool, allocmark's own allocator (allocator/).
 * The runner links the drop-in build/libpagepool.so, so the whole process's malloc is
 * pagepool; this table calls the pp_* API directly. Config: pp_config_string(). */
#include <pagepool.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Identity proof: pp_owns says pagepool owns a plain malloc() block and not a stack address. */
static void *(*volatile pp_be_plain_malloc)(size_t) = malloc;
static int pp_be_identity(char *why, size_t cap) {
  int on_stack = 0;
  void *p = pp_be_plain_malloc(100);
  int mine = pp_owns(p) == 1, stack = pp_owns(&on_stack) == 1;
  free(p);
  snprintf(why, cap, mine && !stack ? "owns plain malloc() blocks"
                     : !mine ? "does not own a block from plain malloc()"
                     : "claims a stack address: its introspection proves nothing");
  return mine && !stack;
}

/* The page/pool map (pp_dump_json, format in allocator/README.md) for the heat map. */
static int pp_be_dump(const char *path) {
  FILE *f = fopen(path, "w");
  if (f == NULL) return -1;
  int rc = pp_dump_json(f);
  return (fclose(f) == 0 && rc == 0) ? 0 : -1;
}

const am_backend_t am_backend_pagepool = {
  .name = "pagepool", .version = pp_version, .config = pp_config_string,
  .caps = AM_CAPS_FULL_ALLOCATOR,
  .malloc = pp_malloc, .free = pp_free, .calloc = pp_calloc, .realloc = pp_realloc,
  .aligned_alloc = pp_aligned_alloc, .usable_size = pp_be_usable, .free_sized = pp_free_sized,
  .stats = pp_be_stats,
  .colour = "#ff7f0e", .malloc_from = "libpagepool", .identity = pp_be_identity, .dump = pp_be_dump,
};
