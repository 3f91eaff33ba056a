/* harness/backends/tcmalloc.c — gperftools tcmalloc (Debian libtcmalloc-minimal4: the
 * allocator without the heap profiler, as allocator benchmarks usually run it).
 * Linking it replaces malloc for the whole runner process. Version from tc_version(),
 * stats from MallocExtension_GetNumericProperty(). */
#include <gperftools/malloc_extension_c.h>
#include <gperftools/tcmalloc.h>
#include <stdio.h>
#include <stdlib.h>
#include "../backend.h"

static const char *tc_be_version(void) {
  static char buf[32];
  int major = 0, minor = 0; const char *patch = "";
  tc_version(&major, &minor, &patch);
  snprintf(buf, sizeof buf, "%d.%d%s", major, minor, patch ? patch : "");
  return buf;
}

static int64_t tc_prop(const char *name) {
  size_t v = 0;
  return MallocExtension_GetNumericProperty(name, &v) ? (int64_t)v : -1;
}

static const char *tc_be_config(void) {
  static char buf[128];
  snprintf(buf, sizeof buf, "max_total_thread_cache_bytes=%lld",
           (long long)tc_prop("tcmalloc.max_total_thread_cache_bytes"));
  return buf;
}

static int tc_be_stats(am_stats_t *s) {
  int64_t heap = tc_prop("generic.heap_size");
  int64_t unmapped = tc_prop("tcmalloc.pageheap_unmapped_bytes");
  s->allocated = tc_prop("generic.current_allocated_bytes");
  s->mapped = heap;
  s->resident = (heap >= 0 && unmapped >= 0) ? heap - unmapped : -1;
  return 0;
}

/* Identity proof: MallocExtension_GetOwnership says tcmalloc owns a plain malloc() block and not a stack address. */
static void *(*volatile tc_be_plain_malloc)(size_t) = malloc;
static int tc_be_identity(char *why, size_t cap) {
  int on_stack = 0;
  void *p = tc_be_plain_malloc(100);
  int mine = MallocExtension_GetOwnership(p) == MallocExtension_kOwned, stack = MallocExtension_GetOwnership(&on_stack) == MallocExtension_kOwned;
  free(p);
  snprintf(why, cap, mine && !stack ? "owns plain malloc() blocks"
                     : !mine ? "does not own a block from plain malloc()"
                     : "claims a stack address: its introspection proves nothing");
  return mine && !stack;
}

const am_backend_t am_backend_tcmalloc = {
  .name = "tcmalloc", .version = tc_be_version, .config = tc_be_config,
  .caps = AM_CAPS_FULL_ALLOCATOR,
  /* tc_* have the table's exact signatures (tc_memalign takes alignment first). */
  .malloc = tc_malloc, .free = tc_free, .calloc = tc_calloc, .realloc = tc_realloc,
  .aligned_alloc = tc_memalign, .usable_size = tc_malloc_size, .free_sized = tc_free_sized,
  .stats = tc_be_stats,
  .colour = "#9467bd", .malloc_from = "libtcmalloc", .identity = tc_be_identity,
};
