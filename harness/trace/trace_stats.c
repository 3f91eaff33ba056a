/* harness/trace/trace_stats.c — statistics the converter (convert.c) gathers beyond
 * its counters, stored in the trace's statistics JSON (TRACE.md, "trace-info"):
 *
 *  - size_profile: per request size (exact up to 4096 B, then 8 buckets per power of
 *    two) the allocations and the time-averaged number of live blocks, in the event
 *    clock (one tick per recorded event). A realloc ends the block's old size and
 *    starts its new one. This is what trace-fit --profile writes as an empirical
 *    profile (rows of size, allocation rate, live count; Little's law: live = rate ×
 *    mean lifetime).
 *  - timeline: the recording cut into at most AM_TS_WINDOWS windows of equal events
 *    (the window doubles, merging neighbours, as the trace grows), each with its
 *    allocations, frees, bytes, live bytes at its end, its size histogram and the
 *    lifetimes of the blocks born in it: what trace-fit's phase detection reads.
 *  - call_time_ns: with timestamps, the ns spent inside the real calls, per call,
 *    and the cost of one clock read measured here (each timed call includes about one).
 *
 * Driver-side code (plain malloc). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cJSON.h>
#include "results.h"
#include "trace_int.h"

#define TS_HIST 48
#define TS_EXACT 4096u                 /* sizes up to this have a row each           */
#define TS_SUB 8u                      /* buckets per power of two above it          */
#define TS_ROWS (TS_EXACT + 1 + 52 * TS_SUB)

typedef struct ts_row_s { uint64_t allocs, alive, size_sum; double birth_sum, life_sum; } ts_row_t;

typedef struct ts_win_s {
  uint64_t events, allocs, reallocs, frees, cross_frees, alloc_bytes, live_end, live_peak, born_freed;
  uint64_t sizes[TS_HIST], lifetimes[TS_HIST];
} ts_win_t;

struct am_tstats_s {
  ts_row_t rows[TS_ROWS];
  ts_win_t win[AM_TS_WINDOWS];
  uint64_t wlen;                      /* events per window                          */
  unsigned cur;                       /* window of the current event                */
  uint64_t call_n[AM_RAW_CALL_MAX + 1], call_ns[AM_RAW_CALL_MAX + 1]; /* + free     */
  int timed;
};

am_tstats_t *am_tstats_new(void) {
  am_tstats_t *s = calloc(1, sizeof *s);
  if (s != NULL) s->wlen = 1024;
  return s;
}

void am_tstats_free(am_tstats_t *s) { free(s); }

static unsigned hb(uint64_t v) {
  unsigned b = v == 0 ? 0 : 64 - (unsigned)__builtin_clzll(v);
  return b < TS_HIST ? b : TS_HIST - 1;
}

static size_t row_of(uint64_t size) {
  if (size <= TS_EXACT) return (size_t)size;
  unsigned o = 63 - (unsigned)__builtin_clzll(size); /* >= 12 */
  size_t r = TS_EXACT + 1 + (size_t)(o - 12) * TS_SUB + (size_t)((size >> (o - 3)) & (TS_SUB - 1));
  return r < TS_ROWS ? r : TS_ROWS - 1;
}

static void merge(ts_win_t *a, const ts_win_t *b) { /* b follows a */
  a->events += b->events; a->allocs += b->allocs; a->reallocs += b->reallocs; a->frees += b->frees;
  a->cross_frees += b->cross_frees; a->alloc_bytes += b->alloc_bytes; a->born_freed += b->born_freed;
  a->live_end = b->live_end;
  if (b->live_peak > a->live_peak) a->live_peak = b->live_peak;
  for (unsigned i = 0; i < TS_HIST; i++) { a->sizes[i] += b->sizes[i]; a->lifetimes[i] += b->lifetimes[i]; }
}

void am_tstats_tick(am_tstats_t *s, uint64_t ev) {
  while (ev / s->wlen >= AM_TS_WINDOWS) { /* double the window: merge pairs */
    for (unsigned i = 0; i < AM_TS_WINDOWS / 2; i++) {
      ts_win_t m = s->win[2 * i];
      merge(&m, &s->win[2 * i + 1]);
      s->win[i] = m;
    }
    memset(&s->win[AM_TS_WINDOWS / 2], 0, sizeof s->win[0] * (AM_TS_WINDOWS / 2));
    s->wlen *= 2;
    s->cur /= 2;
  }
  unsigned w = (unsigned)(ev / s->wlen);
  for (unsigned i = s->cur + 1; i <= w; i++) { /* windows skipped carry the live bytes on */
    s->win[i].live_end = s->win[s->cur].live_end;
    s->win[i].live_peak = s->win[s->cur].live_end;
  }
  s->cur = w;
  s->win[w].events++;
}

void am_tstats_live(am_tstats_t *s, uint64_t live) {
  ts_win_t *w = &s->win[s->cur];
  w->live_end = live;
  if (live > w->live_peak) w->live_peak = live;
}

void am_tstats_birth(am_tstats_t *s, uint64_t ev, uint64_t size, int realloc_step, int new_object) {
  ts_row_t *r = &s->rows[row_of(size)];
  r->allocs++;
  r->alive++;
  r->size_sum += size;
  r->birth_sum += (double)ev;
  ts_win_t *w = &s->win[s->cur];
  if (new_object) w->allocs++;
  if (realloc_step) w->reallocs++;
  w->alloc_bytes += size;
  w->sizes[hb(size)]++;
}

void am_tstats_end(am_tstats_t *s, uint64_t ev, uint64_t seg_ev, uint64_t size) {
  ts_row_t *r = &s->rows[row_of(size)];
  if (r->alive == 0) return;
  r->alive--;
  r->birth_sum -= (double)seg_ev;
  r->life_sum += (double)(ev - seg_ev);
}

