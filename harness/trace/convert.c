/* harness/trace/convert.c — makes a recording replay-ready: events in sequence order
 * (the raw reader, or an importer) in, an .amtrace out (trace_write.c).
 *
 * Two passes over the events.
 *  1. Hand-offs. Addresses are followed from the call that produced a block
 *     (allocation or realloc) to the next call that uses it (free or realloc); when
 *     those ran on different replay threads the producing event is marked with the
 *     consumer. Recorded threads map to replay threads i % AM_TRACE_MAX_THREADS.
 *  2. Streams. Each replay thread gets its ops; addresses become dense slot ids of the
 *     thread that holds the block (a free list per thread: slot tables sized by the
 *     peak of blocks held, not by allocations). A marked block is sent on the
 *     (producer, consumer) channel right after it is produced; the consumer receives,
 *     in the channel's order, everything up to that block just before it uses it —
 *     the cross-thread free becomes a happens-before edge, and since every RECV waits
 *     for a SEND earlier in sequence order the streams cannot deadlock. Frees of
 *     addresses never allocated in the recording (memory from before it began) are
 *     counted as orphans and dropped; a realloc of one becomes a realloc of an empty
 *     slot (a malloc). An address allocated while the trace says it is still live
 *     (importers without a global order) is repaired: the older block is freed there.
 *     realloc(p, 0) returning NULL is a free. Streams are cut into chunks at event
 *     boundaries every chunk_ops ops, so every RECV of chunk k has its SEND in a
 *     chunk <= k; each channel's capacity is the most entries it holds in one chunk.
 * The statistics of trace-info (sizes, lifetimes, calls, threads) are gathered in
 * pass 2 and stored in the footer as JSON. Driver-side code (plain malloc). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "results.h"
#include "trace_int.h"

#define NONE UINT32_MAX
#define HIST 48

typedef struct obj_s {
  uint64_t addr, size, seq, ts;
  uint32_t holder;         /* replay thread holding it, NONE: in a channel         */
  uint32_t slot, chan;
  uint32_t rec;            /* recorded thread that produced it                      */
  uint64_t event;          /* index of the producing event (pass 1)                 */
  uint64_t bev, pev;       /* pass 2: event of its birth; of its current size       */
  uint32_t next_free;      /* pool free list                                        */
  uint8_t crossed;         /* came through a channel                                */
} obj_t;

/* Open addressing, key 0 marks an empty slot; address 0 itself (a foreign trace may
 * hold one) lives apart in has0/val0. */
typedef struct map_s { uint64_t *key; uint32_t *val; size_t cap, len; int has0; uint32_t val0; } map_t;

typedef struct mark_s { uint64_t event; uint32_t dst; } mark_t;

typedef struct rt_s {          /* a replay thread                                   */
  am_op_t *ops;
  size_t n, cap;
  uint32_t *free_slots;
  size_t n_free, free_cap;
  uint32_t n_slots;
  uint64_t total, chunk_max, hash;
  uint32_t live_threads;   /* recorded threads started on it and not ended         */
  int used;                /* a recorded thread ran on it                           */
} rt_t;

typedef struct chan_s {
  uint32_t src, dst;
  uint32_t *q;             /* objects in flight, FIFO                               */
  size_t head, len, cap;
  uint64_t sends, recvs, start_inflight, start_sends, need;
} chan_t;

/* Per recorded thread: a realloc in progress; with call times, the end of its last call
 * and the gap (its own time between calls) not yet written as a PAUSE. */
typedef struct pend_s { int active; uint32_t slot; uint32_t obj; uint64_t addr; int timed; uint64_t last_end, gap; } pend_t;
#define AM_PACE_MIN_NS 1000 /* shorter gaps are carried into the next PAUSE */

typedef struct cv_s {
  am_diag_t *d;
  const char *out;
  int err;                 /* AM_ENOMEM seen                                        */
  uint32_t T, recorded;    /* replay threads, recorded threads                      */
  obj_t *objs;
  size_t n_objs, objs_cap;
  uint32_t obj_free;
  map_t map;
  mark_t *marks;
  size_t n_marks, marks_cap, mark_at;
  rt_t *rt;
  chan_t *ch;
  size_t n_ch, ch_cap;
  uint32_t *chan_of;       /* T * T: channel + 1                                    */
  pend_t *pend;            /* per recorded thread                                   */
  size_t pend_cap;
  uint64_t chunk_ops, chunk_emitted, chunks;
  am_tw_t *w;
  /* statistics */
  uint64_t by_kind[16], calls[AM_RAW_CALL_MAX], usable, frees_total, crossed_frees;
  uint64_t live, peak, live_objs, peak_objs, orphan_frees, orphan_reallocs, repaired, failed;
  uint64_t size_hist[HIST], life_hist[HIST], life_ns_hist[HIST];
  uint64_t first_ts, last_ts, events;
  int timestamps, call_ns;
  am_tstats_t *st;         /* size profile, timeline, call times (trace_stats.c)    */
  uint32_t prev_rt;        /* replay thread of the last event that made ops          */
  int have_prev;
  uint64_t pauses, paused_ns, gates, respawns;
} cv_t;

