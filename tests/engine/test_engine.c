/* tests/engine/test_engine.c — the replay engine on hand-built workloads (ops.h), no
 * pattern files needed. Linked with one backend (like a runner):
 *   test_engine_system all        every op kind and touch mode, SEND/RECV across
 *                                 threads (MPMC, leftovers), RESPAWN, warm-up rounds,
 *                                 latency mode, the histogram's error bound, invalid
 *                                 workloads, and the sample JSON (no NaN); live
 *                                 requested bytes at run time (every op kind, and a
 *                                 2-thread hand-off whose observed peak has known
 *                                 bounds), the memory-overhead threshold, and
 *                                 peak RSS growth = max(0, peak − baseline)
 *   test_engine_broken broken-M   with AM_BROKEN=M: VERIFY reports corruption
 *                                 (overlap, nocopy, nozero, misalign); null gives oom
 * Asserts behaviour only, never a time. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "engine.h"
#include "results.h"
#include "sample.h"

static int fails;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); fails++; } } while (0)

/* peak_rss_growth_bytes of a sample document is max(0, peak RSS − baseline RSS) of
 * the result it was made from (an ok one). */
static int growth_matches(const cJSON *js, const am_engine_result_t *r) {
  const cJSON *g = cJSON_GetObjectItem(js, "peak_rss_growth_bytes");
  double want = r->m.peak_rss > r->m.rss_baseline ? (double)(r->m.peak_rss - r->m.rss_baseline) : 0.0;
  return cJSON_IsNumber(g) && g->valuedouble == want && g->valuedouble >= 0 &&
         g->valuedouble == fmax(0, cJSON_GetObjectItem(js, "peak_rss_bytes")->valuedouble -
                                     cJSON_GetObjectItem(js, "rss_baseline_bytes")->valuedouble);
}

/* ---- building workloads by hand ---- */

#define TB_MAX_THREADS 8
#define TB_MAX_CHANNELS 4
typedef struct tb_s {
  am_workload_t w;
  am_stream_t st[TB_MAX_THREADS];
  size_t cap[TB_MAX_THREADS];
  size_t chan_cap[TB_MAX_CHANNELS];
} tb_t;

static void tb_init(tb_t *t, unsigned threads, unsigned channels, unsigned phases) {
  memset(t, 0, sizeof *t);
  t->w.n_threads = threads;
  t->w.streams = t->st;
  t->w.n_channels = channels;
  t->w.channel_capacity = t->chan_cap;
  t->w.n_phases = phases;
}

static void op(tb_t *t, unsigned th, unsigned kind, unsigned touch, unsigned arg, uint32_t slot, uint64_t size) {
  am_stream_t *s = &t->st[th];
  if (s->n_ops == t->cap[th]) {
    t->cap[th] = t->cap[th] ? 2 * t->cap[th] : 256;
    s->ops = realloc(s->ops, t->cap[th] * sizeof *s->ops);
    if (s->ops == NULL) abort();
  }
  s->ops[s->n_ops++] = (am_op_t){.kind = (uint8_t)kind, .touch = (uint8_t)touch, .arg = (uint16_t)arg,
                                 .slot = slot, .size = size};
  if (kind != AM_OP_PHASE && kind != AM_OP_RESPAWN && slot + 1 > s->n_slots) s->n_slots = slot + 1;
  if (kind == AM_OP_SEND) t->chan_cap[arg]++;
  if (kind != AM_OP_PHASE) t->w.total_ops++;
  if (kind >= AM_OP_MALLOC && kind <= AM_OP_ALIGNED) t->w.alloc_ops++;
  if (kind == AM_OP_FREE) t->w.free_ops++;
}

static void tb_free(tb_t *t) {
  for (unsigned i = 0; i < t->w.n_threads; i++) free(t->st[i].ops);
}

static const am_engine_opts_t plain = {.warmup = 0, .rss_interval_ms = 1, .hw_counters = 1};

