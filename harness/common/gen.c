/* harness/common/gen.c — compiles a pattern into per-thread operation streams (ops.h).
 *
 * One generator serves both am_workload_build (ops written to mmap'd streams) and
 * am_workload_estimate (the same walk, ops only counted), so the estimate is exact.
 * Streams depend only on (pattern, threads, seed, quick): each thread draws from its
 * own xoshiro256** (rng.h) and the threads are generated in a fixed order.
 *
 * Structure of a stream: for every phase, a PHASE marker, then the phase in rounds of
 * `round` allocations. In round r each thread first does its own work (allocations,
 * frees, SENDs of objects handed off), then RECEIVES what was sent to it in rounds
 * <= r - lag. After the last round comes the phase end (objects still live are freed
 * or kept), then a drain that receives everything still addressed to the thread.
 * No deadlock: order positions as (phase, round, part) with the send part before the
 * receive part; every RECV waits for a SEND at a strictly earlier position of another
 * thread, and SEND never waits, so the waiting thread at the earliest position always
 * finds its object (README: "Hand-off and deadlock freedom").
 * Peak live bytes: per thread, bytes in its slots plus the objects it sent that are
 * not received yet in this round schedule (lockstep threads); summed over threads.
 * Kept objects are freed explicitly at the start of a phase with free_kept, or after
 * the last phase, so every stream ends with every slot empty.
 *
 * Chunked generation (am_gen_*, pattern.h): the same walk, stopped at round
 * boundaries once a chunk holds max_ops ops and resumed later; the chunks of a thread,
 * concatenated, are exactly its whole stream. A counting walk with the same chunk
 * boundaries first sizes everything the engine preallocates: slot tables, per-thread
 * chunk buffers, and channel entries per chunk (objects in flight at the chunk start
 * plus the chunk's SENDs; the engine compacts its channels between chunks).
 *
 * The walk's state is in gen_int.h; how objects travel between threads (channels,
 * batches, shared queues) and the main thread's set-up stream are in gen_handoff.c.
 */
#include <math.h>
#include "gen_int.h"

static const am_program_t idle_prog; /* threads without a role: receive only */

uint32_t am_gen_slot_take(gen_t *g, gthr_t *t) {
  if (t->freelist.len > 0) return VEC(t->freelist, uint32_t)[--t->freelist.len];
  if (am_mvec_reserve(&t->slots, (size_t)t->n_slots + 1) != 0) { g->err = AM_ENOMEM; return 0; }
  return t->n_slots++;
}

void am_gen_obj_free(gen_t *g, gthr_t *t, uint32_t s) {
  slot_info_t *si = &VEC(t->slots, slot_info_t)[s];
  if (t->prog->write_rounds > 0) emit(g, t, AM_OP_WRITE, AM_TOUCH_NONE, 0, s, t->prog->write_rounds);
  emit(g, t, AM_OP_FREE, (am_touch_t)si->touch, 0, s, si->size);
  t->n_free++;
  t->live -= si->size;
  push32(g, &t->freelist, s);
}

/* One new object of `size` bytes, by the phase's operation mix; returns its slot.
 * counted: it counts towards the phase's allocations (not an empirical prefill). */
static uint32_t obj_make(gen_t *g, gthr_t *t, uint64_t size, int counted) {
  const am_program_t *pr = t->prog;
  int large = pr->large_from > 0 && size >= pr->large_from;
  const double *cum = large ? pr->large_mix_cum : pr->mix_cum;
  int kind = large ? pr->large_mix_only : pr->mix_only;
  if (kind < 0) {
    double u = am_rng_double(&t->rng) * cum[AM_MIX_N - 1];
    for (kind = 0; kind < AM_MIX_N - 1 && !(u < cum[kind]); kind++) {}
  }
  am_touch_t touch = pr->touch_kind[kind];
  uint32_t s = am_gen_slot_take(g, t);
  if (g->err) return 0;
  switch (kind) {
  case AM_MIX_MALLOC: emit(g, t, AM_OP_MALLOC, touch, 0, s, size); live_add(t, size); t->n_alloc++; break;
  case AM_MIX_CALLOC: emit(g, t, AM_OP_CALLOC, touch, 0, s, size); live_add(t, size); t->n_alloc++; break;
  case AM_MIX_ALIGNED: {
    unsigned a = pr->n_aligns == 1 ? pr->align_log2[0] : pr->align_log2[am_rng_below(&t->rng, pr->n_aligns)];
    emit(g, t, AM_OP_ALIGNED, touch, a, s, size);
    live_add(t, size);
    t->n_alloc++;
    break;
  }
  default: { /* a realloc chain: the first REALLOC finds the slot empty (malloc) */
    uint64_t cur = size;
    emit(g, t, AM_OP_REALLOC, touch, 0, s, cur);
    live_add(t, cur);
    t->n_alloc++;
    for (uint32_t k = 1; k < pr->realloc_steps; k++) {
      double next = (double)cur * pr->realloc_factor + 0.5;
      uint64_t n = next < 1 ? 1 : next >= (double)AM_MAX_BLOCK ? AM_MAX_BLOCK : (uint64_t)next;
      emit(g, t, AM_OP_REALLOC, touch, 0, s, n);
      t->live -= cur;
      live_add(t, n);
      t->n_alloc++;
      cur = n;
    }
    size = cur;
  }
  }
  slot_info_t *si = &VEC(t->slots, slot_info_t)[s];
  si->size = size;
  si->seq = t->seq++;
  si->touch = (uint8_t)touch;
  if (!counted) return s;
  t->done++;
  if (pr->respawn > 0 && !pr->respawn_rounds && t->done % pr->respawn == 0) emit(g, t, AM_OP_RESPAWN, AM_TOUCH_NONE, 0, 0, 0);
  return s;
}