static int oom(cv_t *c) {
  c->err = 1;
  return am_diag(c->d, AM_ENOMEM, "%s: out of memory while converting", c->out);
}

static int grow(void **p, size_t *cap, size_t need, size_t esz) {
  if (need <= *cap) return 0;
  size_t n = *cap ? *cap : 16;
  while (n < need) n *= 2;
  void *q = realloc(*p, n * esz);
  if (q == NULL) return -1;
  *p = q;
  *cap = n;
  return 0;
}

/* ---- address map: linear probing, backward-shift deletion ---- */
static size_t hslot(const map_t *m, uint64_t k) { return (size_t)((k * 0x9e3779b97f4a7c15ull) >> 20) & (m->cap - 1); }

static int map_grow(map_t *m) {
  map_t n = {calloc(m->cap * 2, 8), malloc(m->cap * 2 * 4), m->cap * 2, 0, 0, 0};
  if (n.key == NULL || n.val == NULL) { free(n.key); free(n.val); return -1; }
  for (size_t i = 0; i < m->cap; i++) {
    if (m->key[i] == 0) continue;
    size_t j = hslot(&n, m->key[i]);
    while (n.key[j] != 0) j = (j + 1) & (n.cap - 1);
    n.key[j] = m->key[i];
    n.val[j] = m->val[i];
    n.len++;
  }
  free(m->key); free(m->val);
  n.has0 = m->has0;
  n.val0 = m->val0;
  *m = n;
  return 0;
}
static uint32_t map_get(const map_t *m, uint64_t k) {
  if (k == 0) return m->has0 ? m->val0 : NONE;
  for (size_t j = hslot(m, k);; j = (j + 1) & (m->cap - 1)) {
    if (m->key[j] == k) return m->val[j];
    if (m->key[j] == 0) return NONE;
  }
}
/* Insert or replace; returns the replaced value or NONE; -2 as NONE-1 on no memory. */
static int map_put(map_t *m, uint64_t k, uint32_t v, uint32_t *old) {
  *old = NONE;
  if (k == 0) {
    if (m->has0) *old = m->val0;
    m->has0 = 1;
    m->val0 = v;
    return 0;
  }
  if ((m->len + 1) * 2 > m->cap && map_grow(m) != 0) return -1;
  size_t j = hslot(m, k);
  while (m->key[j] != 0 && m->key[j] != k) j = (j + 1) & (m->cap - 1);
  if (m->key[j] == k) *old = m->val[j];
  else m->len++;
  m->key[j] = k;
  m->val[j] = v;
  return 0;
}
static void map_del(map_t *m, uint64_t k) {
  if (k == 0) { m->has0 = 0; return; }
  size_t j = hslot(m, k);
  while (m->key[j] != k) { if (m->key[j] == 0) return; j = (j + 1) & (m->cap - 1); }
  m->len--;
  for (size_t i = j;;) {
    m->key[i] = 0;
    size_t n = i;
    for (;;) {
      n = (n + 1) & (m->cap - 1);
      if (m->key[n] == 0) return;
      size_t h = hslot(m, m->key[n]);
      /* move n to i when its home h is not cyclically in (i, n] */
      if ((i <= n) ? (h <= i || h > n) : (h <= i && h > n)) break;
    }
    m->key[i] = m->key[n];
    m->val[i] = m->val[n];
    i = n;
  }
}

/* ---- objects ---- */
static uint32_t obj_new(cv_t *c) {
  uint32_t id;
  if (c->obj_free != NONE) { id = c->obj_free; c->obj_free = c->objs[id].next_free; }
  else {
    if (grow((void **)&c->objs, &c->objs_cap, c->n_objs + 1, sizeof *c->objs) != 0) { oom(c); return NONE; }
    id = (uint32_t)c->n_objs++;
  }
  memset(&c->objs[id], 0, sizeof c->objs[id]);
  return id;
}
static void obj_release(cv_t *c, uint32_t id) { c->objs[id].next_free = c->obj_free; c->obj_free = id; }

static uint32_t rmap(const cv_t *c, uint32_t rec) { return rec % c->T; }