static int run(const tb_t *t, const am_engine_opts_t *o, am_engine_result_t *r) {
  int st = am_engine_run(am_this_backend, &t->w, o, r);
  if (st != AM_ENGINE_OK) fprintf(stderr, "  engine: %s: %s\n", am_engine_status_name(st), r->error);
  return st;
}

/* ---- system: everything works ---- */

static void test_single_thread(void) {
  tb_t t;
  tb_init(&t, 1, 0, 2);
  const unsigned V = AM_TOUCH_VERIFY;
  for (int i = 0; i < 500; i++) {
    op(&t, 0, AM_OP_PHASE, 0, 0, 0, 0);
    op(&t, 0, AM_OP_MALLOC, V, 0, 0, 100);
    op(&t, 0, AM_OP_CALLOC, V, 0, 1, 200);
    op(&t, 0, AM_OP_ALIGNED, V, 6, 2, 320);   /* size a multiple of the alignment: C11 (and TSan) */
    op(&t, 0, AM_OP_REALLOC, V, 0, 0, 5000);  /* grow: prefix checked     */
    op(&t, 0, AM_OP_REALLOC, V, 0, 0, 50);    /* shrink                   */
    op(&t, 0, AM_OP_WRITE, 0, 0, 1, 10);      /* keeps the VERIFY pattern */
    op(&t, 0, AM_OP_MALLOC, AM_TOUCH_FIRST, 0, 3, 64);
    op(&t, 0, AM_OP_MALLOC, AM_TOUCH_ALL, 0, 4, 128);
    op(&t, 0, AM_OP_REALLOC, 0, 0, 5, 32);    /* empty slot: malloc       */
    op(&t, 0, AM_OP_PHASE, 0, 1, 0, 0);
    for (unsigned s = 0; s < 5; s++) op(&t, 0, AM_OP_FREE, 0, 0, s, 0);
    op(&t, 0, AM_OP_REALLOC, 0, 0, 5, 0);     /* realloc(p, 0) frees      */
    op(&t, 0, AM_OP_MALLOC, 0, 0, 6, 0);      /* malloc(0)                */
    op(&t, 0, AM_OP_FREE, 0, 0, 6, 0);
    op(&t, 0, AM_OP_FREE, 0, 0, 7, 0);        /* free of an empty slot    */
    op(&t, 0, AM_OP_MALLOC, V, 0, 7, 1000);   /* held across iterations   */
  }
  t.w.peak_live_bytes = 1 << 20;
  am_engine_opts_t o = plain;
  o.warmup = 2;
  am_engine_result_t r;
  CHECK(run(&t, &o, &r) == AM_ENGINE_OK);
  CHECK(r.wall_ns > 0);
  CHECK(r.thread_end_ns[0] == r.wall_ns + r.start_delay_ns);
  CHECK(r.n_phases == 2 && r.phases[0].seen && r.phases[1].seen);
  CHECK(r.phases[0].ops == 500 * 9 && r.phases[1].ops == 500 * 10);
  CHECK(r.phases[0].start_ns <= r.phases[1].start_ns && r.phases[1].end_ns <= r.wall_ns + r.start_delay_ns);
  CHECK(r.m.peak_rss > 0 && r.m.rss_baseline > 0);
  CHECK(r.rss != NULL && r.rss->n >= 1);
  CHECK(r.backend_stats_rc == 0 && r.backend_stats.allocated >= 0);
  /* The sample document: complete and free of NaN. */
  am_sample_info_t info = {.pattern_name = "hand", .threads = 1, .seed = 1};
  cJSON *js = am_sample_json(am_this_backend, &t.w, &o, &info, &r);
  CHECK(js != NULL && am_json_all_finite(js));
  const char *keys[] = {"status", "ns_per_op", "ops_per_s", "wall_s", "cpu_user_s", "cpu_sys_s", "peak_rss_bytes",
                        "rss_end_bytes", "rss_baseline_bytes", "minor_faults", "major_faults", "memory_overhead",
                        "rss_timeline", "phases", "hw_counters", "allocator_stats", "checksum", "total_ops"};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) CHECK(cJSON_GetObjectItem(js, keys[i]) != NULL);
  CHECK(strcmp(cJSON_GetObjectItem(js, "status")->valuestring, "ok") == 0);
  CHECK(cJSON_IsNumber(cJSON_GetObjectItem(js, "ns_per_op")));
  CHECK(cJSON_IsNumber(cJSON_GetObjectItem(js, "memory_overhead")));
  CHECK(cJSON_IsNull(cJSON_GetObjectItem(js, "latency")));
  CHECK(growth_matches(js, &r));
  cJSON_Delete(js);
  /* A peak below the baseline (pages reclaimed after it was taken): growth 0, not
   * negative; a sample that did not complete: null. */
  am_engine_result_t low = r;
  low.m.peak_rss = 4096;
  low.m.rss_baseline = 3 * 4096;
  js = am_sample_json(am_this_backend, &t.w, &o, &info, &low);
  CHECK(cJSON_GetObjectItem(js, "peak_rss_growth_bytes")->valuedouble == 0 && growth_matches(js, &low));
  cJSON_Delete(js);
  low.status = AM_ENGINE_ERROR;
  js = am_sample_json(am_this_backend, &t.w, &o, &info, &low);
  CHECK(cJSON_IsNull(cJSON_GetObjectItem(js, "peak_rss_growth_bytes")));
  cJSON_Delete(js);
  js = am_sample_json(am_this_backend, &t.w, &o, &info, &r);
  /* Every hw counter is a number, or null with a reason. */
  const cJSON *hw = cJSON_GetObjectItem(js, "hw_counters"), *why = cJSON_GetObjectItem(js, "hw_counters_missing");
  for (int i = 0; i < AM_PERF_N; i++) {
    const cJSON *v = cJSON_GetObjectItem(hw, am_perf_names[i]);
    CHECK(cJSON_IsNumber(v) || (cJSON_IsNull(v) && cJSON_IsString(cJSON_GetObjectItem(why, am_perf_names[i]))));
  }
  cJSON_Delete(js);
  am_engine_result_free(&r);
  tb_free(&t);
}

