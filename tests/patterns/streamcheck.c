/* tests/patterns/streamcheck.c — symbolic replay of a workload (see streamcheck.h).
 * Written independently of harness/common/gen.c: it knows only ops.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "streamcheck.h"

uint64_t am_streamcheck_fnv(const am_workload_t *w) {
  uint64_t h = AM_OPS_HASH_SEED;
  for (unsigned t = 0; t < w->n_threads; t++)
    h = am_ops_hash_combine(h, am_ops_hash(AM_OPS_HASH_SEED, w->streams[t].ops, w->streams[t].n_ops));
  return h;
}

static int fail(char *err, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, cap, fmt, ap);
  va_end(ap);
  return 1;
}

typedef struct q_s { uint64_t *size; size_t head, tail, cap; } q_t;

int am_streamcheck(const am_workload_t *w, char *err, size_t cap) {
  unsigned T = w->n_threads, C = w->n_channels;
  uint64_t total = 0, allocs = 0, frees = 0;
  int rc = 0;
  uint64_t **live = calloc(T, sizeof *live);          /* size + 1 per slot, 0 empty */
  size_t *pc = calloc(T, sizeof *pc);                  /* program counter           */
  unsigned *phase = calloc(T, sizeof *phase);
  uint64_t *cur = calloc(T, sizeof *cur), *peak = calloc(T, sizeof *peak);
  q_t *q = calloc(C ? C : 1, sizeof *q);
  int *sender = malloc((C ? C : 1) * sizeof *sender), *receiver = malloc((C ? C : 1) * sizeof *receiver);
  for (unsigned c = 0; c < C; c++) {
    sender[c] = receiver[c] = -1;
    q[c].cap = w->channel_capacity[c];
    q[c].size = calloc(q[c].cap ? q[c].cap : 1, sizeof(uint64_t));
  }
  for (unsigned t = 0; t < T; t++) live[t] = calloc(w->streams[t].n_slots + 1, sizeof(uint64_t));
  /* Round-robin: run each thread until it blocks on an empty channel. */
  size_t done = 0;
  while (done < T && rc == 0) {
    int progress = 0;
    done = 0;
    for (unsigned t = 0; t < T && rc == 0; t++) {
      const am_stream_t *s = &w->streams[t];
      while (pc[t] < s->n_ops && rc == 0) {
        const am_op_t *o = &s->ops[pc[t]];
        if (o->kind != AM_OP_PHASE && o->kind != AM_OP_RESPAWN && o->slot >= s->n_slots) {
          rc = fail(err, cap, "thread %u op %zu: slot %u >= n_slots %u", t, pc[t], o->slot, s->n_slots);
          break;
        }
        uint64_t *sl = o->kind == AM_OP_PHASE || o->kind == AM_OP_RESPAWN ? NULL : &live[t][o->slot];
        switch (o->kind) {
        case AM_OP_MALLOC: case AM_OP_CALLOC: case AM_OP_ALIGNED:
          if (*sl) rc = fail(err, cap, "thread %u op %zu: allocation into live slot %u", t, pc[t], o->slot);
          if (o->kind == AM_OP_ALIGNED && o->arg > 30) rc = fail(err, cap, "thread %u op %zu: alignment 2^%u", t, pc[t], o->arg);
          *sl = o->size + 1; cur[t] += o->size; allocs++;
          break;
        case AM_OP_REALLOC:
          if (*sl) cur[t] -= *sl - 1;
          if (o->size == 0 && *sl) rc = fail(err, cap, "thread %u op %zu: realloc to 0 frees", t, pc[t]);
          *sl = o->size + 1; cur[t] += o->size; allocs++;
          break;
        case AM_OP_FREE:
          if (!*sl) rc = fail(err, cap, "thread %u op %zu: FREE of empty slot %u", t, pc[t], o->slot);
          else if (*sl - 1 != o->size) rc = fail(err, cap, "thread %u op %zu: FREE size %llu, slot holds %llu", t, pc[t],
                                                   (unsigned long long)o->size, (unsigned long long)(*sl - 1));
          cur[t] -= o->size; *sl = 0; frees++;
          break;
        case AM_OP_WRITE:
          if (!*sl) rc = fail(err, cap, "thread %u op %zu: WRITE to empty slot %u", t, pc[t], o->slot);
          break;
        case AM_OP_SEND:
          if (o->arg >= C) { rc = fail(err, cap, "thread %u op %zu: SEND on channel %u of %u", t, pc[t], o->arg, C); break; }
          if (!*sl) { rc = fail(err, cap, "thread %u op %zu: SEND of empty slot %u", t, pc[t], o->slot); break; }
          if (sender[o->arg] >= 0 && sender[o->arg] != (int)t) { rc = fail(err, cap, "channel %u has two senders", o->arg); break; }
          sender[o->arg] = (int)t;
          if (q[o->arg].tail >= q[o->arg].cap) { rc = fail(err, cap, "channel %u: more SENDs than its capacity %zu", o->arg, q[o->arg].cap); break; }
          q[o->arg].size[q[o->arg].tail++] = *sl - 1;
          cur[t] -= *sl - 1; *sl = 0;
          break;
        case AM_OP_RECV:
          if (o->arg >= C) { rc = fail(err, cap, "thread %u op %zu: RECV on channel %u of %u", t, pc[t], o->arg, C); break; }
          if (receiver[o->arg] >= 0 && receiver[o->arg] != (int)t) { rc = fail(err, cap, "channel %u has two receivers", o->arg); break; }
          if (sender[o->arg] == (int)t) { rc = fail(err, cap, "channel %u: thread %u sends to itself", o->arg, t); break; }
          receiver[o->arg] = (int)t;
          if (*sl) { rc = fail(err, cap, "thread %u op %zu: RECV into live slot %u", t, pc[t], o->slot); break; }
          if (q[o->arg].head == q[o->arg].tail) goto blocked;
          if (q[o->arg].size[q[o->arg].head] != o->size) {
            rc = fail(err, cap, "thread %u op %zu: RECV size %llu, channel holds %llu", t, pc[t],
                      (unsigned long long)o->size, (unsigned long long)q[o->arg].size[q[o->arg].head]);
            break;
          }
          q[o->arg].head++;
          *sl = o->size + 1; cur[t] += o->size;
          break;
        case AM_OP_PHASE:
          if (o->arg != phase[t]) rc = fail(err, cap, "thread %u op %zu: PHASE %u, expected %u", t, pc[t], o->arg, phase[t]);
          phase[t]++;
          break;
        case AM_OP_RESPAWN:
          break;
        default:
          rc = fail(err, cap, "thread %u op %zu: unknown kind %u", t, pc[t], o->kind);
        }
        if (cur[t] > peak[t]) peak[t] = cur[t];
        if (o->kind != AM_OP_PHASE) total++;
        pc[t]++;
        progress = 1;
      }
    blocked:
      if (pc[t] == s->n_ops) done++;
    }
    if (!progress && done < T && rc == 0) rc = fail(err, cap, "deadlock: no thread can make progress");
  }
  for (unsigned t = 0; t < T && rc == 0; t++) {
    for (uint32_t i = 0; i < w->streams[t].n_slots; i++)
      if (live[t][i]) { rc = fail(err, cap, "thread %u: slot %u still live at the end", t, i); break; }
    if (rc == 0 && phase[t] != w->n_phases) rc = fail(err, cap, "thread %u: %u PHASE markers, expected %u", t, phase[t], w->n_phases);
  }
  for (unsigned c = 0; c < C && rc == 0; c++)
    if (q[c].tail != q[c].cap || q[c].head != q[c].cap)
      rc = fail(err, cap, "channel %u: %zu sends, %zu receives, capacity %zu", c, q[c].tail, q[c].head, q[c].cap);
  if (rc == 0 && total != w->total_ops)
    rc = fail(err, cap, "total_ops %llu, counted %llu", (unsigned long long)w->total_ops, (unsigned long long)total);
  if (rc == 0 && (allocs != w->alloc_ops || frees != w->free_ops))
    rc = fail(err, cap, "alloc/free ops %llu/%llu, counted %llu/%llu", (unsigned long long)w->alloc_ops,
              (unsigned long long)w->free_ops, (unsigned long long)allocs, (unsigned long long)frees);
  if (rc == 0 && T == 1 && peak[0] != w->peak_live_bytes)
    rc = fail(err, cap, "peak_live_bytes %llu, replay says %llu", (unsigned long long)w->peak_live_bytes,
              (unsigned long long)peak[0]);
  if (rc == 0 && T > 1) {
    uint64_t sum = 0;
    for (unsigned t = 0; t < T; t++) sum += peak[t];
    if (sum > w->peak_live_bytes)
      rc = fail(err, cap, "peak_live_bytes %llu below the per-thread peaks' sum %llu", (unsigned long long)w->peak_live_bytes,
                (unsigned long long)sum);
  }
  if (rc == 0 && am_streamcheck_fnv(w) != w->checksum) rc = fail(err, cap, "checksum differs from FNV-1a of the streams");
  for (unsigned c = 0; c < C; c++) free(q[c].size);
  for (unsigned t = 0; t < T; t++) free(live[t]);
  free(live); free(pc); free(phase); free(cur); free(peak); free(q); free(sender); free(receiver);
  return rc;
}