static uint32_t obj_alloc(gen_t *g, gthr_t *t) { return obj_make(g, t, am_dist_sample(&t->prog->size, &t->rng), 1); }

/* ---- ordering helpers for frees ---- */
static uint64_t seq_of(const gthr_t *t, uint32_t s) { return VEC(t->slots, slot_info_t)[s].seq; }

static void sift(const gthr_t *t, uint32_t *a, size_t i, size_t n) {
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) return;
    if (c + 1 < n && seq_of(t, a[c + 1]) > seq_of(t, a[c])) c++;
    if (seq_of(t, a[i]) >= seq_of(t, a[c])) return;
    uint32_t x = a[i]; a[i] = a[c]; a[c] = x;
    i = c;
  }
}

/* Sort slots by allocation order (heapsort: no allocation, deterministic). */
static void sort_by_seq(const gthr_t *t, uint32_t *a, size_t n) {
  for (size_t i = n / 2; i-- > 0;) sift(t, a, i, n);
  for (size_t k = n; k-- > 1;) {
    uint32_t x = a[0]; a[0] = a[k]; a[k] = x;
    sift(t, a, 0, k);
  }
}

/* End (owner) or free (kept objects) a list in allocation order, applying `order`. */
static void release_list(gen_t *g, gthr_t *t, uint32_t *a, size_t n, am_order_t order, int end) {
  if (order == AM_ORDER_RANDOM) am_gen_shuffle(&t->rng, a, n);
  for (size_t i = 0; i < n && !g->err; i++) {
    uint32_t s = a[order == AM_ORDER_LIFO ? n - 1 - i : i];
    if (end) am_gen_obj_end(g, t, s);
    else am_gen_obj_free(g, t, s);
  }
}

/* ---- lifetimes ---- */
static void heap_push(gen_t *g, gthr_t *t, heap_ent_t e) {
  if (am_mvec_reserve(&t->heap, t->heap.len + 1) != 0) { g->err = AM_ENOMEM; return; }
  heap_ent_t *h = VEC(t->heap, heap_ent_t);
  size_t i = t->heap.len++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (h[p].expiry < e.expiry || (h[p].expiry == e.expiry && h[p].seq < e.seq)) break;
    h[i] = h[p];
    i = p;
  }
  h[i] = e;
}

static heap_ent_t heap_pop(gthr_t *t) {
  heap_ent_t *h = VEC(t->heap, heap_ent_t), top = h[0], last = h[--t->heap.len];
  size_t n = t->heap.len, i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && (h[c + 1].expiry < h[c].expiry || (h[c + 1].expiry == h[c].expiry && h[c + 1].seq < h[c].seq))) c++;
    if (last.expiry < h[c].expiry || (last.expiry == h[c].expiry && last.seq < h[c].seq)) break;
    h[i] = h[c];
    i = c;
  }
  if (n > 0) h[i] = last;
  return top;
}

/* An empirical object (pattern_emp.c): a row by allocation rate (prefill: by live
 * count), an exponential lifetime in allocations; ended after allocation now + L. */
static void emp_object(gen_t *g, gthr_t *t, int prefill) {
  const am_emp_t *e = t->prog->emp;
  size_t row = prefill ? am_emp_pick(e->live_cum, e->n, am_rng_double(&t->rng) * e->live_total)
                       : am_emp_pick(e->birth_cum, e->n, am_rng_double(&t->rng) * e->birth_total);
  uint32_t s = obj_make(g, t, e->size[row], !prefill);
  if (g->err) return;
  uint64_t now = prefill ? 0 : t->done - 1, expiry = UINT64_MAX;
  double mean = e->mean[row] * t->emp_scale;
  if (isfinite(mean)) {
    double l = floor(-mean * log1p(-am_rng_double(&t->rng)));
    expiry = now + (l >= (double)AM_MAX_LIFETIME ? AM_MAX_LIFETIME : (uint64_t)l);
  }
  heap_push(g, t, (heap_ent_t){expiry, seq_of(t, s), s});
  if (prefill) t->emp_filled += VEC(t->slots, slot_info_t)[s].size;
}