static pend_t *pend_of(cv_t *c, uint32_t rec) {
  size_t old = c->pend_cap;
  if (grow((void **)&c->pend, &c->pend_cap, (size_t)rec + 1, sizeof *c->pend) != 0) { oom(c); return NULL; }
  if (c->pend_cap > old) memset(c->pend + old, 0, (c->pend_cap - old) * sizeof *c->pend);
  return &c->pend[rec];
}

/* ---- pass 1 ---- */
static void mark(cv_t *c, const obj_t *o, uint32_t dst) {
  if (grow((void **)&c->marks, &c->marks_cap, c->n_marks + 1, sizeof *c->marks) != 0) { oom(c); return; }
  c->marks[c->n_marks++] = (mark_t){o->event, dst};
}

static void p1_produce(cv_t *c, uint64_t addr, uint32_t rt, uint64_t ev) {
  uint32_t id = obj_new(c), old;
  if (id == NONE) return;
  c->objs[id].holder = rt;
  c->objs[id].event = ev;
  if (map_put(&c->map, addr, id, &old) != 0) { oom(c); return; }
  if (old != NONE) obj_release(c, old);
}

/* The block at addr is used by rt: mark its producer when that was another thread. */
static uint32_t p1_consume(cv_t *c, uint64_t addr, uint32_t rt) {
  uint32_t id = map_get(&c->map, addr);
  if (id == NONE) return NONE;
  if (c->objs[id].holder != rt) mark(c, &c->objs[id], rt);
  map_del(&c->map, addr);
  return id;
}

static void pass1_event(cv_t *c, const am_raw_event_t *e, uint64_t ev) {
  uint32_t rt = rmap(c, e->thread);
  pend_t *p;
  switch (e->kind) {
  case AM_RAW_MALLOC: case AM_RAW_CALLOC: case AM_RAW_ALIGNED: p1_produce(c, e->ptr, rt, ev); break;
  case AM_RAW_FREE: { uint32_t id = p1_consume(c, e->ptr, rt); if (id != NONE) obj_release(c, id); break; }
  case AM_RAW_REALLOC_FREE:
    if ((p = pend_of(c, e->thread)) == NULL) return;
    p->active = 1;
    p->addr = e->ptr;
    p->obj = p1_consume(c, e->ptr, rt);
    break;
  case AM_RAW_REALLOC:
    if ((p = pend_of(c, e->thread)) == NULL) return;
    if (p->active && p->obj != NONE) obj_release(c, p->obj);
    if (e->ptr != 0) p1_produce(c, e->ptr, rt, ev);
    else if (p->active && e->size != 0) p1_produce(c, p->addr, rt, ev); /* failed: the old block lives on */
    p->active = 0;
    p->obj = NONE;
    break;
  default: break;
  }
}

static int mark_cmp(const void *a, const void *b) {
  const mark_t *x = a, *y = b;
  return x->event < y->event ? -1 : x->event > y->event;
}

/* ---- pass 2: emitting ---- */
static void emit(cv_t *c, uint32_t t, am_op_kind_t k, unsigned arg, uint32_t slot, uint64_t size) {
  rt_t *r = &c->rt[t];
  if (grow((void **)&r->ops, &r->cap, r->n + 1, sizeof *r->ops) != 0) { oom(c); return; }
  am_op_t *o = &r->ops[r->n++];
  o->kind = (uint8_t)k;
  o->touch = AM_TOUCH_NONE;
  o->arg = (uint16_t)arg;
  o->slot = slot;
  o->size = size;
  c->by_kind[k]++;
  c->chunk_emitted++;
}

static uint32_t slot_take(cv_t *c, uint32_t t) {
  rt_t *r = &c->rt[t];
  if (r->n_free > 0) return r->free_slots[--r->n_free];
  return r->n_slots++;
}
static void slot_put(cv_t *c, uint32_t t, uint32_t s) {
  rt_t *r = &c->rt[t];
  if (grow((void **)&r->free_slots, &r->free_cap, r->n_free + 1, sizeof *r->free_slots) != 0) { oom(c); return; }
  r->free_slots[r->n_free++] = s;
}

static uint32_t channel(cv_t *c, uint32_t src, uint32_t dst) {
  uint32_t *x = &c->chan_of[(size_t)src * c->T + dst];
  if (*x == 0) {
    if (grow((void **)&c->ch, &c->ch_cap, c->n_ch + 1, sizeof *c->ch) != 0) { oom(c); return 0; }
    memset(&c->ch[c->n_ch], 0, sizeof *c->ch);
    c->ch[c->n_ch].src = src;
    c->ch[c->n_ch].dst = dst;
    *x = (uint32_t)++c->n_ch;
  }
  return *x - 1;
}

