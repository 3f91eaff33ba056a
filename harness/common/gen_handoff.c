/* harness/common/gen_handoff.c — how objects travel between the generator's threads
 * (gen_int.h): channels (one per sender-receiver pair, or one shared queue per phase
 * and receiving role), batch hand-off in carrier blocks, the receive part of a round,
 * and the set-up stream the process's main thread runs before the timer (window fill
 * "main"). The formats are in patterns/README.md and ops.h. */
#include "gen_int.h"

static unsigned new_rt(gen_t *g, am_chan_kind_t kind, int lifo, uint32_t bound) {
  if (am_mvec_reserve(&g->rts, g->rts.len + 1) != 0) { g->err = AM_ENOMEM; return 0; }
  rtchan_t *r = &VEC(g->rts, rtchan_t)[g->rts.len];
  memset(r, 0, sizeof *r);
  r->spec.kind = (uint8_t)kind;
  r->spec.lifo = (uint8_t)lifo;
  r->spec.bound = bound;
  return (unsigned)g->rts.len++;
}

static unsigned channel(gen_t *g, unsigned src, unsigned dst) {
  uint32_t *c = &g->chan_of[(size_t)src * g->T + dst];
  if (*c == 0) {
    if (am_mvec_reserve(&g->chans, g->chans.len + 1) != 0) { g->err = AM_ENOMEM; return 0; }
    chan_t *ch = &VEC(g->chans, chan_t)[g->chans.len];
    memset(ch, 0, sizeof *ch);
    ch->src = src;
    ch->dst = dst;
    am_mvec_init(&ch->q, sizeof(msg_t));
    am_mvec_init(&ch->bsz, sizeof(uint64_t));
    ch->rt = new_rt(g, AM_CHAN_PAIR, 0, 0);
    *c = (uint32_t)++g->chans.len;
    push32(g, &g->th[dst].in_chans, *c - 1);
  }
  return *c - 1;
}

/* The shared queue of t's target role: its receivers take the messages in turn in this
 * schedule (at run time, whichever receiver is free takes the next one). */
static unsigned shared_channel(gen_t *g, gthr_t *t) {
  const am_program_t *pr = t->prog;
  unsigned j = (unsigned)pr->handoff_role;
  if (g->sq_rt[j] == 0) g->sq_rt[j] = new_rt(g, AM_CHAN_SHARED, pr->handoff_lifo, pr->handoff_bound) + 1;
  unsigned dst = g->role_first[j] + g->sq_rr[j]++ % g->role_count[j];
  if (g->sq_chan[dst] == 0) {
    if (am_mvec_reserve(&g->chans, g->chans.len + 1) != 0) { g->err = AM_ENOMEM; return 0; }
    chan_t *ch = &VEC(g->chans, chan_t)[g->chans.len];
    memset(ch, 0, sizeof *ch);
    ch->src = t->id;
    ch->dst = dst;
    ch->rt = g->sq_rt[j] - 1;
    am_mvec_init(&ch->q, sizeof(msg_t));
    am_mvec_init(&ch->bsz, sizeof(uint64_t));
    g->sq_chan[dst] = (uint32_t)++g->chans.len;
    push32(g, &g->th[dst].in_chans, g->sq_chan[dst] - 1);
  }
  return g->sq_chan[dst] - 1;
}

/* Queue message m on channel c (its SEND is emitted by the caller). */
static void chan_put(gen_t *g, unsigned c, msg_t m) {
  chan_t *ch = &VEC(g->chans, chan_t)[c];
  if (am_mvec_reserve(&ch->q, ch->q.len + 1) != 0) { g->err = AM_ENOMEM; return; }
  VEC(ch->q, msg_t)[ch->q.len++] = m;
  ch->sends++;
  VEC(g->rts, rtchan_t)[ch->rt].sends++;
  g->pending[ch->dst]++;
  if (!g->in_dirty[ch->dst]) { g->in_dirty[ch->dst] = 1; g->dirty[g->n_dirty++] = ch->dst; }
}