/* The phase start of an empirical program: its scale, then the prefill. */
static void emp_begin(gen_t *g, gthr_t *t) {
  const am_emp_t *e = t->prog->emp;
  uint64_t want = g->quick ? e->quick_live_bytes : e->live_bytes;
  t->emp_scale = (double)want / e->profile_bytes;
  t->emp_filled = 0;
  if (!e->prefill || t->target == 0) return;
  while (t->emp_filled < want && !g->err && g->total <= AM_MAX_OPS) emp_object(g, t, 1);
}

/* One allocation of thread t under its lifetime model. */
static void step(gen_t *g, gthr_t *t) {
  const am_life_t *l = &t->prog->life;
  uint32_t s;
  switch (l->kind) {
  case AM_LIFE_PAIR:
    s = obj_alloc(g, t);
    if (!g->err) am_gen_obj_end(g, t, s);
    break;
  case AM_LIFE_BATCH:
    s = obj_alloc(g, t);
    if (g->err || push32(g, &t->held, s) != 0) return;
    if (t->held.len == l->count) {
      release_list(g, t, VEC(t->held, uint32_t), t->held.len, l->order, 1);
      t->held.len = 0;
    }
    break;
  case AM_LIFE_WINDOW:
    if (t->held.len < l->count) {
      s = obj_alloc(g, t);
      if (!g->err) push32(g, &t->held, s);
    } else {
      uint32_t j = l->replace_oldest ? t->win_pos : (uint32_t)am_rng_below(&t->rng, l->count);
      if (l->replace_oldest) t->win_pos = (t->win_pos + 1) % l->count;
      if (l->alloc_first) { /* the new block first, then the victim goes (malloc-large) */
        uint32_t victim = VEC(t->held, uint32_t)[j];
        s = obj_alloc(g, t);
        if (g->err) return;
        VEC(t->held, uint32_t)[j] = s;
        am_gen_obj_end(g, t, victim);
      } else {
        am_gen_obj_end(g, t, VEC(t->held, uint32_t)[j]);
        s = obj_alloc(g, t);
        VEC(t->held, uint32_t)[j] = s;
      }
    }
    break;
  case AM_LIFE_OPS: {
    s = obj_alloc(g, t);
    if (g->err) return;
    uint64_t now = t->done - 1;
    heap_push(g, t, (heap_ent_t){now + am_dist_sample(&l->allocs, &t->rng), seq_of(t, s), s});
    while (!g->err && t->heap.len > 0 && VEC(t->heap, heap_ent_t)[0].expiry <= now) am_gen_obj_end(g, t, heap_pop(t).slot);
    break;
  }
  case AM_LIFE_PHASE:
  case AM_LIFE_RUN:
    s = obj_alloc(g, t);
    if (!g->err) push32(g, &t->held, s);
    break;
  case AM_LIFE_EMPIRICAL: {
    emp_object(g, t, 0);
    uint64_t now = t->done - 1;
    while (!g->err && t->heap.len > 0 && VEC(t->heap, heap_ent_t)[0].expiry <= now) am_gen_obj_end(g, t, heap_pop(t).slot);
    break;
  }
  }
}

/* Objects still live at the phase end: keep a random fraction, end the rest in order. */
static void phase_end(gen_t *g, gthr_t *t) {
  const am_life_t *l = &t->prog->life;
  am_mvec_t *sc = &t->scratch;
  sc->len = 0;
  if (l->kind == AM_LIFE_OPS || l->kind == AM_LIFE_EMPIRICAL) {
    if (am_mvec_reserve(sc, t->heap.len) != 0) { g->err = AM_ENOMEM; return; }
    for (size_t i = 0; i < t->heap.len; i++) VEC(*sc, uint32_t)[i] = VEC(t->heap, heap_ent_t)[i].slot;
    sc->len = t->heap.len;
    t->heap.len = 0;
  } else {
    if (am_mvec_reserve(sc, t->held.len) != 0) { g->err = AM_ENOMEM; return; }
    if (t->held.len) memcpy(sc->p, t->held.p, t->held.len * sizeof(uint32_t));
    sc->len = t->held.len;
    t->held.len = 0;
  }
  size_t n = sc->len, k = 0;
  if (n == 0) { /* nothing live (and sc->p may be NULL: no pointer arithmetic on it) */
    if (t->bopen && !g->err) am_gen_batch_send(g, t); /* a partial batch */
    return;
  }
  uint32_t *a = VEC(*sc, uint32_t);
  if (l->keep > 0 && l->kind != AM_LIFE_BATCH) {
    double kk = (double)n * l->keep + 0.5;
    k = kk >= (double)n ? n : (size_t)kk;
    for (size_t i = 0; i < k && k < n; i++) { /* a random subset of k objects is kept */
      size_t j = i + (size_t)am_rng_below(&t->rng, n - i);
      uint32_t x = a[i]; a[i] = a[j]; a[j] = x;
    }
    sort_by_seq(t, a, k);
    for (size_t i = 0; i < k; i++) push32(g, &t->kept, a[i]);
  }
  sort_by_seq(t, a + k, n - k);
  release_list(g, t, a + k, n - k, l->order, 1);
  if (t->bopen && !g->err) am_gen_batch_send(g, t); /* a partial batch */
}