static void send(cv_t *c, uint32_t id, uint32_t dst) {
  obj_t *o = &c->objs[id];
  uint32_t k = channel(c, o->holder, dst);
  if (c->err) return;
  chan_t *ch = &c->ch[k];
  emit(c, o->holder, AM_OP_SEND, k, o->slot, 0);
  slot_put(c, o->holder, o->slot);
  if (grow((void **)&ch->q, &ch->cap, ch->len + 1, sizeof *ch->q) != 0) { oom(c); return; }
  ch->q[ch->len++] = id;
  ch->sends++;
  o->holder = NONE;
  o->chan = k;
  o->crossed = 1;
}

/* Get object id into a slot of thread t (receiving what its channel holds before it). */
static uint32_t acquire(cv_t *c, uint32_t t, uint32_t id) {
  obj_t *o = &c->objs[id];
  if (o->holder == t) return o->slot;
  if (o->holder != NONE) send(c, id, t); /* no mark (repaired input): hand it off here */
  if (c->err) return 0;
  chan_t *ch = &c->ch[o->chan];
  if (ch->dst != t) { /* in flight to another thread: receive it there, pass it on */
    uint32_t dst = ch->dst;
    acquire(c, dst, id);
    if (c->err) return 0;
    send(c, id, t);
    ch = &c->ch[o->chan];
  }
  while (ch->head < ch->len && !c->err) {
    uint32_t x = ch->q[ch->head++];
    obj_t *xo = &c->objs[x];
    xo->slot = slot_take(c, t);
    xo->holder = t;
    emit(c, t, AM_OP_RECV, o->chan, xo->slot, 0);
    ch->recvs++;
    if (x == id) break;
  }
  if (ch->head == ch->len) ch->head = ch->len = 0;
  return o->slot;
}

static void hist_add(uint64_t *h, uint64_t v) {
  unsigned b = v == 0 ? 0 : 64 - (unsigned)__builtin_clzll(v);
  h[b < HIST ? b : HIST - 1]++;
}

static void live_add(cv_t *c, int64_t bytes, int64_t objs) {
  c->live += (uint64_t)bytes;
  c->live_objs += (uint64_t)objs;
  if (c->live > c->peak) c->peak = c->live;
  if (c->live_objs > c->peak_objs) c->peak_objs = c->live_objs;
}

/* A produced block: slot already set; hand it off when pass 1 marked this event. */
static void produced(cv_t *c, uint32_t id, uint64_t ev) {
  while (c->mark_at < c->n_marks && c->marks[c->mark_at].event < ev) c->mark_at++;
  if (c->mark_at < c->n_marks && c->marks[c->mark_at].event == ev) send(c, id, c->marks[c->mark_at++].dst);
}

static void drop(cv_t *c, uint32_t id, uint32_t t, const am_raw_event_t *e);

static uint32_t new_block(cv_t *c, uint32_t t, const am_raw_event_t *e, uint64_t addr, uint64_t size) {
  uint32_t id = obj_new(c), old;
  if (id == NONE) return NONE;
  obj_t *o = &c->objs[id];
  o->addr = addr;
  o->size = size;
  o->seq = e->seq;
  o->ts = e->ts;
  o->rec = e->thread;
  o->holder = t;
  o->bev = o->pev = c->events - 1;
  am_tstats_birth(c->st, o->bev, size, e->kind == AM_RAW_REALLOC, 1);
  if (map_put(&c->map, addr, id, &old) != 0) { oom(c); return NONE; }
  if (old != NONE) { c->repaired++; drop(c, old, c->objs[old].holder == NONE ? c->ch[c->objs[old].chan].dst : c->objs[old].holder, e); }
  live_add(c, (int64_t)size, 1);
  hist_add(c->size_hist, size);
  return id;
}

static void life(cv_t *c, const obj_t *o, const am_raw_event_t *e) {
  am_tstats_end(c->st, c->events - 1, o->pev, o->size);
  am_tstats_free_at(c->st, c->events - 1, o->bev, o->rec != e->thread);
  hist_add(c->life_hist, e->seq - o->seq);
  if (c->timestamps) hist_add(c->life_ns_hist, e->ts - o->ts);
}

/* Free block id on thread t (its address is already out of the map or replaced). */
static void drop(cv_t *c, uint32_t id, uint32_t t, const am_raw_event_t *e) {
  uint32_t s = acquire(c, t, id);
  if (c->err) return;
  obj_t *o = &c->objs[id];
  emit(c, t, AM_OP_FREE, 0, s, o->size);
  slot_put(c, t, s);
  live_add(c, -(int64_t)o->size, -1);
  life(c, o, e);
  c->frees_total++;
  if (o->rec != e->thread) c->crossed_frees++;
  obj_release(c, id);
}