static unsigned pick_target(gen_t *g, gthr_t *t) {
  const am_program_t *pr = t->prog;
  if (pr->handoff_to == AM_TO_NEXT) return (t->id + 1) % g->T;
  unsigned first = 0, count = g->T;
  if (pr->handoff_to == AM_TO_ROLE) { first = g->role_first[pr->handoff_role]; count = g->role_count[pr->handoff_role]; }
  int inside = t->id >= first && t->id < first + count;
  unsigned d = first + (unsigned)am_rng_below(&t->rng, count - (inside ? 1u : 0u));
  if (inside && d >= t->id) d++;
  return d;
}

static unsigned target_channel(gen_t *g, gthr_t *t) {
  return t->prog->handoff_shared ? shared_channel(g, t) : channel(g, t->id, pick_target(g, t));
}

/* Send t's open carrier: its objects' sizes go with the message. */
void am_gen_batch_send(gen_t *g, gthr_t *t) {
  chan_t *ch = &VEC(g->chans, chan_t)[t->bchan];
  slot_info_t *ci = &VEC(t->slots, slot_info_t)[t->carrier];
  const uint64_t *bs = VEC(t->bsizes, uint64_t);
  uint64_t total = 0;
  if (am_mvec_reserve(&ch->bsz, ch->bsz.len + t->bfill) != 0) { g->err = AM_ENOMEM; return; }
  msg_t m = {ci->size, g->round, ch->bsz.len, 0, t->id, t->bfill, AM_TOUCH_NONE};
  for (uint32_t i = 0; i < t->bfill; i++) {
    VEC(ch->bsz, uint64_t)[ch->bsz.len++] = bs[i];
    total += bs[i] & ((1ull << BSZ_TOUCH_SHIFT) - 1);
  }
  m.total = total;
  chan_put(g, t->bchan, m);
  emit(g, t, AM_OP_SEND, AM_TOUCH_NONE, ch->rt, t->carrier, ci->size);
  push32(g, &t->freelist, t->carrier); /* carrier and objects live on t until received */
  t->bopen = 0;
}

/* Batch hand-off: object s joins t's carrier, which is allocated when a batch opens
 * and sent when it holds handoff_batch objects (or at the phase end). */
static void batch_put(gen_t *g, gthr_t *t, uint32_t s) {
  const am_program_t *pr = t->prog;
  if (!t->bopen) {
    t->bchan = target_channel(g, t);
    t->carrier = am_gen_slot_take(g, t);
    if (g->err) return;
    uint64_t cb = AM_CARRIER_BYTES(pr->handoff_batch);
    emit(g, t, AM_OP_MALLOC, AM_TOUCH_NONE, 0, t->carrier, cb);
    live_add(t, cb);
    t->n_alloc++;
    slot_info_t *ci = &VEC(t->slots, slot_info_t)[t->carrier];
    ci->size = cb;
    ci->seq = t->seq++;
    ci->touch = AM_TOUCH_NONE;
    t->bopen = 1;
    t->bfill = 0;
    t->bsizes.len = 0;
  }
  slot_info_t *si = &VEC(t->slots, slot_info_t)[s];
  if (am_mvec_reserve(&t->bsizes, t->bsizes.len + 1) != 0) { g->err = AM_ENOMEM; return; }
  VEC(t->bsizes, uint64_t)[t->bsizes.len++] = si->size | (uint64_t)si->touch << BSZ_TOUCH_SHIFT;
  emit(g, t, AM_OP_PACK, AM_TOUCH_NONE, t->bfill, s, t->carrier);
  push32(g, &t->freelist, s);
  if (++t->bfill == pr->handoff_batch) am_gen_batch_send(g, t);
}

