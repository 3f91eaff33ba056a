/* harness/cli/cmd_trace_phases.c — phases for trace-fit: clear changes in a trace's
 * behaviour found in its timeline (harness/trace/trace_stats.c: up to 64 windows of
 * equal events, each with its size histogram, allocations, frees and the lifetimes of
 * the blocks born in it), each fitted as one pattern phase.
 *
 * Detection, binary segmentation: a span of windows is cut where its two sides differ
 * most, the difference D being the larger of
 *   - the total variation distance of the two sides' size distributions (log2), and
 *   - half the difference of their net growth (allocs − frees) / (allocs + frees)
 *     (a fill against a steady state, a steady state against a teardown),
 * over the cuts that leave each side at least AM_FIT_MIN_WINDOWS windows and 5 % of
 * the trace's events; a cut is kept when D >= AM_FIT_CLEAR, and both sides are cut
 * again, up to AM_FIT_MAX_PHASES phases. A trace without such a change stays one phase.
 *
 * Each phase (from a copy of the whole-trace phase: mix, realloc, alignment):
 *   allocs    the phase's new objects over the threads;
 *   size      a histogram over its windows' log2 sizes;
 *   lifetime  `ops`: its born blocks' lifetimes (events) scaled to allocations of one
 *             thread by the phase's own events per allocation, `keep` = the share of
 *             its blocks that outlive it (never freed, or — births taken as uniform in
 *             the phase — a lifetime of l events outlives it with probability
 *             min(1, l / phase events)); kept blocks are freed after the last phase, or
 *             at the start of a phase that frees more than 1.5 times what it allocates
 *             (`free_kept`: a teardown);
 *   handoff   ratio = the phase's cross-thread share of frees. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <cJSON.h>
#include "trace_fit.h"

#define AM_FIT_MIN_WINDOWS 3
#define AM_FIT_CLEAR 0.3
#define AM_FIT_MAX_PHASES 8

typedef struct win_s { double events, allocs, frees, cross, born_freed, sizes[AM_FIT_NB], lifetimes[AM_FIT_NB]; } win_t;

static double num(const cJSON *o, const char *k) {
  const cJSON *x = cJSON_GetObjectItem(o, k);
  return cJSON_IsNumber(x) ? x->valuedouble : 0;
}

static void pairs(const cJSON *a, double *h) {
  const cJSON *e;
  cJSON_ArrayForEach(e, a) {
    int b = (int)cJSON_GetNumberValue(cJSON_GetArrayItem(e, 0));
    if (b >= 0 && b < AM_FIT_NB) h[b] += cJSON_GetNumberValue(cJSON_GetArrayItem(e, 1));
  }
}

static void sum(const win_t *w, unsigned a, unsigned b, win_t *s) { /* windows [a, b) */
  memset(s, 0, sizeof *s);
  for (unsigned i = a; i < b; i++) {
    s->events += w[i].events; s->allocs += w[i].allocs; s->frees += w[i].frees; s->cross += w[i].cross;
    s->born_freed += w[i].born_freed;
    for (unsigned k = 0; k < AM_FIT_NB; k++) { s->sizes[k] += w[i].sizes[k]; s->lifetimes[k] += w[i].lifetimes[k]; }
  }
}

static double tvd(const double *a, const double *b) {
  double sa = 0, sb = 0, d = 0;
  for (unsigned i = 0; i < AM_FIT_NB; i++) { sa += a[i]; sb += b[i]; }
  if (sa <= 0 || sb <= 0) return 0;
  for (unsigned i = 0; i < AM_FIT_NB; i++) d += fabs(a[i] / sa - b[i] / sb);
  return d / 2;
}

static double net(const win_t *s) { return s->allocs + s->frees > 0 ? (s->allocs - s->frees) / (s->allocs + s->frees) : 0; }

static double differ(const win_t *w, unsigned a, unsigned k, unsigned b) {
  win_t l, r;
  sum(w, a, k, &l);
  sum(w, k, b, &r);
  double d1 = tvd(l.sizes, r.sizes), d2 = fabs(net(&l) - net(&r)) / 2;
  return d1 > d2 ? d1 : d2;
}

/* Cut [a, b) into cuts[] (sorted later); n: cuts so far. */
static void segment(const win_t *w, unsigned a, unsigned b, double min_events, unsigned *cuts, int *n) {
  if (*n + 1 >= AM_FIT_MAX_PHASES) return;
  double best = 0, left = 0, total = 0;
  unsigned at = 0;
  for (unsigned i = a; i < b; i++) total += w[i].events;
  for (unsigned k = a + 1; k < b; k++) {
    left += w[k - 1].events;
    if (k - a < AM_FIT_MIN_WINDOWS || b - k < AM_FIT_MIN_WINDOWS || left < min_events || total - left < min_events) continue;
    double d = differ(w, a, k, b);
    if (d > best) { best = d; at = k; }
  }
  if (at == 0 || best < AM_FIT_CLEAR) return;
  cuts[(*n)++] = at;
  segment(w, a, at, min_events, cuts, n);
  segment(w, at, b, min_events, cuts, n);
}