static void free_kept(gen_t *g, gthr_t *t, am_order_t order) {
  release_list(g, t, VEC(t->kept, uint32_t), t->kept.len, order, 0);
  t->kept.len = 0;
}

static int over_limit(const gen_t *g) { return g->total > AM_MAX_OPS; }

/* Phase start: roles, PHASE markers, kept objects freed if asked, the round count. */
static int phase_begin(gen_t *g, size_t pi, am_diag_t *d) {
  const am_phase_t *ph = &g->p->phases[pi];
  int role_of[AM_MAX_THREADS];
  int rc = am_phase_assign(g->p, pi, g->T, role_of, d);
  if (rc != 0) return rc;
  memset(g->role_count, 0, sizeof g->role_count);
  for (unsigned i = g->T; i-- > 0;)
    if (role_of[i] >= 0) { g->role_first[role_of[i]] = i; g->role_count[role_of[i]]++; }
  g->rounds = 0;
  g->n_workers = 0;
  g->round = 0;
  memset(g->sq_chan, 0, sizeof g->sq_chan);
  memset(g->sq_rt, 0, sizeof g->sq_rt);
  memset(g->sq_rr, 0, sizeof g->sq_rr);
  for (unsigned i = 0; i < g->T; i++) {
    gthr_t *t = &g->th[i];
    t->prog = role_of[i] >= 0 ? &ph->roles[role_of[i]].prog : &idle_prog;
    t->target = g->quick ? t->prog->quick_allocs : t->prog->allocs;
    t->done = 0;
    t->win_pos = 0;
    t->bopen = 0;
    t->held.len = t->heap.len = 0;
    emit(g, t, AM_OP_PHASE, AM_TOUCH_NONE, (unsigned)pi, 0, 0);
    if (ph->free_kept >= 0) free_kept(g, t, (am_order_t)ph->free_kept);
    if (t->prog->emp != NULL) emp_begin(g, t);
    uint64_t r = (t->target + ph->round - 1) / ph->round;
    if (r > g->rounds) g->rounds = r;
    if (t->target > 0) g->workers[g->n_workers++] = i;
  }
  if (pi == 0) am_gen_main_fill(g);
  return 0;
}

/* Round r of the current phase: every thread's own work, then the receive part. */
static void phase_round(gen_t *g, uint64_t r) {
  const am_phase_t *ph = &g->p->phases[g->pi];
  g->round = r;
  unsigned still = 0;
  for (unsigned k = 0; k < g->n_workers; k++) { /* threads with allocations left, in thread order */
    gthr_t *t = &g->th[g->workers[k]];
    uint64_t end = (r + 1) * ph->round < t->target ? (r + 1) * ph->round : t->target;
    while (t->done < end && !g->err) step(g, t);
    if (t->done < t->target) g->workers[still++] = g->workers[k];
  }
  g->n_workers = still;
  if (r >= ph->lag) am_gen_recv_round(g, r - ph->lag);
  for (unsigned i = 0; i < g->T && !g->err; i++) { /* respawn counted in rounds: after the round's receives */
    gthr_t *t = &g->th[i];
    const am_program_t *pr = t->prog;
    if (pr->respawn_rounds && pr->respawn > 0 && (r + 1) % pr->respawn == 0 && r * ph->round < t->target)
      emit(g, t, AM_OP_RESPAWN, AM_TOUCH_NONE, 0, 0, 0);
  }
}

static void phase_finish(gen_t *g) {
  g->round = g->rounds;
  for (unsigned i = 0; i < g->T && !g->err; i++) phase_end(g, &g->th[i]);
  am_gen_recv_round(g, UINT64_MAX);
}

static int limit_error(const gen_t *g, am_diag_t *d);

