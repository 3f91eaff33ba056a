/* harness/common/metric_table.h — the one list of the results' metrics.
 *
 * Every number a repetition measures (a sample's figure, results/README.md) is one row of
 * AM_METRIC_LIST below: its JSON key, the sample sub-object that holds it (NULL: top level),
 * its unit, which way is better, how the driver aggregates it, a short label for tables
 * and a line of help. From this list come the enum of metric ids, the sample writer
 * (harness/runner/sample.c writes the rows flagged AM_MF_SAMPLE, in this order), the
 * aggregator (harness/cli/cmd_run_results.c: one `aggregates.<key>` per AM_MF_AGG row),
 * the report's reader (harness/cli/report_load.c loads every aggregate into
 * am_rbench_t.m[id]; AM_MF_REQ rows must be there for a benchmark whose status is ok),
 * `allocmark compare --metric` (rows with a direction), the console and report tables
 * (labels and units), and the docs check (tests/report/metric_docs.sh: every row is in
 * results/README.md and every metric there is a row).
 *
 * Adding a metric = one row here + its measurement (a value for it in sample.c's
 * sample_values, or whatever writes its sample key).
 *
 * X(ID, key, parent, unit, better, flags, label, help)
 *   unit    "ns", "s", "bytes", "ops/s", "ratio", "count", "share"
 *   better  AM_LOWER, AM_HIGHER, or AM_NEITHER (a property of the workload or the harness)
 *   flags   AM_MF_SAMPLE  sample.c writes it from the engine's result (the others come
 *                         from sample.c's sub-objects or from the driver: valgrind)
 *           AM_MF_AGG     aggregated over the ok samples, always present in aggregates
 *           AM_MF_AGG_IF  aggregated only when at least one sample has it (counters the
 *                         kernel refused, --measure not asked)
 *           AM_MF_REQ     an ok benchmark must have its aggregate (the report checks) */
#ifndef AM_METRIC_TABLE_H
#define AM_METRIC_TABLE_H

#include <stddef.h>

enum { AM_LOWER = -1, AM_NEITHER = 0, AM_HIGHER = 1 };
enum { AM_MF_SAMPLE = 1, AM_MF_AGG = 2, AM_MF_AGG_IF = 4, AM_MF_REQ = 8 };

