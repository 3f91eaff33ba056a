/* harness/runner/engine_ops.c — the op loop (engine.h): one worker's stream executed on
 * the backend, and the slow paths it leaves the hot loop for (touch modes, VERIFY,
 * carriers, PHASE, RESPAWN).
 *
 * The op loop is compiled twice from one always_inline body: plain, and with the
 * latency timer around one op in N. Ops run in chunks of AM_CHUNK between two looks
 * at the abort flag, so a failed peer stops everyone within a few microseconds. The
 * hot path makes no call of ours: only the backend's malloc and free. */
#include <stdio.h>
#include <string.h>
#include "engine_int.h"
#include "front.h"
#include "verify.h"

const char *const am_engine_op_names[AM_OP_KIND_MAX] = {
  "?", "malloc", "calloc", "realloc", "aligned_alloc", "free", "send", "recv", "write", "phase", "respawn",
  "pack", "unpack", "pause",
};

void am_touch_pages(void *p, uint64_t n) {
  volatile unsigned char *q = p;
  for (uint64_t off = 0; off < n; off += 4096) q[off] = 1;
  if (n != 0) q[n - 1] = 1;
}

/* ---- slow paths: touch modes and VERIFY ---- */

/* After an allocation op stored (p, size) in s: apply op->touch. For REALLOC, `old`
 * and `oldw` are the previous block and size word: a VERIFY block's kept prefix is
 * checked first. */
__attribute__((noinline, cold))
static int touch_slow(am_worker_t *wk, const am_op_t *op, am_slot_t *s, const void *old, uint64_t oldw) {
  uint64_t n = op->size, bad = 0;
  size_t idx = (size_t)(op - wk->ops);
  if ((oldw & AM_SLOT_VERIFIED) && s->p != NULL) {
    uint64_t keep = oldw & AM_SLOT_SIZE_MASK;
    if (keep > n) keep = n;
    if (am_verify_check(s->p, keep, am_verify_word(old, oldw), &bad) != 0) {
      am_engine_fail(wk->e, AM_ENGINE_CORRUPT,
                  "corruption: thread %u op %zu (realloc of slot %u, %p -> %p, %llu bytes): byte +%llu of the "
                  "kept contents differs from the pattern written before",
                  wk->id, idx, op->slot, old, s->p, (unsigned long long)n, (unsigned long long)bad);
      return RC_CORRUPT;
    }
  }
  if (s->p == NULL) return RC_OK;
  switch (op->touch) {
    case AM_TOUCH_FIRST:
      if (n != 0) *(volatile unsigned char *)s->p = 1;
      break;
    case AM_TOUCH_ALL:
      memset(s->p, 0xA5, (size_t)n);
      break;
    case AM_TOUCH_PAGES:
      am_touch_pages(s->p, n);
      break;
    case AM_TOUCH_VERIFY: {
      size_t align = op->kind == AM_OP_ALIGNED ? (size_t)1 << op->arg
                   : n >= _Alignof(max_align_t) ? _Alignof(max_align_t) : 1;
      if (((uintptr_t)s->p & (align - 1)) != 0) {
        am_engine_fail(wk->e, AM_ENGINE_CORRUPT, "corruption: thread %u op %zu (%s of %llu bytes): %p is not "
                    "aligned to %zu", wk->id, idx, am_engine_op_names[op->kind], (unsigned long long)n, s->p, align);
        return RC_CORRUPT;
      }
      if (op->kind == AM_OP_CALLOC && am_verify_zero(s->p, n, &bad) != 0) {
        am_engine_fail(wk->e, AM_ENGINE_CORRUPT, "corruption: thread %u op %zu (calloc of %llu bytes at %p): "
                    "byte +%llu is not zero", wk->id, idx, (unsigned long long)n, s->p, (unsigned long long)bad);
        return RC_CORRUPT;
      }
      if (n > AM_SLOT_SIZE_MASK) break; /* too large to tag; never checked */
      uint64_t w = n | ((uint64_t)(wk->vtag++ & AM_SLOT_TAG_MASK) << AM_SLOT_TAG_SHIFT) | AM_SLOT_VERIFIED;
      s->size = w;
      am_verify_fill(s->p, n, am_verify_word(s->p, w));
      break;
    }
    default:
      break;
  }
  return RC_OK;
}