static cJSON *phase_of(const cJSON *tmpl, const win_t *s, double threads, unsigned idx, unsigned w0, unsigned w1, int teardown) {
  cJSON *ph = cJSON_Duplicate(tmpl, 1);
  char name[64];
  snprintf(name, sizeof name, "p%u-w%u-%u", idx, w0, w1 - 1);
  cJSON_ReplaceItemInObject(ph, "name", cJSON_CreateString(name));
  double per = ceil(s->allocs / threads);
  cJSON_ReplaceItemInObject(ph, "allocs", cJSON_CreateNumber(per < 1 ? 1 : per));
  if (cJSON_GetObjectItem(ph, "size") != NULL) cJSON_ReplaceItemInObject(ph, "size", am_fit_hist_dist(s->sizes, 1, 1u << 30));
  double lf = s->allocs > 0 && s->events > 0 ? s->allocs / s->events / threads : 0.5, outlive = s->allocs - s->born_freed;
  for (unsigned b = 0; b < AM_FIT_NB; b++) {
    double l = b == 0 ? 0 : ldexp(1, (int)b) * 0.75; /* the bucket's middle */
    outlive += s->lifetimes[b] * (l >= s->events ? 1 : l / s->events);
  }
  double keep = s->allocs > 0 ? outlive / s->allocs : 0;
  if (cJSON_GetObjectItem(ph, "lifetime") != NULL) {
    cJSON *lt = cJSON_CreateObject();
    cJSON_AddStringToObject(lt, "kind", "ops");
    cJSON_AddItemToObject(lt, "allocs", am_fit_hist_dist(s->lifetimes, lf, 1ull << 32));
    if (keep > 0.0005) cJSON_AddNumberToObject(lt, "keep", keep > 1 ? 1 : round(keep * 1000) / 1000);
    cJSON_ReplaceItemInObject(ph, "lifetime", lt);
  }
  cJSON_DeleteItemFromObject(ph, "handoff");
  double share = s->frees > 0 ? s->cross / s->frees : 0;
  if (threads > 1 && share > 0.0005) {
    cJSON *h = cJSON_AddObjectToObject(ph, "handoff");
    cJSON_AddNumberToObject(h, "ratio", round(share * 1000) / 1000);
  }
  if (teardown) cJSON_AddStringToObject(ph, "free_kept", "fifo");
  return ph;
}

int am_fit_phases(const cJSON *info, const cJSON *tmpl, double threads, cJSON *phases, cJSON *report) {
  const cJSON *ws = cJSON_GetObjectItem(cJSON_GetObjectItem(info, "timeline"), "windows");
  int nw = cJSON_GetArraySize(ws);
  if (nw < 2 * AM_FIT_MIN_WINDOWS || nw > 64) return 1;
  win_t w[64];
  memset(w, 0, sizeof w);
  double total = 0;
  for (int i = 0; i < nw; i++) {
    const cJSON *x = cJSON_GetArrayItem(ws, i);
    w[i].events = num(x, "events"); w[i].allocs = num(x, "allocs"); w[i].frees = num(x, "frees");
    w[i].cross = num(x, "cross_frees"); w[i].born_freed = num(x, "born_freed");
    pairs(cJSON_GetObjectItem(x, "sizes"), w[i].sizes);
    pairs(cJSON_GetObjectItem(x, "lifetimes"), w[i].lifetimes);
    total += w[i].events;
  }
  unsigned cuts[AM_FIT_MAX_PHASES + 1];
  int n = 0;
  segment(w, 0, (unsigned)nw, total * 0.05, cuts, &n);
  if (n == 0) return 1;
  for (int i = 1; i < n; i++) /* insertion sort */
    for (int j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) { unsigned x = cuts[j]; cuts[j] = cuts[j - 1]; cuts[j - 1] = x; }
  cuts[n] = (unsigned)nw;
  unsigned a = 0;
  cJSON *rep = cJSON_AddArrayToObject(report, "phases");
  for (int i = 0; i <= n; i++) {
    win_t s;
    sum(w, a, cuts[i], &s);
    cJSON_AddItemToArray(phases, phase_of(tmpl, &s, threads, (unsigned)i, a, cuts[i], i > 0 && s.frees > 1.5 * s.allocs));
    cJSON *r = cJSON_CreateObject();
    cJSON_AddNumberToObject(r, "first_window", a);
    cJSON_AddNumberToObject(r, "last_window", cuts[i] - 1);
    cJSON_AddNumberToObject(r, "events", s.events);
    cJSON_AddNumberToObject(r, "allocs", s.allocs);
    cJSON_AddNumberToObject(r, "frees", s.frees);
    cJSON_AddItemToArray(rep, r);
    a = cuts[i];
  }
  return n + 1;
}
