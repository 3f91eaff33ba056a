/* harness/cli/plan.h — the matrix of a run as cells with stable ids, and its shards.
 *
 * A *cell* is one measured repetition: workload × threads × repetition × backend. Its id,
 * "<workload>/t<threads>/r<rep>/<backend>" (rep 0-based), depends only on what is run, not
 * on the order, the machine or the shard, so shards and merges can name cells.
 * A *round* is workload × threads × repetition: every backend once, rotated (A B C, then
 * B C A, ...). Sharding (`--shard K/N`) deals out whole rounds, round i of the plan (in
 * plan order) to shard (i mod N) + 1, so the backends stay interleaved inside each shard
 * and every comparison of one round is made on one machine. */
#ifndef AM_PLAN_H
#define AM_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include "am_error.h"

struct cJSON;

#define AM_SHARD_MAX 100000u /* the most shards a matrix can be split into */

typedef struct am_shard_s {
  unsigned k, n; /* shard k of n, 1-based; n == 0: not sharded (every cell) */
} am_shard_t;

/* "K/N" with 1 <= K <= N <= AM_SHARD_MAX; 0, or -1 when malformed. */
int am_shard_parse(const char *s, am_shard_t *out);
/* Whether round `round` (0-based, plan order) belongs to shard s. */
static inline int am_shard_has_round(const am_shard_t *s, size_t round) {
  return s->n == 0 || (unsigned)(round % s->n) + 1 == s->k;
}
/* The cell id into buf; returns buf. */
char *am_cell_id(char *buf, size_t cap, const char *workload, unsigned threads, unsigned rep,
                 const char *backend);

/* The plan of a run, built up workload by workload (plan.c). */
typedef struct am_plan_s am_plan_t;
am_plan_t *am_plan_new(const am_shard_t *shard, const char *const *backends, size_t n_backends);
/* Add a workload with its thread counts and repetitions; its rounds follow the earlier
 * workloads'. 0, or -1 out of memory. */
int am_plan_add(am_plan_t *p, const char *workload, const char *sha256, const unsigned *threads,
                size_t n_threads, unsigned reps);
/* Cells of the whole plan, and of this shard. */
size_t am_plan_cells(const am_plan_t *p);
size_t am_plan_shard_cells(const am_plan_t *p);
/* The plan as JSON (every cell with its id, round and shard; see `allocmark plan --help`):
 * `plan.json` in a sharded run's folder, and what `allocmark plan --json` prints. */
struct cJSON *am_plan_json(const am_plan_t *p);
void am_plan_free(am_plan_t *p);
/* The reader's check of a plan JSON read back (shard/plan.json): the shape am_plan_json
 * writes, with a shard. 0, or AM_EINVAL with d naming `path` and the first bad field. */
int am_plan_check(const struct cJSON *plan, const char *path, am_diag_t *d);

#endif /* AM_PLAN_H */