static unsigned log2_up(uint64_t a) {
  unsigned l = 0;
  while (l < 63 && ((uint64_t)1 << l) < a) l++;
  return l;
}

static void p2_realloc(cv_t *c, uint32_t t, const am_raw_event_t *e, uint64_t ev) {
  pend_t *p = pend_of(c, e->thread);
  if (p == NULL) return;
  c->calls[e->call ? AM_RAW_CALL_REALLOCARRAY : AM_RAW_CALL_REALLOC]++;
  if (e->ptr == 0) {
    if (p->active && e->size == 0) { /* realloc(p, 0) freed p */
      if (p->obj != NONE) {
        obj_t *o = &c->objs[p->obj];
        emit(c, t, AM_OP_FREE, 0, p->slot, o->size);
        live_add(c, -(int64_t)o->size, -1);
        life(c, o, e);
        c->frees_total++;
        obj_release(c, p->obj);
      }
      slot_put(c, t, p->slot);
    } else if (p->active) { /* failed: the old block is still there */
      c->failed++;
      if (p->obj != NONE) {
        uint32_t old;
        c->objs[p->obj].holder = t;
        if (map_put(&c->map, p->addr, p->obj, &old) != 0) oom(c);
        produced(c, p->obj, ev);
      } else {
        slot_put(c, t, p->slot);
      }
    }
    p->active = 0;
    return;
  }
  uint32_t id;
  if (p->active && p->obj != NONE) {
    id = p->obj;
    obj_t *o = &c->objs[id];
    uint32_t old;
    live_add(c, (int64_t)e->size - (int64_t)o->size, 0);
    hist_add(c->size_hist, e->size);
    am_tstats_end(c->st, c->events - 1, o->pev, o->size);
    am_tstats_birth(c->st, c->events - 1, e->size, 1, 0);
    o->pev = c->events - 1;
    o->addr = e->ptr;
    o->size = e->size;
    o->holder = t;
    if (map_put(&c->map, e->ptr, id, &old) != 0) { oom(c); return; }
    if (old != NONE && old != id) { c->repaired++; drop(c, old, c->objs[old].holder == NONE ? c->ch[c->objs[old].chan].dst : c->objs[old].holder, e); }
  } else {
    uint32_t s = p->active ? p->slot : slot_take(c, t);
    id = new_block(c, t, e, e->ptr, e->size);
    if (id == NONE) return;
    c->objs[id].slot = s;
  }
  p->active = 0;
  emit(c, t, AM_OP_REALLOC, 0, c->objs[id].slot, e->size);
  produced(c, id, ev);
}

/* Time inside the real call (timestamps with call times, raw.h). */
static void call_time(cv_t *c, const am_raw_event_t *e) {
  switch (e->kind) {
  case AM_RAW_MALLOC: am_tstats_call(c->st, AM_RAW_CALL_MALLOC, e->dur); break;
  case AM_RAW_CALLOC: am_tstats_call(c->st, AM_RAW_CALL_CALLOC, e->dur); break;
  case AM_RAW_ALIGNED: case AM_RAW_FAILED: am_tstats_call(c->st, e->call, e->dur); break;
  case AM_RAW_REALLOC: am_tstats_call(c->st, e->call ? AM_RAW_CALL_REALLOCARRAY : AM_RAW_CALL_REALLOC, e->dur); break;
  case AM_RAW_FREE: am_tstats_call(c->st, AM_RAW_CALL_MAX, e->dur); break;
  default: break;
  }
}

static void pass2_body(cv_t *c, const am_raw_event_t *e, uint64_t ev);

/* Call times: the recorded thread's own time since its last call ends here; once it
 * reaches AM_PACE_MIN_NS it becomes a PAUSE before this event's ops (paced replay). */
static void pace(cv_t *c, const am_raw_event_t *e) {
  pend_t *p = pend_of(c, e->thread);
  if (p == NULL) return;
  if (p->timed && e->ts > p->last_end) p->gap += e->ts - p->last_end;
  p->timed = 1;
  p->last_end = e->ts + e->dur;
  int ops = e->kind == AM_RAW_MALLOC || e->kind == AM_RAW_CALLOC || e->kind == AM_RAW_ALIGNED || e->kind == AM_RAW_FREE ||
            e->kind == AM_RAW_REALLOC_FREE || e->kind == AM_RAW_REALLOC;
  if (!ops || p->gap < AM_PACE_MIN_NS) return;
  emit(c, rmap(c, e->thread), AM_OP_PAUSE, 0, 0, p->gap);
  c->pauses++;
  c->paused_ns += p->gap;
  p->gap = 0;
}

