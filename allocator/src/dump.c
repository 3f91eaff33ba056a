/* allocator/src/dump.c — pp_dump_json() (page/pool map) and pp_dump_tree() (tree text).
 *
 * The JSON format is documented in allocator/README.md ("Dump format"); scripts/
 * pp_dump_tsv.sh turns it into the table plots/pagepool_heatmap.gp draws. Active pages are
 * listed in address order (an in-order walk of the tree), free pages in free-list order.
 * The calling thread's heap and abandoned heaps are drained (and their allocation lists
 * returned to the pools) first, so "used" is exact for them; other live threads' pending
 * remote frees and allocation lists still count as used.
 */
#include <stdio.h>
#include "pp_internal.h"

static void pp_dump_page(FILE *out, pp_page_t *pg, int first) {
  pp_heap_t *owner = PP_LD(pg->owner);
  fprintf(out, "%s\n    {\"address\": \"%#lx\", \"heap\": %u, \"used_pools\": %u, \"pools\": [",
          first ? "" : ",", (unsigned long)pg->base, owner ? owner->id : 0u, (unsigned)PP_LD(pg->used_pools));
  for (unsigned i = 0; i < pp_i_g.pools; i++) {
    unsigned head = PP_LD(pg->pool_head[i]); /* a later pool of a run shows its run */
    pp_pool_t *pl = &pg->pools[head];
    unsigned cls = PP_LD(pl->cls);
    const char *sep = i ? ",\n      " : "\n      ";
    if (cls == PP_NO_CLASS) {
      fprintf(out, "%s{\"index\": %u, \"class\": null, \"block_size\": 0, \"capacity\": 0, \"used\": 0, \"free\": 0}",
              sep, i);
    } else {
      unsigned used = PP_LD(pl->used);
      fprintf(out, "%s{\"index\": %u, \"class\": %u, \"block_size\": %u, \"capacity\": %u, \"used\": %u, \"free\": %u, "
              "\"run\": [%u, %u]}",
              sep, i, cls, (unsigned)PP_LD(pg->cold[head].size), pp_i_cap(pl), used, pp_i_cap(pl) - used, head,
              (unsigned)pp_i_g.class_pools[cls]);
    }
  }
  fprintf(out, "\n    ]}");
}

int pp_dump_json(FILE *out) {
  if (out == NULL) return PP_EINVAL;
  pp_i_init();
  pp_i_drain_all();
  const char *cfg = pp_config_string();
  pthread_mutex_lock(&pp_i_lock);
  fprintf(out, "{\n  \"allocator\": \"pagepool\",\n  \"version\": \"%s\",\n  \"config\": \"%s\",\n",
          pp_version(), cfg);
  fprintf(out, "  \"pool_size\": %zu,\n  \"pools_per_page\": %u,\n  \"page_size\": %zu,\n", PP_POOL_SIZE,
          pp_i_g.pools, pp_i_g.page_size);
  fprintf(out, "  \"classes\": [");
  for (unsigned c = 0; c < pp_i_g.nclasses; c++) fprintf(out, "%s%u", c ? ", " : "", pp_i_g.class_size[c]);
  fprintf(out, "],\n  \"tree\": {\"pages\": %zu, \"depth\": %u},\n  \"pages\": [", pp_i_w.tree.count,
          pp_rb_depth(&pp_i_w.tree));
  int first = 1;
  for (pp_rb_node_t *n = pp_rb_first(&pp_i_w.tree); n != NULL; n = pp_rb_next(n), first = 0)
    pp_dump_page(out, (pp_page_t *)((char *)n - offsetof(pp_page_t, node)), first);
  fprintf(out, "%s],\n  \"free_pages\": [", first ? "" : "\n  ");
  first = 1;
  for (pp_page_t *pg = pp_i_w.free_head; pg != NULL; pg = pg->next, first = 0)
    fprintf(out, "%s\n    {\"address\": \"%#lx\", \"released\": %s}", first ? "" : ",",
            (unsigned long)pg->base, pg->released ? "true" : "false");
  fprintf(out, "%s],\n", first ? "" : "\n  ");
  uint64_t large_n, large_b;
  pp_i_large_totals(&large_n, &large_b);
  fprintf(out, "  \"large\": {\"blocks\": %llu, \"bytes\": %llu}\n}\n", (unsigned long long)large_n,
          (unsigned long long)large_b);
  pthread_mutex_unlock(&pp_i_lock);
  return ferror(out) ? PP_EINVAL : PP_OK;
}

void pp_dump_tree(FILE *out) {
  if (out == NULL) return;
  pthread_mutex_lock(&pp_i_lock);
  fprintf(out, "pagepool page tree: %zu pages, depth %u\n", pp_i_w.tree.count, pp_rb_depth(&pp_i_w.tree));
  pp_rb_dump(&pp_i_w.tree, out);
  pthread_mutex_unlock(&pp_i_lock);
}