static void test_channels(void) {
  /* Thread 0 and 1 produce on channel 0; thread 2 forwards everything to channel 1;
   * thread 0 takes back only half (the rest is left in the channel at the end). */
  tb_t t;
  tb_init(&t, 3, 2, 0);
  const unsigned N = 3000, V = AM_TOUCH_VERIFY;
  for (unsigned i = 0; i < N; i++) {
    op(&t, 0, AM_OP_MALLOC, V, 0, 0, 16 + i % 200);
    op(&t, 0, AM_OP_SEND, 0, 0, 0, 0);
    op(&t, 0, AM_OP_RECV, 0, 1, 1, 0);
    op(&t, 0, AM_OP_WRITE, 0, 0, 1, 3);
    op(&t, 0, AM_OP_FREE, 0, 0, 1, 0);       /* cross-thread free, pattern checked */
    op(&t, 1, AM_OP_MALLOC, V, 0, i % 4, 24 + i % 100);
    op(&t, 1, AM_OP_SEND, 0, 0, i % 4, 0);
  }
  for (unsigned i = 0; i < 2 * N; i++) {
    op(&t, 2, AM_OP_RECV, 0, 0, 0, 0);
    op(&t, 2, AM_OP_SEND, 0, 1, 0, 0);
  }
  am_engine_opts_t o = plain;
  o.warmup = 1;
  am_engine_result_t r;
  CHECK(run(&t, &o, &r) == AM_ENGINE_OK);
  CHECK(r.wall_ns > 0 && r.n_threads == 3);
  am_engine_result_free(&r);
  tb_free(&t);
}

/* A shared LIFO queue of 2 entries: threads 0 and 1 each fill carriers of 8 blocks and
 * send them; threads 2 and 3 take whole carriers (whichever is free), unpack, free.
 * More carriers than the bound, so senders sleep on a full queue and receivers on an
 * empty one. A set-up stream (main thread) fills slot 9 of threads 2 and 3, which they
 * free. Live bytes end at 0 (carrier totals are counted freed at entry 0). */