/* A recorded thread starts. On a replay thread that ran none yet, the start waits for
 * the last event before it in sequence order (a SEND of an empty slot there, received
 * first here: the thread's creation point as a happens-before edge). On a replay
 * thread whose earlier recorded threads all ended (more than AM_TRACE_MAX_THREADS
 * threads), a RESPAWN: the worker thread exits and a new one goes on. */
static void thread_begin(cv_t *c, const am_raw_event_t *e) {
  uint32_t t = rmap(c, e->thread);
  rt_t *r = &c->rt[t];
  if (r->used && r->live_threads == 0) {
    emit(c, t, AM_OP_RESPAWN, 0, 0, 0);
    c->respawns++;
  } else if (!r->used && c->have_prev && c->prev_rt != t) {
    uint32_t id = obj_new(c);
    if (id == NONE) return;
    obj_t *o = &c->objs[id];
    o->holder = c->prev_rt;
    o->slot = slot_take(c, c->prev_rt);
    o->rec = e->thread;
    send(c, id, t);
    uint32_t s = acquire(c, t, id);
    if (c->err) return;
    slot_put(c, t, s);
    obj_release(c, id);
    c->gates++;
  }
  r->used = 1;
  r->live_threads++;
}

static void pass2_event(cv_t *c, const am_raw_event_t *e, uint64_t ev) {
  if (c->timestamps) { if (c->events == 0) c->first_ts = e->ts; c->last_ts = e->ts; }
  am_tstats_tick(c->st, c->events);
  c->events++;
  if (c->call_ns) { call_time(c, e); pace(c, e); }
  if (e->kind == AM_RAW_THREAD_START) thread_begin(c, e);
  else if (e->kind == AM_RAW_THREAD_END && c->rt[rmap(c, e->thread)].live_threads > 0) c->rt[rmap(c, e->thread)].live_threads--;
  else if (e->kind != AM_RAW_USABLE && e->kind != AM_RAW_FAILED) { c->prev_rt = rmap(c, e->thread); c->have_prev = 1; }
  pass2_body(c, e, ev);
  am_tstats_live(c->st, c->live);
}

static void pass2_body(cv_t *c, const am_raw_event_t *e, uint64_t ev) {
  uint32_t t = rmap(c, e->thread), id;
  pend_t *p;
  switch (e->kind) {
  case AM_RAW_MALLOC: case AM_RAW_CALLOC: case AM_RAW_ALIGNED: {
    uint64_t size = e->size;
    unsigned arg = 0;
    am_op_kind_t k = e->kind == AM_RAW_MALLOC ? AM_OP_MALLOC : e->kind == AM_RAW_CALLOC ? AM_OP_CALLOC : AM_OP_ALIGNED;
    c->calls[e->kind == AM_RAW_MALLOC ? AM_RAW_CALL_MALLOC : e->kind == AM_RAW_CALLOC ? AM_RAW_CALL_CALLOC : e->call]++;
    if (k == AM_OP_ALIGNED) {
      arg = log2_up(e->align);
      if (e->call == AM_RAW_CALL_PVALLOC) size = size == 0 ? e->align : (size + e->align - 1) / e->align * e->align;
    }
    if ((id = new_block(c, t, e, e->ptr, size)) == NONE) return;
    c->objs[id].slot = slot_take(c, t);
    emit(c, t, k, arg, c->objs[id].slot, size);
    produced(c, id, ev);
    break;
  }
  case AM_RAW_FREE:
    if ((id = map_get(&c->map, e->ptr)) == NONE) { c->orphan_frees++; break; }
    map_del(&c->map, e->ptr);
    drop(c, id, t, e);
    break;
  case AM_RAW_REALLOC_FREE:
    if ((p = pend_of(c, e->thread)) == NULL) return;
    p->active = 1;
    p->addr = e->ptr;
    p->obj = map_get(&c->map, e->ptr);
    if (p->obj == NONE) { c->orphan_reallocs++; p->slot = slot_take(c, t); break; }
    map_del(&c->map, e->ptr);
    p->slot = acquire(c, t, p->obj);
    break;
  case AM_RAW_REALLOC: p2_realloc(c, t, e, ev); break;
  case AM_RAW_USABLE: c->usable++; break;
  case AM_RAW_FAILED: c->failed++; break;
  default: break;
  }
}

