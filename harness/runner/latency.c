/* harness/runner/latency.c — timer calibration, percentiles and timer cost (latency.h). */
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include "latency.h"

const signed char am_lat_kind_index[AM_OP_KIND_MAX] = {
  [0] = -1,
  [AM_OP_MALLOC] = AM_LAT_MALLOC, [AM_OP_CALLOC] = AM_LAT_CALLOC,
  [AM_OP_REALLOC] = AM_LAT_REALLOC, [AM_OP_ALIGNED] = AM_LAT_ALIGNED,
  [AM_OP_FREE] = AM_LAT_FREE, [AM_OP_SEND] = AM_LAT_SEND, [AM_OP_RECV] = AM_LAT_RECV,
  [AM_OP_WRITE] = AM_LAT_WRITE, [AM_OP_PHASE] = -1, [AM_OP_RESPAWN] = -1,
  [AM_OP_PACK] = -1, [AM_OP_UNPACK] = -1, [AM_OP_PAUSE] = -1,
};
const char *const am_lat_kind_names[AM_LAT_NKINDS] = {
  "malloc", "calloc", "realloc", "aligned_alloc", "free", "send", "recv", "write",
};

int am_tick_is_tsc;
double am_tick_ns = 1.0;

uint64_t am_lat_bucket_low(unsigned i) {
  if (i < (1u << AM_LAT_SUB_BITS)) return i;
  unsigned k = i >> AM_LAT_SUB_BITS, sub = i & ((1u << AM_LAT_SUB_BITS) - 1);
  return ((uint64_t)(1u << AM_LAT_SUB_BITS) + sub) << (k - 1);
}

uint64_t am_lat_bucket_width(unsigned i) {
  if (i < (1u << AM_LAT_SUB_BITS)) return 1;
  return (uint64_t)1 << ((i >> AM_LAT_SUB_BITS) - 1);
}

static uint64_t mono_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* 1 when /proc/cpuinfo lists constant_tsc and nonstop_tsc (an invariant TSC). */
static int tsc_invariant(void) {
  int fd = open("/proc/cpuinfo", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  static char buf[16384];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  char *flags = strstr(buf, "\nflags");
  if (flags == NULL) return 0;
  char *eol = strchr(flags + 1, '\n');
  if (eol != NULL) *eol = '\0';
  return strstr(flags, " constant_tsc") != NULL && strstr(flags, " nonstop_tsc") != NULL;
}

void am_tick_calibrate(void) {
  am_tick_is_tsc = 0;
  am_tick_ns = 1.0;
#if defined(__x86_64__)
  if (!tsc_invariant()) return;
  am_tick_is_tsc = 1;
  uint64_t n0 = mono_ns(), c0 = am_tick_start(), n1, c1;
  do { n1 = mono_ns(); } while (n1 - n0 < 20000000u);
  c1 = am_tick_start();
  if (c1 <= c0) { am_tick_is_tsc = 0; return; }
  am_tick_ns = (double)(n1 - n0) / (double)(c1 - c0);
#endif
}

const char *am_tick_source(void) { return am_tick_is_tsc ? "tsc" : "clock_monotonic"; }

/* Value at quantile q: midpoint of the bucket holding the ceil(q*count)-th value. */
static double quantile(const uint64_t *b, uint64_t count, uint64_t max_ticks, double q) {
  uint64_t rank = (uint64_t)(q * (double)count);
  if ((double)rank < q * (double)count) rank++;
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (unsigned i = 0; i < AM_LAT_BUCKETS; i++) {
    seen += b[i];
    if (seen >= rank) {
      double mid = (double)am_lat_bucket_low(i) + (double)(am_lat_bucket_width(i) - 1) / 2.0;
      if (mid > (double)max_ticks) mid = (double)max_ticks;
      return mid * am_tick_ns;
    }
  }
  return (double)max_ticks * am_tick_ns;
}

void am_lat_percentiles(const uint64_t *buckets, uint64_t count, uint64_t max_ticks, am_lat_pcts_t *o) {
  o->count = count;
  if (count == 0) {
    o->p50 = o->p90 = o->p99 = o->p999 = o->p9999 = o->max = -1;
    return;
  }
  o->p50 = quantile(buckets, count, max_ticks, 0.50);
  o->p90 = quantile(buckets, count, max_ticks, 0.90);
  o->p99 = quantile(buckets, count, max_ticks, 0.99);
  o->p999 = quantile(buckets, count, max_ticks, 0.999);
  o->p9999 = quantile(buckets, count, max_ticks, 0.9999);
  o->max = (double)max_ticks * am_tick_ns;
}

void am_timer_cost(am_lat_hist_t *h, unsigned n, am_timer_cost_t *out) {
  memset(h->b[0], 0, sizeof h->b[0]);
  h->count[0] = h->max[0] = 0;
  uint64_t mn = UINT64_MAX, step = UINT64_MAX;
  for (unsigned i = 0; i < n; i++) {
    uint64_t t0 = am_tick_start(), t1 = am_tick_end();
    uint64_t d = t1 - t0;
    am_lat_record(h, 0, d);
    if (d < mn) mn = d;
    if (d > 0 && d < step) step = d;
  }
  am_lat_pcts_t p;
  am_lat_percentiles(h->b[0], h->count[0], h->max[0], &p);
  out->median_ns = p.p50;
  out->p99_ns = p.p99;
  out->min_ns = (double)mn * am_tick_ns;
  out->resolution_ns = step == UINT64_MAX ? NAN : (double)step * am_tick_ns;
}

void am_lat_merge(am_lat_hist_t *dst, const am_lat_hist_t *src) {
  for (unsigned k = 0; k < AM_LAT_NKINDS; k++) {
    if (src->count[k] == 0) continue;
    dst->count[k] += src->count[k];
    if (src->max[k] > dst->max[k]) dst->max[k] = src->max[k];
    for (unsigned i = 0; i < AM_LAT_BUCKETS; i++) dst->b[k][i] += src->b[k][i];
  }
}