static void test_shared_batches(void) {
  tb_t t;
  tb_init(&t, 4, 1, 0);
  am_chan_spec_t spec = {.kind = AM_CHAN_SHARED, .lifo = 1, .bound = 2};
  t.w.channel_spec = &spec;
  const unsigned B = 8, K = 200;
  for (unsigned th = 0; th < 2; th++)
    for (unsigned k = 0; k < K; k++) {
      op(&t, th, AM_OP_MALLOC, 0, 0, B, AM_CARRIER_BYTES(B));
      for (unsigned i = 0; i < B; i++) {
        op(&t, th, AM_OP_MALLOC, AM_TOUCH_PAGES, 0, i, 40 + 5000 * (i == 3));
        op(&t, th, AM_OP_PACK, 0, i, i, B);
      }
      op(&t, th, AM_OP_SEND, 0, 0, B, AM_CARRIER_BYTES(B));
    }
  for (unsigned th = 2; th < 4; th++) {
    op(&t, th, AM_OP_FREE, 0, 0, 9, 100);
    for (unsigned k = 0; k < K; k++) {
      op(&t, th, AM_OP_RECV, 0, 0, B, AM_CARRIER_BYTES(B));
      for (unsigned i = 0; i < B; i++) {
        op(&t, th, AM_OP_UNPACK, 0, i, i, B);
        op(&t, th, AM_OP_FREE, 0, 0, i, 0);
      }
      op(&t, th, AM_OP_FREE, 0, 0, B, 0);
    }
  }
  t.w.channel_capacity[0] = 2;
  am_op_t setup[2] = {{AM_OP_MALLOC, AM_TOUCH_ALL, 2, 9, 100}, {AM_OP_CALLOC, AM_TOUCH_FIRST, 3, 9, 100}};
  t.w.setup = setup;
  t.w.n_setup = 2;
  am_engine_opts_t o = plain;
  o.warmup = 1;
  am_engine_result_t r;
  CHECK(run(&t, &o, &r) == AM_ENGINE_OK);
  CHECK(r.live_end == 0);
  am_engine_result_free(&r);
  /* A PACK into a slot that holds no carrier is an error, not a crash. */
  tb_t u;
  tb_init(&u, 1, 0, 0);
  op(&u, 0, AM_OP_MALLOC, 0, 0, 0, 16);
  op(&u, 0, AM_OP_MALLOC, 0, 0, 1, 8);
  op(&u, 0, AM_OP_PACK, 0, 0, 0, 1);
  CHECK(am_engine_run(am_this_backend, &u.w, &plain, &r) == AM_ENGINE_ERROR && strstr(r.error, "carrier") != NULL);
  am_engine_result_free(&r);
  tb_free(&u);
  tb_free(&t);
}

static void test_respawn(void) {
  tb_t t;
  tb_init(&t, 2, 1, 1);
  op(&t, 0, AM_OP_RESPAWN, 0, 0, 0, 0);      /* first op */
  for (int i = 0; i < 20; i++) {
    op(&t, 0, AM_OP_MALLOC, AM_TOUCH_VERIFY, 0, 0, 64);
    op(&t, 0, AM_OP_RESPAWN, 0, 0, 0, 0);
    op(&t, 0, AM_OP_FREE, 0, 0, 0, 0);       /* freed by the next thread */
    op(&t, 0, AM_OP_MALLOC, 0, 0, 1, 32);
    op(&t, 0, AM_OP_SEND, 0, 0, 1, 0);
  }
  op(&t, 0, AM_OP_PHASE, 0, 0, 0, 0);
  op(&t, 0, AM_OP_RESPAWN, 0, 0, 0, 0);      /* last op */
  for (int i = 0; i < 20; i++) {
    op(&t, 1, AM_OP_RECV, 0, 0, 0, 0);
    op(&t, 1, AM_OP_FREE, 0, 0, 0, 0);
    if (i % 5 == 0) op(&t, 1, AM_OP_RESPAWN, 0, 0, 0, 0);
  }
  am_engine_opts_t o = plain;
  o.warmup = 1;
  am_engine_result_t r;
  CHECK(run(&t, &o, &r) == AM_ENGINE_OK);
  CHECK(r.respawns == 22 + 4);
  CHECK(r.phases[0].seen);
  am_engine_result_free(&r);
  tb_free(&t);
}

