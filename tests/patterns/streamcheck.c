/* tests/patterns/streamcheck.c — symbolic replay of a workload (see streamcheck.h).
 * Written independently of harness/common/gen.c: it knows only ops.h.
 * Carriers (PACK/UNPACK) are modelled as bags of sizes that travel with the carrier's
 * slot; shared channels as one FIFO with any senders and receivers, whose sizes are not
 * compared (at run time, which receiver takes which message is not fixed). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "streamcheck.h"

uint64_t am_streamcheck_fnv(const am_workload_t *w) {
  uint64_t h = AM_OPS_HASH_SEED;
  for (unsigned t = 0; t < w->n_threads; t++)
    h = am_ops_hash_combine(h, am_ops_hash(AM_OPS_HASH_SEED, w->streams[t].ops, w->streams[t].n_ops));
  if (w->n_setup > 0) h = am_ops_hash_combine(h, am_ops_hash(AM_OPS_HASH_SEED, w->setup, w->n_setup));
  return h;
}

static int fail(char *err, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, cap, fmt, ap);
  va_end(ap);
  return 1;
}

#define LOOSE (1ull << 63) /* slot value flag: size not compared at FREE */
typedef struct bag_s { uint64_t *size; size_t n, cap; } bag_t;
typedef struct q_s { uint64_t *size; int *bag; size_t head, tail, cap; int shared; } q_t;
typedef struct st_s {
  unsigned T, C;
  uint64_t **live;   /* per thread, per slot: size + 1 (| LOOSE), 0 empty */
  int **bagof;       /* per thread, per slot: the bag of a carrier, -1 none */
  bag_t *bags;
  size_t n_bags, cap_bags;
} st_t;

static int bag_new(st_t *x) {
  if (x->n_bags == x->cap_bags) {
    x->cap_bags = x->cap_bags ? 2 * x->cap_bags : 64;
    x->bags = realloc(x->bags, x->cap_bags * sizeof *x->bags);
  }
  memset(&x->bags[x->n_bags], 0, sizeof x->bags[0]);
  return (int)x->n_bags++;
}

static void bag_put(bag_t *b, size_t i, uint64_t v) {
  if (i >= b->cap) {
    size_t nc = b->cap ? 2 * b->cap : 64;
    while (nc <= i) nc *= 2;
    b->size = realloc(b->size, nc * sizeof *b->size);
    memset(b->size + b->cap, 0, (nc - b->cap) * sizeof *b->size);
    b->cap = nc;
  }
  b->size[i] = v;
  if (i + 1 > b->n) b->n = i + 1;
}

static uint64_t bag_total(const bag_t *b) {
  uint64_t s = 0;
  for (size_t i = 0; i < b->n; i++) s += (b->size[i] & ~LOOSE) - (b->size[i] ? 1 : 0);
  return s;
}

/* The set-up stream fills the slots before any thread runs. */
static int run_setup(const am_workload_t *w, st_t *x, uint64_t *cur, char *err, size_t cap) {
  for (size_t i = 0; i < w->n_setup; i++) {
    const am_op_t *o = &w->setup[i];
    if (o->arg >= w->n_threads || o->slot >= w->streams[o->arg].n_slots)
      return fail(err, cap, "set-up op %zu: thread %u slot %u out of range", i, o->arg, o->slot);
    uint64_t *sl = &x->live[o->arg][o->slot];
    if (o->kind == AM_OP_MALLOC || o->kind == AM_OP_CALLOC) {
      if (*sl) return fail(err, cap, "set-up op %zu: allocation into live slot %u of thread %u", i, o->slot, o->arg);
      *sl = o->size + 1;
      cur[o->arg] += o->size;
    } else if (o->kind == AM_OP_FREE) {
      if (*sl != o->size + 1) return fail(err, cap, "set-up op %zu: FREE of slot %u of thread %u does not match", i, o->slot, o->arg);
      cur[o->arg] -= o->size;
      *sl = 0;
    } else {
      return fail(err, cap, "set-up op %zu: kind %u", i, o->kind);
    }
  }
  return 0;
}