/* Before a VERIFY block is freed: 0 if its contents are intact. */
__attribute__((noinline, cold))
static int free_check(am_worker_t *wk, const am_op_t *op, const am_slot_t *s) {
  uint64_t bad = 0, n = s->size & AM_SLOT_SIZE_MASK;
  if (s->p == NULL || am_verify_check(s->p, n, am_verify_word(s->p, s->size), &bad) == 0) return 0;
  am_engine_fail(wk->e, AM_ENGINE_CORRUPT,
              "corruption: thread %u op %zu (free of slot %u, %llu bytes at %p): byte +%llu differs from the "
              "pattern written at allocation (blocks overlap or were handed out twice)",
              wk->id, (size_t)(op - wk->ops), op->slot, (unsigned long long)n, s->p, (unsigned long long)bad);
  return -1;
}

/* The WRITE op's store loop (false-sharing patterns: 20000 stores per op). Its own
 * function, aligned to a 64-byte line, so the loop sits at the same offset of an
 * instruction-cache line in every backend's runner: inlined, it landed wherever each
 * runner's link put it, and on this project's AMD VM a loop that crosses a 64-byte line
 * ran at half speed in some runners and not others (patterns/README.md, false-sharing). */
__attribute__((noinline, aligned(64))) static void write_rounds(void *p, uint64_t rounds) {
  volatile unsigned char *q = p;
  unsigned char o = q[0];
  for (uint64_t r = 0; r < rounds; r++) q[0] = (unsigned char)(o + r + 1);
  q[0] = o; /* VERIFY blocks keep their pattern */
}

/* ---- the op loop ---- */

__attribute__((noinline)) int am_engine_backend_dump(const am_backend_t *b, const char *path) {
  if (b->dump == NULL) return -1;
  return b->dump(path) == 0 ? 1 : -2;
}

static int exec_other(am_worker_t *wk, const am_backend_t *be, am_slot_t *slots, am_chan_t *chans, const am_op_t *op);

/* A paced replay's recorded gap: busy-wait ns (the program was running, not calling
 * malloc), giving up when the run aborts. */
__attribute__((noinline)) static void pace(am_engine_t *e, uint64_t ns) {
  uint64_t end = am_now_ns() + ns;
  while (am_now_ns() < end && !atomic_load_explicit(&e->abort, memory_order_relaxed)) AM_CPU_RELAX();
}

/* PACK / UNPACK (ops.h): entry op->arg of the carrier block in slot op->size. The
 * header word sums the packed objects' requested bytes; the receiver counts them freed
 * at entry 0 (its unpacked slots carry size word 0, so their FREEs add nothing). */
__attribute__((noinline)) static int carrier_op(am_worker_t *wk, am_slot_t *slots, const am_op_t *op) {
  am_slot_t *s = &slots[op->slot], *cs = &slots[op->size];
  uint64_t *cp = cs->p;
  if (cp == NULL || (cs->size & AM_SLOT_SIZE_MASK) < AM_CARRIER_BYTES((uint64_t)op->arg + 1)) {
    am_engine_fail(wk->e, AM_ENGINE_ERROR, "thread %u op %zu (%s): slot %llu holds no carrier with an entry %u",
                wk->id, (size_t)(op - wk->ops), am_engine_op_names[op->kind], (unsigned long long)op->size, op->arg);
    return RC_ABORT;
  }
  if (op->kind == AM_OP_PACK) {
    if (op->arg == 0) cp[0] = 0;
    cp[0] += s->size & AM_SLOT_SIZE_MASK;
    ((void **)cp)[1 + op->arg] = s->p;
    s->p = NULL;
  } else {
    s->p = ((void **)cp)[1 + op->arg];
    s->size = 0;
    if (op->arg == 0) am_live_add(&wk->live_freed, cp[0]);
  }
  return RC_OK;
}

