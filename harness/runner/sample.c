/* harness/runner/sample.c — one repetition as JSON (see sample.h, results/README.md).
 * Its figures are the AM_MF_SAMPLE rows of harness/common/metric_table.h, written in the
 * table's order from sample_values(); the hardware counters are the table's hw_counters rows. */
#include <math.h>
#include <stdio.h>
#include <cJSON.h>
#include "metric_table.h"
#include "results.h"
#include "runner.h"
#include "sample.h"

static void add_stats(cJSON *o, const am_engine_result_t *r) {
  if (r->backend_stats_rc != 0) {
    cJSON_AddNullToObject(o, "allocator_stats");
    return;
  }
  cJSON *s = cJSON_AddObjectToObject(o, "allocator_stats");
  const am_stats_t *st = &r->backend_stats;
  const struct { const char *k; int64_t v; } f[] = {
    {"allocated", st->allocated}, {"active", st->active}, {"resident", st->resident}, {"mapped", st->mapped}};
  for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
    if (f[i].v < 0) cJSON_AddNullToObject(s, f[i].k);
    else cJSON_AddNumberToObject(s, f[i].k, (double)f[i].v);
  }
}

_Static_assert(AM_M_DTLB_LOAD_MISSES - AM_M_CYCLES + 1 == AM_PERF_N, "hw_counters rows follow perfctr.h's order");

static void add_hw(cJSON *o, const am_engine_opts_t *opt, const am_engine_result_t *r) {
  cJSON *hw = cJSON_AddObjectToObject(o, "hw_counters");
  cJSON *why = cJSON_AddObjectToObject(o, "hw_counters_missing");
  for (int i = 0; i < AM_PERF_N; i++) {
    if (r->perf.value[i] >= 0) {
      cJSON_AddNumberToObject(hw, am_metrics[AM_M_CYCLES + i].name, r->perf.value[i]);
    } else {
      cJSON_AddNullToObject(hw, am_metrics[AM_M_CYCLES + i].name);
      const char *reason = !opt->hw_counters ? "disabled (--no-hw)"
                         : r->perf.reason[i][0] ? r->perf.reason[i] : "not measured (the run did not finish)";
      cJSON_AddStringToObject(why, am_metrics[AM_M_CYCLES + i].name, reason);
    }
  }
  cJSON_AddBoolToObject(hw, "grouped", r->perf.grouped);
  cJSON_AddBoolToObject(hw, "multiplexed", r->perf.multiplexed);
}

static void add_rss(cJSON *o, const am_engine_result_t *r) {
  if (r->rss == NULL) {
    cJSON_AddNullToObject(o, "rss_timeline");
    return;
  }
  cJSON *tl = cJSON_AddObjectToObject(o, "rss_timeline");
  cJSON_AddNumberToObject(tl, "interval_ms", r->rss->interval_ms);
  cJSON_AddNumberToObject(tl, "requested_interval_ms", r->rss->interval_ms0);
  cJSON *t = cJSON_AddArrayToObject(tl, "t_ms"), *v = cJSON_AddArrayToObject(tl, "rss_bytes");
  cJSON *lv = cJSON_AddArrayToObject(tl, "live_bytes");
  for (size_t i = 0; i < r->rss->n; i++) {
    cJSON_AddItemToArray(t, cJSON_CreateNumber((double)r->rss->t_ns[i] / 1e6));
    cJSON_AddItemToArray(v, cJSON_CreateNumber((double)r->rss->rss[i]));
    cJSON_AddItemToArray(lv, cJSON_CreateNumber((double)r->rss->probe_v[i]));
  }
}

/* What the workload made resident beyond the pre-workload baseline (the streams, slot
 * tables and threads are in the baseline): peak RSS − baseline RSS, clamped at 0 (the
 * kernel may reclaim pages between the baseline and the timed replay, so the peak can
 * be below it). */
static double rss_growth(const am_metrics_t *m) {
  return m->peak_rss > m->rss_baseline ? (double)(m->peak_rss - m->rss_baseline) : 0.0;
}

/* Which peak live bytes memory_overhead divides by (results/README.md): one thread runs
 * its stream in order, so the generator's figure is its exact peak; with several, the
 * order is the scheduler's and only the run-time observation (a lower bound) is trusted. */
static int use_planned_live(const am_workload_t *w, int ok) { return !ok || w->n_threads == 1; }