/* One step of the walk (see gen_t). 0, or a negative AM_E* code with d filled. */
static int gen_step(gen_t *g, am_diag_t *d) {
  int rc = 0;
  switch (g->state) {
  case ST_PHASE:
    rc = phase_begin(g, g->pi, d);
    g->r = 0;
    g->state = ST_ROUND;
    break;
  case ST_ROUND:
    if (g->r < g->rounds && !g->err) phase_round(g, g->r++);
    if (g->r >= g->rounds || over_limit(g)) g->state = ST_END;
    break;
  case ST_END:
    phase_finish(g);
    g->state = ++g->pi < g->p->n_phases ? ST_PHASE : ST_FINAL;
    break;
  case ST_FINAL:
    for (unsigned i = 0; i < g->T && !g->err; i++) free_kept(g, &g->th[i], AM_ORDER_FIFO);
    g->state = ST_DONE;
    break;
  default:
    break;
  }
  if (rc == 0 && over_limit(g)) rc = limit_error(g, d);
  if (rc == 0 && g->err) rc = am_diag(d, g->err, "%s: out of memory while generating streams", g->p->path);
  return rc;
}

static void gen_free(gen_t *g, int keep_ops) {
  if (g->th != NULL) {
    for (unsigned i = 0; i < g->T; i++) {
      gthr_t *t = &g->th[i];
      if (!keep_ops) am_mvec_free(&t->ops);
      am_mvec_free(&t->slots); am_mvec_free(&t->freelist); am_mvec_free(&t->held);
      am_mvec_free(&t->heap); am_mvec_free(&t->kept); am_mvec_free(&t->scratch); am_mvec_free(&t->in_chans);
      am_mvec_free(&t->bsizes);
    }
    am_unmap(g->th, (size_t)g->T * sizeof *g->th);
  }
  for (size_t c = 0; c < g->chans.len; c++) {
    am_mvec_free(&VEC(g->chans, chan_t)[c].q);
    am_mvec_free(&VEC(g->chans, chan_t)[c].bsz);
  }
  am_mvec_free(&g->chans);
  am_mvec_free(&g->rts);
  if (!keep_ops) am_mvec_free(&g->setup);
  am_unmap(g->chan_of, (size_t)g->T * g->T * sizeof *g->chan_of);
  am_unmap(g->pending, (size_t)g->T * sizeof *g->pending);
  am_unmap(g->dirty, (size_t)g->T * sizeof *g->dirty);
  am_unmap(g->in_dirty, g->T);
  memset(g, 0, sizeof *g); /* a second gen_free is harmless */
}

static int limit_error(const gen_t *g, am_diag_t *d) {
  return am_diag(d, AM_ERANGE, "%s: phases: expected at most %llu operations in all, got more (threads %u%s); "
                 "lower allocs", g->p->path, (unsigned long long)AM_MAX_OPS, g->T, g->quick ? ", quick" : "");
}

/* Set up a walk (nothing emitted yet) and refuse, from a cheap lower bound, a
 * workload far over the limit: every allocation is at least an allocation op and a
 * FREE or SEND. 0, or a negative AM_E* code with d filled and g freed. */
static int gen_init(gen_t *g, const am_pattern_t *p, const am_gen_opts_t *o, int write, am_diag_t *d) {
  memset(g, 0, sizeof *g);
  g->p = p;
  g->T = o != NULL && o->threads != 0 ? o->threads : p->threads[0];
  g->quick = o != NULL && o->quick;
  g->write = write;
  g->state = p->n_phases > 0 ? ST_PHASE : ST_FINAL;
  uint64_t seed = o != NULL && (o->seed_set || o->seed != 0) ? o->seed : p->seed;
  am_mvec_init(&g->chans, sizeof(chan_t));
  am_mvec_init(&g->rts, sizeof(rtchan_t));
  am_mvec_init(&g->setup, sizeof(am_op_t));
  g->seed = seed;
  if (g->T > AM_MAX_THREADS)
    return am_diag(d, AM_ERANGE, "%s: threads: expected a thread count from 1 to %u, got %u", p->path,
                   AM_MAX_THREADS, g->T);
  g->th = am_map((size_t)g->T * sizeof *g->th);
  g->chan_of = am_map((size_t)g->T * g->T * sizeof *g->chan_of);
  g->pending = am_map((size_t)g->T * sizeof *g->pending);
  g->dirty = am_map((size_t)g->T * sizeof *g->dirty);
  g->in_dirty = am_map(g->T);
  if (g->th == NULL || g->chan_of == NULL || g->pending == NULL || g->dirty == NULL || g->in_dirty == NULL) {
    gen_free(g, 0);
    return am_diag(d, AM_ENOMEM, "%s: out of memory", p->path);
  }
  for (unsigned i = 0; i < g->T; i++) {
    gthr_t *t = &g->th[i];
    t->id = i;
    am_rng_seed(&t->rng, seed, i);
    am_mvec_init(&t->ops, sizeof(am_op_t));
    am_mvec_init(&t->slots, sizeof(slot_info_t));
    am_mvec_init(&t->freelist, sizeof(uint32_t));
    am_mvec_init(&t->held, sizeof(uint32_t));
    am_mvec_init(&t->heap, sizeof(heap_ent_t));
    am_mvec_init(&t->kept, sizeof(uint32_t));
    am_mvec_init(&t->scratch, sizeof(uint32_t));
    am_mvec_init(&t->in_chans, sizeof(uint32_t));
    am_mvec_init(&t->bsizes, sizeof(uint64_t));
  }
  am_rng_seed(&g->mrng, seed, g->T); /* the main thread: the stream after the workers' */
  int rc = 0;
  uint64_t lower = 0;
  for (size_t pi = 0; pi < p->n_phases && rc == 0; pi++) {
    int role_of[AM_MAX_THREADS];
    rc = am_phase_assign(p, pi, g->T, role_of, d);
    for (unsigned i = 0; i < g->T && rc == 0; i++)
      if (role_of[i] >= 0) {
        const am_program_t *pr = &p->phases[pi].roles[role_of[i]].prog;
        lower += 2 * (g->quick ? pr->quick_allocs : pr->allocs);
      }
  }
  if (rc == 0 && lower > AM_MAX_OPS) rc = limit_error(g, d);
  if (rc != 0) gen_free(g, 0);
  return rc;
}

