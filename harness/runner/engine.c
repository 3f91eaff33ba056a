/* harness/runner/engine.c — the replay engine (see engine.h): worker threads, replays
 * on barriers, the op loop, RESPAWN, and the measurements around the timed replay.
 *
 * Threads and rounds. Round r (0..warmup) is one replay of every stream. The main
 * thread waits until every stream is ready, prepares the round, stores go = r+1 and
 * then sleeps in the `done` barrier; workers spin on `go`, run their stream, stamp their
 * end and enter `done`. The main thread measures, then both pass the `release` barrier
 * and each worker frees the blocks it still holds. The per-stream state lives in
 * am_worker_t, not in the OS thread: at RESPAWN the thread creates its successor
 * (which joins it and calls thread_init) and leaves; the successor carries on with the
 * same stream and takes its place at the barriers. The last thread of each stream
 * posts `finished` and is joined by the main thread.
 *
 * The op loop is compiled twice from one always_inline body: plain, and with the
 * latency timer around one op in N. Ops run in chunks of AM_CHUNK between two looks
 * at the abort flag, so a failed peer stops everyone within a few microseconds. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "channel.h"
#include "engine.h"
#include "vgmark.h"
#include "front.h"
#include "verify.h"

#define AM_CHUNK 4096 /* ops between two looks at the abort flag */

#if defined(__x86_64__) || defined(__i386__)
#define AM_CPU_RELAX() __builtin_ia32_pause()
#else
#define AM_CPU_RELAX() atomic_signal_fence(memory_order_seq_cst)
#endif

typedef struct am_slot_s {
  void *p;
  uint64_t size; /* size word: see verify.h */
} am_slot_t;

enum { RC_OK = 0, RC_RESPAWN, RC_OOM, RC_CORRUPT, RC_ABORT };

struct am_engine_s;
typedef struct am_worker_s {
  _Alignas(64) struct am_engine_s *e;
  unsigned id;
  const am_op_t *ops;
  size_t n_ops;
  am_slot_t *slots;
  uint32_t n_slots;
  uint64_t *phase_ts;   /* n_phases stamps (absolute ns; 0: not reached) */
  am_lat_hist_t *hist;  /* NULL unless latency mode                       */
  size_t pos;           /* next op                                        */
  unsigned round;
  int resuming;         /* a successor thread continuing mid-round        */
  unsigned lat_countdown;
  uint32_t vtag;        /* VERIFY tag counter                             */
  pthread_t tid, pred;
  int has_pred;
  uint64_t start_ns;     /* when this stream's round started (saw `go`)  */
  uint64_t end_ns;
  uint64_t respawns;
  uint64_t recv_wait_ns;        /* this round: time RECVs waited for their SEND   */
  /* Live requested bytes (engine.h): this round's running sums, written only by the
   * thread running this stream, read by the samplers. */
  _Atomic uint64_t live_alloc;  /* requested bytes allocated                     */
  _Atomic uint64_t live_freed;  /* requested bytes freed                         */
  uint64_t live_seen;           /* largest live sum this worker sampled          */
  uint64_t live_samples;        /* how many                                      */
  int phase_cur;                /* phase of the ops counted so far (-1: none)    */
} am_worker_t;

typedef struct am_engine_s {
  const am_backend_t *b;
  const am_workload_t *w;
  am_chan_t *chans;
  am_worker_t *wk;
  unsigned n, rounds, lat_every;
  const char *dump_path;       /* backend's heap map at phase dump_phase (-1: none mid-run) */
  int dump_phase;
  _Atomic int dump_state;      /* 0 not yet, else backend_dump()'s result            */
  _Alignas(64) _Atomic unsigned go;
  _Alignas(64) _Atomic unsigned ready;
  _Alignas(64) _Atomic int abort;
  _Atomic int more;            /* chunked: after `release`, go on with the next chunk */
  _Atomic int status;
  char error[512];
  pthread_barrier_t done, release;
  sem_t finished;
} am_engine_t;

const char *am_engine_status_name(int status) {
  switch (status) {
    case AM_ENGINE_OK: return "ok";
    case AM_ENGINE_OOM: return "oom";
    default: return "error";
  }
}

/* A thread that cannot be started for want of memory (EAGAIN/ENOMEM: no room for its stack
 * under an address-space limit) ends the run as oom, like a NULL from the allocator. */
#define AM_THREAD_FAIL_STATUS(rc) ((rc) == EAGAIN || (rc) == ENOMEM ? AM_ENGINE_OOM : AM_ENGINE_ERROR)

__attribute__((format(printf, 3, 4)))
static void engine_fail(am_engine_t *e, int status, const char *fmt, ...) {
  int expect = AM_ENGINE_OK;
  if (atomic_compare_exchange_strong(&e->status, &expect, status)) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->error, sizeof e->error, fmt, ap);
    va_end(ap);
  }
  atomic_store(&e->abort, 1);
  if (e->chans != NULL) am_chans_wake(e->chans, e->w->n_channels); /* threads asleep in shared queues */
}

