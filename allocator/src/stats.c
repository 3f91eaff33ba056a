/* allocator/src/stats.c — pp_stats(): the allocator's own account of its memory.
 *
 * Pending remote frees into live threads' heaps (and those still in other live threads'
 * batches) count as allocated until their owner drains them; the calling thread's heap
 * and abandoned heaps are drained first.
 */
#include <string.h>
#include "pp_internal.h"

int pp_stats(pp_stats_t *out) {
  if (out == NULL) return PP_EINVAL;
  memset(out, 0, sizeof *out);
  if (atomic_load(&pp_i_started)) pp_i_drain_all();
  pthread_mutex_lock(&pp_i_lock);
  pp_i_large_totals(&out->large_blocks, &out->large_bytes);
  out->allocated_bytes = out->large_bytes;
  out->mapped_bytes = out->large_bytes;
  if (!atomic_load(&pp_i_started)) {
    pthread_mutex_unlock(&pp_i_lock);
    return PP_OK;
  }
  for (pp_page_t *pg = pp_i_w.all_pages; pg != NULL; pg = pg->all_next) {
    if (PP_LD(pg->state) != PP_PAGE_ACTIVE) continue;
    for (unsigned i = 0; i < pp_i_g.pools; i++) {
      uint32_t used = PP_LD(pg->pools[i].used);
      out->allocated_bytes += (uint64_t)used * PP_LD(pg->cold[i].size);
      if (used != 0) out->active_bytes += pp_i_pool_bytes(&pg->pools[i]); /* its run */
    }
  }
  out->pages = pp_i_w.tree.count;
  out->free_pages = pp_i_w.free_count;
  out->released_bytes = (uint64_t)pp_i_w.released_count * pp_i_g.page_size;
  out->mapped_bytes += (uint64_t)pp_i_w.page_count * pp_i_g.page_size - out->released_bytes +
                       pp_i_w.meta_bytes;
  out->heaps = pp_i_w.heap_count;
  pthread_mutex_unlock(&pp_i_lock);
  return PP_OK;
}