static void test_latency(void) {
  tb_t t;
  tb_init(&t, 1, 0, 0);
  const unsigned N = 20000;
  for (unsigned i = 0; i < N; i++) {
    op(&t, 0, AM_OP_MALLOC, 0, 0, 0, 8 + i % 512);
    op(&t, 0, AM_OP_REALLOC, 0, 0, 0, 600);
    op(&t, 0, AM_OP_FREE, 0, 0, 0, 0);
  }
  am_engine_opts_t o = plain;
  o.latency_every = 1;
  am_engine_result_t r;
  CHECK(run(&t, &o, &r) == AM_ENGINE_OK);
  CHECK(r.lat != NULL);
  if (r.lat != NULL) {
    CHECK(r.lat->count[AM_LAT_MALLOC] == N && r.lat->count[AM_LAT_REALLOC] == N && r.lat->count[AM_LAT_FREE] == N);
    CHECK(r.lat->count[AM_LAT_CALLOC] == 0);
    am_lat_pcts_t p;
    am_lat_percentiles(r.lat->b[AM_LAT_MALLOC], r.lat->count[AM_LAT_MALLOC], r.lat->max[AM_LAT_MALLOC], &p);
    CHECK(p.p50 > 0 && p.p50 <= p.p90 && p.p90 <= p.p99 && p.p99 <= p.p999 && p.p999 <= p.p9999 && p.p9999 <= p.max);
    CHECK(r.timer_cost.median_ns > 0 && r.timer_cost.min_ns <= r.timer_cost.median_ns);
    am_sample_info_t info = {.threads = 1};
    cJSON *js = am_sample_json(am_this_backend, &t.w, &o, &info, &r);
    const cJSON *lat = cJSON_GetObjectItem(js, "latency");
    CHECK(cJSON_IsObject(lat) && cJSON_IsObject(cJSON_GetObjectItem(lat, "timer_cost_ns")));
    const cJSON *m = cJSON_GetObjectItem(cJSON_GetObjectItem(lat, "ops"), "malloc");
    CHECK(cJSON_IsNumber(cJSON_GetObjectItem(m, "p99_99")) && cJSON_GetObjectItem(m, "count")->valuedouble == N);
    CHECK(am_json_all_finite(js));
    cJSON_Delete(js);
  }
  am_engine_result_free(&r);
  o.latency_every = 7; /* one op in 7 */
  CHECK(run(&t, &o, &r) == AM_ENGINE_OK);
  uint64_t sum = 0;
  for (unsigned k = 0; r.lat != NULL && k < AM_LAT_NKINDS; k++) sum += r.lat->count[k];
  CHECK(sum == 3 * N / 7);
  am_engine_result_free(&r);
  tb_free(&t);
}