/* ---- live requested bytes (engine.h) ---- */

/* Add n to one of this worker's own sums: a relaxed load and store (the worker is the
 * only writer), no read-modify-write. */
static inline __attribute__((always_inline)) void live_add(_Atomic uint64_t *c, uint64_t n) {
  atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}

/* One sample of the live total: every allocated sum, then every freed sum (see
 * engine.h for why this is a lower bound). Clamped at 0. */
static uint64_t live_sum(const am_engine_t *e) {
  uint64_t a = 0, f = 0;
  for (unsigned t = 0; t < e->n; t++) a += atomic_load_explicit(&e->wk[t].live_alloc, memory_order_relaxed);
  atomic_thread_fence(memory_order_acquire);
  for (unsigned t = 0; t < e->n; t++) f += atomic_load_explicit(&e->wk[t].live_freed, memory_order_relaxed);
  return a > f ? a - f : 0;
}

static uint64_t live_probe(void *ctx) { return live_sum(ctx); }

/* A worker's own sample (PHASE marker, end of its stream). */
__attribute__((noinline)) static void live_sample(am_worker_t *wk) {
  uint64_t v = live_sum(wk->e);
  if (v > wk->live_seen) wk->live_seen = v;
  wk->live_samples++;
}

static const char *const op_names[AM_OP_KIND_MAX] = {
  "?", "malloc", "calloc", "realloc", "aligned_alloc", "free", "send", "recv", "write", "phase", "respawn",
  "pack", "unpack",
};

