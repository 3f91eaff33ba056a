/* allocator/src/leak.c — leak report: live blocks by size class, and top allocation sites.
 *
 * Counts come from the pools' used counters (plus the large-path counters). With call-site
 * tracking (PAGEPOOL_SITES=1) each pool keeps the return address of every block's
 * allocation, and large blocks are tallied per site in a small table; the report finds the
 * live blocks of each pool (those on neither the free nor the remote list; the calling
 * thread's and abandoned heaps' allocation lists are returned to the pools first), groups them by
 * site with the large tallies and prints the top sites, symbolized with dladdr.
 * Like pp_check, it reads other threads' lists: call it while they do not allocate (the
 * drop-in calls it at exit with PAGEPOOL_LEAKS=1).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include "pp_internal.h"

#define PP_SITE_SLOTS 1024 /* per table; a full table folds new sites into slot "other" */
#define PP_TOP_SITES 10

typedef struct pp_site_s {
  uintptr_t site;
  int64_t count, bytes;
} pp_site_t;

pthread_mutex_t pp_i_site_lock = PTHREAD_MUTEX_INITIALIZER;
static pp_site_t pp_large_sites[PP_SITE_SLOTS]; /* under pp_i_site_lock */
static pp_site_t pp_agg[PP_SITE_SLOTS];         /* report scratch, under pp_i_lock */

static pp_site_t *pp_site_slot(pp_site_t *t, uintptr_t site) {
  size_t i = (size_t)((site >> 4) * 0x9E3779B97F4A7C15ull >> 54) % PP_SITE_SLOTS;
  for (size_t probe = 0; probe < PP_SITE_SLOTS; probe++, i = (i + 1) % PP_SITE_SLOTS) {
    if (t[i].site == site) return &t[i];
    if (t[i].site == 0 && t[i].count == 0) {
      t[i].site = site;
      return &t[i];
    }
  }
  return &t[0]; /* full: lumped together */
}

void pp_i_large_site(uintptr_t site, int64_t bytes, int add) {
  pthread_mutex_lock(&pp_i_site_lock);
  pp_site_t *s = pp_site_slot(pp_large_sites, site);
  s->count += add ? 1 : -1;
  s->bytes += add ? bytes : -bytes;
  pthread_mutex_unlock(&pp_i_site_lock);
}

/* Add the live blocks of pl to the site table. */
static void pp_pool_sites(pp_pool_t *pl) {
  uint64_t freed[PP_BLOCKS_MAX / 64] = {0};
  pp_pool_cold_t *c = pp_i_cold(pl);
  size_t size = PP_LD(c->size);
  void *lists[2] = { pl->free, atomic_load(&c->remote) };
  for (int l = 0; l < 2; l++)
    for (void *b = lists[l]; b != NULL; b = *(void **)b) {
      unsigned i = (unsigned)(((uintptr_t)b - c->base) / size);
      if (i >= PP_BLOCKS_MAX) break;
      freed[i / 64] |= (uint64_t)1 << (i % 64);
    }
  for (unsigned i = 0; i < pp_i_cap(pl); i++) {
    if (freed[i / 64] & ((uint64_t)1 << (i % 64))) continue;
    uintptr_t off = (uintptr_t)i * size;
    pp_site_t *s = pp_site_slot(pp_agg, c->sites ? c->sites[off / PP_MIN_BLOCK] : 0);
    s->count++;
    s->bytes += (int64_t)size;
  }
}

static void pp_print_site(FILE *out, const pp_site_t *s) {
  Dl_info info;
  fprintf(out, "  %10lld %12lld  %#lx", (long long)s->count, (long long)s->bytes, (unsigned long)s->site);
  if (s->site != 0 && dladdr((void *)s->site, &info) != 0) {
    if (info.dli_sname != NULL)
      fprintf(out, " %s+%#lx", info.dli_sname, (unsigned long)(s->site - (uintptr_t)info.dli_saddr));
    if (info.dli_fname != NULL) fprintf(out, " (%s)", info.dli_fname);
  } else if (s->site == 0) {
    fprintf(out, " (unknown)");
  }
  fputc('\n', out);
}