#define AM_MS AM_MF_SAMPLE
#define AM_METRIC_LIST(X) \
  X(WALL_S, "wall_s", NULL, "s", AM_LOWER, AM_MS | AM_MF_AGG, "wall", \
    "first worker's start to last worker's end of the timed replay") \
  X(START_DELAY_NS, "start_delay_ns", NULL, "ns", AM_NEITHER, AM_MS, "start delay", \
    "release of the workers to the first worker's start (not in wall_s)") \
  X(NS_PER_OP, "ns_per_op", NULL, "ns", AM_LOWER, AM_MS | AM_MF_AGG | AM_MF_REQ, "ns/op", \
    "wall_s / total_ops") \
  X(OPS_PER_S, "ops_per_s", NULL, "ops/s", AM_HIGHER, AM_MS | AM_MF_AGG | AM_MF_REQ, "ops/s", \
    "total_ops / wall_s") \
  X(CPU_USER_S, "cpu_user_s", NULL, "s", AM_LOWER, AM_MS | AM_MF_AGG, "user CPU", \
    "user CPU time over the timed replay (getrusage, all threads)") \
  X(CPU_SYS_S, "cpu_sys_s", NULL, "s", AM_LOWER, AM_MS | AM_MF_AGG, "system CPU", \
    "system CPU time over the timed replay") \
  X(PEAK_RSS_BYTES, "peak_rss_bytes", NULL, "bytes", AM_LOWER, AM_MS | AM_MF_AGG | AM_MF_REQ, "peak RSS", \
    "VmHWM after the timed replay (reset before it)") \
  X(RSS_END_BYTES, "rss_end_bytes", NULL, "bytes", AM_LOWER, AM_MS | AM_MF_AGG, "end RSS", \
    "RSS at the end of the timed replay, blocks still live") \
  X(RSS_START_BYTES, "rss_start_bytes", NULL, "bytes", AM_NEITHER, AM_MS, "start RSS", \
    "RSS at the start of the timed replay (after warm-up)") \
  X(RSS_BASELINE_BYTES, "rss_baseline_bytes", NULL, "bytes", AM_NEITHER, AM_MS | AM_MF_AGG, "baseline RSS", \
    "RSS before the first replay: streams built, threads created") \
  X(PEAK_RSS_GROWTH_BYTES, "peak_rss_growth_bytes", NULL, "bytes", AM_LOWER, AM_MS | AM_MF_AGG, "RSS growth", \
    "peak_rss_bytes - rss_baseline_bytes, clamped at 0") \
  X(ANON_HUGE_PAGES_BYTES, "anon_huge_pages_bytes", NULL, "bytes", AM_NEITHER, AM_MS | AM_MF_AGG, "THP bytes", \
    "AnonHugePages at the end of the timed replay") \
  X(MINOR_FAULTS, "minor_faults", NULL, "count", AM_LOWER, AM_MS | AM_MF_AGG, "minor faults", \
    "minor page faults over the timed replay") \
  X(MAJOR_FAULTS, "major_faults", NULL, "count", AM_LOWER, AM_MS | AM_MF_AGG, "major faults", \
    "major page faults over the timed replay") \
  X(VOL_CTX, "voluntary_context_switches", NULL, "count", AM_NEITHER, AM_MS, "voluntary switches", \
    "voluntary context switches over the timed replay") \
  X(INVOL_CTX, "involuntary_context_switches", NULL, "count", AM_NEITHER, AM_MS, "involuntary switches", \
    "involuntary context switches over the timed replay") \
  X(PEAK_LIVE_BYTES, "peak_live_bytes", NULL, "bytes", AM_NEITHER, AM_MS | AM_MF_AGG, "peak live", \
    "peak live requested bytes that memory_overhead divides by") \
  X(PEAK_LIVE_PLANNED, "peak_live_bytes_planned", NULL, "bytes", AM_NEITHER, AM_MS, "planned live", \
    "the generator's peak live bytes") \
  X(PEAK_LIVE_OBSERVED, "peak_live_bytes_observed", NULL, "bytes", AM_NEITHER, AM_MS, "observed live", \
    "the largest run-time sample of the live total (a lower bound)") \
  X(LIVE_END_BYTES, "live_end_bytes", NULL, "bytes", AM_NEITHER, AM_MS, "live at end", \
    "live requested bytes when every worker had finished") \
  X(LIVE_SAMPLES, "live_samples", NULL, "count", AM_NEITHER, AM_MS, "live samples", \
    "how many live-total samples peak_live_bytes_observed is the largest of") \
  X(MEMORY_OVERHEAD, "memory_overhead", NULL, "ratio", AM_LOWER, AM_MS | AM_MF_AGG, "overhead", \
    "(peak_rss_bytes - rss_baseline_bytes) / peak_live_bytes") \
  X(RESPAWNS, "respawns", NULL, "count", AM_NEITHER, AM_MS, "respawns", \
    "worker threads replaced (RESPAWN ops) during the timed replay") \
  X(RECV_WAIT_NS, "recv_wait_ns", NULL, "ns", AM_NEITHER, AM_MS, "recv wait", \
    "time the threads spent waiting on hand-offs") \
  X(RECV_WAIT_SHARE, "recv_wait_share", NULL, "share", AM_NEITHER, AM_MS, "recv wait share", \
    "recv_wait_ns / (wall x threads)") \
  X(CYCLES, "cycles", "hw_counters", "count", AM_LOWER, AM_MF_AGG_IF, "cycles", \
    "CPU cycles (perf, user space, whole process)") \
  X(INSTRUCTIONS, "instructions", "hw_counters", "count", AM_LOWER, AM_MF_AGG_IF, "instructions", \
    "instructions retired (perf)") \
  X(CACHE_MISSES, "cache_misses", "hw_counters", "count", AM_LOWER, AM_MF_AGG_IF, "cache misses", \
    "cache misses (perf)") \
  X(DTLB_LOAD_MISSES, "dtlb_load_misses", "hw_counters", "count", AM_LOWER, AM_MF_AGG_IF, "dTLB misses", \
    "data TLB load misses (perf)") \
  X(INSTRUCTIONS_PER_OP, "instructions_per_op", NULL, "count", AM_LOWER, AM_MF_AGG_IF, "instructions/op", \
    "--measure instructions: callgrind's Ir in the timed region / total_ops") \
  X(SIM_D1_PER_OP, "sim_d1_misses_per_op", NULL, "count", AM_LOWER, AM_MF_AGG_IF, "D1 misses/op", \
    "--measure cache: simulated first-level data misses per op") \
  X(SIM_LL_PER_OP, "sim_ll_misses_per_op", NULL, "count", AM_LOWER, AM_MF_AGG_IF, "LL misses/op", \
    "--measure cache: simulated last-level data misses per op")

#define AM_METRIC_ID(id, ...) AM_M_##id,
typedef enum am_metric_id_e { AM_METRIC_LIST(AM_METRIC_ID) AM_M_N } am_metric_id_t;
#undef AM_METRIC_ID

typedef struct am_metric_s {
  const char *name;    /* the JSON key, in a sample and in aggregates            */
  const char *parent;  /* the sample's sub-object holding it, or NULL            */
  const char *unit;
  int better;          /* AM_LOWER, AM_HIGHER, AM_NEITHER                        */
  unsigned flags;      /* AM_MF_*                                                */
  const char *label;   /* column heading in tables                               */
  const char *help;
} am_metric_t;

/* The rows, indexed by am_metric_id_t (am_metrics[AM_M_N].name is NULL). */
extern const am_metric_t am_metrics[AM_M_N + 1];
/* The row named key, or NULL. */
const am_metric_t *am_metric_find(const char *key);
/* Aggregated (AM_MF_AGG or AM_MF_AGG_IF). */
static inline int am_metric_aggregated(const am_metric_t *m) { return (m->flags & (AM_MF_AGG | AM_MF_AGG_IF)) != 0; }

#endif /* AM_METRIC_TABLE_H */
