/* harness/backends/mimalloc.c — mimalloc (Debian libmimalloc2.0, built to override malloc).
 * Linking it replaces malloc for the whole runner process. Version from mi_version(),
 * stats from mi_process_info() (RSS and committed bytes as mimalloc sees them).
 *
 * Known upstream bug: up to 2.0.9 (Debian bookworm), mi_malloc_aligned — and so
 * aligned_alloc — returns misaligned blocks for n <= 1 KiB with alignments 256..1024
 * (microsoft/mimalloc#700, fixed upstream in 2023). On those versions this backend
 * allocates aligned blocks with mi_malloc_aligned_at(n, a, 0), which takes the correct
 * path, and says so in its config string, so results stay comparable and honest.
 * A variant's MIMALLOC_* variables are read back with mi_option_get. */
#include <mimalloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../backend.h"

static const char *mi_be_version(void) {
  static char buf[32];
  int v = mi_version(); /* e.g. 209 for 2.0.9 */
  snprintf(buf, sizeof buf, "%d.%d.%d", v / 100, (v / 10) % 10, v % 10);
  return buf;
}

#define MI_BE_BUG700_FIXED 210 /* first mi_version() without microsoft/mimalloc#700 */

static const char *mi_be_config(void) {
  static char buf[256];
  snprintf(buf, sizeof buf, "eager_commit=%ld large_os_pages=%ld decommit_delay=%ld allow_decommit=%ld%s",
           mi_option_get(mi_option_eager_commit), mi_option_get(mi_option_large_os_pages),
           mi_option_get(mi_option_decommit_delay), mi_option_get(mi_option_allow_decommit),
           mi_version() < MI_BE_BUG700_FIXED ? " aligned=mi_malloc_aligned_at(mimalloc#700 workaround)" : "");
  return buf;
}

static int mi_be_stats(am_stats_t *s) {
  size_t elapsed, user, sys, rss, peak_rss, commit, peak_commit, faults;
  mi_process_info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
  s->resident = (int64_t)rss;
  s->mapped = (int64_t)commit;
  return 0;
}

/* mimalloc's options as its environment names them (MIMALLOC_<NAME>, any case), for the
 * version this builds against (2.0.9; newer ones renamed decommit_* to purge_*). */
static const struct { const char *name; mi_option_t opt; } mi_be_options[] = {
  {"show_errors", mi_option_show_errors}, {"show_stats", mi_option_show_stats},
  {"verbose", mi_option_verbose}, {"eager_commit", mi_option_eager_commit},
  {"large_os_pages", mi_option_large_os_pages},
  {"reserve_huge_os_pages", mi_option_reserve_huge_os_pages},
  {"reserve_huge_os_pages_at", mi_option_reserve_huge_os_pages_at},
  {"reserve_os_memory", mi_option_reserve_os_memory}, {"page_reset", mi_option_page_reset},
  {"abandoned_page_decommit", mi_option_abandoned_page_decommit},
  {"eager_commit_delay", mi_option_eager_commit_delay}, {"decommit_delay", mi_option_decommit_delay},
  {"use_numa_nodes", mi_option_use_numa_nodes}, {"limit_os_alloc", mi_option_limit_os_alloc},
  {"os_tag", mi_option_os_tag}, {"max_errors", mi_option_max_errors},
  {"max_warnings", mi_option_max_warnings}, {"max_segment_reclaim", mi_option_max_segment_reclaim},
  {"allow_decommit", mi_option_allow_decommit},
  {"segment_decommit_delay", mi_option_segment_decommit_delay},
  {"decommit_extend_delay", mi_option_decommit_extend_delay},
  {"destroy_on_exit", mi_option_destroy_on_exit},
};

/* MIMALLOC_<NAME>=value: NAME must be one of its options and mi_option_get must give the
 * value (mimalloc reads 1/true/yes/on and 0/false/no/off as booleans, else a number). */
static int mi_be_env_check(const char *var, const char *value, char *got, size_t cap) {
  if (strncmp(var, "MIMALLOC_", 9) != 0) return -1;
  const char *name = var + 9;
  for (size_t i = 0; i < sizeof mi_be_options / sizeof *mi_be_options; i++) {
    if (strcasecmp(name, mi_be_options[i].name) != 0) continue;
    long have = mi_option_get(mi_be_options[i].opt), want;
    char *end;
    if (!strcasecmp(value, "true") || !strcasecmp(value, "yes") || !strcasecmp(value, "on")) want = 1;
    else if (!strcasecmp(value, "false") || !strcasecmp(value, "no") || !strcasecmp(value, "off")) want = 0;
    else if ((want = strtol(value, &end, 10)), *end != '\0' || value[0] == '\0')
      return snprintf(got, cap, "mimalloc takes a number or a boolean; it holds %s=%ld", mi_be_options[i].name, have), 0;
    if (have != want) return snprintf(got, cap, "mimalloc holds %s=%ld, not %ld", mi_be_options[i].name, have, want), 0;
    return snprintf(got, cap, "mi_option_get(%s)=%ld", mi_be_options[i].name, have), 1;
  }
  return snprintf(got, cap, "mimalloc %s has no option '%s'", mi_be_version(), name), 0;
}

/* Only these two differ from the table's signatures: argument order and a const. */
static void *mi_be_aligned(size_t a, size_t n) {
  return mi_version() < MI_BE_BUG700_FIXED ? mi_malloc_aligned_at(n, a, 0) : mi_malloc_aligned(n, a);
}
static size_t mi_be_usable(void *p) { return mi_usable_size(p); }

/* Identity proof: mi_is_in_heap_region says mimalloc owns a plain malloc() block and not a stack address. */
static void *(*volatile mi_be_plain_malloc)(size_t) = malloc;
static int mi_be_identity(char *why, size_t cap) {
  int on_stack = 0;
  void *p = mi_be_plain_malloc(100);
  int mine = mi_is_in_heap_region(p), stack = mi_is_in_heap_region(&on_stack);
  free(p);
  snprintf(why, cap, mine && !stack ? "owns plain malloc() blocks"
                     : !mine ? "does not own a block from plain malloc()"
                     : "claims a stack address: its introspection proves nothing");
  return mine && !stack;
}


const am_backend_t am_backend_mimalloc = {
  .name = "mimalloc", .version = mi_be_version, .config = mi_be_config,
  .caps = AM_CAPS_FULL_ALLOCATOR,
  .malloc = mi_malloc, .free = mi_free, .calloc = mi_calloc, .realloc = mi_realloc,
  .aligned_alloc = mi_be_aligned, .usable_size = mi_be_usable, .free_sized = mi_free_size,
  .env_check = mi_be_env_check, .stats = mi_be_stats,
  .colour = "#2ca02c", .malloc_from = "libmimalloc", .identity = mi_be_identity,
};