/* The hot path calls the backend's malloc and free through two function pointers held
 * in registers (mf, ff: b->malloc, b->free) and applies the front layer's rules itself
 * (free(NULL) is skipped; front.h's am_malloc/am_free are exactly these calls). The two
 * commonest ops come first, with plain branches (no jump table): a plain MALLOC and a
 * FREE. Everything else, and MALLOC with a touch mode, goes out of line (exec_other). */
static inline __attribute__((always_inline)) int
exec_op(am_worker_t *wk, const am_backend_t *be, void *(*mf)(size_t), void (*ff)(void *), am_slot_t *slots,
        am_chan_t *chans, const am_op_t *op) {
  if (op->kind == AM_OP_MALLOC && op->touch == AM_TOUCH_NONE) {
    void *p = mf((size_t)op->size);
    if (__builtin_expect(p == NULL, 0) && op->size != 0) return RC_OOM;
    am_slot_t *s = &slots[op->slot]; /* after the call: nothing to keep across it */
    s->p = p;
    s->size = op->size;
    am_live_add(&wk->live_alloc, op->size);
    return RC_OK;
  }
  if (op->kind == AM_OP_FREE) {
    am_slot_t *s = &slots[op->slot];
    void *p = s->p;
    uint64_t w = s->size;
    if (__builtin_expect((w & AM_SLOT_VERIFIED) != 0, 0) && free_check(wk, op, s) != 0) return RC_CORRUPT;
    s->p = NULL; /* before the call: the slot need not be kept across it */
    if (p != NULL) {
      am_live_add(&wk->live_freed, w & AM_SLOT_SIZE_MASK);
      ff(p);
    }
    return RC_OK;
  }
  return exec_other(wk, be, slots, chans, op);
}

/* Every other op: out of line, so the hot loop stays small. */
__attribute__((noinline)) static int
exec_other(am_worker_t *wk, const am_backend_t *be, am_slot_t *slots, am_chan_t *chans, const am_op_t *op) {
  am_slot_t *s = &slots[op->slot];
  void *p;
  switch (op->kind) {
    case AM_OP_MALLOC:
      p = am_malloc(be, (size_t)op->size);
      goto fresh;
    case AM_OP_CALLOC:
      p = am_calloc(be, 1, (size_t)op->size);
      goto fresh;
    case AM_OP_ALIGNED:
      p = am_aligned_alloc(be, (size_t)1 << op->arg, (size_t)op->size);
    fresh:
      if (__builtin_expect(p == NULL, 0) && op->size != 0) return RC_OOM;
      s->p = p;
      s->size = op->size;
      am_live_add(&wk->live_alloc, op->size);
      if (__builtin_expect(op->touch != AM_TOUCH_NONE, 0)) {
        if (op->touch == AM_TOUCH_FIRST) {
          if (op->size != 0) *(volatile unsigned char *)p = 1;
        } else {
          return touch_slow(wk, op, s, NULL, 0);
        }
      }
      return RC_OK;
    case AM_OP_REALLOC: {
      void *old = s->p;
      uint64_t oldw = s->size;
      p = am_realloc(be, old, (size_t)op->size);
      if (__builtin_expect(p == NULL, 0) && op->size != 0) return RC_OOM; /* old block kept */
      s->p = p;
      s->size = op->size;
      if (old != NULL) am_live_add(&wk->live_freed, oldw & AM_SLOT_SIZE_MASK);
      am_live_add(&wk->live_alloc, op->size);
      if (__builtin_expect((oldw & AM_SLOT_VERIFIED) || op->touch != AM_TOUCH_NONE, 0))
        return touch_slow(wk, op, s, old, old != NULL ? oldw : 0);
      return RC_OK;
    }
    case AM_OP_SEND:
      if (am_chan_send(&chans[op->arg], s->p, s->size, &wk->e->abort) != 0) return RC_ABORT;
      s->p = NULL;
      return RC_OK;
    case AM_OP_RECV: {
      uint64_t waited = 0;
      if (am_chan_recv(&chans[op->arg], &wk->e->abort, &s->p, &s->size, &waited) != 0) return RC_ABORT;
      if (s->p != NULL) wk->recv_wait_ns += waited; /* an empty slot: a trace's thread start, not a free's wait */
      return RC_OK;
    }
    case AM_OP_PACK:
    case AM_OP_UNPACK:
      return carrier_op(wk, slots, op);
    case AM_OP_WRITE:
      if (s->p != NULL && (s->size & AM_SLOT_SIZE_MASK) != 0) write_rounds(s->p, op->size);
      return RC_OK;
    case AM_OP_PHASE:
      wk->phase_ts[op->arg] = am_now_ns();
      am_live_sample(wk); /* the previous phase's end */
      if (__builtin_expect((int)op->arg == wk->e->dump_phase, 0) && wk->round + 1 == wk->e->rounds) {
        int expect = 0; /* the first thread to reach the marker writes the map */
        if (atomic_compare_exchange_strong(&wk->e->dump_state, &expect, -2))
          atomic_store(&wk->e->dump_state, am_engine_backend_dump(wk->e->b, wk->e->dump_path));
      }
      return RC_OK;
    case AM_OP_RESPAWN:
      return RC_RESPAWN;
    case AM_OP_PAUSE:
      if (wk->e->paced) pace(wk->e, op->size);
      return RC_OK;
    default:
      return RC_OK;
  }
}