int am_streamcheck(const am_workload_t *w, char *err, size_t cap) {
  unsigned T = w->n_threads, C = w->n_channels;
  uint64_t total = 0, allocs = 0, frees = 0;
  int rc = 0;
  st_t x = {T, C, calloc(T, sizeof(uint64_t *)), calloc(T, sizeof(int *)), NULL, 0, 0};
  size_t *pc = calloc(T, sizeof *pc);                  /* program counter           */
  unsigned *phase = calloc(T, sizeof *phase);
  uint64_t *cur = calloc(T, sizeof *cur), *peak = calloc(T, sizeof *peak);
  q_t *q = calloc(C ? C : 1, sizeof *q);
  int *sender = malloc((C ? C : 1) * sizeof *sender), *receiver = malloc((C ? C : 1) * sizeof *receiver);
  for (unsigned c = 0; c < C; c++) {
    sender[c] = receiver[c] = -1;
    q[c].shared = w->channel_spec != NULL && w->channel_spec[c].kind != AM_CHAN_PAIR;
    q[c].cap = w->channel_capacity[c];
  }
  size_t *sends = calloc(C ? C : 1, sizeof *sends);
  for (unsigned c = 0; c < C; c++) { /* symbolic queues hold every SEND (shared ones too) */
    for (unsigned t = 0; t < T; t++)
      for (size_t i = 0; i < w->streams[t].n_ops; i++)
        if (w->streams[t].ops[i].kind == AM_OP_SEND && w->streams[t].ops[i].arg == c) sends[c]++;
    size_t n = q[c].shared ? sends[c] : q[c].cap;
    q[c].size = calloc(n ? n : 1, sizeof(uint64_t));
    q[c].bag = calloc(n ? n : 1, sizeof(int));
    if (q[c].shared) q[c].cap = sends[c];
  }
  for (unsigned t = 0; t < T; t++) {
    x.live[t] = calloc(w->streams[t].n_slots + 1, sizeof(uint64_t));
    x.bagof[t] = malloc((w->streams[t].n_slots + 1) * sizeof(int));
    for (uint32_t i = 0; i <= w->streams[t].n_slots; i++) x.bagof[t][i] = -1;
  }
  rc = run_setup(w, &x, cur, err, cap);
  for (unsigned t = 0; t < T; t++) peak[t] = cur[t];
  /* Round-robin: run each thread until it blocks on an empty channel. */
  size_t done = 0;
  while (done < T && rc == 0) {
    int progress = 0;
    done = 0;
    for (unsigned t = 0; t < T && rc == 0; t++) {
      const am_stream_t *s = &w->streams[t];
      uint64_t *live = x.live[t];
      while (pc[t] < s->n_ops && rc == 0) {
        const am_op_t *o = &s->ops[pc[t]];
        if (o->kind != AM_OP_PHASE && o->kind != AM_OP_RESPAWN && o->slot >= s->n_slots) {
          rc = fail(err, cap, "thread %u op %zu: slot %u >= n_slots %u", t, pc[t], o->slot, s->n_slots);
          break;
        }
        uint64_t *sl = o->kind == AM_OP_PHASE || o->kind == AM_OP_RESPAWN ? NULL : &live[o->slot];
        uint64_t held = sl && *sl ? (*sl & ~LOOSE) - 1 : 0;
        switch (o->kind) {
        case AM_OP_MALLOC: case AM_OP_CALLOC: case AM_OP_ALIGNED:
          if (*sl) rc = fail(err, cap, "thread %u op %zu: allocation into live slot %u", t, pc[t], o->slot);
          if (o->kind == AM_OP_ALIGNED && o->arg > 30) rc = fail(err, cap, "thread %u op %zu: alignment 2^%u", t, pc[t], o->arg);
          *sl = o->size + 1; cur[t] += o->size; allocs++;
          break;
        case AM_OP_REALLOC:
          if (*sl) cur[t] -= held;
          if (o->size == 0 && *sl) rc = fail(err, cap, "thread %u op %zu: realloc to 0 frees", t, pc[t]);
          *sl = o->size + 1; cur[t] += o->size; allocs++;
          break;
        case AM_OP_FREE:
          if (!*sl) rc = fail(err, cap, "thread %u op %zu: FREE of empty slot %u", t, pc[t], o->slot);
          else if (!(*sl & LOOSE) && held != o->size)
            rc = fail(err, cap, "thread %u op %zu: FREE size %llu, slot holds %llu", t, pc[t],
                      (unsigned long long)o->size, (unsigned long long)held);
          cur[t] -= (*sl & LOOSE) ? o->size : held;
          if (x.bagof[t][o->slot] >= 0 && x.bags[x.bagof[t][o->slot]].n > 0)
            rc = fail(err, cap, "thread %u op %zu: FREE of a carrier that still holds objects", t, pc[t]);
          x.bagof[t][o->slot] = -1;
          *sl = 0; frees++;
          break;
        case AM_OP_WRITE:
          if (!*sl) rc = fail(err, cap, "thread %u op %zu: WRITE to empty slot %u", t, pc[t], o->slot);
          break;
        case AM_OP_PACK: case AM_OP_UNPACK: {
          int *b = &x.bagof[t][o->size];
          if (o->size >= s->n_slots || !live[o->size]) { rc = fail(err, cap, "thread %u op %zu: no carrier in slot %llu", t, pc[t], (unsigned long long)o->size); break; }
          if (o->size == o->slot) { rc = fail(err, cap, "thread %u op %zu: carrier packs itself", t, pc[t]); break; }
          if ((live[o->size] & ~LOOSE) - 1 < AM_CARRIER_BYTES(o->arg + 1)) { rc = fail(err, cap, "thread %u op %zu: carrier too small for entry %u", t, pc[t], o->arg); break; }
          if (o->kind == AM_OP_PACK) {
            if (!*sl) { rc = fail(err, cap, "thread %u op %zu: PACK of empty slot %u", t, pc[t], o->slot); break; }
            if (*b < 0) *b = bag_new(&x);
            if (x.bags[*b].n != (size_t)o->arg) { rc = fail(err, cap, "thread %u op %zu: PACK entry %u, carrier holds %zu", t, pc[t], o->arg, x.bags[*b].n); break; }
            bag_put(&x.bags[*b], o->arg, *sl);
            *sl = 0; /* the object stays counted on this thread (cur) until the carrier goes */
          } else {
            if (*sl) { rc = fail(err, cap, "thread %u op %zu: UNPACK into live slot %u", t, pc[t], o->slot); break; }
            if (*b < 0 || o->arg >= x.bags[*b].n || x.bags[*b].size[o->arg] == 0) { rc = fail(err, cap, "thread %u op %zu: UNPACK of entry %u not in the carrier", t, pc[t], o->arg); break; }
            *sl = x.bags[*b].size[o->arg];
            x.bags[*b].size[o->arg] = 0;
            if ((size_t)o->arg + 1 == x.bags[*b].n) x.bags[*b].n = 0; /* emptied in order */
          }
          break;
        }
        case AM_OP_SEND: {
          if (o->arg >= C) { rc = fail(err, cap, "thread %u op %zu: SEND on channel %u of %u", t, pc[t], o->arg, C); break; }
          if (!*sl) { rc = fail(err, cap, "thread %u op %zu: SEND of empty slot %u", t, pc[t], o->slot); break; }
          q_t *qc = &q[o->arg];
          if (!qc->shared && sender[o->arg] >= 0 && sender[o->arg] != (int)t) { rc = fail(err, cap, "channel %u has two senders", o->arg); break; }
          sender[o->arg] = (int)t;
          if (qc->tail >= qc->cap) { rc = fail(err, cap, "channel %u: more SENDs than its capacity %zu", o->arg, qc->cap); break; }
          int b = x.bagof[t][o->slot];
          qc->bag[qc->tail] = b;
          qc->size[qc->tail++] = *sl;
          cur[t] -= held + (b >= 0 ? bag_total(&x.bags[b]) : 0);
          x.bagof[t][o->slot] = -1;
          *sl = 0;
          break;
        }
        case AM_OP_RECV: {
          if (o->arg >= C) { rc = fail(err, cap, "thread %u op %zu: RECV on channel %u of %u", t, pc[t], o->arg, C); break; }
          q_t *qc = &q[o->arg];
          if (!qc->shared && receiver[o->arg] >= 0 && receiver[o->arg] != (int)t) { rc = fail(err, cap, "channel %u has two receivers", o->arg); break; }
          if (sender[o->arg] == (int)t) { rc = fail(err, cap, "channel %u: thread %u sends to itself", o->arg, t); break; }
          receiver[o->arg] = (int)t;
          if (*sl) { rc = fail(err, cap, "thread %u op %zu: RECV into live slot %u", t, pc[t], o->slot); break; }
          if (qc->head == qc->tail) goto blocked;
          uint64_t v = qc->size[qc->head];
          if (!qc->shared && (v & ~LOOSE) - 1 != o->size) {
            rc = fail(err, cap, "thread %u op %zu: RECV size %llu, channel holds %llu", t, pc[t],
                      (unsigned long long)o->size, (unsigned long long)((v & ~LOOSE) - 1));
            break;
          }
          int b = qc->bag[qc->head++];
          if (qc->shared && b >= 0) /* which batch a receiver gets is decided at run time */
            for (size_t i = 0; i < x.bags[b].n; i++) x.bags[b].size[i] |= LOOSE;
          *sl = qc->shared ? (o->size + 1) | LOOSE : v;
          x.bagof[t][o->slot] = b;
          cur[t] += (qc->shared ? o->size : (v & ~LOOSE) - 1) + (b >= 0 ? bag_total(&x.bags[b]) : 0);
          break;
        }
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
      if (x.live[t][i]) { rc = fail(err, cap, "thread %u: slot %u still live at the end", t, i); break; }
    if (rc == 0 && phase[t] != w->n_phases) rc = fail(err, cap, "thread %u: %u PHASE markers, expected %u", t, phase[t], w->n_phases);
  }
  for (unsigned c = 0; c < C && rc == 0; c++)
    if (q[c].tail != q[c].cap || q[c].head != q[c].cap)
      rc = fail(err, cap, "channel %u: %zu sends, %zu receives, capacity %zu", c, q[c].tail, q[c].head, q[c].cap);
  for (unsigned c = 0; c < C && rc == 0; c++)
    if (q[c].shared && (w->channel_capacity[c] == 0 || (w->channel_spec[c].bound > 0 && w->channel_capacity[c] > w->channel_spec[c].bound)))
      rc = fail(err, cap, "shared channel %u: capacity %zu, bound %u", c, w->channel_capacity[c], w->channel_spec[c].bound);
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
  for (unsigned c = 0; c < C; c++) { free(q[c].size); free(q[c].bag); }
  for (unsigned t = 0; t < T; t++) { free(x.live[t]); free(x.bagof[t]); }
  for (size_t b = 0; b < x.n_bags; b++) free(x.bags[b].size);
  free(x.bags); free(x.live); free(x.bagof); free(pc); free(phase); free(cur); free(peak); free(q); free(sender);
  free(receiver); free(sends);
  return rc;
}