static int chans_check(gen_t *g, am_diag_t *d) {
  if (g->rts.len <= 65536) return 0;
  return am_diag(d, AM_ERANGE, "%s: phases: expected at most 65536 hand-off channels, got %zu", g->p->path, g->rts.len);
}

/* Entries engine channel k must hold: its SENDs (or, chunked, its largest chunk need);
 * a shared queue at most its bound, and at least one entry. */
static size_t rt_capacity(const gen_t *g, size_t k, int chunked) {
  const rtchan_t *r = &VEC(g->rts, rtchan_t)[k];
  uint64_t n = chunked ? r->need : r->sends;
  if (r->spec.kind == AM_CHAN_SHARED) {
    if (r->spec.bound > 0 && n > r->spec.bound) n = r->spec.bound;
    if (n == 0) n = 1;
  }
  return (size_t)n;
}

/* Walk the whole workload; on success the caller reads g->th and g->chans. */
static int gen_run(gen_t *g, const am_pattern_t *p, const am_gen_opts_t *o, int write, am_diag_t *d) {
  int rc = gen_init(g, p, o, write, d);
  if (rc != 0) return rc;
  while (rc == 0 && g->state != ST_DONE) rc = gen_step(g, d);
  if (rc == 0) rc = chans_check(g, d);
  if (rc != 0) gen_free(g, 0);
  return rc;
}

int am_workload_estimate(const am_pattern_t *p, const am_gen_opts_t *o, uint64_t *ops, uint64_t *peak, am_diag_t *d) {
  gen_t g;
  int rc = gen_run(&g, p, o, 0, d);
  if (rc != 0) return rc;
  uint64_t n = 0, pk = 0;
  for (unsigned i = 0; i < g.T; i++) { n += g.th[i].n_real; pk += g.th[i].peak; }
  if (ops != NULL) *ops = n;
  if (peak != NULL) *peak = pk;
  gen_free(&g, 0);
  return 0;
}

/* The workload header, its stream table and channel capacities and specs share one mapping. */
static size_t header_bytes(unsigned T, unsigned C) {
  return sizeof(am_workload_t) + (size_t)T * sizeof(am_stream_t) + (size_t)C * (sizeof(size_t) + sizeof(am_chan_spec_t));
}

static void header_init(am_workload_t *w, unsigned T, unsigned C, const gen_t *g, int chunked) {
  w->n_threads = T;
  w->streams = (am_stream_t *)(w + 1);
  w->n_channels = C;
  w->channel_capacity = C ? (size_t *)(w->streams + T) : NULL;
  w->channel_spec = C ? (am_chan_spec_t *)(w->channel_capacity + C) : NULL;
  for (unsigned k = 0; k < C; k++) {
    w->channel_capacity[k] = rt_capacity(g, k, chunked);
    w->channel_spec[k] = VEC(g->rts, rtchan_t)[k].spec;
  }
}