/* ---- chunks ---- */
static int chunk_flush(cv_t *c) {
  am_tw_chunk_begin(c->w);
  for (uint32_t t = 0; t < c->T; t++) {
    rt_t *r = &c->rt[t];
    int rc = am_tw_block(c->w, (uint32_t)c->chunks, t, r->ops, r->n, c->d);
    if (rc != 0) return rc;
    r->hash = am_ops_hash(r->hash, r->ops, r->n);
    r->total += r->n;
    if (r->n > r->chunk_max) r->chunk_max = r->n;
    r->n = 0;
  }
  for (size_t k = 0; k < c->n_ch; k++) {
    chan_t *ch = &c->ch[k];
    uint64_t need = ch->start_inflight + (ch->sends - ch->start_sends);
    if (need > ch->need) ch->need = need;
    ch->start_inflight = ch->sends - ch->recvs;
    ch->start_sends = ch->sends;
  }
  c->chunks++;
  c->chunk_emitted = 0;
  return 0;
}

static cJSON *hist_json(const uint64_t *h) {
  cJSON *a = cJSON_CreateArray();
  for (unsigned b = 0; b < HIST; b++) {
    if (h[b] == 0) continue;
    cJSON *e = cJSON_CreateObject();
    am_json_add_u64(e, "le", b == 0 ? 0 : b >= 64 ? UINT64_MAX : ((uint64_t)1 << b) - 1);
    am_json_add_u64(e, "count", h[b]);
    cJSON_AddItemToArray(a, e);
  }
  return a;
}

static char *stats_json(const cv_t *c) {
  static const char *const call_names[AM_RAW_CALL_MAX] = {
    "aligned_alloc", "posix_memalign", "memalign", "valloc", "pvalloc", "malloc", "calloc", "realloc", "reallocarray"};
  cJSON *s = cJSON_CreateObject();
  cJSON *calls = cJSON_AddObjectToObject(s, "calls");
  for (unsigned k = 0; k < AM_RAW_CALL_MAX; k++) am_json_add_u64(calls, call_names[k], c->calls[k]);
  am_json_add_u64(calls, "free", c->frees_total + c->orphan_frees);
  am_json_add_u64(calls, "malloc_usable_size", c->usable);
  am_json_add_u64(s, "events", c->events);
  am_json_add_u64(s, "recorded_threads", c->recorded);
  am_json_add_u64(s, "cross_thread_frees", c->crossed_frees);
  am_json_add_num(s, "cross_thread_share", c->frees_total ? (double)c->crossed_frees / (double)c->frees_total : 0);
  cJSON_AddItemToObject(s, "size_histogram", hist_json(c->size_hist));
  cJSON_AddItemToObject(s, "lifetime_events_histogram", hist_json(c->life_hist));
  if (c->timestamps) {
    cJSON_AddItemToObject(s, "lifetime_ns_histogram", hist_json(c->life_ns_hist));
    am_json_add_u64(s, "duration_ns", c->last_ts - c->first_ts);
  }
  am_tstats_json(c->st, c->events, s);
  cJSON *rp = cJSON_AddObjectToObject(s, "replay");
  am_json_add_u64(rp, "thread_gates", c->gates);
  am_json_add_u64(rp, "respawns", c->respawns);
  am_json_add_u64(rp, "pauses", c->pauses);
  am_json_add_u64(rp, "paused_ns", c->paused_ns);
  char *txt = cJSON_PrintUnformatted(s);
  cJSON_Delete(s);
  return txt;
}

static int finish(cv_t *c, const am_event_src_t *src) {
  uint32_t T = c->T;
  am_tf_thread_t *th = calloc(T ? T : 1, sizeof *th);
  am_tf_channel_t *ch = calloc(c->n_ch ? c->n_ch : 1, sizeof *ch);
  char *js = stats_json(c);
  if (th == NULL || ch == NULL || js == NULL) { free(th); free(ch); free(js); return oom(c); }
  am_tf_footer_t f;
  memset(&f, 0, sizeof f);
  f.threads = T;
  f.channels = (uint32_t)c->n_ch;
  f.recorded_threads = c->recorded;
  f.checksum = AM_OPS_HASH_SEED;
  for (uint32_t t = 0; t < T; t++) {
    th[t] = (am_tf_thread_t){c->rt[t].n_slots, 0, c->rt[t].total, c->rt[t].chunk_max};
    f.stream_ops += c->rt[t].total;
    f.checksum = am_ops_hash_combine(f.checksum, c->rt[t].hash);
  }
  for (size_t k = 0; k < c->n_ch; k++) ch[k] = (am_tf_channel_t){c->ch[k].src, c->ch[k].dst, c->ch[k].need};
  memcpy(f.by_kind, c->by_kind, sizeof f.by_kind);
  f.ops = c->by_kind[AM_OP_MALLOC] + c->by_kind[AM_OP_CALLOC] + c->by_kind[AM_OP_REALLOC] +
          c->by_kind[AM_OP_ALIGNED] + c->by_kind[AM_OP_FREE];
  f.peak_live_bytes = c->peak;
  f.peak_live_objects = c->peak_objs;
  f.orphan_frees = c->orphan_frees;
  f.orphan_reallocs = c->orphan_reallocs;
  f.repaired = c->repaired;
  f.failed = c->failed;
  f.end_live_bytes = c->live;
  f.end_live_objects = c->live_objs;
  f.flags = (src->complete ? AM_TF_FLAG_COMPLETE : 0) | (c->timestamps ? AM_TF_FLAG_TIMESTAMPS : 0);
  int rc = am_tw_finish(c->w, &f, th, ch, js, c->d);
  c->w = NULL;
  free(th); free(ch); free(js);
  return rc;
}