/* touch "pages": a byte at every 4 KiB offset and the last byte (rptest's commit loop). */
static void touch_pages(void *p, uint64_t n) {
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
      engine_fail(wk->e, AM_ENGINE_CORRUPT,
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
      touch_pages(s->p, n);
      break;
    case AM_TOUCH_VERIFY: {
      size_t align = op->kind == AM_OP_ALIGNED ? (size_t)1 << op->arg
                   : n >= _Alignof(max_align_t) ? _Alignof(max_align_t) : 1;
      if (((uintptr_t)s->p & (align - 1)) != 0) {
        engine_fail(wk->e, AM_ENGINE_CORRUPT, "corruption: thread %u op %zu (%s of %llu bytes): %p is not "
                    "aligned to %zu", wk->id, idx, op_names[op->kind], (unsigned long long)n, s->p, align);
        return RC_CORRUPT;
      }
      if (op->kind == AM_OP_CALLOC && am_verify_zero(s->p, n, &bad) != 0) {
        engine_fail(wk->e, AM_ENGINE_CORRUPT, "corruption: thread %u op %zu (calloc of %llu bytes at %p): "
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
  engine_fail(wk->e, AM_ENGINE_CORRUPT,
              "corruption: thread %u op %zu (free of slot %u, %llu bytes at %p): byte +%llu differs from the "
              "pattern written at allocation (blocks overlap or were handed out twice)",
              wk->id, (size_t)(op - wk->ops), op->slot, (unsigned long long)n, s->p, (unsigned long long)bad);
  return -1;
}

static inline void write_rounds(void *p, uint64_t rounds) {
  volatile unsigned char *q = p;
  unsigned char o = q[0];
  for (uint64_t r = 0; r < rounds; r++) q[0] = (unsigned char)(o + r + 1);
  q[0] = o; /* VERIFY blocks keep their pattern */
}

/* ---- the op loop ---- */

/* The backend's heap map into path (am_backend_t.dump). 1 written, -1 the backend has
 * no dump hook, -2 it failed. */
__attribute__((noinline)) static int backend_dump(const am_backend_t *b, const char *path) {
  if (b->dump == NULL) return -1;
  return b->dump(path) == 0 ? 1 : -2;
}

static int exec_other(am_worker_t *wk, const am_backend_t *be, am_slot_t *slots, am_chan_t *chans, const am_op_t *op);

/* PACK / UNPACK (ops.h): entry op->arg of the carrier block in slot op->size. The
 * header word sums the packed objects' requested bytes; the receiver counts them freed
 * at entry 0 (its unpacked slots carry size word 0, so their FREEs add nothing). */
__attribute__((noinline)) static int carrier_op(am_worker_t *wk, am_slot_t *slots, const am_op_t *op) {
  am_slot_t *s = &slots[op->slot], *cs = &slots[op->size];
  uint64_t *cp = cs->p;
  if (cp == NULL || (cs->size & AM_SLOT_SIZE_MASK) < AM_CARRIER_BYTES((uint64_t)op->arg + 1)) {
    engine_fail(wk->e, AM_ENGINE_ERROR, "thread %u op %zu (%s): slot %llu holds no carrier with an entry %u",
                wk->id, (size_t)(op - wk->ops), op_names[op->kind], (unsigned long long)op->size, op->arg);
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
    if (op->arg == 0) live_add(&wk->live_freed, cp[0]);
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
    live_add(&wk->live_alloc, op->size);
    return RC_OK;
  }
  if (op->kind == AM_OP_FREE) {
    am_slot_t *s = &slots[op->slot];
    void *p = s->p;
    uint64_t w = s->size;
    if (__builtin_expect((w & AM_SLOT_VERIFIED) != 0, 0) && free_check(wk, op, s) != 0) return RC_CORRUPT;
    s->p = NULL; /* before the call: the slot need not be kept across it */
    if (p != NULL) {
      live_add(&wk->live_freed, w & AM_SLOT_SIZE_MASK);
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
      live_add(&wk->live_alloc, op->size);
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
      if (old != NULL) live_add(&wk->live_freed, oldw & AM_SLOT_SIZE_MASK);
      live_add(&wk->live_alloc, op->size);
      if (__builtin_expect((oldw & AM_SLOT_VERIFIED) || op->touch != AM_TOUCH_NONE, 0))
        return touch_slow(wk, op, s, old, old != NULL ? oldw : 0);
      return RC_OK;
    }
    case AM_OP_SEND:
      if (am_chan_send(&chans[op->arg], s->p, s->size, &wk->e->abort) != 0) return RC_ABORT;
      s->p = NULL;
      return RC_OK;
    case AM_OP_RECV:
      if (am_chan_recv(&chans[op->arg], &wk->e->abort, &s->p, &s->size, &wk->recv_wait_ns) != 0) return RC_ABORT;
      return RC_OK;
    case AM_OP_PACK:
    case AM_OP_UNPACK:
      return carrier_op(wk, slots, op);
    case AM_OP_WRITE:
      if (s->p != NULL && (s->size & AM_SLOT_SIZE_MASK) != 0) write_rounds(s->p, op->size);
      return RC_OK;
    case AM_OP_PHASE:
      wk->phase_ts[op->arg] = am_now_ns();
      live_sample(wk); /* the previous phase's end */
      if (__builtin_expect((int)op->arg == wk->e->dump_phase, 0) && wk->round + 1 == wk->e->rounds) {
        int expect = 0; /* the first thread to reach the marker writes the map */
        if (atomic_compare_exchange_strong(&wk->e->dump_state, &expect, -2))
          atomic_store(&wk->e->dump_state, backend_dump(wk->e->b, wk->e->dump_path));
      }
      return RC_OK;
    case AM_OP_RESPAWN:
      return RC_RESPAWN;
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

__attribute__((noinline)) static int run_plain(am_worker_t *wk) { return run_ops(wk, 0); }
__attribute__((noinline)) static int run_latency(am_worker_t *wk) { return run_ops(wk, 1); }

/* ---- worker threads ---- */

static void *worker_main(void *arg);


/* Spin (then yield) until go reaches target; -1 if the engine aborted meanwhile. */
static int wait_go(am_engine_t *e, unsigned target) {
  for (unsigned spins = 0; atomic_load_explicit(&e->go, memory_order_acquire) < target; spins++) {
    if (atomic_load_explicit(&e->abort, memory_order_relaxed)) return -1;
    if (spins < 4000) AM_CPU_RELAX();
    else sched_yield();
  }
  return 0;
}

static void free_held(am_worker_t *wk) {
  const am_backend_t *b = wk->e->b;
  for (uint32_t i = 0; i < wk->n_slots; i++)
    if (wk->slots[i].p != NULL) {
      am_free(b, wk->slots[i].p);
      wk->slots[i].p = NULL;
    }
}

/* At RESPAWN: hand the stream to a new thread. 0 if this thread must now leave. */
static int respawn(am_worker_t *wk, int timed) {
  am_engine_t *e = wk->e;
  const am_backend_t *b = e->b;
  size_t at = wk->pos;
  wk->pos++;
  wk->resuming = 1;
  wk->pred = pthread_self();
  wk->has_pred = 1;
  if (timed) wk->respawns++;
  pthread_t t;
  int rc = pthread_create(&t, NULL, worker_main, wk);
  if (rc != 0) {
    wk->has_pred = 0;
    wk->resuming = 0;
    if (timed) wk->respawns--;
    engine_fail(e, AM_THREAD_FAIL_STATUS(rc), "thread %u op %zu: respawn: pthread_create: %s", wk->id, at, strerror(rc));
    return -1;
  }
  /* From here on wk belongs to the successor. */
  if (b->thread_exit != NULL) b->thread_exit();
  return 0;
}

static void *worker_main(void *arg) {
  am_worker_t *wk = arg;
  am_engine_t *e = wk->e;
  wk->tid = pthread_self();
  if (wk->has_pred) {
    pthread_join(wk->pred, NULL);
    wk->has_pred = 0;
  }
  if (e->b->thread_init != NULL) e->b->thread_init();
  while (wk->round < e->rounds) {
    if (!wk->resuming) {
      /* Every block of the previous round is freed: this round's sums start at 0,
       * before `ready` (the main thread starts the sampler after seeing it). */
      atomic_store_explicit(&wk->live_alloc, 0, memory_order_relaxed);
      atomic_store_explicit(&wk->live_freed, 0, memory_order_relaxed);
      wk->recv_wait_ns = 0;
      wk->live_seen = 0;
      wk->live_samples = 0;
      atomic_fetch_add_explicit(&e->ready, 1, memory_order_acq_rel);
      if (wait_go(e, wk->round + 1) != 0) break;
      wk->start_ns = am_now_ns();
      wk->pos = 0;
      wk->lat_countdown = e->lat_every ? e->lat_every : 1;
    }
    wk->resuming = 0;
    int timed = wk->round + 1 == e->rounds;
    int rc = (timed && e->lat_every) ? run_latency(wk) : run_plain(wk);
    if (rc == RC_RESPAWN) {
      if (respawn(wk, timed) == 0) return NULL;
    } else if (rc == RC_OOM) {
      const am_op_t *op = &wk->ops[wk->pos];
      engine_fail(e, AM_ENGINE_OOM, "thread %u op %zu: %s of %llu bytes returned NULL", wk->id, wk->pos,
                  op_names[op->kind], (unsigned long long)op->size);
    }
    wk->end_ns = am_now_ns();
    if (rc == RC_OK) live_sample(wk); /* the end of this stream (after its timer stops) */
    pthread_barrier_wait(&e->done);
    pthread_barrier_wait(&e->release);
    if (atomic_load_explicit(&e->more, memory_order_relaxed)) { /* the next chunk, same round */
      wk->start_ns = am_now_ns();
      wk->resuming = 1;
      continue;
    }
    free_held(wk);
    wk->round++;
    if (atomic_load(&e->abort)) break;
  }
  if (e->b->thread_exit != NULL) e->b->thread_exit();
  sem_post(&e->finished);
  return NULL;
}

/* ---- validation ---- */

/* carried: NULL, or the channels holding what earlier chunks sent and nobody received
 * yet (compacted: their tail is that count). */
static int validate(const am_workload_t *w, const am_chan_t *carried, char *why, size_t cap) {
  if (w == NULL || w->n_threads == 0 || w->streams == NULL) {
    snprintf(why, cap, "no streams");
    return -1;
  }
  size_t nc = w->n_channels ? w->n_channels : 1;
  size_t len = 2 * nc * sizeof(size_t);
  size_t *sends = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (sends == MAP_FAILED) { snprintf(why, cap, "mmap: %s", strerror(errno)); return -1; }
  size_t *recvs = sends + nc;
  int rc = 0;
  for (unsigned t = 0; t < w->n_threads && rc == 0; t++) {
    const am_stream_t *st = &w->streams[t];
    if (st->n_ops != 0 && st->ops == NULL) { snprintf(why, cap, "thread %u: no ops", t); rc = -1; }
    for (size_t i = 0; i < st->n_ops && rc == 0; i++) {
      const am_op_t *op = &st->ops[i];
      const char *bad = NULL;
      if (op->kind < AM_OP_MALLOC || op->kind >= AM_OP_KIND_MAX) bad = "unknown op kind";
      else if (op->kind != AM_OP_PHASE && op->kind != AM_OP_RESPAWN && op->slot >= st->n_slots) bad = "slot out of range";
      else if (op->touch > AM_TOUCH_PAGES) bad = "unknown touch mode";
      else if (op->kind == AM_OP_ALIGNED && op->arg >= 8 * sizeof(size_t) - 1) bad = "alignment out of range";
      else if ((op->kind == AM_OP_SEND || op->kind == AM_OP_RECV) && op->arg >= w->n_channels) bad = "channel out of range";
      else if (op->kind == AM_OP_PHASE && op->arg >= w->n_phases) bad = "phase index out of range";
      else if ((op->kind == AM_OP_PACK || op->kind == AM_OP_UNPACK) && op->size >= st->n_slots) bad = "carrier slot out of range";
      if (bad != NULL) {
        snprintf(why, cap, "thread %u op %zu (kind %u, slot %u, arg %u): %s", t, i, op->kind, op->slot, op->arg, bad);
        rc = -1;
      }
      if (op->kind == AM_OP_SEND) sends[op->arg]++;
      if (op->kind == AM_OP_RECV) recvs[op->arg]++;
    }
  }
  for (unsigned c = 0; c < w->n_channels && rc == 0 && carried != NULL; c++) {
    size_t k = am_chan_inflight(&carried[c]);
    sends[c] += k;
    if (rc == 0 && k > w->channel_capacity[c]) { snprintf(why, cap, "channel %u: %zu in flight", c, k); rc = -1; }
  }
  for (size_t i = 0; i < w->n_setup && rc == 0; i++) { /* the main thread's set-up */
    const am_op_t *op = &w->setup[i];
    const char *bad = NULL;
    if (op->kind != AM_OP_MALLOC && op->kind != AM_OP_CALLOC && op->kind != AM_OP_FREE) bad = "not malloc, calloc or free";
    else if (op->arg >= w->n_threads) bad = "thread out of range";
    else if (op->slot >= w->streams[op->arg].n_slots) bad = "slot out of range";
    else if (op->touch > AM_TOUCH_PAGES || op->touch == AM_TOUCH_VERIFY) bad = "touch mode not for set-up";
    if (bad != NULL) {
      snprintf(why, cap, "set-up op %zu (kind %u, thread %u, slot %u): %s", i, op->kind, op->arg, op->slot, bad);
      rc = -1;
    }
  }
  for (unsigned c = 0; c < w->n_channels && rc == 0; c++) {
    int shared = w->channel_spec != NULL && w->channel_spec[c].kind != AM_CHAN_PAIR;
    if (sends[c] > w->channel_capacity[c] && !shared) { /* a shared queue is bounded: SEND waits */
      snprintf(why, cap, "channel %u: %zu SENDs but capacity %zu", c, sends[c], w->channel_capacity[c]);
      rc = -1;
    } else if (recvs[c] > sends[c]) {
      snprintf(why, cap, "channel %u: %zu RECVs but only %zu SENDs (would wait forever)", c, recvs[c], sends[c]);
      rc = -1;
    }
  }
  munmap(sends, len);
  return rc;
}

int am_workload_validate(const am_workload_t *w, char *why, size_t cap) { return validate(w, NULL, why, cap); }

/* ---- the main thread ---- */

static void *map_zero(size_t len, int populate) {
  void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0), -1, 0);
  return p == MAP_FAILED ? NULL : p;
}
static size_t page_round(size_t n) { return (n + 4095) & ~(size_t)4095; }

static void chan_free(void *ctx, void *p) { am_free(((am_engine_t *)ctx)->b, p); }

/* The workload's set-up stream (ops.h), on this (the main) thread, untimed, while every
 * worker waits for `go`: fills and empties the workers' slots, counting the bytes in
 * their live sums. 0, or -1 with the engine failed (a NULL from the allocator). */
static int run_setup(am_engine_t *e) {
  const am_backend_t *b = e->b;
  for (size_t i = 0; i < e->w->n_setup; i++) {
    const am_op_t *op = &e->w->setup[i];
    am_worker_t *wk = &e->wk[op->arg];
    am_slot_t *s = &wk->slots[op->slot];
    if (op->kind == AM_OP_FREE) {
      if (s->p != NULL) live_add(&wk->live_freed, s->size & AM_SLOT_SIZE_MASK);
      am_free(b, s->p);
      s->p = NULL;
      continue;
    }
    void *p = op->kind == AM_OP_CALLOC ? am_calloc(b, 1, (size_t)op->size) : am_malloc(b, (size_t)op->size);
    if (p == NULL && op->size != 0) {
      engine_fail(e, AM_ENGINE_OOM, "set-up op %zu: %s of %llu bytes returned NULL", i, op_names[op->kind],
                  (unsigned long long)op->size);
      return -1;
    }
    s->p = p;
    s->size = op->size;
    live_add(&wk->live_alloc, op->size);
    if (p == NULL) continue;
    if (op->touch == AM_TOUCH_FIRST && op->size != 0) *(volatile unsigned char *)p = 1;
    else if (op->touch == AM_TOUCH_ALL) memset(p, 0xA5, (size_t)op->size);
    else if (op->touch == AM_TOUCH_PAGES) touch_pages(p, op->size);
  }
  return 0;
}

static void wait_ready(am_engine_t *e, unsigned target) {
  for (unsigned spins = 0; atomic_load_explicit(&e->ready, memory_order_acquire) < target; spins++) {
    if (spins < 100) sched_yield();
    else {
      struct timespec ts = {0, 20000};
      nanosleep(&ts, NULL);
    }
  }
}


/* Ops per phase of the streams (chunk) the workers just ran. */
static void count_phase_ops(am_engine_t *e, am_engine_result_t *r) {
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

/* Per-phase times from the per-thread stamps; op counts from the streams. */
static void collect_phases(am_engine_t *e, uint64_t t0, am_engine_result_t *r, int count) {
  const am_workload_t *w = e->w;
  if (count) count_phase_ops(e, r); /* chunked: counted chunk by chunk */
  for (unsigned t = 0; t < e->n; t++) {
    const am_worker_t *wk = &e->wk[t];
    for (unsigned k = 0; k < w->n_phases; k++) {
      uint64_t ts = wk->phase_ts[k];
      if (ts == 0 || ts < t0) continue;
      /* This thread's phase k ends at its next stamped marker, else at its end. */
      uint64_t end = wk->end_ns;
      for (unsigned j = 0; j < w->n_phases; j++)
        if (wk->phase_ts[j] > ts && wk->phase_ts[j] < end) end = wk->phase_ts[j];
      am_phase_time_t *ph = &r->phases[k];
      if (!ph->seen || ts - t0 < ph->start_ns) ph->start_ns = ts - t0;
      if (!ph->seen || end - t0 > ph->end_ns) ph->end_ns = end - t0;
      ph->seen = 1;
    }
  }
}

/* The timed round is over: read everything while the blocks are still live. */
/* First start and last end of the workers' current chunk (or whole stream). */
static void span(const am_engine_t *e, uint64_t t0, uint64_t *start, uint64_t *end) {
  uint64_t tend = t0, tstart = UINT64_MAX;
  for (unsigned t = 0; t < e->n; t++) {
    if (e->wk[t].end_ns > tend) tend = e->wk[t].end_ns;
    if (e->wk[t].start_ns >= t0 && e->wk[t].start_ns < tstart) tstart = e->wk[t].start_ns;
  }
  if (tstart > tend) tstart = t0;
  *start = tstart;
  *end = tend;
}

static void measure_end(am_engine_t *e, const am_engine_opts_t *o, uint64_t t0, am_engine_result_t *r) {
  /* The timer runs from the first worker's start to the last worker's end: the
   * latency of waking the workers is not charged to the workload. */
  uint64_t tend, tstart;
  span(e, t0, &tstart, &tend);
  if (r->chunks <= 1) r->start_delay_ns = tstart - t0; /* chunked: set at chunk 0's end */
  if (o->hw_counters) am_perf_stop(&r->perf);
  am_metrics_end(&r->m);
  if (r->rss != NULL) am_rss_sampler_stop(r->rss); /* its last point probes the live sum too */
  /* Live bytes: every worker is past `done`, so this sum is exact. */
  r->live_end = live_sum(e);
  r->live_peak_observed = r->live_end;
  r->live_samples = 1;
  if (r->rss != NULL) {
    if (r->rss->probe_max > r->live_peak_observed) r->live_peak_observed = r->rss->probe_max;
    r->live_samples += r->rss->probe_n;
  }
  for (unsigned t = 0; t < e->n; t++) {
    if (e->wk[t].live_seen > r->live_peak_observed) r->live_peak_observed = e->wk[t].live_seen;
    r->live_samples += e->wk[t].live_samples;
  }
  r->wall_ns += tend - tstart; /* chunked: the earlier chunks' spans are in already */
  r->recv_wait_ns = 0; /* the round's total so far (workers keep it across chunks) */
  for (unsigned t = 0; t < e->n; t++) {
    r->recv_wait_ns += e->wk[t].recv_wait_ns;
    r->thread_end_ns[t] = e->wk[t].end_ns > t0 ? e->wk[t].end_ns - t0 : 0;
    r->respawns += e->wk[t].respawns;
  }
  r->backend_stats_rc = am_backend_stats(e->b, &r->backend_stats);
  if (o->dump_path != NULL && o->dump_phase < 0) r->dumped = backend_dump(e->b, o->dump_path);
  else if (o->dump_path != NULL) r->dumped = atomic_load(&e->dump_state) ? atomic_load(&e->dump_state) : -3;
  if (r->lat != NULL)
    for (unsigned t = 0; t < e->n; t++) am_lat_merge(r->lat, e->wk[t].hist);
  collect_phases(e, t0, r, o->next_chunk == NULL);
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
static int rewind_chunks(am_engine_t *e, const am_engine_opts_t *o) {
  char why[384] = "";
  if (o->rewind_chunks(o->chunk_ctx, why, sizeof why) != 0) {
    engine_fail(e, AM_ENGINE_ERROR, "chunk 0: %s", why);
    return -1;
  }
  load_streams(e);
  if (validate(e->w, NULL, why, sizeof why) != 0) {
    engine_fail(e, AM_ENGINE_ERROR, "invalid workload: chunk 0: %s", why);
    return -1;
  }
  return 0;
}

/* Chunked, every worker at `done`: the next chunk of this replay. 1 loaded, 0 none
 * left, -1 with the engine failed. */
static int next_chunk(am_engine_t *e, const am_engine_opts_t *o, uint64_t k) {
  char why[384] = "";
  int more = o->next_chunk(o->chunk_ctx, why, sizeof why);
  if (more < 0) engine_fail(e, AM_ENGINE_ERROR, "chunk %llu: %s", (unsigned long long)k, why);
  if (more <= 0) return more;
  am_chans_compact(e->chans, e->w->n_channels);
  load_streams(e);
  if (validate(e->w, e->chans, why, sizeof why) != 0) {
    engine_fail(e, AM_ENGINE_ERROR, "invalid workload: chunk %llu: %s", (unsigned long long)k, why);
    return -1;
  }
  return 1;
}

int am_engine_run(const am_backend_t *b, const am_workload_t *w, const am_engine_opts_t *o, am_engine_result_t *r) {
  memset(r, 0, sizeof *r);
  for (int i = 0; i < AM_PERF_N; i++) r->perf.fd[i] = -1;
  r->backend_stats_rc = -1;
  am_stats_clear(&r->backend_stats);
  char why[384];
  if (am_workload_validate(w, why, sizeof why) != 0) {
    r->status = AM_ENGINE_ERROR;
    snprintf(r->error, sizeof r->error, "invalid workload: %s", why);
    return r->status;
  }
  unsigned n = w->n_threads;
  r->n_threads = n;
  r->n_phases = w->n_phases;
  am_engine_t *e = map_zero(page_round(sizeof *e), 1);
  size_t wk_len = page_round(n * sizeof(am_worker_t));
  size_t te_len = page_round((n + 1) * sizeof(uint64_t));
  size_t ph_len = page_round((w->n_phases + 1) * sizeof(am_phase_time_t));
  am_worker_t *wk = map_zero(wk_len, 1);
  r->thread_end_ns = map_zero(te_len, 1);
  r->phases = map_zero(ph_len, 1);
  if (e == NULL || wk == NULL || r->thread_end_ns == NULL || r->phases == NULL) {
    r->status = AM_ENGINE_ERROR;
    snprintf(r->error, sizeof r->error, "mmap: %s", strerror(errno));
    if (e != NULL) munmap(e, page_round(sizeof *e));
    if (wk != NULL) munmap(wk, wk_len);
    return r->status;
  }
  e->b = b;
  e->w = w;
  e->wk = wk;
  e->n = n;
  e->rounds = o->warmup + 1;
  e->lat_every = o->latency_every;
  e->dump_path = o->dump_path;
  e->dump_phase = o->dump_path != NULL ? o->dump_phase : -1;
  int setup_ok = 1;
  int chrc = am_chans_create(&e->chans, w->n_channels, w->channel_capacity, w->channel_spec);
  if (chrc != 0) {
    engine_fail(e, AM_ENGINE_ERROR, "channels: mmap: %s", strerror(-chrc));
    setup_ok = 0;
  }
  if (setup_ok && o->latency_every) {
    r->lat = map_zero(sizeof(am_lat_hist_t), 1);
    if (r->lat == NULL) { engine_fail(e, AM_ENGINE_ERROR, "latency: mmap: %s", strerror(errno)); setup_ok = 0; }
    else {
      am_tick_calibrate();
      am_timer_cost(r->lat, 200000, &r->timer_cost);
      memset(r->lat, 0, sizeof *r->lat);
    }
  }
  for (unsigned t = 0; t < n && setup_ok; t++) {
    const am_stream_t *st = &w->streams[t];
    wk[t].e = e;
    wk[t].id = t;
    wk[t].ops = st->ops;
    wk[t].n_ops = st->n_ops;
    wk[t].n_slots = st->n_slots;
    wk[t].phase_cur = -1;
    wk[t].slots = map_zero(page_round(((size_t)st->n_slots + 1) * sizeof(am_slot_t)), 1);
    wk[t].phase_ts = map_zero(page_round(((size_t)w->n_phases + 1) * sizeof(uint64_t)), 1);
    if (o->latency_every) wk[t].hist = map_zero(sizeof(am_lat_hist_t), 1);
    if (wk[t].slots == NULL || wk[t].phase_ts == NULL || (o->latency_every && wk[t].hist == NULL)) {
      engine_fail(e, AM_ENGINE_ERROR, "thread %u: mmap of slot tables: %s", t, strerror(errno));
      setup_ok = 0;
    }
  }
  if (setup_ok && o->rss_interval_ms) {
    r->rss = map_zero(sizeof(am_rss_sampler_t), 1);
    int src = r->rss == NULL ? -errno : am_rss_sampler_init(r->rss, o->rss_interval_ms);
    if (src != 0) { engine_fail(e, AM_ENGINE_ERROR, "rss sampler: %s", strerror(-src)); setup_ok = 0; }
  }
  if (setup_ok && o->hw_counters) am_perf_open(&r->perf); /* before the workers: they inherit it */
  else if (o->hw_counters == 0) snprintf(r->perf.reason[0], sizeof r->perf.reason[0], "disabled");
  pthread_barrier_init(&e->done, NULL, n + 1);
  pthread_barrier_init(&e->release, NULL, n + 1);
  sem_init(&e->finished, 0, 0);
  unsigned started = 0;
  for (; started < n && setup_ok; started++) {
    pthread_t t;
    int rc = pthread_create(&t, NULL, worker_main, &wk[started]);
    if (rc != 0) {
      engine_fail(e, AM_THREAD_FAIL_STATUS(rc), "pthread_create for thread %u: %s", started, strerror(rc));
      setup_ok = 0;
      break;
    }
  }
  for (unsigned round = 0; setup_ok && round < e->rounds; round++) {
    wait_ready(e, n * (round + 1));
    if (round > 0) am_chans_reset(e->chans, w->n_channels, chan_free, e);
    if (round > 0 && o->next_chunk != NULL && rewind_chunks(e, o) != 0) break; /* workers leave on abort */
    if (round == 0) r->m.rss_baseline = am_rss_now();
    if (e->w->n_setup > 0 && run_setup(e) != 0) break; /* workers leave on abort */
    int timed = round + 1 == e->rounds;
    if (timed) {
      for (unsigned t = 0; t < n; t++) memset(wk[t].phase_ts, 0, w->n_phases * sizeof(uint64_t));
      am_metrics_begin(&r->m);
      if (o->hw_counters) am_perf_start(&r->perf);
    }
    if (timed) am_vg_start(); /* --measure instructions counts from here (vgmark.h) */
    uint64_t t0 = am_now_ns();
    if (timed && r->rss != NULL) {
      am_rss_sampler_set_probe(r->rss, live_probe, e);
      am_rss_sampler_start(r->rss, t0);
    }
    atomic_store_explicit(&e->go, round + 1, memory_order_release);
    pthread_barrier_wait(&e->done);
    if (timed) am_vg_stop();
    uint64_t chunks = 1;
    while (o->next_chunk != NULL && !atomic_load(&e->abort)) { /* chunk boundary: timer stopped */
      uint64_t cs, ce;
      span(e, t0, &cs, &ce);
      if (timed) count_phase_ops(e, r);
      if (next_chunk(e, o, chunks) <= 0) break;
      if (timed) {
        if (chunks == 1) r->start_delay_ns = cs - t0;
        r->wall_ns += ce - cs;
      }
      chunks++;
      atomic_store(&e->more, 1);
      if (timed) am_vg_start();
      pthread_barrier_wait(&e->release);
      pthread_barrier_wait(&e->done);
      if (timed) am_vg_stop();
    }
    atomic_store(&e->more, 0);
    if (timed) {
      r->chunks = chunks;
      measure_end(e, o, t0, r);
    }
    int stop = atomic_load(&e->abort);
    pthread_barrier_wait(&e->release);
    if (stop) break;
  }
  if (!setup_ok) atomic_store(&e->abort, 1); /* releases workers waiting for `go` */
  for (unsigned t = 0; t < started; t++)
    while (sem_wait(&e->finished) != 0 && errno == EINTR) {}
  for (unsigned t = 0; t < started; t++) pthread_join(wk[t].tid, NULL);
  if (r->rss != NULL) {
    am_rss_sampler_stop(r->rss);
    am_rss_sampler_set_probe(r->rss, NULL, NULL); /* e is about to go */
  }
  am_perf_close(&r->perf);
  if (e->chans != NULL) am_chans_reset(e->chans, w->n_channels, chan_free, e);
  r->status = atomic_load(&e->status);
  memcpy(r->error, e->error, sizeof r->error);
  pthread_barrier_destroy(&e->done);
  pthread_barrier_destroy(&e->release);
  sem_destroy(&e->finished);
  am_chans_destroy(e->chans, w->n_channels);
  for (unsigned t = 0; t < n; t++) {
    if (wk[t].slots != NULL) munmap(wk[t].slots, page_round(((size_t)wk[t].n_slots + 1) * sizeof(am_slot_t)));
    if (wk[t].phase_ts != NULL) munmap(wk[t].phase_ts, page_round(((size_t)w->n_phases + 1) * sizeof(uint64_t)));
    if (wk[t].hist != NULL) munmap(wk[t].hist, sizeof(am_lat_hist_t));
  }
  munmap(wk, wk_len);
  munmap(e, page_round(sizeof *e));
  return r->status;
}

void am_engine_result_free(am_engine_result_t *r) {
  if (r->thread_end_ns != NULL) munmap(r->thread_end_ns, page_round((r->n_threads + 1) * sizeof(uint64_t)));
  if (r->phases != NULL) munmap(r->phases, page_round((r->n_phases + 1) * sizeof(am_phase_time_t)));
  if (r->rss != NULL) munmap(r->rss, sizeof(am_rss_sampler_t));
  if (r->lat != NULL) munmap(r->lat, sizeof(am_lat_hist_t));
  memset(r, 0, sizeof *r);
}
