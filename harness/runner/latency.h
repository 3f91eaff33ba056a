/* harness/runner/latency.h — latency mode: a cheap per-op timer and a log-linear
 * histogram (HDR-style), one per thread and op kind, preallocated before timing.
 *
 * Timer: on x86-64 with an invariant TSC ("constant_tsc" in /proc/cpuinfo) the TSC,
 * read as `lfence; rdtsc` before the op and `rdtscp; lfence` after it, converted to
 * ns with a factor calibrated against CLOCK_MONOTONIC; elsewhere clock_gettime
 * (CLOCK_MONOTONIC) itself (1 tick = 1 ns). Its own cost (back-to-back reads) is
 * measured and reported next to the percentiles; nothing is subtracted.
 *
 * Histogram: values below 2^AM_LAT_SUB_BITS ticks are exact; above, each power of two
 * is split into 2^AM_LAT_SUB_BITS equal buckets, so a bucket is at most 1/128 = 0.78 %
 * wide and the reported bucket midpoint is within 0.4 % of every value in it. Values
 * of 2^(AM_LAT_MAX_EXP+1) ticks or more land in the last bucket (max is kept exactly). */
#ifndef AM_LATENCY_H
#define AM_LATENCY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "ops.h"

#define AM_LAT_SUB_BITS 7
#define AM_LAT_MAX_EXP 44
#define AM_LAT_BUCKETS ((AM_LAT_MAX_EXP - AM_LAT_SUB_BITS + 2) << AM_LAT_SUB_BITS)

/* The op kinds that are timed, and their histogram index (-1: not timed). */
enum { AM_LAT_MALLOC, AM_LAT_CALLOC, AM_LAT_REALLOC, AM_LAT_ALIGNED, AM_LAT_FREE,
       AM_LAT_SEND, AM_LAT_RECV, AM_LAT_WRITE, AM_LAT_NKINDS };
extern const signed char am_lat_kind_index[AM_OP_KIND_MAX];
extern const char *const am_lat_kind_names[AM_LAT_NKINDS];

typedef struct am_lat_hist_s {
  uint64_t count[AM_LAT_NKINDS];
  uint64_t max[AM_LAT_NKINDS];
  uint64_t b[AM_LAT_NKINDS][AM_LAT_BUCKETS];
} am_lat_hist_t;

static inline unsigned am_lat_index(uint64_t v) {
  if (v < (1u << AM_LAT_SUB_BITS)) return (unsigned)v;
  unsigned e = 63u - (unsigned)__builtin_clzll(v);
  if (e > AM_LAT_MAX_EXP) return AM_LAT_BUCKETS - 1;
  return ((e - AM_LAT_SUB_BITS + 1) << AM_LAT_SUB_BITS) +
         (unsigned)((v >> (e - AM_LAT_SUB_BITS)) & ((1u << AM_LAT_SUB_BITS) - 1));
}
/* Smallest value in bucket i, and its width. */
uint64_t am_lat_bucket_low(unsigned i);
uint64_t am_lat_bucket_width(unsigned i);

static inline void am_lat_record(am_lat_hist_t *h, unsigned k, uint64_t v) {
  h->count[k]++;
  h->b[k][am_lat_index(v)]++;
  if (v > h->max[k]) h->max[k] = v;
}

/* ---- the timer ---- */
extern int am_tick_is_tsc;            /* set by am_tick_calibrate */
extern double am_tick_ns;             /* ns per tick               */

static inline uint64_t am_tick_start(void) {
#if defined(__x86_64__)
  if (am_tick_is_tsc) {
    uint32_t lo, hi;
    __asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return ((uint64_t)hi << 32) | lo;
  }
#endif
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}
static inline uint64_t am_tick_end(void) {
#if defined(__x86_64__)
  if (am_tick_is_tsc) {
    uint32_t lo, hi, aux;
    __asm__ __volatile__("rdtscp\n\tlfence" : "=a"(lo), "=d"(hi), "=c"(aux) : : "memory");
    (void)aux;
    return ((uint64_t)hi << 32) | lo;
  }
#endif
  return am_tick_start();
}

/* Choose the timer and calibrate it (about 20 ms). Call before timing. */
void am_tick_calibrate(void);
const char *am_tick_source(void); /* "tsc" or "clock_monotonic" */

/* Percentiles of one histogram row, in ns. */
typedef struct am_lat_pcts_s {
  uint64_t count;
  double p50, p90, p99, p999, p9999, max;
} am_lat_pcts_t;
void am_lat_percentiles(const uint64_t *buckets, uint64_t count, uint64_t max_ticks, am_lat_pcts_t *out);

/* Timer cost: `n` back-to-back start/end pairs; median, p99 and min in ns, and the
 * timer's resolution. */
typedef struct am_timer_cost_s {
  double median_ns, p99_ns, min_ns;
  double resolution_ns; /* smallest non-zero step seen between two reads */
} am_timer_cost_t;
void am_timer_cost(am_lat_hist_t *scratch, unsigned n, am_timer_cost_t *out);

/* Sum src into dst. */
void am_lat_merge(am_lat_hist_t *dst, const am_lat_hist_t *src);

#endif /* AM_LATENCY_H */