/* The owner is done with object s: hand it off (SEND) or free it. */
void am_gen_obj_end(gen_t *g, gthr_t *t, uint32_t s) {
  const am_program_t *pr = t->prog;
  if (pr->handoff_ratio > 0 && (pr->handoff_to == AM_TO_ROLE || g->T > 1) &&
      (pr->handoff_ratio >= 1 || am_rng_double(&t->rng) < pr->handoff_ratio)) {
    if (pr->handoff_batch > 1) { batch_put(g, t, s); return; }
    unsigned c = target_channel(g, t);
    if (g->err) return;
    slot_info_t *si = &VEC(t->slots, slot_info_t)[s];
    chan_put(g, c, (msg_t){si->size, g->round, 0, 0, t->id, 0, si->touch});
    if (g->err) return;
    emit(g, t, AM_OP_SEND, (am_touch_t)si->touch, VEC(g->chans, chan_t)[c].rt, s, si->size);
    push32(g, &t->freelist, s); /* still counted live on t until received */
    return;
  }
  am_gen_obj_free(g, t, s);
}

/* A received carrier in slot c: take out and free each object, then the carrier. */
static void unpack(gen_t *g, gthr_t *t, const chan_t *ch, const msg_t *m, uint32_t c) {
  const uint64_t *bs = VEC(ch->bsz, uint64_t) + m->boff;
  for (uint32_t i = 0; i < m->nb && !g->err; i++) {
    uint32_t y = am_gen_slot_take(g, t);
    if (g->err) return;
    slot_info_t *si = &VEC(t->slots, slot_info_t)[y];
    si->size = bs[i] & ((1ull << BSZ_TOUCH_SHIFT) - 1);
    si->seq = t->seq++;
    si->touch = (uint8_t)(bs[i] >> BSZ_TOUCH_SHIFT);
    emit(g, t, AM_OP_UNPACK, AM_TOUCH_NONE, i, y, c);
    am_gen_obj_free(g, t, y);
  }
  slot_info_t *ci = &VEC(t->slots, slot_info_t)[c];
  emit(g, t, AM_OP_FREE, AM_TOUCH_NONE, 0, c, ci->size);
  t->n_free++;
  t->live -= ci->size;
  push32(g, &t->freelist, c);
}

static void recv_part(gen_t *g, gthr_t *t, uint64_t upto) {
  for (size_t i = 0; i < t->in_chans.len && !g->err; i++) {
    uint32_t c = VEC(t->in_chans, uint32_t)[i];
    chan_t *ch = &VEC(g->chans, chan_t)[c];
    msg_t *q = VEC(ch->q, msg_t);
    while (ch->head < ch->q.len && q[ch->head].round <= upto && !g->err) {
      msg_t m = q[ch->head++];
      g->pending[t->id]--;
      uint32_t s = am_gen_slot_take(g, t);
      if (g->err) return;
      slot_info_t *si = &VEC(t->slots, slot_info_t)[s];
      si->size = m.size;
      si->seq = t->seq++;
      si->touch = m.touch;
      emit(g, t, AM_OP_RECV, (am_touch_t)m.touch, ch->rt, s, m.size);
      g->th[m.src].live -= m.size + m.total;
      live_add(t, m.size + m.total);
      if (m.nb > 0) { unpack(g, t, ch, &m, s); continue; }
      am_gen_obj_free(g, t, s);
    }
    if (ch->head == ch->q.len) ch->head = ch->q.len = ch->bsz.len = 0;
  }
}

/* The receive part of a round: only threads with objects queued to them (the order
 * does not matter: each call appends to its own thread's stream only). */
void am_gen_recv_round(gen_t *g, uint64_t upto) {
  unsigned keep = 0;
  for (unsigned k = 0; k < g->n_dirty; k++) {
    unsigned t = g->dirty[k];
    recv_part(g, &g->th[t], upto);
    if (g->pending[t] > 0) g->dirty[keep++] = t;
    else g->in_dirty[t] = 0;
  }
  g->n_dirty = keep;
}

