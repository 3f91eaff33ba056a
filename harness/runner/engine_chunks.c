/* harness/runner/engine_chunks.c — chunked workloads in the engine (engine.h): between
 * two chunks of a replay (every worker at `done`, the timer stopped) the channels are
 * compacted, the next chunk is loaded and validated against what is still in flight;
 * between replays chunk 0 is put back. Per-phase op counts are taken chunk by chunk. */
#include <stdio.h>
#include "engine_int.h"

/* Ops per phase of the streams (chunk) the workers just ran. */
void am_engine_count_phase_ops(am_engine_t *e, am_engine_result_t *r) {
  for (unsigned t = 0; t < e->n; t++) {
    am_worker_t *wk = &e->wk[t];
    int cur = wk->phase_cur;
    for (size_t i = 0; i < wk->n_ops; i++) {
      const am_op_t *op = &wk->ops[i];
      if (op->kind == AM_OP_PHASE) {
        cur = op->arg;
        continue;
      }
      if (cur >= 0) r->phases[cur].ops++;
    }
    wk->phase_cur = cur;
  }
}

/* First start and last end of the workers' current chunk (or whole stream). */
void am_engine_span(const am_engine_t *e, uint64_t t0, uint64_t *start, uint64_t *end) {
  uint64_t tend = t0, tstart = UINT64_MAX;
  for (unsigned t = 0; t < e->n; t++) {
    if (e->wk[t].end_ns > tend) tend = e->wk[t].end_ns;
    if (e->wk[t].start_ns >= t0 && e->wk[t].start_ns < tstart) tstart = e->wk[t].start_ns;
  }
  if (tstart > tend) tstart = t0;
  *start = tstart;
  *end = tend;
}

/* The workers' streams from w (a new chunk), from their first op. */
static void load_streams(am_engine_t *e) {
  for (unsigned t = 0; t < e->n; t++) {
    e->wk[t].ops = e->w->streams[t].ops;
    e->wk[t].n_ops = e->w->streams[t].n_ops;
    e->wk[t].pos = 0;
  }
}

/* Chunked, between replays: chunk 0 again. 0, or -1 with the engine failed. */
int am_engine_rewind_chunks(am_engine_t *e, const am_engine_opts_t *o) {
  char why[384] = "";
  if (o->rewind_chunks(o->chunk_ctx, why, sizeof why) != 0) {
    am_engine_fail(e, AM_ENGINE_ERROR, "chunk 0: %s", why);
    return -1;
  }
  load_streams(e);
  if (am_engine_validate(e->w, NULL, why, sizeof why) != 0) {
    am_engine_fail(e, AM_ENGINE_ERROR, "invalid workload: chunk 0: %s", why);
    return -1;
  }
  return 0;
}

/* Chunked, every worker at `done`: the next chunk of this replay. 1 loaded, 0 none
 * left, -1 with the engine failed. */
int am_engine_next_chunk(am_engine_t *e, const am_engine_opts_t *o, uint64_t k) {
  char why[384] = "";
  int more = o->next_chunk(o->chunk_ctx, why, sizeof why);
  if (more < 0) am_engine_fail(e, AM_ENGINE_ERROR, "chunk %llu: %s", (unsigned long long)k, why);
  if (more <= 0) return more;
  am_chans_compact(e->chans, e->w->n_channels);
  load_streams(e);
  if (am_engine_validate(e->w, e->chans, why, sizeof why) != 0) {
    am_engine_fail(e, AM_ENGINE_ERROR, "invalid workload: chunk %llu: %s", (unsigned long long)k, why);
    return -1;
  }
  return 1;
}
