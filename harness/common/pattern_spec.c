/* harness/common/pattern_spec.c — what a loaded pattern tells its users: getters, the
 * canonical spec JSON (every default filled in, for the results file), and the thread
 * assignment of a phase's roles for a given thread count. */
#include <stdio.h>
#include <string.h>
#include <cJSON.h>
#include "pattern_dist.h"
#include "pattern_int.h"

const char *am_pattern_name(const am_pattern_t *p) { return p->name; }
const char *am_pattern_path(const am_pattern_t *p) { return p->path; }
const char *am_pattern_sha256(const am_pattern_t *p) { return p->sha256; }
unsigned am_pattern_repetitions(const am_pattern_t *p) { return p->repetitions; }
unsigned am_pattern_warmup(const am_pattern_t *p) { return p->warmup; }
uint64_t am_pattern_seed(const am_pattern_t *p) { return p->seed; }
const char *am_pattern_description(const am_pattern_t *p) { return p->description; }
size_t am_pattern_phase_count(const am_pattern_t *p) { return p->n_phases; }
const char *am_pattern_phase_name(const am_pattern_t *p, size_t i) {
  return i < p->n_phases ? p->phases[i].name : NULL;
}

size_t am_pattern_thread_counts(const am_pattern_t *p, unsigned *out, size_t cap) {
  size_t n = p->n_threads < cap ? p->n_threads : cap;
  for (size_t i = 0; i < n; i++) out[i] = p->threads[i];
  return n;
}

static const char *const touch_names[] = {"none", "first", "all", "verify", "pages"};
static const char *const order_names[] = {"fifo", "lifo", "random"};
static const char *const life_names[] = {"pair", "batch", "window", "ops", "phase", "run", "empirical"};
static const char *const mix_names[] = {"malloc", "calloc", "aligned", "realloc"};

static cJSON *tcount_json(const am_tspec_t *t) {
  return t->ncpu ? cJSON_CreateString("ncpu") : cJSON_CreateNumber(t->n);
}

static cJSON *threads_json(const am_pattern_t *p) {
  switch (p->threads_form) {
  case 1: return cJSON_CreateString("ncpu");
  case 2: {
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < p->n_tspec; i++) cJSON_AddItemToArray(a, tcount_json(&p->tspec[i]));
    return a;
  }
  case 3: {
    cJSON *o = cJSON_CreateObject();
    am_tspec_t to = {p->range_to, p->range_to_ncpu};
    cJSON_AddNumberToObject(o, "from", p->range_from);
    cJSON_AddItemToObject(o, "to", tcount_json(&to));
    if (p->range_double) cJSON_AddStringToObject(o, "step", "double");
    else cJSON_AddNumberToObject(o, "step", p->range_step);
    return o;
  }
  default: return cJSON_CreateNumber(p->tspec[0].n);
  }
}

static cJSON *life_json(const am_life_t *l) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "kind", life_names[l->kind]);
  if (l->kind == AM_LIFE_BATCH) cJSON_AddNumberToObject(o, "count", l->count);
  if (l->kind == AM_LIFE_WINDOW) {
    cJSON_AddNumberToObject(o, "live", l->count);
    cJSON_AddStringToObject(o, "replace", l->replace_oldest ? "oldest" : "random");
    cJSON_AddStringToObject(o, "swap", l->alloc_first ? "alloc-first" : "free-first");
    cJSON_AddStringToObject(o, "fill", l->fill_main ? "main" : "self");
    cJSON_AddNumberToObject(o, "fill_churn", l->fill_churn);
  }
  if (l->kind == AM_LIFE_OPS) cJSON_AddItemToObject(o, "allocs", am_dist_json(&l->allocs));
  if (l->kind != AM_LIFE_PAIR && l->kind != AM_LIFE_RUN) cJSON_AddStringToObject(o, "order", order_names[l->order]);
  if (l->kind == AM_LIFE_WINDOW || l->kind == AM_LIFE_OPS || l->kind == AM_LIFE_PHASE)
    cJSON_AddNumberToObject(o, "keep", l->keep);
  return o;
}