/* The value of every AM_MF_SAMPLE metric (metric_table.h); NaN: not measured (null). */
static void sample_values(double v[AM_M_N], const am_workload_t *w, const am_engine_result_t *r, int ok) {
  const am_metrics_t *m = &r->m;
  double wall = (double)r->wall_ns, nan = NAN;
  for (int i = 0; i < AM_M_N; i++) v[i] = NAN;
  v[AM_M_WALL_S] = ok ? wall / 1e9 : nan;
  v[AM_M_START_DELAY_NS] = ok ? (double)r->start_delay_ns : nan;
  v[AM_M_NS_PER_OP] = ok && w->total_ops ? wall / (double)w->total_ops : nan;
  v[AM_M_OPS_PER_S] = ok && wall > 0 ? (double)w->total_ops / (wall / 1e9) : nan;
  v[AM_M_CPU_USER_S] = ok ? m->cpu_user_s : nan;
  v[AM_M_CPU_SYS_S] = ok ? m->cpu_sys_s : nan;
  v[AM_M_PEAK_RSS_BYTES] = ok ? (double)m->peak_rss : nan;
  v[AM_M_RSS_END_BYTES] = ok ? (double)m->rss_end : nan;
  v[AM_M_RSS_START_BYTES] = ok ? (double)m->rss_start : nan;
  v[AM_M_RSS_BASELINE_BYTES] = (double)m->rss_baseline;
  v[AM_M_PEAK_RSS_GROWTH_BYTES] = ok ? rss_growth(m) : nan;
  v[AM_M_ANON_HUGE_PAGES_BYTES] = ok ? m->anon_huge : nan;
  v[AM_M_MINOR_FAULTS] = ok ? (double)m->minor_faults : nan;
  v[AM_M_MAJOR_FAULTS] = ok ? (double)m->major_faults : nan;
  v[AM_M_VOL_CTX] = ok ? (double)m->vol_ctx_switches : nan;
  v[AM_M_INVOL_CTX] = ok ? (double)m->invol_ctx_switches : nan;
  uint64_t planned = w->peak_live_bytes, used = use_planned_live(w, ok) ? planned : r->live_peak_observed;
  v[AM_M_PEAK_LIVE_BYTES] = (double)used;
  v[AM_M_PEAK_LIVE_PLANNED] = (double)planned;
  v[AM_M_PEAK_LIVE_OBSERVED] = ok ? (double)r->live_peak_observed : nan;
  v[AM_M_LIVE_END_BYTES] = ok ? (double)r->live_end : nan;
  v[AM_M_LIVE_SAMPLES] = ok ? (double)r->live_samples : nan;
  if (ok && used >= AM_OVERHEAD_MIN_LIVE_BYTES)
    v[AM_M_MEMORY_OVERHEAD] = ((double)m->peak_rss - (double)m->rss_baseline) / (double)used;
  v[AM_M_RESPAWNS] = (double)r->respawns;
  /* Share of the threads' time spent waiting on hand-offs: recv_wait / (wall x threads). */
  v[AM_M_RECV_WAIT_NS] = ok ? (double)r->recv_wait_ns : nan;
  v[AM_M_RECV_WAIT_SHARE] = ok && r->wall_ns > 0 && r->n_threads > 0
                          ? (double)r->recv_wait_ns / ((double)r->wall_ns * r->n_threads) : nan;
}

/* The metrics' companions: which peak live bytes is used, and why there is no overhead. */
static void add_metric_notes(cJSON *o, const am_workload_t *w, const am_engine_result_t *r, int ok) {
  cJSON_AddBoolToObject(o, "peak_rss_reset", r->m.peak_reset);
  cJSON_AddStringToObject(o, "peak_live_bytes_source", use_planned_live(w, ok) ? "planned" : "observed");
  uint64_t used = use_planned_live(w, ok) ? w->peak_live_bytes : r->live_peak_observed;
  char note[160];
  note[0] = '\0';
  if (!ok)
    snprintf(note, sizeof note, "not measured: the repetition did not complete");
  else if (used < AM_OVERHEAD_MIN_LIVE_BYTES)
    snprintf(note, sizeof note, "peak live bytes (%llu) below %u: RSS granularity (pages, allocator chunks) would dominate the ratio",
             (unsigned long long)used, AM_OVERHEAD_MIN_LIVE_BYTES);
  if (note[0]) cJSON_AddStringToObject(o, "memory_overhead_note", note);
  else cJSON_AddNullToObject(o, "memory_overhead_note");
}