int am_workload_build(const am_pattern_t *p, const am_gen_opts_t *o, am_workload_t **out, am_diag_t *d) {
  *out = NULL;
  gen_t g;
  int rc = gen_run(&g, p, o, 1, d);
  if (rc != 0) return rc;
  unsigned C = (unsigned)g.rts.len;
  am_workload_t *w = am_map(header_bytes(g.T, C));
  if (w == NULL) { gen_free(&g, 0); return am_diag(d, AM_ENOMEM, "%s: out of memory", p->path); }
  header_init(w, g.T, C, &g, 0);
  w->n_phases = (unsigned)p->n_phases;
  w->checksum = AM_OPS_HASH_SEED;
  for (unsigned i = 0; i < g.T; i++) {
    gthr_t *t = &g.th[i];
    am_mvec_shrink(&t->ops);
    w->streams[i].ops = t->ops.p;
    w->streams[i].n_ops = t->n_ops;
    w->streams[i].n_slots = t->n_slots;
    w->total_ops += t->n_real;
    w->alloc_ops += t->n_alloc;
    w->free_ops += t->n_free;
    w->peak_live_bytes += t->peak;
    w->checksum = am_ops_hash_combine(w->checksum, am_ops_hash(AM_OPS_HASH_SEED, t->ops.p, t->n_ops));
  }
  if (g.n_setup > 0) {
    am_mvec_shrink(&g.setup);
    w->setup = g.setup.p;
    w->n_setup = g.n_setup;
    w->checksum = am_ops_hash_combine(w->checksum, am_ops_hash(AM_OPS_HASH_SEED, w->setup, w->n_setup));
  }
  gen_free(&g, 1);
  *out = w;
  return 0;
}

void am_workload_free(am_workload_t *w) {
  if (w == NULL) return;
  for (unsigned i = 0; i < w->n_threads; i++) am_unmap(w->streams[i].ops, w->streams[i].n_ops * sizeof(am_op_t));
  am_unmap(w->setup, w->n_setup * sizeof(am_op_t));
  am_unmap(w, header_bytes(w->n_threads, w->n_channels));
}

/* ---- chunked generation (pattern.h) ---- */

struct am_gen_s {
  gen_t g;                       /* the write walk                                */
  const am_pattern_t *p;
  am_gen_opts_t o;
  uint64_t max_ops, chunks, emitted;
  am_workload_t *w;              /* header; streams point into g.th[t].ops        */
  unsigned C;                    /* channels of the whole workload                */
  uint64_t *hash;                /* 2T: running am_ops_hash per thread, then the
                                    largest chunk of each thread (ops)            */
};

/* Chunk bookkeeping of the channels at a chunk start / end. */
static void chunk_begin(gen_t *g) {
  g->chunk_ops = 0;
  for (unsigned i = 0; i < g->T; i++) { g->th[i].n_ops = 0; g->th[i].ops.len = 0; }
  for (size_t c = 0; c < g->chans.len; c++) {
    chan_t *ch = &VEC(g->chans, chan_t)[c];
    ch->sends0 = ch->sends;
    ch->base = ch->q.len - ch->head;
  }
}

static void chunk_end(gen_t *g) {
  for (size_t k = 0; k < g->rts.len; k++) VEC(g->rts, rtchan_t)[k].acc = 0;
  for (size_t c = 0; c < g->chans.len; c++) {
    chan_t *ch = &VEC(g->chans, chan_t)[c];
    uint64_t n = ch->base + (ch->sends - ch->sends0);
    if (n > ch->need) ch->need = n;
    VEC(g->rts, rtchan_t)[ch->rt].acc += n;
  }
  for (size_t k = 0; k < g->rts.len; k++) {
    rtchan_t *r = &VEC(g->rts, rtchan_t)[k];
    if (r->acc > r->need) r->need = r->acc;
  }
  for (unsigned i = 0; i < g->T; i++)
    if (g->th[i].n_ops > g->th[i].chunk_max) g->th[i].chunk_max = g->th[i].n_ops;
}

/* Steps until the chunk holds max_ops ops or the walk is over. */
static int chunk_walk(gen_t *g, uint64_t max_ops, am_diag_t *d) {
  int rc = 0;
  chunk_begin(g);
  while (rc == 0 && g->state != ST_DONE && g->chunk_ops < max_ops) rc = gen_step(g, d);
  chunk_end(g);
  return rc;
}

void am_gen_close(am_gen_t *gen) {
  if (gen == NULL) return;
  gen_free(&gen->g, 0);
  if (gen->w != NULL) {
    am_unmap(gen->hash, (size_t)gen->w->n_threads * 2 * sizeof(uint64_t));
    am_unmap(gen->w, header_bytes(gen->w->n_threads, gen->C));
  }
  am_unmap(gen, sizeof *gen);
}

/* A fresh write walk from the start, its buffers reserved to the largest chunk. */
static int gen_start(am_gen_t *gen, am_diag_t *d) {
  gen_t *g = &gen->g;
  int rc = gen_init(g, gen->p, &gen->o, 1, d);
  if (rc != 0) return rc;
  for (unsigned i = 0; i < g->T; i++) {
    if (am_mvec_reserve(&g->th[i].ops, (size_t)gen->hash[g->T + i]) != 0) {
      gen_free(g, 0);
      return am_diag(d, AM_ENOMEM, "%s: out of memory for the stream chunks", gen->p->path);
    }
  }
  for (unsigned i = 0; i < g->T; i++) gen->hash[i] = AM_OPS_HASH_SEED;
  gen->emitted = 0;
  return 0;
}