/* Live requested bytes at run time (engine.h). */
static void test_live_one_thread(void) {
  /* Every op kind that changes the live total, with a known peak at a PHASE marker. */
  tb_t t;
  tb_init(&t, 1, 1, 1);
  op(&t, 0, AM_OP_MALLOC, 0, 0, 0, 1000);
  op(&t, 0, AM_OP_CALLOC, AM_TOUCH_VERIFY, 0, 1, 2000);
  op(&t, 0, AM_OP_ALIGNED, AM_TOUCH_VERIFY, 6, 2, 640);
  op(&t, 0, AM_OP_REALLOC, 0, 0, 0, 5000);    /* grow: 5000 + 2000 + 640        */
  op(&t, 0, AM_OP_REALLOC, 0, 0, 3, 300);     /* empty slot: malloc; 7940 live  */
  op(&t, 0, AM_OP_PHASE, 0, 0, 0, 0);         /* sampled here: the true peak    */
  op(&t, 0, AM_OP_REALLOC, 0, 0, 1, 0);       /* realloc(p, 0) frees: 5940      */
  op(&t, 0, AM_OP_FREE, 0, 0, 2, 0);          /* 5300                           */
  op(&t, 0, AM_OP_FREE, 0, 0, 2, 0);          /* empty slot: nothing            */
  op(&t, 0, AM_OP_MALLOC, 0, 0, 4, 100000);   /* a fused pair: never seen       */
  op(&t, 0, AM_OP_FREE, 0, 0, 4, 0);
  op(&t, 0, AM_OP_SEND, 0, 0, 0, 0);          /* to itself: the total is kept   */
  op(&t, 0, AM_OP_RECV, 0, 0, 5, 0);
  op(&t, 0, AM_OP_WRITE, 0, 0, 5, 2);         /* 5000 (slot 5) + 300 (slot 3) live at the end */
  t.w.peak_live_bytes = 7940 + 100000;        /* the generator's exact figure counts the pair */
  am_engine_opts_t o = plain;
  o.warmup = 1;
  am_engine_result_t r;
  CHECK(run(&t, &o, &r) == AM_ENGINE_OK);
  CHECK(r.live_end == 5300);
  CHECK(r.live_peak_observed == 7940);
  CHECK(r.live_samples >= 3); /* the marker, the stream end, the end (and the sampler's) */
  am_sample_info_t info = {.threads = 1};
  cJSON *js = am_sample_json(am_this_backend, &t.w, &o, &info, &r);
  CHECK(cJSON_GetObjectItem(js, "peak_live_bytes")->valuedouble == 107940);
  CHECK(strcmp(cJSON_GetObjectItem(js, "peak_live_bytes_source")->valuestring, "planned") == 0);
  CHECK(cJSON_GetObjectItem(js, "peak_live_bytes_planned")->valuedouble == 107940);
  CHECK(cJSON_GetObjectItem(js, "peak_live_bytes_observed")->valuedouble == 7940);
  CHECK(cJSON_GetObjectItem(js, "live_end_bytes")->valuedouble == 5300);
  CHECK(cJSON_IsNumber(cJSON_GetObjectItem(js, "memory_overhead")));
  CHECK(cJSON_IsNull(cJSON_GetObjectItem(js, "memory_overhead_note")));
  cJSON_Delete(js);
  /* Below AM_OVERHEAD_MIN_LIVE_BYTES the overhead is null, with the reason. */
  t.w.peak_live_bytes = 7940;
  js = am_sample_json(am_this_backend, &t.w, &o, &info, &r);
  CHECK(cJSON_IsNull(cJSON_GetObjectItem(js, "memory_overhead")));
  const cJSON *note = cJSON_GetObjectItem(js, "memory_overhead_note");
  CHECK(cJSON_IsString(note) && strstr(note->valuestring, "7940") != NULL);
  CHECK(am_json_all_finite(js));
  cJSON_Delete(js);
  am_engine_result_free(&r);
  tb_free(&t);
}

