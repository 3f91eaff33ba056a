/* harness/backends/mimalloc.c — mimalloc (Debian libmimalloc2.0, built to override malloc).
 * Linking it replaces malloc for the whole runner process. Version from mi_version(),
 * stats from mi_process_info() (RSS and committed bytes as mimalloc sees them).
 *
 * Known upstream bug: up to 2.0.9 (Debian bookworm), mi_malloc_aligned — and so
 * aligned_alloc — returns misaligned blocks for n <= 1 KiB with alignments 256..1024
 * (microsoft/mimalloc#700, fixed upstream in 2023). On those versions this backend
 * allocates aligned blocks with mi_malloc_aligned_at(n, a, 0), which takes the correct
 * path, and says so in its config string, so results stay comparable and honest. */
#include <mimalloc.h>
#include <stdio.h>
#include <stdlib.h>
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
  .stats = mi_be_stats,
  .colour = "#2ca02c", .malloc_from = "libmimalloc", .identity = mi_be_identity,
};