static void add_latency(cJSON *o, const am_engine_opts_t *opt, const am_engine_result_t *r) {
  if (r->lat == NULL) {
    cJSON_AddNullToObject(o, "latency");
    return;
  }
  cJSON *l = cJSON_AddObjectToObject(o, "latency");
  cJSON_AddStringToObject(l, "timer", am_tick_source());
  am_json_add_num(l, "tick_ns", am_tick_ns);
  cJSON_AddNumberToObject(l, "sample_every", opt->latency_every);
  cJSON *tc = cJSON_AddObjectToObject(l, "timer_cost_ns");
  am_json_add_num(tc, "median", r->timer_cost.median_ns);
  am_json_add_num(tc, "p99", r->timer_cost.p99_ns);
  am_json_add_num(tc, "min", r->timer_cost.min_ns);
  am_json_add_num(l, "timer_resolution_ns", r->timer_cost.resolution_ns);
  cJSON_AddStringToObject(l, "note", "per-op times include the timer's own cost (timer_cost_ns); nothing is subtracted");
  cJSON *ops = cJSON_AddObjectToObject(l, "ops");
  for (unsigned k = 0; k < AM_LAT_NKINDS; k++) {
    if (r->lat->count[k] == 0) continue;
    am_lat_pcts_t p;
    am_lat_percentiles(r->lat->b[k], r->lat->count[k], r->lat->max[k], &p);
    cJSON *q = cJSON_AddObjectToObject(ops, am_lat_kind_names[k]);
    cJSON_AddNumberToObject(q, "count", (double)p.count);
    am_json_add_num(q, "p50", p.p50);
    am_json_add_num(q, "p90", p.p90);
    am_json_add_num(q, "p99", p.p99);
    am_json_add_num(q, "p99_9", p.p999);
    am_json_add_num(q, "p99_99", p.p9999);
    am_json_add_num(q, "max", p.max);
  }
}

cJSON *am_sample_json(const am_backend_t *b, const am_workload_t *w, const am_engine_opts_t *opt,
                      const am_sample_info_t *info, const am_engine_result_t *r) {
  cJSON *o = cJSON_CreateObject();
  if (o == NULL) return NULL;
  int ok = r->status == AM_ENGINE_OK;
  cJSON_AddStringToObject(o, "status", am_engine_status_name(r->status));
  if (r->error[0]) cJSON_AddStringToObject(o, "error", r->error);
  else cJSON_AddNullToObject(o, "error");
  cJSON_AddStringToObject(o, "backend", b->name);
  cJSON_AddStringToObject(o, "backend_version", b->version());
  cJSON_AddStringToObject(o, "backend_config", b->config());
  cJSON_AddStringToObject(o, "malloc_from", am_runner_malloc_origin());
  if (info->pattern_name) cJSON_AddStringToObject(o, "pattern", info->pattern_name);
  if (info->pattern_sha256) cJSON_AddStringToObject(o, "pattern_sha256", info->pattern_sha256);
  cJSON_AddNumberToObject(o, "threads", info->threads);
  am_json_add_u64(o, "seed", info->seed);
  cJSON_AddBoolToObject(o, "quick", info->quick);
  cJSON_AddNumberToObject(o, "warmup", opt->warmup);
  am_json_add_hex64(o, "checksum", w->checksum);
  am_json_add_u64(o, "total_ops", w->total_ops);
  am_json_add_u64(o, "alloc_ops", w->alloc_ops);
  am_json_add_u64(o, "free_ops", w->free_ops);
  am_json_add_u64(o, "chunks", r->chunks ? r->chunks : 1);
  am_json_add_u64(o, "chunk_ops", info->chunk_ops);
  double v[AM_M_N];
  sample_values(v, w, r, ok);
  for (int i = 0; i < AM_M_N; i++)
    if (am_metrics[i].flags & AM_MF_SAMPLE) am_json_add_num(o, am_metrics[i].name, v[i]);
  add_metric_notes(o, w, r, ok);
  cJSON *te = cJSON_AddArrayToObject(o, "thread_end_ns");
  for (unsigned t = 0; ok && t < r->n_threads; t++) cJSON_AddItemToArray(te, cJSON_CreateNumber((double)r->thread_end_ns[t]));
  cJSON *ph = cJSON_AddArrayToObject(o, "phases");
  for (unsigned k = 0; ok && k < r->n_phases; k++) {
    const am_phase_time_t *p = &r->phases[k];
    cJSON *x = cJSON_CreateObject();
    cJSON_AddNumberToObject(x, "index", k);
    am_json_add_num(x, "start_ns", p->seen ? (double)p->start_ns : NAN);
    am_json_add_num(x, "end_ns", p->seen ? (double)p->end_ns : NAN);
    am_json_add_num(x, "ops", (double)p->ops);
    am_json_add_num(x, "ns_per_op", p->seen && p->ops ? (double)(p->end_ns - p->start_ns) / (double)p->ops : NAN);
    cJSON_AddItemToArray(ph, x);
  }
  add_rss(o, r);
  add_hw(o, opt, r);
  add_stats(o, r);
  add_latency(o, opt, r);
  if (opt->dump_path == NULL) cJSON_AddNullToObject(o, "dump");
  else if (r->dumped == 1) cJSON_AddStringToObject(o, "dump", opt->dump_path);
  else {
    cJSON_AddNullToObject(o, "dump");
    cJSON_AddStringToObject(o, "dump_error", r->dumped == -1 ? "this backend has no dump hook"
                            : r->dumped == -3 ? "the replay never reached the phase to dump at"
                            : "the backend's dump failed or the file could not be written");
  }
  return o;
}