void am_tstats_free_at(am_tstats_t *s, uint64_t ev, uint64_t birth_ev, int cross) {
  ts_win_t *w = &s->win[s->cur];
  w->frees++;
  if (cross) w->cross_frees++;
  ts_win_t *b = &s->win[birth_ev / s->wlen < AM_TS_WINDOWS ? birth_ev / s->wlen : s->cur];
  b->lifetimes[hb(ev - birth_ev)]++;
  b->born_freed++;
}

void am_tstats_call(am_tstats_t *s, unsigned call, uint64_t ns) {
  if (call > AM_RAW_CALL_MAX) return;
  s->timed = 1;
  s->call_n[call]++;
  s->call_ns[call] += ns;
}

/* The cost of one CLOCK_MONOTONIC read on this machine: the mean gap between
 * back-to-back reads (each timed call includes about one read's worth). */
static double clock_cost_ns(void) {
  struct timespec a, b;
  double best = 1e300;
  for (int rep = 0; rep < 5; rep++) {
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 2000; i++) clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 2000;
    if (ns < best) best = ns;
  }
  return best;
}

static cJSON *hist_pairs(const uint64_t *h) {
  cJSON *a = cJSON_CreateArray();
  for (unsigned i = 0; i < TS_HIST; i++) {
    if (h[i] == 0) continue;
    cJSON *p = cJSON_CreateArray();
    cJSON_AddItemToArray(p, cJSON_CreateNumber(i));
    cJSON_AddItemToArray(p, cJSON_CreateNumber((double)h[i]));
    cJSON_AddItemToArray(a, p);
  }
  return a;
}

static void profile_json(const am_tstats_t *s, uint64_t end_ev, cJSON *out) {
  cJSON *p = cJSON_AddObjectToObject(out, "size_profile");
  cJSON_AddStringToObject(p, "clock", "events");
  am_json_add_u64(p, "events", end_ev);
  cJSON *rows = cJSON_AddArrayToObject(p, "rows");
  for (size_t i = 0; i < TS_ROWS; i++) {
    const ts_row_t *r = &s->rows[i];
    if (r->allocs == 0) continue;
    double life = r->life_sum + (double)r->alive * (double)end_ev - r->birth_sum; /* still live: to the end */
    cJSON *x = cJSON_CreateArray();
    cJSON_AddItemToArray(x, cJSON_CreateNumber((double)((r->size_sum + r->allocs / 2) / r->allocs)));
    cJSON_AddItemToArray(x, cJSON_CreateNumber((double)r->allocs));
    cJSON_AddItemToArray(x, cJSON_CreateNumber(end_ev > 0 && life > 0 ? life / (double)end_ev : 0));
    cJSON_AddItemToArray(rows, x);
  }
}

static void timeline_json(const am_tstats_t *s, cJSON *out) {
  cJSON *t = cJSON_AddObjectToObject(out, "timeline");
  am_json_add_u64(t, "window_events", s->wlen);
  cJSON *ws = cJSON_AddArrayToObject(t, "windows");
  for (unsigned i = 0; i <= s->cur && i < AM_TS_WINDOWS; i++) {
    const ts_win_t *w = &s->win[i];
    cJSON *x = cJSON_CreateObject();
    am_json_add_u64(x, "events", w->events);
    am_json_add_u64(x, "allocs", w->allocs);
    am_json_add_u64(x, "reallocs", w->reallocs);
    am_json_add_u64(x, "frees", w->frees);
    am_json_add_u64(x, "cross_frees", w->cross_frees);
    am_json_add_u64(x, "alloc_bytes", w->alloc_bytes);
    am_json_add_u64(x, "live_end", w->live_end);
    am_json_add_u64(x, "live_peak", w->live_peak);
    am_json_add_u64(x, "born_freed", w->born_freed);
    cJSON_AddItemToObject(x, "sizes", hist_pairs(w->sizes));
    cJSON_AddItemToObject(x, "lifetimes", hist_pairs(w->lifetimes));
    cJSON_AddItemToArray(ws, x);
  }
}

static void calls_json(const am_tstats_t *s, cJSON *out) {
  static const char *const names[AM_RAW_CALL_MAX + 1] = {
    "aligned_alloc", "posix_memalign", "memalign", "valloc", "pvalloc", "malloc", "calloc", "realloc", "reallocarray", "free"};
  cJSON *c = cJSON_AddObjectToObject(out, "call_time_ns");
  double clk = clock_cost_ns(), raw = 0, est = 0;
  uint64_t n = 0;
  cJSON *by = cJSON_AddObjectToObject(c, "by_call");
  for (unsigned k = 0; k <= AM_RAW_CALL_MAX; k++) {
    if (s->call_n[k] == 0) continue;
    cJSON *x = cJSON_AddObjectToObject(by, names[k]);
    am_json_add_u64(x, "calls", s->call_n[k]);
    am_json_add_u64(x, "ns", s->call_ns[k]);
    raw += (double)s->call_ns[k];
    n += s->call_n[k];
    double e = (double)s->call_ns[k] - clk * (double)s->call_n[k];
    est += e > 0 ? e : 0;
  }
  am_json_add_u64(c, "calls", n);
  am_json_add_num(c, "measured_ns", raw);
  am_json_add_num(c, "clock_read_ns", clk);
  am_json_add_num(c, "estimate_ns", est);
}

void am_tstats_json(const am_tstats_t *s, uint64_t end_ev, cJSON *out) {
  profile_json(s, end_ev, out);
  timeline_json(s, out);
  if (s->timed) calls_json(s, out);
}
