/* harness/backends/tcmalloc.c — gperftools tcmalloc (Debian libtcmalloc-minimal4: the
 * allocator without the heap profiler, as allocator benchmarks usually run it).
 * Linking it replaces malloc for the whole runner process. Version from tc_version(),
 * stats from MallocExtension_GetNumericProperty(). A variant's TCMALLOC_* variables are
 * read back from its properties and its release rate where gperftools reports them. */
#include <gperftools/malloc_extension_c.h>
#include <gperftools/tcmalloc.h>
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
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

/* gperftools' variables whose value it reports: a numeric property each, and the release
 * rate, which only its C++ MallocExtension returns: TCMallocImplementation's method,
 * called on MallocExtension::instance() through their exported (Itanium-mangled) names. */
static const struct { const char *var, *prop; } tc_be_props[] = {
  {"TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES", "tcmalloc.max_total_thread_cache_bytes"},
  {"TCMALLOC_AGGRESSIVE_DECOMMIT", "tcmalloc.aggressive_memory_decommit"},
  {"TCMALLOC_HEAP_LIMIT_MB", "tcmalloc.heap_limit_mb"},
};
static int tc_be_release_rate(double *out) {
  void *inst = dlsym(RTLD_DEFAULT, "_ZN15MallocExtension8instanceEv");
  void *get = dlsym(RTLD_DEFAULT, "_ZN22TCMallocImplementation20GetMemoryReleaseRateEv");
  void *(*instance)(void);
  double (*rate)(void *self);
  if (inst == NULL || get == NULL) return -1;
  memcpy(&instance, &inst, sizeof inst);
  memcpy(&rate, &get, sizeof get);
  *out = rate(instance());
  return 0;
}

static int tc_be_env_check(const char *var, const char *value, char *got, size_t cap) {
  char *end;
  if (strcmp(var, "TCMALLOC_RELEASE_RATE") == 0) {
    double want = strtod(value, &end), have;
    if (tc_be_release_rate(&have) != 0) return -1;
    if (*end != '\0' || value[0] == '\0' || have != want)
      return snprintf(got, cap, "tcmalloc holds release rate %g, not %s", have, value), 0;
    return snprintf(got, cap, "GetMemoryReleaseRate()=%g", have), 1;
  }
  for (size_t i = 0; i < sizeof tc_be_props / sizeof *tc_be_props; i++) {
    if (strcmp(var, tc_be_props[i].var) != 0) continue;
    long long have = tc_prop(tc_be_props[i].prop), want = strtoll(value, &end, 10);
    if (have < 0) return -1;
    if (*end != '\0' || value[0] == '\0' || have != want)
      return snprintf(got, cap, "tcmalloc holds %s=%lld, not %s", tc_be_props[i].prop, have, value), 0;
    return snprintf(got, cap, "%s=%lld", tc_be_props[i].prop, have), 1;
  }
  return -1;
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
  .env_check = tc_be_env_check, .stats = tc_be_stats,
  .colour = "#9467bd", .malloc_from = "libtcmalloc", .identity = tc_be_identity,
};