static void cv_free(cv_t *c) {
  if (c->w != NULL) am_tw_abort(c->w);
  for (uint32_t t = 0; c->rt != NULL && t < c->T; t++) { free(c->rt[t].ops); free(c->rt[t].free_slots); }
  for (size_t k = 0; k < c->n_ch; k++) free(c->ch[k].q);
  free(c->rt); free(c->ch); free(c->chan_of); free(c->pend); free(c->objs); free(c->marks);
  free(c->map.key); free(c->map.val);
  am_tstats_free(c->st);
}

static int map_init(cv_t *c) {
  free(c->map.key); free(c->map.val);
  c->map.cap = 1024;
  c->map.len = 0;
  c->map.has0 = 0;
  c->map.key = calloc(c->map.cap, 8);
  c->map.val = malloc(c->map.cap * 4);
  c->n_objs = 0;
  c->obj_free = NONE;
  if (c->pend) memset(c->pend, 0, c->pend_cap * sizeof *c->pend);
  return c->map.key != NULL && c->map.val != NULL ? 0 : oom(c);
}

static int pass(cv_t *c, am_event_src_t *src, int second) {
  am_raw_event_t e;
  int rc;
  uint64_t ev = 0;
  while ((rc = src->next(src->ctx, &e, c->d)) == 1) {
    if (!second) {
      if (e.thread + 1 > c->recorded) c->recorded = e.thread + 1;
      if (e.kind == AM_RAW_THREAD_START || e.kind == AM_RAW_THREAD_END) { ev++; continue; }
      pass1_event(c, &e, ev);
    } else {
      pass2_event(c, &e, ev);
      if (c->chunk_emitted >= c->chunk_ops && (rc = chunk_flush(c)) != 0) return rc;
    }
    if (c->err) return AM_ENOMEM;
    ev++;
  }
  return rc;
}

int am_trace_convert(am_event_src_t *src, const char *out_path, const am_convert_opts_t *o, am_diag_t *d) {
  cv_t c;
  memset(&c, 0, sizeof c);
  c.d = d;
  c.out = out_path;
  c.chunk_ops = o != NULL && o->chunk_ops ? o->chunk_ops : AM_TRACE_CHUNK_OPS;
  c.timestamps = (src->meta.flags & AM_RAW_FLAG_TIMESTAMPS) != 0;
  c.call_ns = c.timestamps && (src->meta.flags & AM_RAW_FLAG_CALL_NS) != 0;
  c.st = am_tstats_new();
  if (c.st == NULL) return oom(&c);
  c.T = AM_TRACE_MAX_THREADS; /* pass 1 maps modulo the limit, as pass 2 does */
  int rc = map_init(&c);
  if (rc == 0) rc = pass(&c, src, 0);
  if (rc == 0) {
    c.T = c.recorded < AM_TRACE_MAX_THREADS ? c.recorded : AM_TRACE_MAX_THREADS;
    if (c.T == 0) c.T = 1;
    if (c.n_marks > 0) qsort(c.marks, c.n_marks, sizeof *c.marks, mark_cmp); /* NULL with none: UB for qsort */
    c.rt = calloc(c.T, sizeof *c.rt);
    c.chan_of = calloc((size_t)c.T * c.T, sizeof *c.chan_of);
    if (c.rt == NULL || c.chan_of == NULL) rc = oom(&c);
    for (uint32_t t = 0; rc == 0 && t < c.T; t++) c.rt[t].hash = AM_OPS_HASH_SEED;
  }
  if (rc == 0) rc = map_init(&c);
  if (rc == 0) rc = src->rewind(src->ctx, d);
  if (rc == 0) rc = am_tw_open(out_path, &src->meta, c.timestamps ? AM_TF_FLAG_TIMESTAMPS : 0, c.T, o == NULL || !o->no_compress, &c.w, d);
  if (rc == 0) rc = pass(&c, src, 1);
  if (rc == 0 && (c.chunk_emitted > 0 || c.chunks == 0)) rc = chunk_flush(&c);
  if (rc == 0) rc = finish(&c, src);
  cv_free(&c);
  return rc;
}