static inline __attribute__((always_inline)) int run_ops(am_worker_t *wk, const int lat) {
  am_engine_t *e = wk->e;
  const am_backend_t *const be = e->b;
  void *(*const mf)(size_t) = be->malloc;
  void (*const ff)(void *) = be->free;
  am_slot_t *const slots = wk->slots;
  am_chan_t *const chans = e->chans;
  const am_op_t *const base = wk->ops, *const end = base + wk->n_ops;
  const am_op_t *op = base + wk->pos;
  am_lat_hist_t *const h = wk->hist;
  const unsigned every = e->lat_every;
  unsigned cd = wk->lat_countdown;
  int rc = RC_OK;
  while (op < end) {
    const am_op_t *stop = (size_t)(end - op) > AM_CHUNK ? op + AM_CHUNK : end;
    for (; op < stop; op++) {
      /* A plain MALLOC whose very next op frees the same slot (a malloc/free pair) runs
       * as one step: the allocator sees the same two calls with the same arguments, and
       * the pointer goes straight from malloc's return to free without a trip through
       * the slot table or a second dispatch. Not in latency mode (two ops, one timing). */
      if (!lat && op->kind == AM_OP_MALLOC && op->touch == AM_TOUCH_NONE && op + 1 < end &&
          __builtin_expect(op[1].kind == AM_OP_FREE && op[1].slot == op->slot, 1)) {
        void *p = mf((size_t)op->size);
        if (__builtin_expect(p == NULL, 0) && op->size != 0) { rc = RC_OOM; goto out; }
        if (p != NULL) ff(p);
        slots[op->slot].p = NULL;
        op++;
        continue;
      }
      if (lat && --cd == 0) {
        cd = every;
        int k = am_lat_kind_index[op->kind];
        uint64_t t0 = am_tick_start();
        rc = exec_op(wk, be, mf, ff, slots, chans, op);
        uint64_t t1 = am_tick_end();
        if (k >= 0) am_lat_record(h, (unsigned)k, t1 - t0);
      } else {
        rc = exec_op(wk, be, mf, ff, slots, chans, op);
      }
      if (__builtin_expect(rc != RC_OK, 0)) goto out;
    }
    if (atomic_load_explicit(&e->abort, memory_order_relaxed)) { rc = RC_ABORT; goto out; }
  }
out:
  wk->pos = (size_t)(op - base);
  wk->lat_countdown = cd;
  return rc;
}

__attribute__((noinline)) int am_engine_run_plain(am_worker_t *wk) { return run_ops(wk, 0); }
__attribute__((noinline)) int am_engine_run_latency(am_worker_t *wk) { return run_ops(wk, 1); }