int am_gen_open(const am_pattern_t *p, const am_gen_opts_t *o, uint64_t max_ops, am_gen_t **out, am_diag_t *d) {
  *out = NULL;
  if (max_ops == 0) max_ops = 1;
  gen_t c; /* the counting walk, with the same chunk boundaries */
  int rc = gen_init(&c, p, o, 0, d);
  uint64_t chunks = 0;
  while (rc == 0 && c.state != ST_DONE) { rc = chunk_walk(&c, max_ops, d); chunks++; }
  if (rc == 0) rc = chans_check(&c, d);
  if (rc != 0) {
    if (c.th != NULL) gen_free(&c, 0);
    return rc;
  }
  unsigned T = c.T, C = (unsigned)c.rts.len;
  am_gen_t *gen = am_map(sizeof *gen);
  am_workload_t *w = am_map(header_bytes(T, C));
  uint64_t *hash = am_map((size_t)T * 2 * sizeof(uint64_t));
  if (gen == NULL || w == NULL || hash == NULL) {
    gen_free(&c, 0);
    am_unmap(gen, sizeof *gen);
    am_unmap(w, header_bytes(T, C));
    am_unmap(hash, (size_t)T * 2 * sizeof(uint64_t));
    return am_diag(d, AM_ENOMEM, "%s: out of memory", p->path);
  }
  gen->p = p;
  if (o != NULL) gen->o = *o;
  gen->max_ops = max_ops;
  gen->chunks = chunks;
  gen->C = C;
  gen->hash = hash;
  gen->w = w;
  header_init(w, T, C, &c, 1);
  w->n_phases = (unsigned)p->n_phases;
  for (unsigned i = 0; i < T; i++) {
    gthr_t *t = &c.th[i];
    w->streams[i].n_slots = t->n_slots;
    w->total_ops += t->n_real;
    w->alloc_ops += t->n_alloc;
    w->free_ops += t->n_free;
    w->peak_live_bytes += t->peak;
    hash[T + i] = t->chunk_max;
  }
  gen_free(&c, 0);
  rc = gen_start(gen, d);
  if (rc != 0) {
    memset(&gen->g, 0, sizeof gen->g);
    am_gen_close(gen);
    return rc;
  }
  *out = gen;
  return 0;
}

uint64_t am_gen_chunks(const am_gen_t *gen) { return gen->chunks; }

am_workload_t *am_gen_workload(am_gen_t *gen) { return gen->w; }

int am_gen_next(am_gen_t *gen, am_diag_t *d) {
  gen_t *g = &gen->g;
  am_workload_t *w = gen->w;
  if (g->state == ST_DONE) return 0;
  int rc = chunk_walk(g, gen->max_ops, d);
  if (rc != 0) return rc;
  if (g->rts.len > gen->C)
    return am_diag(d, AM_EINVAL, "%s: chunk %llu: more channels than counted", gen->p->path,
                   (unsigned long long)gen->emitted);
  w->setup = g->setup.p; /* the set-up is made in chunk 0 (phase 0's start) and kept */
  w->n_setup = g->setup.len;
  for (unsigned i = 0; i < g->T; i++) {
    gthr_t *t = &g->th[i];
    w->streams[i].ops = t->ops.p;
    w->streams[i].n_ops = t->n_ops;
    gen->hash[i] = am_ops_hash(gen->hash[i], t->ops.p, t->n_ops);
  }
  gen->emitted++;
  w->checksum = 0;
  if (g->state == ST_DONE) {
    w->checksum = AM_OPS_HASH_SEED;
    for (unsigned i = 0; i < g->T; i++) w->checksum = am_ops_hash_combine(w->checksum, gen->hash[i]);
    if (w->n_setup > 0)
      w->checksum = am_ops_hash_combine(w->checksum, am_ops_hash(AM_OPS_HASH_SEED, w->setup, w->n_setup));
  }
  return 1;
}

int am_gen_rewind(am_gen_t *gen, am_diag_t *d) {
  gen_free(&gen->g, 0);
  memset(&gen->g, 0, sizeof gen->g);
  for (unsigned i = 0; i < gen->w->n_threads; i++) { gen->w->streams[i].ops = NULL; gen->w->streams[i].n_ops = 0; }
  gen->w->setup = NULL;
  gen->w->n_setup = 0;
  gen->w->checksum = 0;
  return gen_start(gen, d);
}
