/* harness/runner/engine.c — the replay engine's main thread (see engine.h): set-up of
 * the tables and threads, the rounds on barriers, the measurements around the timed
 * replay, and teardown. The op loop is in engine_ops.c, the worker threads in
 * engine_threads.c, chunk boundaries in engine_chunks.c, validation in
 * engine_validate.c (engine_int.h lists them).
 *
 * Threads and rounds. Round r (0..warmup) is one replay of every stream. The main
 * thread waits until every stream is ready, prepares the round, stores go = r+1 and
 * then sleeps in the `done` barrier; workers spin on `go`, run their stream, stamp their
 * end and enter `done`. The main thread measures, then both pass the `release` barrier
 * and each worker frees the blocks it still holds. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "engine_int.h"
#include "vgmark.h"
#include "front.h"
#include "verify.h"

const char *am_engine_status_name(int status) {
  switch (status) {
    case AM_ENGINE_OK: return "ok";
    case AM_ENGINE_OOM: return "oom";
    default: return "error";
  }
}

void *am_engine_map_zero(size_t len, int populate) {
  void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0), -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

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
      if (s->p != NULL) am_live_add(&wk->live_freed, s->size & AM_SLOT_SIZE_MASK);
      am_free(b, s->p);
      s->p = NULL;
      continue;
    }
    void *p = op->kind == AM_OP_CALLOC ? am_calloc(b, 1, (size_t)op->size) : am_malloc(b, (size_t)op->size);
    if (p == NULL && op->size != 0) {
      am_engine_fail(e, AM_ENGINE_OOM, "set-up op %zu: %s of %llu bytes returned NULL", i, am_engine_op_names[op->kind],
                  (unsigned long long)op->size);
      return -1;
    }
    s->p = p;
    s->size = op->size;
    am_live_add(&wk->live_alloc, op->size);
    if (p == NULL) continue;
    if (op->touch == AM_TOUCH_FIRST && op->size != 0) *(volatile unsigned char *)p = 1;
    else if (op->touch == AM_TOUCH_ALL) memset(p, 0xA5, (size_t)op->size);
    else if (op->touch == AM_TOUCH_PAGES) am_touch_pages(p, op->size);
  }
  return 0;
}

/* Per-phase times from the per-thread stamps; op counts from the streams. */
static void collect_phases(am_engine_t *e, uint64_t t0, am_engine_result_t *r, int count) {
  const am_workload_t *w = e->w;
  if (count) am_engine_count_phase_ops(e, r); /* chunked: counted chunk by chunk */
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
static void measure_end(am_engine_t *e, const am_engine_opts_t *o, uint64_t t0, am_engine_result_t *r) {
  /* The timer runs from the first worker's start to the last worker's end: the
   * latency of waking the workers is not charged to the workload. */
  uint64_t tend, tstart;
  am_engine_span(e, t0, &tstart, &tend);
  if (r->chunks <= 1) r->start_delay_ns = tstart - t0; /* chunked: set at chunk 0's end */
  if (o->hw_counters) am_perf_stop(&r->perf);
  am_metrics_end(&r->m);
  if (r->rss != NULL) am_rss_sampler_stop(r->rss); /* its last point probes the live sum too */
  /* Live bytes: every worker is past `done`, so this sum is exact. */
  r->live_end = am_live_sum(e);
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
  if (o->dump_path != NULL && o->dump_phase < 0) r->dumped = am_engine_backend_dump(e->b, o->dump_path);
  else if (o->dump_path != NULL) r->dumped = atomic_load(&e->dump_state) ? atomic_load(&e->dump_state) : -3;
  if (r->lat != NULL)
    for (unsigned t = 0; t < e->n; t++) am_lat_merge(r->lat, e->wk[t].hist);
  collect_phases(e, t0, r, o->next_chunk == NULL);
}

/* The engine and the result's tables, zeroed. NULL with r->status and r->error set
 * when memory cannot be mapped. */
static am_engine_t *engine_new(const am_backend_t *b, const am_workload_t *w, const am_engine_opts_t *o,
                               am_engine_result_t *r) {
  unsigned n = w->n_threads;
  r->n_threads = n;
  r->n_phases = w->n_phases;
  am_engine_t *e = am_engine_map_zero(am_page_round(sizeof *e), 1);
  size_t wk_len = am_page_round(n * sizeof(am_worker_t));
  am_worker_t *wk = am_engine_map_zero(wk_len, 1);
  r->thread_end_ns = am_engine_map_zero(am_page_round((n + 1) * sizeof(uint64_t)), 1);
  r->phases = am_engine_map_zero(am_page_round((w->n_phases + 1) * sizeof(am_phase_time_t)), 1);
  if (e == NULL || wk == NULL || r->thread_end_ns == NULL || r->phases == NULL) {
    r->status = AM_ENGINE_ERROR;
    snprintf(r->error, sizeof r->error, "mmap: %s", strerror(errno));
    if (e != NULL) munmap(e, am_page_round(sizeof *e));
    if (wk != NULL) munmap(wk, wk_len);
    return NULL;
  }
  e->b = b;
  e->w = w;
  e->wk = wk;
  e->n = n;
  e->rounds = o->warmup + 1;
  e->lat_every = o->latency_every;
  e->paced = o->paced;
  e->dump_path = o->dump_path;
  e->dump_phase = o->dump_path != NULL ? o->dump_phase : -1;
  return e;
}

/* One worker's slot table, phase stamps and histogram. 0, or -1 with the engine failed. */
static int worker_tables(am_engine_t *e, const am_engine_opts_t *o, unsigned t) {
  const am_stream_t *st = &e->w->streams[t];
  am_worker_t *wk = &e->wk[t];
  wk->e = e;
  wk->id = t;
  wk->ops = st->ops;
  wk->n_ops = st->n_ops;
  wk->n_slots = st->n_slots;
  wk->phase_cur = -1;
  wk->slots = am_engine_map_zero(am_page_round(((size_t)st->n_slots + 1) * sizeof(am_slot_t)), 1);
  wk->phase_ts = am_engine_map_zero(am_page_round(((size_t)e->w->n_phases + 1) * sizeof(uint64_t)), 1);
  if (o->latency_every) wk->hist = am_engine_map_zero(sizeof(am_lat_hist_t), 1);
  if (wk->slots == NULL || wk->phase_ts == NULL || (o->latency_every && wk->hist == NULL)) {
    am_engine_fail(e, AM_ENGINE_ERROR, "thread %u: mmap of slot tables: %s", t, strerror(errno));
    return -1;
  }
  return 0;
}

/* Everything the workers and the measurements need before the first thread starts:
 * channels, latency histograms, slot tables, the RSS sampler, perf counters (opened
 * before the workers: they inherit them). 1 ready, 0 with the engine failed. */
static int engine_prepare(am_engine_t *e, const am_engine_opts_t *o, am_engine_result_t *r) {
  const am_workload_t *w = e->w;
  int chrc = am_chans_create(&e->chans, w->n_channels, w->channel_capacity, w->channel_spec);
  if (chrc != 0) {
    am_engine_fail(e, AM_ENGINE_ERROR, "channels: mmap: %s", strerror(-chrc));
    return 0;
  }
  if (o->latency_every) {
    r->lat = am_engine_map_zero(sizeof(am_lat_hist_t), 1);
    if (r->lat == NULL) { am_engine_fail(e, AM_ENGINE_ERROR, "latency: mmap: %s", strerror(errno)); return 0; }
    am_tick_calibrate();
    am_timer_cost(r->lat, 200000, &r->timer_cost);
    memset(r->lat, 0, sizeof *r->lat);
  }
  for (unsigned t = 0; t < e->n; t++)
    if (worker_tables(e, o, t) != 0) return 0;
  if (o->rss_interval_ms) {
    r->rss = am_engine_map_zero(sizeof(am_rss_sampler_t), 1);
    int src = r->rss == NULL ? -errno : am_rss_sampler_init(r->rss, o->rss_interval_ms);
    if (src != 0) { am_engine_fail(e, AM_ENGINE_ERROR, "rss sampler: %s", strerror(-src)); return 0; }
  }
  if (o->hw_counters) am_perf_open(&r->perf);
  return 1;
}

/* One thread per stream; how many started (all of them, or the engine failed). */
static unsigned start_workers(am_engine_t *e) {
  for (unsigned t = 0; t < e->n; t++) {
    pthread_t tid;
    int rc = pthread_create(&tid, NULL, am_engine_worker_main, &e->wk[t]);
    if (rc != 0) {
      am_engine_fail(e, AM_THREAD_FAIL_STATUS(rc), "pthread_create for thread %u: %s", t, strerror(rc));
      return t;
    }
  }
  return e->n;
}

/* After chunk 0 of a replay (every worker at `done`): the remaining chunks, each loaded
 * with the timer stopped. Returns the replay's chunk count. */
static uint64_t run_chunks(am_engine_t *e, const am_engine_opts_t *o, am_engine_result_t *r, uint64_t t0,
                           int timed) {
  uint64_t chunks = 1;
  while (o->next_chunk != NULL && !atomic_load(&e->abort)) { /* chunk boundary: timer stopped */
    uint64_t cs, ce;
    am_engine_span(e, t0, &cs, &ce);
    if (timed) am_engine_count_phase_ops(e, r);
    if (am_engine_next_chunk(e, o, chunks) <= 0) break;
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
  return chunks;
}

/* Round `round` (the last one is timed): prepare, release the workers, wait for them,
 * measure. 0 go on, -1 the run stops (the engine failed or aborted). */
static int run_round(am_engine_t *e, const am_engine_opts_t *o, am_engine_result_t *r, unsigned round) {
  const am_workload_t *w = e->w;
  am_engine_wait_ready(e, e->n * (round + 1));
  if (round > 0) am_chans_reset(e->chans, w->n_channels, chan_free, e);
  if (round > 0 && o->next_chunk != NULL && am_engine_rewind_chunks(e, o) != 0) return -1; /* workers leave on abort */
  if (round == 0) r->m.rss_baseline = am_rss_now();
  if (w->n_setup > 0 && run_setup(e) != 0) return -1; /* workers leave on abort */
  int timed = round + 1 == e->rounds;
  if (timed) {
    for (unsigned t = 0; t < e->n; t++) memset(e->wk[t].phase_ts, 0, w->n_phases * sizeof(uint64_t));
    am_metrics_begin(&r->m);
    if (o->hw_counters) am_perf_start(&r->perf);
    am_vg_start(); /* --measure instructions counts from here (vgmark.h) */
  }
  uint64_t t0 = am_now_ns();
  if (timed && r->rss != NULL) {
    am_rss_sampler_set_probe(r->rss, am_live_probe, e);
    am_rss_sampler_start(r->rss, t0);
  }
  atomic_store_explicit(&e->go, round + 1, memory_order_release);
  pthread_barrier_wait(&e->done);
  if (timed) am_vg_stop();
  uint64_t chunks = run_chunks(e, o, r, t0, timed);
  if (timed) {
    r->chunks = chunks;
    measure_end(e, o, t0, r);
  }
  int stop = atomic_load(&e->abort);
  pthread_barrier_wait(&e->release);
  return stop ? -1 : 0;
}

/* Every thread joined, every table unmapped; the result keeps its own tables. */
static void engine_finish(am_engine_t *e, am_engine_result_t *r, unsigned started) {
  const am_workload_t *w = e->w;
  for (unsigned t = 0; t < started; t++)
    while (sem_wait(&e->finished) != 0 && errno == EINTR) {}
  for (unsigned t = 0; t < started; t++) pthread_join(e->wk[t].tid, NULL);
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
  for (unsigned t = 0; t < e->n; t++) {
    am_worker_t *wk = &e->wk[t];
    if (wk->slots != NULL) munmap(wk->slots, am_page_round(((size_t)wk->n_slots + 1) * sizeof(am_slot_t)));
    if (wk->phase_ts != NULL) munmap(wk->phase_ts, am_page_round(((size_t)w->n_phases + 1) * sizeof(uint64_t)));
    if (wk->hist != NULL) munmap(wk->hist, sizeof(am_lat_hist_t));
  }
  munmap(e->wk, am_page_round(e->n * sizeof(am_worker_t)));
  munmap(e, am_page_round(sizeof *e));
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
  am_engine_t *e = engine_new(b, w, o, r);
  if (e == NULL) return r->status;
  int ok = engine_prepare(e, o, r);
  if (o->hw_counters == 0) snprintf(r->perf.reason[0], sizeof r->perf.reason[0], "disabled");
  pthread_barrier_init(&e->done, NULL, e->n + 1);
  pthread_barrier_init(&e->release, NULL, e->n + 1);
  sem_init(&e->finished, 0, 0);
  unsigned started = ok ? start_workers(e) : 0;
  if (started < e->n) ok = 0;
  for (unsigned round = 0; ok && round < e->rounds; round++)
    if (run_round(e, o, r, round) != 0) break;
  if (!ok) atomic_store(&e->abort, 1); /* releases workers waiting for `go` */
  engine_finish(e, r, started);
  return r->status;
}

void am_engine_result_free(am_engine_result_t *r) {
  if (r->thread_end_ns != NULL) munmap(r->thread_end_ns, am_page_round((r->n_threads + 1) * sizeof(uint64_t)));
  if (r->phases != NULL) munmap(r->phases, am_page_round((r->n_phases + 1) * sizeof(am_phase_time_t)));
  if (r->rss != NULL) munmap(r->rss, sizeof(am_rss_sampler_t));
  if (r->lat != NULL) munmap(r->lat, sizeof(am_lat_hist_t));
  memset(r, 0, sizeof *r);
}