static void program_json(cJSON *o, const am_program_t *g, const am_phase_t *ph) {
  cJSON_AddNumberToObject(o, "allocs", (double)g->allocs);
  cJSON_AddNumberToObject(o, "quick_allocs", (double)g->quick_allocs);
  if (g->emp != NULL) cJSON_AddItemToObject(o, "empirical", am_emp_json(g->emp));
  else cJSON_AddItemToObject(o, "size", am_dist_json(&g->size));
  cJSON *mix = cJSON_AddObjectToObject(o, "mix");
  for (int i = 0; i < AM_MIX_N; i++) cJSON_AddNumberToObject(mix, mix_names[i], g->mix[i]);
  if (g->large_from > 0) {
    cJSON *ml = cJSON_AddObjectToObject(o, "mix_large");
    cJSON_AddNumberToObject(ml, "from", (double)g->large_from);
    cJSON *m = cJSON_AddObjectToObject(ml, "mix");
    for (int i = 0; i < AM_MIX_N; i++) cJSON_AddNumberToObject(m, mix_names[i], g->large_mix[i]);
  }
  cJSON *al = cJSON_AddArrayToObject(o, "align");
  for (size_t i = 0; i < g->n_aligns; i++) cJSON_AddItemToArray(al, cJSON_CreateNumber((double)(1ull << g->align_log2[i])));
  cJSON *re = cJSON_AddObjectToObject(o, "realloc");
  cJSON_AddNumberToObject(re, "steps", g->realloc_steps);
  cJSON_AddNumberToObject(re, "factor", g->realloc_factor);
  int per_kind = 0;
  for (int i = 0; i < AM_MIX_N; i++) per_kind |= g->touch_kind[i] != g->touch;
  if (!per_kind) cJSON_AddStringToObject(o, "touch", touch_names[g->touch]);
  else {
    cJSON *t = cJSON_AddObjectToObject(o, "touch");
    for (int i = 0; i < AM_MIX_N; i++) cJSON_AddStringToObject(t, mix_names[i], touch_names[g->touch_kind[i]]);
  }
  if (g->emp == NULL) cJSON_AddItemToObject(o, "lifetime", life_json(&g->life)); /* else the profile's */
  cJSON *h = cJSON_AddObjectToObject(o, "handoff");
  cJSON_AddNumberToObject(h, "ratio", g->handoff_ratio);
  cJSON_AddStringToObject(h, "to", g->handoff_to == AM_TO_ANY ? "any" : g->handoff_to == AM_TO_NEXT ? "next"
                                   : ph->roles[g->handoff_role].name);
  cJSON_AddNumberToObject(h, "batch", g->handoff_batch);
  cJSON_AddStringToObject(h, "queue", g->handoff_shared ? "shared" : "pair");
  if (g->handoff_shared) {
    if (g->handoff_bound > 0) cJSON_AddNumberToObject(h, "bound", g->handoff_bound);
    cJSON_AddStringToObject(h, "order", g->handoff_lifo ? "lifo" : "fifo");
  }
  cJSON_AddNumberToObject(o, "write", (double)g->write_rounds);
  if (!g->respawn_rounds) cJSON_AddNumberToObject(o, "respawn", (double)g->respawn);
  else {
    cJSON *r = cJSON_AddObjectToObject(o, "respawn");
    cJSON_AddNumberToObject(r, "every", (double)g->respawn);
    cJSON_AddStringToObject(r, "unit", "rounds");
  }
}

