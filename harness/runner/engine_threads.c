/* harness/runner/engine_threads.c — the engine's worker threads (engine.h): how a
 * stream's thread waits for `go`, meets the main thread at the barriers, frees what it
 * holds between rounds, hands its stream to a successor at RESPAWN, and the live-bytes
 * samples its peers and the sampler read.
 *
 * The per-stream state lives in am_worker_t, not in the OS thread: at RESPAWN the
 * thread creates its successor (which joins it and calls thread_init) and leaves; the
 * successor carries on with the same stream and takes its place at the barriers. The
 * last thread of each stream posts `finished` and is joined by the main thread. */
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "engine_int.h"
#include "front.h"

__attribute__((format(printf, 3, 4)))
void am_engine_fail(am_engine_t *e, int status, const char *fmt, ...) {
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


/* One sample of the live total: every allocated sum, then every freed sum (see
 * engine.h for why this is a lower bound). Clamped at 0. */
uint64_t am_live_sum(const am_engine_t *e) {
  uint64_t a = 0, f = 0;
  for (unsigned t = 0; t < e->n; t++) a += atomic_load_explicit(&e->wk[t].live_alloc, memory_order_relaxed);
  atomic_thread_fence(memory_order_acquire);
  for (unsigned t = 0; t < e->n; t++) f += atomic_load_explicit(&e->wk[t].live_freed, memory_order_relaxed);
  return a > f ? a - f : 0;
}

uint64_t am_live_probe(void *ctx) { return am_live_sum(ctx); }

/* A worker's own sample (PHASE marker, end of its stream). */
__attribute__((noinline)) void am_live_sample(am_worker_t *wk) {
  uint64_t v = am_live_sum(wk->e);
  if (v > wk->live_seen) wk->live_seen = v;
  wk->live_samples++;
}


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
  int rc = pthread_create(&t, NULL, am_engine_worker_main, wk);
  if (rc != 0) {
    wk->has_pred = 0;
    wk->resuming = 0;
    if (timed) wk->respawns--;
    am_engine_fail(e, AM_THREAD_FAIL_STATUS(rc), "thread %u op %zu: respawn: pthread_create: %s", wk->id, at, strerror(rc));
    return -1;
  }
  /* From here on wk belongs to the successor. */
  if (b->thread_exit != NULL) b->thread_exit();
  return 0;
}

void *am_engine_worker_main(void *arg) {
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
    int rc = (timed && e->lat_every) ? am_engine_run_latency(wk) : am_engine_run_plain(wk);
    if (rc == RC_RESPAWN) {
      if (respawn(wk, timed) == 0) return NULL;
    } else if (rc == RC_OOM) {
      const am_op_t *op = &wk->ops[wk->pos];
      am_engine_fail(e, AM_ENGINE_OOM, "thread %u op %zu: %s of %llu bytes returned NULL", wk->id, wk->pos,
                  am_engine_op_names[op->kind], (unsigned long long)op->size);
    }
    wk->end_ns = am_now_ns();
    if (rc == RC_OK) am_live_sample(wk); /* the end of this stream (after its timer stops) */
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

void am_engine_wait_ready(am_engine_t *e, unsigned target) {
  for (unsigned spins = 0; atomic_load_explicit(&e->ready, memory_order_acquire) < target; spins++) {
    if (spins < 100) sched_yield();
    else {
      struct timespec ts = {0, 20000};
      nanosleep(&ts, NULL);
    }
  }
}

