/* harness/backends/jemalloc.c — jemalloc (Debian libjemalloc2, unprefixed build).
 * Linking it replaces malloc for the whole runner process; we call the standard
 * names, which resolve to jemalloc. Stats come from mallctl("stats.*") after an
 * epoch bump; the config string is the opt.* values that matter for speed/RSS. */
#include <jemalloc/jemalloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <stdio.h>
#include "../backend.h"

static const char *je_version(void) {
  const char *v = "unknown";
  size_t sz = sizeof v;
  if (mallctl("version", &v, &sz, NULL, 0) != 0) return "unknown";
  return v;
}

static const char *je_config(void) {
  static char buf[256];
  unsigned narenas = 0; bool tcache = false; ssize_t dirty = -1, muzzy = -1;
  const char *thp = "?";
  size_t su = sizeof narenas, sb = sizeof tcache, ss = sizeof dirty, sp = sizeof thp;
  mallctl("opt.narenas", &narenas, &su, NULL, 0);
  mallctl("opt.tcache", &tcache, &sb, NULL, 0);
  mallctl("opt.dirty_decay_ms", &dirty, &ss, NULL, 0);
  ss = sizeof muzzy;
  mallctl("opt.muzzy_decay_ms", &muzzy, &ss, NULL, 0);
  mallctl("opt.thp", &thp, &sp, NULL, 0);
  snprintf(buf, sizeof buf, "narenas=%u tcache=%s dirty_decay_ms=%zd muzzy_decay_ms=%zd thp=%s",
           narenas, tcache ? "true" : "false", dirty, muzzy, thp);
  return buf;
}

static int64_t je_stat(const char *name) {
  size_t v = 0, sz = sizeof v;
  return mallctl(name, &v, &sz, NULL, 0) == 0 ? (int64_t)v : -1;
}

static int je_stats(am_stats_t *s) {
  uint64_t epoch = 1;
  size_t sz = sizeof epoch;
  if (mallctl("epoch", &epoch, &sz, &epoch, sz) != 0) return -1; /* refresh the cached stats */
  s->allocated = je_stat("stats.allocated");
  s->active = je_stat("stats.active");
  s->resident = je_stat("stats.resident");
  s->mapped = je_stat("stats.mapped");
  return 0;
}

static void *je_aligned(size_t a, size_t n) { return aligned_alloc(a, n); }

/* jemalloc has no "owns": its per-thread byte counter must grow by a plain malloc. */
static void *(*volatile je_plain_malloc)(size_t) = malloc;
static int je_identity(char *why, size_t cap) {
  uint64_t before = 0, after = 0;
  size_t sz = sizeof before;
  if (mallctl("thread.allocated", &before, &sz, NULL, 0) != 0) return -1;
  void *p = je_plain_malloc(4096);
  sz = sizeof after;
  int e = mallctl("thread.allocated", &after, &sz, NULL, 0);
  free(p);
  if (e == 0 && after >= before + 4096) { snprintf(why, cap, "thread.allocated counts plain malloc()"); return 1; }
  snprintf(why, cap, "thread.allocated went %llu -> %llu over a plain malloc(4096)",
           (unsigned long long)before, (unsigned long long)after);
  return 0;
}
static size_t je_usable(void *p) { return malloc_usable_size(p); }
static void je_free_sized(void *p, size_t n) { sdallocx(p, n, 0); }

const am_backend_t am_backend_jemalloc = {
  .name = "jemalloc", .version = je_version, .config = je_config,
  .caps = AM_CAPS_FULL_ALLOCATOR,
  .malloc = malloc, .free = free, .calloc = calloc, .realloc = realloc,
  .aligned_alloc = je_aligned, .usable_size = je_usable, .free_sized = je_free_sized,
  .stats = je_stats,
  .colour = "#1f77b4", .malloc_from = "libjemalloc", .identity = je_identity,
};