static void test_live_handoff(unsigned rss_interval_ms) {
  /* Thread 0 allocates N blocks of S bytes and sends them on channel 0, passes a
   * PHASE marker, then sends a 1-byte token on channel 1. Thread 1 waits for the
   * token before it receives and frees anything, so at thread 0's marker exactly
   * N*S bytes are live (thread 1 has freed nothing), and the true peak is N*S + 1
   * (the token). Thread 1 frees all but K of the blocks: K*S are live at the end. */
  enum { N = 256, S = 1024, K = 16 };
  tb_t t;
  tb_init(&t, 2, 2, 1);
  for (unsigned i = 0; i < N; i++) {
    op(&t, 0, AM_OP_MALLOC, 0, 0, i % 8, S);
    op(&t, 0, AM_OP_SEND, 0, 0, i % 8, 0);
  }
  op(&t, 0, AM_OP_PHASE, 0, 0, 0, 0);
  op(&t, 0, AM_OP_MALLOC, 0, 0, 0, 1);
  op(&t, 0, AM_OP_SEND, 0, 1, 0, 0);
  op(&t, 1, AM_OP_RECV, 0, 1, 0, 0);
  op(&t, 1, AM_OP_FREE, 0, 0, 0, 0);
  for (unsigned i = 0; i < N - K; i++) {
    op(&t, 1, AM_OP_RECV, 0, 0, 1, 0);
    op(&t, 1, AM_OP_FREE, 0, 0, 1, 0);
  }
  t.w.peak_live_bytes = 4096; /* a generator figure that does not hold at run time */
  am_engine_opts_t o = plain;
  o.warmup = 2; /* the sums restart at 0 every round */
  o.rss_interval_ms = rss_interval_ms;
  am_engine_result_t r;
  CHECK(run(&t, &o, &r) == AM_ENGINE_OK);
  CHECK(r.live_end == K * S);
  CHECK(r.live_peak_observed >= (uint64_t)N * S && r.live_peak_observed <= (uint64_t)N * S + 1);
  if (r.live_peak_observed < (uint64_t)N * S || r.live_peak_observed > (uint64_t)N * S + 1)
    fprintf(stderr, "  observed %llu, want %u..%u\n", (unsigned long long)r.live_peak_observed, N * S, N * S + 1);
  CHECK(rss_interval_ms == 0 ? r.rss == NULL : (r.rss != NULL && r.rss->probe_n >= 2));
  am_sample_info_t info = {.threads = 2};
  cJSON *js = am_sample_json(am_this_backend, &t.w, &o, &info, &r);
  CHECK(cJSON_GetObjectItem(js, "peak_live_bytes")->valuedouble == (double)r.live_peak_observed);
  CHECK(strcmp(cJSON_GetObjectItem(js, "peak_live_bytes_source")->valuestring, "observed") == 0);
  CHECK(cJSON_GetObjectItem(js, "peak_live_bytes_planned")->valuedouble == 4096);
  double over = cJSON_GetObjectItem(js, "memory_overhead")->valuedouble;
  CHECK(cJSON_IsNumber(cJSON_GetObjectItem(js, "memory_overhead")) &&
        over == ((double)r.m.peak_rss - (double)r.m.rss_baseline) / (double)r.live_peak_observed);
  CHECK(growth_matches(js, &r));
  CHECK(cJSON_IsNull(cJSON_GetObjectItem(js, "memory_overhead_note")));
  const cJSON *tl = cJSON_GetObjectItem(js, "rss_timeline");
  if (rss_interval_ms != 0)
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(tl, "live_bytes")) == cJSON_GetArraySize(cJSON_GetObjectItem(tl, "t_ms")));
  CHECK(am_json_all_finite(js));
  cJSON_Delete(js);
  am_engine_result_free(&r);
  tb_free(&t);
}

static void test_histogram(void) {
  /* Buckets are contiguous and at most 1/128 of their value wide. */
  unsigned prev = 0;
  for (uint64_t v = 0; v < 100000; v++) {
    unsigned i = am_lat_index(v);
    CHECK(i == prev || i == prev + 1);
    prev = i;
    uint64_t lo = am_lat_bucket_low(i), wd = am_lat_bucket_width(i);
    if (!(lo <= v && v < lo + wd)) { CHECK(lo <= v && v < lo + wd); break; }
  }
  for (uint64_t v = 1; v < (UINT64_C(1) << 44); v = v * 3 + 1) {
    unsigned i = am_lat_index(v);
    uint64_t lo = am_lat_bucket_low(i), wd = am_lat_bucket_width(i);
    CHECK(lo <= v && v < lo + wd);
    CHECK((double)(wd - 1) / 2.0 <= 0.01 * (double)lo + 0.5);
  }
  CHECK(am_lat_index(UINT64_MAX) == AM_LAT_BUCKETS - 1);
}

