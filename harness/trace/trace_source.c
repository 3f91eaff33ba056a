/* harness/trace/trace_source.c — a trace as a workload for the replay engine: the
 * .amtrace reader feeding ops.h streams chunk by chunk (the engine's chunk machinery,
 * engine.h), so a trace larger than RAM replays in the memory of its largest chunk.
 * The workload header carries the trace's totals (ops, allocations, frees, exact peak
 * live bytes), slot counts and channel capacities from the footer; each chunk is read,
 * checked and decoded between timed spans. The checksum is computed from the decoded
 * ops (with the run's touch policy) and set when the last chunk is out; with touch
 * none it must equal the footer's, else the file is corrupt. mmap only: runner side. */
#include <stdio.h>
#include <string.h>
#include "gen_mem.h"
#include "trace_source.h"

struct am_trace_src_s {
  am_trace_t *t;
  am_workload_t *w;
  size_t w_bytes;
  am_op_t *ops[AM_TRACE_MAX_THREADS];
  size_t cap[AM_TRACE_MAX_THREADS], n[AM_TRACE_MAX_THREADS];
  uint64_t hash[AM_TRACE_MAX_THREADS];
  uint32_t next;                 /* next chunk to load                              */
  uint64_t fed[AM_OP_KIND_MAX];  /* ops by kind handed to the engine since the rewind */
  uint8_t touch;
  char path[4096];
};

int am_trace_src_open(const char *path, uint8_t touch, am_trace_src_t **out, am_diag_t *d) {
  *out = NULL;
  am_trace_src_t *s = am_map(sizeof *s);
  if (s == NULL) return am_diag(d, AM_ENOMEM, "%s: out of memory", path);
  int rc = am_trace_open(path, &s->t, d);
  if (rc != 0) { am_unmap(s, sizeof *s); return rc; }
  const am_trace_info_t *i = am_trace_info(s->t);
  unsigned T = i->threads, C = i->channels;
  s->touch = touch;
  snprintf(s->path, sizeof s->path, "%s", path);
  s->w_bytes = sizeof(am_workload_t) + T * sizeof(am_stream_t) + (size_t)C * sizeof(size_t);
  am_workload_t *w = s->w = am_map(s->w_bytes);
  if (w == NULL) { am_trace_src_close(s); return am_diag(d, AM_ENOMEM, "%s: out of memory", path); }
  w->n_threads = T;
  w->streams = (am_stream_t *)(w + 1);
  w->n_channels = C;
  w->channel_capacity = C ? (size_t *)(w->streams + T) : NULL;
  for (unsigned k = 0; k < C; k++) w->channel_capacity[k] = (size_t)am_trace_channel_capacity(s->t, k);
  w->total_ops = i->stream_ops - i->by_kind[AM_OP_PAUSE] - i->by_kind[AM_OP_RESPAWN]; /* markers, as PHASE */
  w->alloc_ops = i->by_kind[AM_OP_MALLOC] + i->by_kind[AM_OP_CALLOC] + i->by_kind[AM_OP_REALLOC] + i->by_kind[AM_OP_ALIGNED];
  w->free_ops = i->by_kind[AM_OP_FREE];
  w->peak_live_bytes = i->peak_live_bytes;
  for (unsigned t = 0; t < T; t++) {
    w->streams[t].n_slots = am_trace_thread_slots(s->t, t);
    s->cap[t] = (size_t)am_trace_thread_chunk_max(s->t, t) + 1;
    s->ops[t] = am_map(s->cap[t] * sizeof(am_op_t));
    if (s->ops[t] == NULL) { am_trace_src_close(s); return am_diag(d, AM_ENOMEM, "%s: out of memory for the chunk buffers", path); }
    w->streams[t].ops = s->ops[t];
  }
  rc = am_trace_src_rewind(s, d);
  if (rc == 0) rc = am_trace_src_next(s, d) == 1 ? 0 : -1;
  if (rc != 0) { am_trace_src_close(s); return rc < 0 && rc != -1 ? rc : AM_EINVAL; }
  *out = s;
  return 0;
}

am_workload_t *am_trace_src_workload(am_trace_src_t *s) { return s->w; }
const am_trace_t *am_trace_src_trace(const am_trace_src_t *s) { return s->t; }
uint64_t am_trace_src_chunks(const am_trace_src_t *s) { return am_trace_info(s->t)->chunks; }
const uint64_t *am_trace_src_fed(const am_trace_src_t *s) { return s->fed; }

int am_trace_src_next(am_trace_src_t *s, am_diag_t *d) {
  const am_trace_info_t *i = am_trace_info(s->t);
  if (s->next >= i->chunks) return 0;
  int rc = am_trace_read_chunk(s->t, s->next, s->ops, s->n, s->touch, d);
  if (rc != 0) return rc;
  am_workload_t *w = s->w;
  for (unsigned t = 0; t < i->threads; t++) {
    w->streams[t].ops = s->ops[t];
    w->streams[t].n_ops = s->n[t];
    s->hash[t] = am_ops_hash(s->hash[t], s->ops[t], s->n[t]);
    for (size_t j = 0; j < s->n[t]; j++) s->fed[s->ops[t][j].kind]++;
  }
  s->next++;
  w->checksum = 0;
  if (s->next == i->chunks) {
    w->checksum = AM_OPS_HASH_SEED;
    for (unsigned t = 0; t < i->threads; t++) w->checksum = am_ops_hash_combine(w->checksum, s->hash[t]);
    if (s->touch == AM_TOUCH_NONE && w->checksum != i->checksum)
      return am_diag(d, AM_EINVAL, "%s: offset 0: the decoded streams' checksum does not match the footer's (corrupt trace)", s->path);
  }
  return 1;
}

int am_trace_src_rewind(am_trace_src_t *s, am_diag_t *d) {
  (void)d;
  s->next = 0;
  memset(s->fed, 0, sizeof s->fed);
  for (unsigned t = 0; t < s->w->n_threads; t++) { s->hash[t] = AM_OPS_HASH_SEED; s->w->streams[t].n_ops = 0; }
  s->w->checksum = 0;
  return 0;
}

void am_trace_src_close(am_trace_src_t *s) {
  if (s == NULL) return;
  for (unsigned t = 0; t < AM_TRACE_MAX_THREADS; t++) am_unmap(s->ops[t], s->cap[t] * sizeof(am_op_t));
  am_unmap(s->w, s->w_bytes);
  am_trace_close(s->t);
  am_unmap(s, sizeof *s);
}
