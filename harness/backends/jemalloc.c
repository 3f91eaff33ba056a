/* harness/backends/jemalloc.c — jemalloc (Debian libjemalloc2, unprefixed build).
 * Linking it replaces malloc for the whole runner process; we call the standard
 * names, which resolve to jemalloc. Stats come from mallctl("stats.*") after an
 * epoch bump; the config string is the opt.* values that matter for speed/RSS.
 * A variant's MALLOC_CONF is read back key by key from mallctl("opt.<key>"). */
#include <jemalloc/jemalloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* One opt.KEY as text: its type is found from the size mallctl accepts (bool, unsigned,
 * or 8 bytes: a number, or a string for the few string options). 0, or -1: no such opt. */
static int je_opt_text(const char *key, const char *want, char *out, size_t cap) {
  static const char *const strings[] = {"dss", "metadata_thp", "thp", "percpu_arena", "junk",
                                        "zero_realloc", "stats_print_opts", "stats_interval_opts",
                                        "prof_prefix", NULL};
  char name[96];
  snprintf(name, sizeof name, "opt.%s", key);
  bool b; unsigned u; int64_t i8; const char *str;
  size_t sz = sizeof b;
  if (mallctl(name, &b, &sz, NULL, 0) == 0) return snprintf(out, cap, "%s", b ? "true" : "false"), 0;
  sz = sizeof u;
  if (mallctl(name, &u, &sz, NULL, 0) == 0) return snprintf(out, cap, "%u", u), 0;
  int is_str = 0;
  for (size_t k = 0; strings[k] != NULL; k++) is_str |= strcmp(strings[k], key) == 0;
  sz = sizeof i8;
  if (!is_str && mallctl(name, &i8, &sz, NULL, 0) == 0) {
    char *end;
    unsigned long long w = strtoull(want, &end, 10);
    /* size_t and ssize_t share 8 bytes: print the one the wanted value is written as */
    if (want[0] != '-' && *end == '\0' && (uint64_t)i8 == w) return snprintf(out, cap, "%llu", w), 0;
    return snprintf(out, cap, "%lld", (long long)i8), 0;
  }
  sz = sizeof str;
  if (is_str && mallctl(name, &str, &sz, NULL, 0) == 0) return snprintf(out, cap, "%s", str ? str : ""), 0;
  return -1;
}

/* MALLOC_CONF=k:v,k:v — every k must be an opt.* jemalloc knows and hold v. */
static int je_env_check(const char *var, const char *value, char *got, size_t cap) {
  if (strcmp(var, "MALLOC_CONF") != 0) return -1;
  char conf[512];
  snprintf(conf, sizeof conf, "%s", value);
  size_t o = 0;
  got[0] = '\0';
  for (char *save = NULL, *kv = strtok_r(conf, ",", &save); kv != NULL; kv = strtok_r(NULL, ",", &save)) {
    char *colon = strchr(kv, ':'), held[128];
    if (colon == NULL) return snprintf(got, cap, "'%s' is not key:value", kv), 0;
    *colon = '\0';
    if (je_opt_text(kv, colon + 1, held, sizeof held) != 0)
      return snprintf(got, cap, "jemalloc has no option '%s' (mallctl opt.%s: no such name)", kv, kv), 0;
    char *end;
    long long w = strtoll(colon + 1, &end, 10), h = strtoll(held, NULL, 10);
    int same = strcmp(held, colon + 1) == 0 || (*end == '\0' && colon[1] != '\0' && w == h);
    if (!same) return snprintf(got, cap, "jemalloc holds opt.%s=%s, not %s", kv, held, colon + 1), 0;
    o += (size_t)snprintf(got + o, o < cap ? cap - o : 0, "%sopt.%s=%s", o ? " " : "", kv, held);
  }
  return 1;
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
  .env_check = je_env_check, .stats = je_stats,
  .colour = "#1f77b4", .malloc_from = "libjemalloc", .identity = je_identity,
};