static void test_invalid(void) {
  tb_t t;
  tb_init(&t, 1, 1, 0);
  op(&t, 0, AM_OP_MALLOC, 0, 0, 0, 8);
  t.st[0].n_slots = 0; /* slot 0 out of range */
  am_engine_result_t r;
  CHECK(am_engine_run(am_this_backend, &t.w, &plain, &r) == AM_ENGINE_ERROR && strstr(r.error, "slot out of range"));
  am_engine_result_free(&r);
  tb_free(&t);
  tb_init(&t, 2, 1, 0);
  op(&t, 0, AM_OP_RECV, 0, 0, 0, 0); /* nobody sends */
  op(&t, 1, AM_OP_MALLOC, 0, 0, 0, 8);
  CHECK(am_engine_run(am_this_backend, &t.w, &plain, &r) == AM_ENGINE_ERROR && strstr(r.error, "wait forever"));
  am_engine_result_free(&r);
  tb_free(&t);
}

/* ---- broken backend: the faults must be caught ---- */

static int test_broken(const char *mode) {
  tb_t t;
  tb_init(&t, 1, 0, 0);
  int want = AM_ENGINE_CORRUPT;
  const unsigned V = AM_TOUCH_VERIFY;
  if (strcmp(mode, "overlap") == 0) {
    for (unsigned i = 0; i < 40; i++) op(&t, 0, AM_OP_MALLOC, V, 0, i, 256);
    for (unsigned i = 0; i < 40; i++) op(&t, 0, AM_OP_FREE, 0, 0, i, 0);
  } else if (strcmp(mode, "nocopy") == 0) {
    for (unsigned i = 0; i < 20; i++) {
      op(&t, 0, AM_OP_MALLOC, V, 0, 0, 100);
      op(&t, 0, AM_OP_REALLOC, V, 0, 0, 4000);
      op(&t, 0, AM_OP_FREE, 0, 0, 0, 0);
    }
  } else if (strcmp(mode, "nozero") == 0) {
    op(&t, 0, AM_OP_CALLOC, V, 0, 0, 100);
  } else if (strcmp(mode, "misalign") == 0) {
    op(&t, 0, AM_OP_MALLOC, V, 0, 0, 64);
  } else if (strcmp(mode, "null") == 0) {
    want = AM_ENGINE_OOM;
    for (unsigned i = 0; i < 100; i++) {
      op(&t, 0, AM_OP_MALLOC, 0, 0, 0, 32);
      op(&t, 0, AM_OP_FREE, 0, 0, 0, 0);
    }
  } else {
    fprintf(stderr, "unknown broken mode %s\n", mode);
    return 2;
  }
  am_engine_result_t r;
  int st = am_engine_run(am_this_backend, &t.w, &plain, &r);
  printf("broken-%s: status %s: %s\n", mode, am_engine_status_name(st), r.error);
  CHECK(st == want);
  if (want == AM_ENGINE_CORRUPT) CHECK(strncmp(r.error, "corruption: ", 12) == 0);
  else CHECK(strstr(r.error, "returned NULL") != NULL);
  am_engine_result_free(&r);
  tb_free(&t);
  return 0;
}

int main(int argc, char **argv) {
  const am_backend_t *b = am_this_backend;
  if (argc < 2) { fprintf(stderr, "usage: %s all | broken-MODE\n", argv[0]); return 2; }
  if (b->init != NULL && b->init() != 0) { fprintf(stderr, "backend init failed\n"); return 1; }
  if (strncmp(argv[1], "broken-", 7) == 0) {
    if (strcmp(b->name, "broken") != 0) { fprintf(stderr, "needs the broken backend\n"); return 2; }
    if (test_broken(argv[1] + 7) == 2) return 2;
  } else {
    test_histogram();
    test_single_thread();
    test_channels();
    test_shared_batches();
    test_respawn();
    test_latency();
    test_live_one_thread();
    test_live_handoff(1);
    test_live_handoff(0); /* no sampler thread: the markers and ends alone */
    test_invalid();
  }
  if (b->shutdown != NULL) b->shutdown();
  if (fails) { fprintf(stderr, "%s %s: %d failures\n", argv[0], argv[1], fails); return 1; }
  printf("%s %s: ok\n", argv[0], argv[1]);
  return 0;
}