struct cJSON *am_pattern_spec_json(const am_pattern_t *p) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "format", AM_PATTERN_FORMAT);
  cJSON_AddStringToObject(o, "name", p->name);
  cJSON_AddStringToObject(o, "description", p->description);
  cJSON_AddNumberToObject(o, "seed", (double)p->seed);
  cJSON_AddNumberToObject(o, "repetitions", p->repetitions);
  cJSON_AddNumberToObject(o, "warmup", p->warmup);
  cJSON_AddItemToObject(o, "threads", threads_json(p));
  cJSON_AddNumberToObject(o, "quick_scale", p->quick_scale);
  cJSON *phases = cJSON_AddArrayToObject(o, "phases");
  for (size_t i = 0; i < p->n_phases; i++) {
    const am_phase_t *ph = &p->phases[i];
    cJSON *po = cJSON_CreateObject();
    cJSON_AddStringToObject(po, "name", ph->name);
    cJSON_AddNumberToObject(po, "round", ph->round);
    cJSON_AddNumberToObject(po, "lag", ph->lag);
    if (ph->free_kept < 0) cJSON_AddFalseToObject(po, "free_kept");
    else cJSON_AddStringToObject(po, "free_kept", order_names[ph->free_kept]);
    cJSON *roles = cJSON_AddArrayToObject(po, "roles");
    for (size_t r = 0; r < ph->n_roles; r++) {
      const am_role_t *ro = &ph->roles[r];
      cJSON *ob = cJSON_CreateObject();
      cJSON_AddStringToObject(ob, "name", ro->name);
      if (ro->sel == AM_SEL_REST) cJSON_AddStringToObject(ob, "threads", "rest");
      else if (ro->sel == AM_SEL_COUNT) cJSON_AddNumberToObject(ob, "threads", ro->sel_value);
      else {
        char pct[16];
        snprintf(pct, sizeof pct, "%u%%", ro->sel_value);
        cJSON_AddStringToObject(ob, "threads", pct);
      }
      program_json(ob, &ro->prog, ph);
      cJSON_AddItemToArray(roles, ob);
    }
    cJSON_AddItemToArray(phases, po);
  }
  return o;
}

static unsigned role_want(const am_role_t *r, unsigned T) {
  if (r->sel == AM_SEL_COUNT) return r->sel_value;
  unsigned n = (unsigned)((unsigned long)T * r->sel_value / 100);
  return n < 1 ? 1 : n;
}

int am_phase_assign(const am_pattern_t *p, size_t phase, unsigned T, int *role_of, am_diag_t *d) {
  const am_phase_t *ph = &p->phases[phase];
  unsigned count[AM_MAX_ROLES], remaining = T;
  int rest = -1;
  for (size_t r = 0; r < ph->n_roles; r++) {
    if (ph->roles[r].sel == AM_SEL_REST) { rest = (int)r; continue; }
    count[r] = role_want(&ph->roles[r], T);
    if (count[r] > remaining)
      return am_diag(d, AM_EINVAL, "%s: phases[%zu].roles[%zu].threads: expected at most %u thread%s (the roles "
                     "before it take %u of the run's %u), got %u", p->path, phase, r, remaining,
                     remaining == 1 ? "" : "s", T - remaining, T, count[r]);
    remaining -= count[r];
  }
  if (rest >= 0) {
    if (remaining == 0) {
      if (!ph->roles_given)
        return am_diag(d, AM_EINVAL, "%s: threads: expected at least 1 thread, got 0", p->path);
      return am_diag(d, AM_EINVAL, "%s: phases[%zu].roles[%d].threads: expected at least 1 thread left for "
                     "\"rest\" (the run has %u), got 0", p->path, phase, rest, T);
    }
    count[rest] = remaining;
  }
  unsigned t = 0;
  for (size_t r = 0; r < ph->n_roles; r++)
    for (unsigned k = 0; k < count[r]; k++) role_of[t++] = (int)r;
  while (t < T) role_of[t++] = -1;
  /* Hand-offs need somebody to hand off to. */
  for (size_t r = 0; r < ph->n_roles; r++) {
    const am_program_t *g = &ph->roles[r].prog;
    if (g->handoff_ratio <= 0 || (g->allocs == 0 && g->quick_allocs == 0)) continue;
    if (g->handoff_to != AM_TO_ROLE) continue; /* "any"/"next" with 1 thread: no hand-off (gen.c) */
    unsigned others = count[g->handoff_role] - (g->handoff_role == (int)r ? 1u : 0u);
    if (others == 0)
      return am_diag(d, AM_EINVAL, "%s: %s: expected a role with a thread other than the sender, got \"%s\" "
                     "(%u of the run's %u thread%s)", p->path, g->handoff_path, ph->roles[g->handoff_role].name,
                     count[g->handoff_role], T, T == 1 ? "" : "s");
  }
  return 0;
}