/* ---- the main thread's set-up (window fill "main") ---- */
static void setup_emit(gen_t *g, am_op_kind_t kind, am_touch_t touch, unsigned thread, uint32_t slot, uint64_t size) {
  if (g->write) {
    if (am_mvec_reserve(&g->setup, g->setup.len + 1) != 0) { g->err = AM_ENOMEM; return; }
    VEC(g->setup, am_op_t)[g->setup.len++] = (am_op_t){(uint8_t)kind, (uint8_t)touch, (uint16_t)thread, slot, size};
  }
  g->n_setup++;
}

/* A new malloc or calloc object of thread ti's program in its slot s, made by the main thread. */
static void fill_one(gen_t *g, unsigned ti, uint32_t s) {
  gthr_t *t = &g->th[ti];
  const am_program_t *pr = t->prog;
  uint64_t size = am_dist_sample(&pr->size, &g->mrng);
  int kind = pr->mix_only;
  if (kind < 0) kind = am_rng_double(&g->mrng) * pr->mix_cum[AM_MIX_N - 1] < pr->mix_cum[AM_MIX_MALLOC] ? AM_MIX_MALLOC : AM_MIX_CALLOC;
  slot_info_t *si = &VEC(t->slots, slot_info_t)[s];
  si->size = size;
  si->seq = t->seq++;
  si->touch = (uint8_t)pr->touch_kind[kind];
  setup_emit(g, kind == AM_MIX_CALLOC ? AM_OP_CALLOC : AM_OP_MALLOC, pr->touch_kind[kind], ti, s, size);
  live_add(t, size);
}

/* Larson's warm-up, in general: the main thread allocates the `live` objects of every
 * window with fill "main" (all threads together), deals them out in a random order (so
 * each thread's objects are scattered among everybody's), then replaces random ones
 * fill_churn times over. Emitted into the set-up stream, run before the timer. */
void am_gen_main_fill(gen_t *g) {
  uint64_t N = 0, churn = 0;
  for (unsigned i = 0; i < g->T; i++) {
    const am_life_t *l = &g->th[i].prog->life;
    if (l->kind == AM_LIFE_WINDOW && l->fill_main && g->th[i].target > 0) { N += l->count; churn += (uint64_t)l->count * l->fill_churn; }
  }
  if (N == 0) return;
  am_mvec_t own, perm;
  am_mvec_init(&own, sizeof(uint64_t));
  am_mvec_init(&perm, sizeof(uint32_t));
  if (am_mvec_reserve(&own, N) != 0 || am_mvec_reserve(&perm, N) != 0) { g->err = AM_ENOMEM; goto out; }
  uint64_t *o = VEC(own, uint64_t);
  uint32_t *pm = VEC(perm, uint32_t);
  size_t k = 0;
  for (unsigned i = 0; i < g->T && !g->err; i++) {
    gthr_t *t = &g->th[i];
    const am_life_t *l = &t->prog->life;
    if (!(l->kind == AM_LIFE_WINDOW && l->fill_main && t->target > 0)) continue;
    for (uint32_t j = 0; j < l->count && !g->err; j++, k++) {
      uint32_t s = am_gen_slot_take(g, t);
      push32(g, &t->held, s);
      o[k] = (uint64_t)i << 32 | s;
      pm[k] = (uint32_t)k;
    }
  }
  am_gen_shuffle(&g->mrng, pm, (size_t)N);
  for (k = 0; k < N && !g->err; k++) fill_one(g, (unsigned)(o[pm[k]] >> 32), (uint32_t)o[pm[k]]);
  for (uint64_t c = 0; c < churn && !g->err; c++) {
    uint64_t x = o[am_rng_below(&g->mrng, N)];
    gthr_t *t = &g->th[x >> 32];
    slot_info_t *si = &VEC(t->slots, slot_info_t)[(uint32_t)x];
    setup_emit(g, AM_OP_FREE, (am_touch_t)si->touch, (unsigned)(x >> 32), (uint32_t)x, si->size);
    t->live -= si->size;
    fill_one(g, (unsigned)(x >> 32), (uint32_t)x);
  }
out:
  am_mvec_free(&own);
  am_mvec_free(&perm);
}
