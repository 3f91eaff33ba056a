/* harness/backends/pagepool.c — pagepool, allocmark's own allocator (allocator/).
 * The runner links the drop-in build/libpagepool.so, so the whole process's malloc is
 * pagepool; this table calls the pp_* API directly. Config: pp_config_string(). */
#include <stdio.h>
#include <string.h>
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

/* A variant's PAGEPOOL_* knob, read back from pp_config_string, which names each knob in
 * force as key=value (pagepool keeps its default for a value it cannot parse, so a mismatch
 * means the knob was not taken). Knobs this list does not name (LEAKS, DUMP, REGION, the
 * research switches) are left to the generic check. */
static const char *const pp_be_knobs[][2] = {
  { "PAGEPOOL_CLASSES", "classes" }, { "PAGEPOOL_POOLS", "pools" }, { "PAGEPOOL_RETURN", "return" },
  { "PAGEPOOL_LOOKUP", "lookup" },   { "PAGEPOOL_SITES", "sites" },     { "PAGEPOOL_DECAY", "decay" },
  { "PAGEPOOL_HEAP_SPANS", "heap_spans" },
};

static int pp_be_env_check(const char *var, const char *value, char *got, size_t cap) {
  const char *key = NULL;
  for (size_t i = 0; i < sizeof pp_be_knobs / sizeof pp_be_knobs[0]; i++)
    if (strcmp(var, pp_be_knobs[i][0]) == 0) key = pp_be_knobs[i][1];
  if (key == NULL) return -1;
  const char *cfg = pp_config_string(), *t = cfg; /* "classes=fit pools=64 ..." */
  size_t n = strlen(key);
  while (t != NULL && !(strncmp(t, key, n) == 0 && t[n] == '=')) {
    t = strchr(t, ' ');
    if (t != NULL) t++;
  }
  if (t == NULL) return -1;
  t += n + 1;
  size_t len = strcspn(t, " ");
  if (strlen(value) != len || strncmp(t, value, len) != 0)
    return snprintf(got, cap, "pagepool holds %s=%.*s, not %s", var + 9, (int)len, t, value), 0;
  return snprintf(got, cap, "pp_config_string: %s", cfg), 1;
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
  .env_check = pp_be_env_check, .stats = pp_be_stats,
  .colour = "#ff7f0e", .malloc_from = "libpagepool", .identity = pp_be_identity, .dump = pp_be_dump,
};