void pp_leak_report(FILE *out) {
  if (out == NULL) return;
  uint64_t cnt[PP_MAX_CLASSES] = {0};
  uint64_t large_n, large_b;
  pp_site_t top[PP_TOP_SITES];
  unsigned ntop = 0;
  int tracking = 0, started = atomic_load(&pp_i_started);
  if (started) pp_i_drain_all();
  pthread_mutex_lock(&pp_i_lock);
  pp_i_large_totals(&large_n, &large_b);
  if (started) {
    tracking = pp_i_g.track_sites;
    if (tracking) memset(pp_agg, 0, sizeof pp_agg);
    for (pp_page_t *pg = pp_i_w.all_pages; pg != NULL; pg = pg->all_next) {
      if (PP_LD(pg->state) != PP_PAGE_ACTIVE) continue;
      for (unsigned i = 0; i < pp_i_g.pools; i++) {
        pp_pool_t *pl = &pg->pools[i];
        unsigned c = PP_LD(pl->cls);
        if (c == PP_NO_CLASS || PP_LD(pl->used) == 0) continue;
        cnt[c] += PP_LD(pl->used);
        if (tracking) pp_pool_sites(pl);
      }
    }
    if (tracking) {
      pthread_mutex_lock(&pp_i_site_lock);
      for (unsigned i = 0; i < PP_SITE_SLOTS; i++) {
        if (pp_large_sites[i].count <= 0) continue;
        pp_site_t *s = pp_site_slot(pp_agg, pp_large_sites[i].site);
        s->count += pp_large_sites[i].count;
        s->bytes += pp_large_sites[i].bytes;
      }
      pthread_mutex_unlock(&pp_i_site_lock);
      for (unsigned i = 0; i < PP_SITE_SLOTS; i++) { /* insertion into the top list by bytes */
        if (pp_agg[i].count <= 0) continue;
        unsigned j = ntop < PP_TOP_SITES ? ntop++ : PP_TOP_SITES;
        while (j > 0 && top[j - 1].bytes < pp_agg[i].bytes) {
          if (j < PP_TOP_SITES) top[j] = top[j - 1];
          j--;
        }
        if (j < PP_TOP_SITES) top[j] = pp_agg[i];
      }
    }
  }
  pthread_mutex_unlock(&pp_i_lock);
  uint64_t tot_n = large_n, tot_b = large_b;
  for (unsigned c = 0; c < pp_i_g.nclasses; c++) {
    tot_n += cnt[c];
    tot_b += cnt[c] * pp_i_g.class_size[c];
  }
  fprintf(out, "pagepool leak report: %llu live blocks, %llu bytes\n", (unsigned long long)tot_n,
          (unsigned long long)tot_b);
  fprintf(out, "  %-8s %8s %10s %12s\n", "class", "size", "blocks", "bytes");
  for (unsigned c = 0; c < pp_i_g.nclasses; c++)
    if (cnt[c] != 0)
      fprintf(out, "  %-8u %8u %10llu %12llu\n", c, pp_i_g.class_size[c], (unsigned long long)cnt[c],
              (unsigned long long)(cnt[c] * pp_i_g.class_size[c]));
  if (large_n != 0)
    fprintf(out, "  %-8s %8s %10llu %12llu\n", "large", ">4096", (unsigned long long)large_n,
            (unsigned long long)large_b);
  if (!tracking) {
    fprintf(out, "allocation sites: not tracked (PAGEPOOL_SITES=1 to record them)\n");
    return;
  }
  fprintf(out, "top allocation sites (by bytes):\n  %10s %12s  %s\n", "blocks", "bytes", "site");
  for (unsigned i = 0; i < ntop; i++) pp_print_site(out, &top[i]);
}
