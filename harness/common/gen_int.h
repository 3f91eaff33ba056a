/* harness/common/gen_int.h — the stream generator's state, shared by its two files:
 * gen.c (the walk: phases, rounds, lifetimes, chunks, the public API of pattern.h) and
 * gen_handoff.c (channels, batch hand-off, shared queues, the main thread's set-up).
 * Internal to harness/common/gen*.c. */
#ifndef AM_GEN_INT_H
#define AM_GEN_INT_H

#include <string.h>
#include "gen_mem.h"
#include "pattern_int.h"

typedef struct slot_info_s { uint64_t size, seq; uint8_t touch; } slot_info_t;
typedef struct heap_ent_s { uint64_t expiry, seq; uint32_t slot; } heap_ent_t;
/* A message: one object, or (nb > 0) a carrier block with nb objects whose sizes (and
 * touch modes, in the top byte) are bsz[boff ..] of its channel; total: their bytes. */
typedef struct msg_s { uint64_t size, round, boff, total; uint32_t src, nb; uint8_t touch; } msg_t;
#define BSZ_TOUCH_SHIFT 56
/* sends: SENDs so far. Chunked walks (am_gen_*): sends0 and base are the SENDs and the
 * objects in flight when the current chunk began; need is the largest base + SENDs of
 * one chunk, the entries the engine's channel must hold between two compactions. */
/* rt: the engine's channel this queue feeds (pair queues: one each; a shared queue:
 * one per receiver, all with the same rt). */
typedef struct chan_s { unsigned src, dst, rt; am_mvec_t q, bsz; size_t head; uint64_t sends, sends0, base, need; } chan_t;
/* An engine channel: its spec, SENDs, and the most entries one chunk needs. */
typedef struct rtchan_s { am_chan_spec_t spec; uint64_t sends, need, acc; } rtchan_t;

typedef struct gthr_s {
  unsigned id;
  am_rng_t rng;
  am_mvec_t ops;                 /* am_op_t, write mode only                     */
  uint64_t n_ops, n_real, n_alloc, n_free;
  am_mvec_t slots, freelist;     /* slot_info_t; uint32_t                        */
  uint32_t n_slots;
  am_mvec_t held, heap, kept, scratch, in_chans; /* uint32; heap_ent_t; uint32 x3 */
  uint64_t live, peak, seq, done, target;
  uint64_t chunk_max;            /* most ops (markers included) in one chunk     */
  uint32_t win_pos;
  double emp_scale;              /* empirical: live counts per profile count     */
  uint64_t emp_filled;           /* empirical: bytes of the phase's prefill      */
  /* batch hand-off: an open carrier in slot `carrier` with bfill objects for bchan */
  int bopen;
  uint32_t carrier, bfill, bchan;
  am_mvec_t bsizes;              /* uint64: size | touch << BSZ_TOUCH_SHIFT      */
  const am_program_t *prog;
} gthr_t;

typedef struct gen_s {
  const am_pattern_t *p;
  unsigned T;
  int write, quick;
  gthr_t *th;
  uint32_t *chan_of;             /* src * T + dst -> channel + 1, 0 none         */
  am_mvec_t chans;               /* chan_t                                       */
  unsigned role_first[AM_MAX_ROLES], role_count[AM_MAX_ROLES];
  uint64_t round;                /* tag of messages sent now                     */
  uint64_t total;                /* ops emitted so far, PHASE markers excluded   */
  uint32_t *pending;             /* per thread: objects queued to it             */
  uint32_t *dirty;               /* threads with pending objects, n_dirty of them */
  uint8_t *in_dirty;
  unsigned n_dirty;
  int err;
  /* The walk as a resumable state machine (gen_step): a step is a phase start, one
   * round, a phase end or the final release, so chunks end at round boundaries. */
  int state;                     /* ST_*                                          */
  size_t pi;                     /* current phase                                 */
  uint64_t r, rounds;            /* next round of the phase, rounds in the phase  */
  unsigned n_workers;            /* threads with allocations left, in thread order */
  unsigned workers[AM_MAX_THREADS];
  uint64_t chunk_ops;            /* ops (markers included) emitted in this chunk  */
  am_mvec_t rts;                 /* rtchan_t: the engine's channels               */
  uint32_t sq_chan[AM_MAX_THREADS]; /* this phase: receiver -> its shared chan + 1 */
  uint32_t sq_rt[AM_MAX_ROLES];  /* this phase: target role -> shared rt + 1      */
  uint32_t sq_rr[AM_MAX_ROLES];  /* round-robin receiver choice per shared queue  */
  uint64_t seed;
  am_rng_t mrng;                 /* the main thread's set-up (window fill "main") */
  am_mvec_t setup;               /* am_op_t, write mode only                      */
  uint64_t n_setup;
} gen_t;

enum { ST_PHASE, ST_ROUND, ST_END, ST_FINAL, ST_DONE };

#define VEC(v, type) ((type *)(v).p)

static inline void emit(gen_t *g, gthr_t *t, am_op_kind_t kind, am_touch_t touch, unsigned arg, uint32_t slot,
                        uint64_t size) {
  if (g->write) {
    if (am_mvec_reserve(&t->ops, t->n_ops + 1) != 0) { g->err = AM_ENOMEM; return; }
    am_op_t *o = &VEC(t->ops, am_op_t)[t->n_ops];
    o->kind = (uint8_t)kind;
    o->touch = (uint8_t)touch;
    o->arg = (uint16_t)arg;
    o->slot = slot;
    o->size = size;
    t->ops.len = t->n_ops + 1;
  }
  t->n_ops++;
  g->chunk_ops++;
  if (kind != AM_OP_PHASE) { t->n_real++; g->total++; }
}

static inline int push32(gen_t *g, am_mvec_t *v, uint32_t x) {
  if (am_mvec_reserve(v, v->len + 1) != 0) { g->err = AM_ENOMEM; return -1; }
  VEC(*v, uint32_t)[v->len++] = x;
  return 0;
}

static inline void live_add(gthr_t *t, uint64_t n) {
  t->live += n;
  if (t->live > t->peak) t->peak = t->live;
}

static inline void am_gen_shuffle(am_rng_t *r, uint32_t *a, size_t n) {
  for (size_t i = n; i-- > 1;) {
    size_t j = (size_t)am_rng_below(r, i + 1);
    uint32_t x = a[i]; a[i] = a[j]; a[j] = x;
  }
}

/* gen.c */
uint32_t am_gen_slot_take(gen_t *g, gthr_t *t);
void am_gen_obj_free(gen_t *g, gthr_t *t, uint32_t s);
/* gen_handoff.c */
void am_gen_obj_end(gen_t *g, gthr_t *t, uint32_t s);   /* hand off (SEND / batch) or free */
void am_gen_batch_send(gen_t *g, gthr_t *t);            /* send t's open carrier          */
void am_gen_recv_round(gen_t *g, uint64_t upto);        /* the receive part of a round    */
void am_gen_main_fill(gen_t *g);                        /* phase 0: the set-up stream      */

#endif /* AM_GEN_INT_H */
