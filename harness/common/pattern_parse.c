/* harness/common/pattern_parse.c — reading and validating a pattern file (format
 * "allocmark-pattern/1", documented in patterns/README.md) into am_pattern_t.
 * Malformed JSON is reported as "<file>:<line>:<col>: malformed JSON (...)"; every
 * other problem as "<file>: <JSON path>: expected ..., got ..." (pattern_json.c). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pattern_dist.h"
#include "pattern_int.h"
#include "pattern_json.h"
#include "sha256.h"

/* ---- arena: every allocation of a pattern, freed at once ---- */
typedef struct arena_blk_s { struct arena_blk_s *next; max_align_t data[]; } arena_blk_t;

void *am_arena_alloc(void **arena, size_t n) {
  arena_blk_t *b = calloc(1, sizeof *b + n);
  if (b == NULL) return NULL;
  b->next = *arena;
  *arena = b;
  return b->data;
}

void am_arena_free(void **arena) {
  arena_blk_t *b = *arena;
  while (b != NULL) { arena_blk_t *n = b->next; free(b); b = n; }
  *arena = NULL;
}

static char *arena_strdup(void **arena, const char *s) {
  size_t n = strlen(s) + 1;
  char *d = am_arena_alloc(arena, n);
  if (d != NULL) memcpy(d, s, n);
  return d;
}

/* ---- program fields (phase defaults, role overrides) ---- */
static const char *const touch_names[] = {"none", "first", "all", "verify", "pages", NULL};
static const char *const order_names[] = {"fifo", "lifo", "random", NULL};
static const char *const life_names[] = {"pair", "batch", "window", "ops", "phase", "run", NULL};
static const char *const mix_names[] = {"malloc", "calloc", "aligned", "realloc", NULL};

#define PROGRAM_KEYS "allocs", "quick_allocs", "size", "mix", "mix_large", "align", "realloc", "touch", \
                     "lifetime", "handoff", "write", "respawn", "empirical"

/* Flags of what a phase or role set explicitly. */
typedef struct prog_set_s { int allocs, quick; const char *handoff_to; } prog_set_t;

static void program_defaults(am_program_t *g) {
  memset(g, 0, sizeof *g);
  am_dist_fixed(&g->size, 64);
  g->mix[AM_MIX_MALLOC] = 1;
  g->n_aligns = 1;
  g->align_log2[0] = 6;
  g->realloc_steps = 4;
  g->realloc_factor = 2.0;
  g->touch = AM_TOUCH_NONE;
  g->handoff_batch = 1;
  g->life.kind = AM_LIFE_PAIR;
  g->life.order = AM_ORDER_FIFO;
  g->handoff_to = AM_TO_ANY;
  g->handoff_role = -1;
}

static int parse_mix(am_pctx_t *c, const cJSON *v, const char *path, double *mix) {
  if (cJSON_IsString(v)) {
    for (int i = 0; mix_names[i] != NULL; i++)
      if (strcmp(v->valuestring, mix_names[i]) == 0) {
        memset(mix, 0, AM_MIX_N * sizeof *mix);
        mix[i] = 1;
        return 0;
      }
  }
  if (!cJSON_IsObject(v))
    return am_j_bad(c, path, "an object of weights {malloc, calloc, aligned, realloc} or one of those names", v, 0);
  int rc = am_j_object(c, v, path, mix_names);
  double sum = 0;
  for (int i = 0; rc == 0 && i < AM_MIX_N; i++) {
    rc = am_j_num(c, v, mix_names[i], path, 0, 1e9, 0, 0, 0, &mix[i]);
    sum += mix[i];
  }
  if (rc == 0 && sum <= 0)
    return am_diag(c->d, AM_ERANGE, "%s: %s: expected at least one weight > 0, got all zero", c->file, path);
  return rc;
}

/* mix_large: {"from": bytes, "mix": a mix}: objects of at least `from` bytes use it. */
static int parse_mix_large(am_pctx_t *c, const cJSON *v, const char *path, am_program_t *g) {
  static const char *const keys[] = {"from", "mix", NULL};
  int rc = am_j_object(c, v, path, keys);
  if (rc == 0) rc = am_j_uint(c, v, "from", path, 1, AM_MAX_BLOCK, 1, 0, &g->large_from);
  if (rc != 0) return rc;
  char p[AM_PATH_MAX];
  am_j_path(p, path, "mix");
  const cJSON *m = am_j_get(v, "mix");
  if (m == NULL) return am_j_bad(c, p, "an object of weights {malloc, calloc, aligned, realloc} or one of those names", NULL, 0);
  return parse_mix(c, m, p, g->large_mix);
}

/* touch: one mode for every object, or {"malloc": mode, "calloc": ..., ...} per kind
 * (absent kinds: "none"). */
static int parse_touch(am_pctx_t *c, const cJSON *obj, const char *path, am_program_t *g) {
  const cJSON *v = am_j_get(obj, "touch");
  int e, rc;
  if (!cJSON_IsObject(v)) {
    if ((rc = am_j_enum(c, obj, "touch", path, touch_names, 1, 0, &e)) != 0) return rc;
    g->touch = (am_touch_t)e;
    for (int i = 0; i < AM_MIX_N; i++) g->touch_kind[i] = g->touch;
    return 0;
  }
  char p[AM_PATH_MAX];
  am_j_path(p, path, "touch");
  if ((rc = am_j_object(c, v, p, mix_names)) != 0) return rc;
  g->touch = AM_TOUCH_NONE;
  for (int i = 0; i < AM_MIX_N; i++) {
    if ((rc = am_j_enum(c, v, mix_names[i], p, touch_names, 0, 0, &e)) != 0) return rc;
    g->touch_kind[i] = (am_touch_t)e;
  }
  return 0;
}

static int parse_align_one(am_pctx_t *c, const cJSON *v, const char *path, uint8_t *out) {
  char want[96];
  snprintf(want, sizeof want, "a power of two from 1 to %llu", 1ull << AM_MAX_ALIGN_LOG2);
  if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble)) return am_j_bad(c, path, want, v, 0);
  double x = v->valuedouble;
  for (unsigned k = 0; k <= AM_MAX_ALIGN_LOG2; k++)
    if (x == (double)(1ull << k)) { *out = (uint8_t)k; return 0; }
  return am_j_bad(c, path, want, v, 1);
}

static int parse_align(am_pctx_t *c, const cJSON *v, const char *path, am_program_t *g) {
  if (!cJSON_IsArray(v)) {
    g->n_aligns = 1;
    return parse_align_one(c, v, path, &g->align_log2[0]);
  }
  int n = cJSON_GetArraySize(v);
  if (n < 1 || n > 16) return am_j_bad(c, path, "a power of two, or an array of 1 to 16 of them", v, 1);
  g->n_aligns = (size_t)n;
  int i = 0;
  for (const cJSON *e = v->child; e != NULL; e = e->next, i++) {
    char p[AM_PATH_MAX];
    am_j_index(p, path, (size_t)i);
    int rc = parse_align_one(c, e, p, &g->align_log2[i]);
    if (rc != 0) return rc;
  }
  return 0;
}

static int parse_lifetime(am_pctx_t *c, const cJSON *v, const char *path, am_life_t *l) {
  memset(l, 0, sizeof *l);
  l->order = AM_ORDER_FIFO;
  int kind, rc;
  if (cJSON_IsString(v)) {
    for (kind = 0; life_names[kind] != NULL; kind++)
      if (strcmp(life_names[kind], v->valuestring) == 0) break;
    if (kind != AM_LIFE_PAIR && kind != AM_LIFE_PHASE && kind != AM_LIFE_RUN)
      return am_j_bad(c, path, "a lifetime object, or one of \"pair\", \"phase\", \"run\"", v, 0);
    l->kind = (am_life_kind_t)kind;
    if (kind == AM_LIFE_RUN) l->keep = 1;
    return 0;
  }
  if (!cJSON_IsObject(v)) return am_j_bad(c, path, "a lifetime object or a name", v, 0);
  if ((rc = am_j_enum(c, v, "kind", path, life_names, 1, 0, &kind)) != 0) return rc;
  l->kind = (am_life_kind_t)kind;
  static const char *const k_pair[] = {"kind", NULL};
  static const char *const k_batch[] = {"kind", "count", "order", NULL};
  static const char *const k_window[] = {"kind", "live", "replace", "swap", "fill", "fill_churn", "order", "keep", NULL};
  static const char *const k_ops[] = {"kind", "allocs", "order", "keep", NULL};
  static const char *const k_phase[] = {"kind", "order", "keep", NULL};
  static const char *const *const keys[] = {k_pair, k_batch, k_window, k_ops, k_phase, k_pair};
  if ((rc = am_j_object(c, v, path, keys[kind])) != 0) return rc;
  uint64_t n = 0;
  int order = AM_ORDER_FIFO;
  switch (l->kind) {
  case AM_LIFE_PAIR: break;
  case AM_LIFE_RUN: l->keep = 1; break;
  case AM_LIFE_BATCH:
    rc = am_j_uint(c, v, "count", path, 1, AM_MAX_LIVE, 1, 0, &n);
    l->count = (uint32_t)n;
    break;
  case AM_LIFE_WINDOW: {
    static const char *const repl[] = {"random", "oldest", NULL};
    rc = am_j_uint(c, v, "live", path, 1, AM_MAX_LIVE, 1, 0, &n);
    l->count = (uint32_t)n;
    static const char *const swap[] = {"free-first", "alloc-first", NULL};
    static const char *const fill[] = {"self", "main", NULL};
    if (rc == 0) rc = am_j_enum(c, v, "replace", path, repl, 0, 0, &l->replace_oldest);
    if (rc == 0) rc = am_j_enum(c, v, "swap", path, swap, 0, 0, &l->alloc_first);
    if (rc == 0) rc = am_j_enum(c, v, "fill", path, fill, 0, 0, &l->fill_main);
    if (rc == 0) rc = am_j_uint(c, v, "fill_churn", path, 0, AM_MAX_FILL_CHURN, 0, 0, &n);
    l->fill_churn = (uint32_t)n;
    if (rc == 0 && l->fill_churn > 0 && !l->fill_main) {
      char fp[AM_PATH_MAX];
      am_j_path(fp, path, "fill_churn");
      return am_diag(c->d, AM_EINVAL, "%s: %s: expected 0 unless fill is \"main\" (only the main thread's set-up "
                     "churns), got %u", c->file, fp, l->fill_churn);
    }
    n = l->count;
    break;
  }
  case AM_LIFE_OPS: {
    char p[AM_PATH_MAX];
    am_j_path(p, path, "allocs");
    const cJSON *a = am_j_get(v, "allocs");
    if (a == NULL) return am_j_bad(c, p, "a lifetime in allocations (an integer or a distribution)", NULL, 0);
    rc = am_dist_parse(c, a, p, 0, AM_MAX_LIFETIME, &l->allocs);
    break;
  }
  case AM_LIFE_PHASE: case AM_LIFE_EMPIRICAL: break; /* empirical: never parsed as a kind */
  }
  if (rc == 0) rc = am_j_enum(c, v, "order", path, order_names, 0, AM_ORDER_FIFO, &order);
  l->order = (am_order_t)order;
  if (rc == 0 && (l->kind == AM_LIFE_WINDOW || l->kind == AM_LIFE_OPS || l->kind == AM_LIFE_PHASE))
    rc = am_j_num(c, v, "keep", path, 0, 1, 0, 0, 0, &l->keep);
  return rc;
}

static int parse_handoff(am_pctx_t *c, const cJSON *v, const char *path, am_program_t *g, prog_set_t *set) {
  static const char *const keys[] = {"ratio", "to", "batch", "queue", "bound", "order", NULL};
  static const char *const queues[] = {"pair", "shared", NULL};
  static const char *const qorders[] = {"fifo", "lifo", NULL};
  int rc = am_j_object(c, v, path, keys);
  if (rc == 0) rc = am_j_num(c, v, "ratio", path, 0, 1, 0, 1, 0, &g->handoff_ratio);
  const char *to = "any";
  if (rc == 0) rc = am_j_string(c, v, "to", path, AM_NAME_MAX, 1, "any", &to);
  uint64_t x = 1;
  if (rc == 0) rc = am_j_uint(c, v, "batch", path, 1, AM_MAX_HANDOFF_BATCH, 0, 1, &x);
  g->handoff_batch = (uint32_t)x;
  if (rc == 0) rc = am_j_enum(c, v, "queue", path, queues, 0, 0, &g->handoff_shared);
  char p[AM_PATH_MAX];
  if (rc == 0 && !g->handoff_shared && (am_j_get(v, "bound") != NULL || am_j_get(v, "order") != NULL)) {
    am_j_path(p, path, am_j_get(v, "bound") != NULL ? "bound" : "order");
    return am_diag(c->d, AM_EINVAL, "%s: %s: expected only with \"queue\": \"shared\" (a pair channel is an "
                   "unbounded FIFO), got it with queue \"pair\"", c->file, p);
  }
  if (rc == 0) rc = am_j_uint(c, v, "bound", path, 1, AM_MAX_BOUND, 0, 0, &x);
  g->handoff_bound = g->handoff_shared ? (uint32_t)x : 0;
  if (rc == 0) rc = am_j_enum(c, v, "order", path, qorders, 0, 0, &g->handoff_lifo);
  if (rc == 0 && g->handoff_shared && (strcmp(to, "any") == 0 || strcmp(to, "next") == 0)) {
    am_j_path(p, path, "to");
    return am_diag(c->d, AM_EINVAL, "%s: %s: expected a role name (a shared queue belongs to its receiving "
                   "role), got \"%s\"", c->file, p, to);
  }
  if (rc != 0) return rc;
  set->handoff_to = to; /* resolved once the phase's roles are known */
  return 0;
}

/* `empirical` (pattern_emp.c) sets sizes and lifetimes; neither may be given beside
 * it, nor in a role of a phase that has it (a role may give its own empirical). */
static int parse_empirical(am_pctx_t *c, const cJSON *obj, const char *path, am_program_t *g) {
  const cJSON *v = am_j_get(obj, "empirical");
  const char *clash = am_j_get(obj, "size") != NULL ? "size" : am_j_get(obj, "lifetime") != NULL ? "lifetime" : NULL;
  char p[AM_PATH_MAX];
  if (clash != NULL && (v != NULL || g->emp != NULL)) {
    am_j_path(p, path, clash);
    return am_diag(c->d, AM_EINVAL, "%s: %s: expected no %s %s (the empirical profile gives sizes and lifetimes), got one",
                   c->file, p, clash, v != NULL ? "beside empirical" : "in a role of a phase with empirical");
  }
  if (v == NULL) return 0;
  am_j_path(p, path, "empirical");
  int rc = am_emp_parse(c, v, p, &g->emp);
  if (rc != 0) return rc;
  memset(&g->life, 0, sizeof g->life);
  g->life.kind = AM_LIFE_EMPIRICAL;
  g->life.order = AM_ORDER_FIFO;
  return 0;
}

/* Parse the program keys present in obj over *g (which holds the inherited values). */
static int parse_program(am_pctx_t *c, const cJSON *obj, const char *path, am_program_t *g, prog_set_t *set) {
  char p[AM_PATH_MAX];
  const cJSON *v;
  int rc = 0;
  if (am_j_get(obj, "allocs") != NULL) {
    if ((rc = am_j_uint(c, obj, "allocs", path, 0, AM_MAX_ALLOCS, 1, 0, &g->allocs)) != 0) return rc;
    set->allocs = 1;
    set->quick = 0; /* a role's own allocs re-derive its quick scale */
  }
  if (am_j_get(obj, "quick_allocs") != NULL) {
    if ((rc = am_j_uint(c, obj, "quick_allocs", path, 0, AM_MAX_ALLOCS, 1, 0, &g->quick_allocs)) != 0) return rc;
    set->quick = 1;
  }
  if ((rc = parse_empirical(c, obj, path, g)) != 0) return rc;
  if ((v = am_j_get(obj, "size")) != NULL) {
    am_j_path(p, path, "size");
    if ((rc = am_dist_parse(c, v, p, 0, AM_MAX_BLOCK, &g->size)) != 0) return rc;
  }
  if ((v = am_j_get(obj, "mix")) != NULL) {
    am_j_path(p, path, "mix");
    if ((rc = parse_mix(c, v, p, g->mix)) != 0) return rc;
  }
  if ((v = am_j_get(obj, "mix_large")) != NULL) {
    am_j_path(p, path, "mix_large");
    if ((rc = parse_mix_large(c, v, p, g)) != 0) return rc;
  }
  if ((v = am_j_get(obj, "align")) != NULL) {
    am_j_path(p, path, "align");
    if ((rc = parse_align(c, v, p, g)) != 0) return rc;
  }
  if ((v = am_j_get(obj, "realloc")) != NULL) {
    static const char *const keys[] = {"steps", "factor", NULL};
    uint64_t steps;
    am_j_path(p, path, "realloc");
    if ((rc = am_j_object(c, v, p, keys)) != 0) return rc;
    if ((rc = am_j_uint(c, v, "steps", p, 1, AM_MAX_REALLOC_STEPS, 0, g->realloc_steps, &steps)) != 0) return rc;
    g->realloc_steps = (uint32_t)steps;
    if ((rc = am_j_num(c, v, "factor", p, 0.001, 1000, 0, 0, g->realloc_factor, &g->realloc_factor)) != 0) return rc;
  }
  if (am_j_get(obj, "touch") != NULL && (rc = parse_touch(c, obj, path, g)) != 0) return rc;
  if ((v = am_j_get(obj, "lifetime")) != NULL) {
    am_j_path(p, path, "lifetime");
    if ((rc = parse_lifetime(c, v, p, &g->life)) != 0) return rc;
  }
  if ((v = am_j_get(obj, "handoff")) != NULL) {
    am_j_path(p, path, "handoff");
    if ((rc = parse_handoff(c, v, p, g, set)) != 0) return rc;
    am_j_path(g->handoff_path, p, "to");
  }
  if ((rc = am_j_uint(c, obj, "write", path, 0, AM_MAX_WRITE_ROUNDS, 0, g->write_rounds, &g->write_rounds)) != 0) return rc;
  if ((v = am_j_get(obj, "respawn")) != NULL && cJSON_IsObject(v)) {
    static const char *const keys[] = {"every", "unit", NULL};
    static const char *const units[] = {"allocs", "rounds", NULL};
    am_j_path(p, path, "respawn");
    if ((rc = am_j_object(c, v, p, keys)) != 0) return rc;
    if ((rc = am_j_uint(c, v, "every", p, 1, AM_MAX_ALLOCS, 1, 0, &g->respawn)) != 0) return rc;
    return am_j_enum(c, v, "unit", p, units, 1, 0, &g->respawn_rounds);
  }
  if (v != NULL) g->respawn_rounds = 0;
  return am_j_uint(c, obj, "respawn", path, 0, AM_MAX_ALLOCS, 0, g->respawn, &g->respawn);
}

static int touches(const am_program_t *g, am_touch_t t) {
  for (int i = 0; i < AM_MIX_N; i++) if (g->touch_kind[i] == t) return 1;
  return 0;
}

/* Combinations that the generator or the engine cannot carry out. */
static int check_program(am_pctx_t *c, const char *path, const am_program_t *g) {
  char p[AM_PATH_MAX], q[AM_PATH_MAX];
  if (g->handoff_batch > 1 && g->handoff_ratio > 0 && touches(g, AM_TOUCH_VERIFY)) {
    am_j_path(q, path, "handoff");
    am_j_path(p, q, "batch");
    return am_diag(c->d, AM_EINVAL, "%s: %s: expected 1 with touch \"verify\" (objects in a batch travel without "
                   "their check words), got %u", c->file, p, g->handoff_batch);
  }
  if (g->life.kind == AM_LIFE_WINDOW && g->life.fill_main) {
    am_j_path(q, path, "lifetime");
    am_j_path(p, q, "fill");
    if (g->mix[AM_MIX_ALIGNED] > 0 || g->mix[AM_MIX_REALLOC] > 0 || g->large_from > 0)
      return am_diag(c->d, AM_EINVAL, "%s: %s: expected \"self\" with a mix of aligned or realloc objects (or "
                     "mix_large): the main thread's set-up makes malloc and calloc objects only, got \"main\"", c->file, p);
    if (touches(g, AM_TOUCH_VERIFY))
      return am_diag(c->d, AM_EINVAL, "%s: %s: expected \"self\" with touch \"verify\", got \"main\"", c->file, p);
  }
  return 0;
}

/* After a program is complete: required allocs, quick scale, mix sums. */
static int finish_program(am_pctx_t *c, const am_pattern_t *p, const char *path, am_program_t *g,
                          const prog_set_t *set) {
  if (!set->allocs) {
    char ap[AM_PATH_MAX];
    am_j_path(ap, path, "allocs");
    return am_j_bad(c, ap, "an integer from 0 to 4294967295 (allocations per thread)", NULL, 0);
  }
  if (!set->quick) {
    double q = floor((double)g->allocs * p->quick_scale + 0.5);
    g->quick_allocs = g->allocs == 0 ? 0 : q < 1 ? 1 : (uint64_t)q;
  }
  if (g->emp != NULL) am_emp_finish(g->emp, p->quick_scale);
  double s = 0;
  int nonzero = 0;
  g->mix_only = -1;
  for (int i = 0; i < AM_MIX_N; i++) {
    s += g->mix[i];
    g->mix_cum[i] = s;
    if (g->mix[i] > 0) { nonzero++; g->mix_only = i; }
  }
  if (nonzero > 1) g->mix_only = -1;
  s = 0;
  nonzero = 0;
  g->large_mix_only = -1;
  for (int i = 0; i < AM_MIX_N; i++) {
    s += g->large_mix[i];
    g->large_mix_cum[i] = s;
    if (g->large_mix[i] > 0) { nonzero++; g->large_mix_only = i; }
  }
  if (nonzero > 1) g->large_mix_only = -1;
  return check_program(c, path, g);
}

static int resolve_handoff(am_pctx_t *c, const am_phase_t *ph, am_program_t *g, const char *to) {
  if (to == NULL) return 0;
  if (strcmp(to, "any") == 0) { g->handoff_to = AM_TO_ANY; return 0; }
  if (strcmp(to, "next") == 0) { g->handoff_to = AM_TO_NEXT; return 0; }
  for (size_t i = 0; i < ph->n_roles; i++)
    if (strcmp(ph->roles[i].name, to) == 0) { g->handoff_to = AM_TO_ROLE; g->handoff_role = (int)i; return 0; }
  char list[256];
  size_t n = (size_t)snprintf(list, sizeof list, "\"any\", \"next\"");
  for (size_t i = 0; i < ph->n_roles && ph->roles_given && n < sizeof list; i++)
    n += (size_t)snprintf(list + n, sizeof list - n, ", \"%s\"", ph->roles[i].name);
  return am_diag(c->d, AM_EINVAL, "%s: %s: expected one of %s, got \"%s\"", c->file, g->handoff_path, list, to);
}

/* Phase-wide rules: a main-thread fill only before the timer (the first phase); shared
 * queues only where no thread both sends and waits (patterns/README.md, "shared
 * queues"): every hand-off of the phase goes to a shared queue, a receiving role
 * does not hand off, and a sending role is not a receiver. */
static int check_phase(am_pctx_t *c, const am_phase_t *ph, size_t idx, const char *path) {
  int shared = 0, plain = -1, target[AM_MAX_ROLES] = {0};
  for (size_t i = 0; i < ph->n_roles; i++) {
    const am_program_t *g = &ph->roles[i].prog;
    if (g->life.kind == AM_LIFE_WINDOW && g->life.fill_main && idx > 0) {
      char fp[2 * AM_PATH_MAX];
      if (ph->roles_given) snprintf(fp, sizeof fp, "%s.roles[%zu].lifetime.fill", path, i);
      else snprintf(fp, sizeof fp, "%s.lifetime.fill", path);
      return am_diag(c->d, AM_EINVAL, "%s: %s: expected \"self\" after the first phase (the main thread fills "
                     "windows before the timer starts), got \"main\"", c->file, fp);
    }
    if (g->handoff_ratio <= 0) continue;
    if (g->handoff_shared) { shared = 1; target[g->handoff_role] = 1; }
    else if (plain < 0) plain = (int)i;
  }
  if (!shared) return 0;
  char rp[2 * AM_PATH_MAX];
  if (plain >= 0) {
    snprintf(rp, sizeof rp, "%s.roles[%d].handoff.queue", path, plain);
    return am_diag(c->d, AM_EINVAL, "%s: %s: expected \"shared\" (a phase with a shared queue hands off only "
                   "through shared queues), got \"pair\"", c->file, rp);
  }
  for (size_t i = 0; i < ph->n_roles; i++) {
    const am_program_t *g = &ph->roles[i].prog;
    if (target[i] && g->handoff_ratio > 0) {
      snprintf(rp, sizeof rp, "%s.roles[%zu].handoff", path, i);
      return am_diag(c->d, AM_EINVAL, "%s: %s: expected no hand-off from role \"%s\", which receives from a "
                     "shared queue (a receiver that also sends could wait on itself), got ratio %g",
                     c->file, rp, ph->roles[i].name, g->handoff_ratio);
    }
  }
  return 0;
}

static int parse_role_threads(am_pctx_t *c, const cJSON *v, const char *path, am_role_t *r, int *rest_taken) {
  const char *want = "a thread count (1 to 256), a percentage \"N%\" (1% to 100%) or \"rest\"";
  if (v == NULL || (cJSON_IsString(v) && strcmp(v->valuestring, "rest") == 0)) {
    if (*rest_taken) {
      return am_diag(c->d, AM_EINVAL, "%s: %s: expected a count or a percentage (only one role per phase takes "
                     "the \"rest\"), got %s", c->file, path, v ? "\"rest\"" : "nothing (the default is \"rest\")");
    }
    *rest_taken = 1;
    r->sel = AM_SEL_REST;
    return 0;
  }
  if (cJSON_IsNumber(v)) {
    uint64_t n;
    int rc = am_j_uint_value(c, v, path, 1, AM_MAX_THREADS, &n);
    if (rc != 0) return am_j_bad(c, path, want, v, rc == AM_ERANGE);
    r->sel = AM_SEL_COUNT;
    r->sel_value = (unsigned)n;
    return 0;
  }
  if (cJSON_IsString(v)) {
    char *end;
    errno = 0;
    long pct = strtol(v->valuestring, &end, 10);
    if (end != v->valuestring && v->valuestring[0] >= '0' && v->valuestring[0] <= '9' && strcmp(end, "%") == 0) {
      if (pct < 1 || pct > 100 || errno != 0) return am_j_bad(c, path, want, v, 1);
      r->sel = AM_SEL_PERCENT;
      r->sel_value = (unsigned)pct;
      return 0;
    }
  }
  return am_j_bad(c, path, want, v, 0);
}

/* A phase's `roles`: each role's name (unique), threads and program over the phase's
 * own (base, bset); sets[i] what role i set itself. 0, or the diagnostic's code. */
static int parse_roles(am_pctx_t *c, am_pattern_t *p, am_phase_t *ph, const cJSON *roles, const char *path,
                       const am_program_t *base, const prog_set_t *bset, prog_set_t *sets) {
  static const char *const role_keys[] = {"name", "threads", PROGRAM_KEYS, NULL};
  const char *name;
  char defname[32];
  int rc;
  char rp[AM_PATH_MAX];
  am_j_path(rp, path, "roles");
  char want[96];
  snprintf(want, sizeof want, "an array of 1 to %u role objects", AM_MAX_ROLES);
  if (!cJSON_IsArray(roles)) return am_j_bad(c, rp, want, roles, 0);
  int n = cJSON_GetArraySize(roles);
  if (n < 1 || n > (int)AM_MAX_ROLES) return am_j_bad(c, rp, want, roles, 1);
  ph->roles_given = 1;
  ph->n_roles = (size_t)n;
  ph->roles = am_arena_alloc(c->arena, (size_t)n * sizeof *ph->roles);
  if (ph->roles == NULL) return am_diag(c->d, AM_ENOMEM, "%s: out of memory", c->file);
  int rest_taken = 0, i = 0;
  for (const cJSON *e = roles->child; e != NULL; e = e->next, i++) {
    am_role_t *r = &ph->roles[i];
    char ep[AM_PATH_MAX], tp[AM_PATH_MAX];
    am_j_index(ep, rp, (size_t)i);
    if ((rc = am_j_object(c, e, ep, role_keys)) != 0) return rc;
    snprintf(defname, sizeof defname, "role%d", i);
    if ((rc = am_j_string(c, e, "name", ep, AM_NAME_MAX, 1, defname, &name)) != 0) return rc;
    snprintf(r->name, sizeof r->name, "%s", name);
    for (int j = 0; j < i; j++)
      if (strcmp(ph->roles[j].name, r->name) == 0) {
        am_j_path(tp, ep, "name");
        return am_diag(c->d, AM_EINVAL, "%s: %s: expected a role name not used before in this phase, got \"%s\"",
                       c->file, tp, r->name);
      }
    am_j_path(tp, ep, "threads");
    if ((rc = parse_role_threads(c, am_j_get(e, "threads"), tp, r, &rest_taken)) != 0) return rc;
    r->prog = *base;
    sets[i] = *bset;
    if ((rc = parse_program(c, e, ep, &r->prog, &sets[i])) != 0) return rc;
    if ((rc = finish_program(c, p, ep, &r->prog, &sets[i])) != 0) return rc;
  }
  return 0;
}

/* A phase's `free_kept`: -1 (absent or false), or the order the kept objects go in. */
static int parse_free_kept(am_pctx_t *c, const cJSON *v, const char *path, am_phase_t *ph) {
  ph->free_kept = -1;
  const cJSON *fk = am_j_get(v, "free_kept");
  if (fk == NULL || cJSON_IsFalse(fk)) return 0;
  if (cJSON_IsTrue(fk)) {
    ph->free_kept = AM_ORDER_FIFO;
    return 0;
  }
  char fp[AM_PATH_MAX];
  am_j_path(fp, path, "free_kept");
  int o = -1;
  if (cJSON_IsString(fk))
    for (int i = 0; order_names[i] != NULL; i++) if (strcmp(order_names[i], fk->valuestring) == 0) o = i;
  if (o < 0) return am_j_bad(c, fp, "false, true, \"fifo\", \"lifo\" or \"random\"", fk, 0);
  ph->free_kept = o;
  return 0;
}

static int parse_phase(am_pctx_t *c, am_pattern_t *p, const cJSON *v, size_t idx, am_phase_t *ph) {
  static const char *const keys[] = {"name", "round", "lag", "free_kept", "roles", PROGRAM_KEYS, NULL};
  char path[AM_PATH_MAX];
  snprintf(path, sizeof path, "phases[%zu]", idx);
  int rc = am_j_object(c, v, path, keys);
  if (rc != 0) return rc;
  const char *name;
  char defname[32];
  snprintf(defname, sizeof defname, "phase%zu", idx);
  if ((rc = am_j_string(c, v, "name", path, AM_NAME_MAX, 1, defname, &name)) != 0) return rc;
  snprintf(ph->name, sizeof ph->name, "%s", name);
  uint64_t x;
  if ((rc = am_j_uint(c, v, "round", path, 1, AM_MAX_ROUND, 0, 64, &x)) != 0) return rc;
  ph->round = (uint32_t)x;
  if ((rc = am_j_uint(c, v, "lag", path, 0, AM_MAX_LAG, 0, 1, &x)) != 0) return rc;
  ph->lag = (uint32_t)x;
  if ((rc = parse_free_kept(c, v, path, ph)) != 0) return rc;
  am_program_t base;
  prog_set_t bset = {0, 0, NULL};
  program_defaults(&base);
  char hp[AM_PATH_MAX];
  am_j_path(hp, path, "handoff");
  am_j_path(base.handoff_path, hp, "to");
  if ((rc = parse_program(c, v, path, &base, &bset)) != 0) return rc;
  if (ph->free_kept >= 0 && !bset.allocs) bset.allocs = 1; /* a teardown phase: allocs 0 */
  const cJSON *roles = am_j_get(v, "roles");
  prog_set_t sets[AM_MAX_ROLES];
  if (roles == NULL) {
    ph->roles_given = 0;
    ph->n_roles = 1;
    ph->roles = am_arena_alloc(c->arena, sizeof *ph->roles);
    if (ph->roles == NULL) return am_diag(c->d, AM_ENOMEM, "%s: out of memory", c->file);
    snprintf(ph->roles[0].name, sizeof ph->roles[0].name, "all");
    ph->roles[0].sel = AM_SEL_REST;
    ph->roles[0].prog = base;
    sets[0] = bset;
    if ((rc = finish_program(c, p, path, &ph->roles[0].prog, &sets[0])) != 0) return rc;
  } else if ((rc = parse_roles(c, p, ph, roles, path, &base, &bset, sets)) != 0) {
    return rc;
  }
  for (size_t i = 0; i < ph->n_roles; i++)
    if ((rc = resolve_handoff(c, ph, &ph->roles[i].prog, sets[i].handoff_to)) != 0) return rc;
  if ((rc = check_phase(c, ph, idx, path)) != 0) return rc;
  /* A phase must do something: allocate on some role, or free the kept objects. */
  int works = ph->free_kept >= 0;
  for (size_t i = 0; i < ph->n_roles; i++) works |= ph->roles[i].prog.allocs > 0;
  if (!works) {
    char ap[AM_PATH_MAX];
    if (!ph->roles_given) {
      am_j_path(ap, path, "allocs");
      return am_j_bad(c, ap, "an integer from 1 to 4294967295 (0 only with free_kept)", am_j_get(v, "allocs"), 1);
    }
    return am_diag(c->d, AM_ERANGE, "%s: %s.roles: expected at least one role with allocs > 0 "
                   "(or free_kept on the phase), got none", c->file, path);
  }
  return 0;
}

/* ---- threads: a count, "ncpu", a list, or a range object ---- */
static unsigned ncpu(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1u : n > (long)AM_MAX_THREADS ? AM_MAX_THREADS : (unsigned)n;
}

static int parse_tcount(am_pctx_t *c, const cJSON *v, const char *path, am_tspec_t *t) {
  t->ncpu = 0;
  if (cJSON_IsString(v) && strcmp(v->valuestring, "ncpu") == 0) { t->ncpu = 1; t->n = ncpu(); return 0; }
  uint64_t n;
  if (!cJSON_IsNumber(v)) return am_j_bad(c, path, "a thread count from 1 to 256, or \"ncpu\"", v, 0);
  int rc = am_j_uint_value(c, v, path, 1, AM_MAX_THREADS, &n);
  t->n = (unsigned)n;
  return rc;
}

static void add_count(am_pattern_t *p, unsigned n) {
  for (size_t i = 0; i < p->n_threads; i++) if (p->threads[i] == n) return;
  if (p->n_threads < AM_MAX_SWEEP) p->threads[p->n_threads++] = n;
}

static int parse_threads(am_pctx_t *c, am_pattern_t *p, const cJSON *v) {
  int rc;
  if (v == NULL) { p->threads_form = 0; p->n_tspec = 1; p->tspec[0].n = 1; add_count(p, 1); return 0; }
  if (cJSON_IsArray(v)) {
    int n = cJSON_GetArraySize(v);
    if (n < 1 || n > (int)AM_MAX_SWEEP) return am_j_bad(c, "threads", "an array of 1 to 64 thread counts", v, 1);
    p->threads_form = 2;
    int i = 0;
    for (const cJSON *e = v->child; e != NULL; e = e->next, i++) {
      char ep[AM_PATH_MAX];
      am_j_index(ep, "threads", (size_t)i);
      if ((rc = parse_tcount(c, e, ep, &p->tspec[i])) != 0) return rc;
      add_count(p, p->tspec[i].n);
    }
    p->n_tspec = (size_t)n;
    return 0;
  }
  if (cJSON_IsObject(v)) {
    static const char *const keys[] = {"from", "to", "step", NULL};
    if ((rc = am_j_object(c, v, "threads", keys)) != 0) return rc;
    uint64_t from;
    am_tspec_t to;
    if ((rc = am_j_uint(c, v, "from", "threads", 1, AM_MAX_THREADS, 0, 1, &from)) != 0) return rc;
    const cJSON *tv = am_j_get(v, "to");
    if (tv == NULL) return am_j_bad(c, "threads.to", "a thread count from 1 to 256, or \"ncpu\"", NULL, 0);
    if ((rc = parse_tcount(c, tv, "threads.to", &to)) != 0) return rc;
    const cJSON *sv = am_j_get(v, "step");
    uint64_t step = 0;
    if (sv != NULL && !(cJSON_IsString(sv) && strcmp(sv->valuestring, "double") == 0)) {
      if (!cJSON_IsNumber(sv)) return am_j_bad(c, "threads.step", "\"double\" or an integer from 1 to 256", sv, 0);
      if ((rc = am_j_uint_value(c, sv, "threads.step", 1, AM_MAX_THREADS, &step)) != 0) return rc;
    }
    p->threads_form = 3;
    p->range_from = (unsigned)from;
    p->range_to = to.n;
    p->range_to_ncpu = to.ncpu;
    p->range_double = step == 0;
    p->range_step = (unsigned)step;
    for (unsigned t = (unsigned)from; t <= to.n; t = step ? t + (unsigned)step : t * 2) add_count(p, t);
    if (p->n_threads == 0) add_count(p, to.n);
    return 0;
  }
  p->threads_form = cJSON_IsString(v) ? 1 : 0;
  p->n_tspec = 1;
  if ((rc = parse_tcount(c, v, "threads", &p->tspec[0])) != 0) return rc;
  add_count(p, p->tspec[0].n);
  return 0;
}

/* ---- top level ---- */

static char *file_stem(void **arena, const char *path) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  size_t n = strlen(b);
  if (n > 5 && strcmp(b + n - 5, ".json") == 0) n -= 5;
  if (n > AM_NAME_MAX) n = AM_NAME_MAX;
  char *s = am_arena_alloc(arena, n + 1);
  if (s != NULL) memcpy(s, b, n);
  return s;
}

static int parse_root(am_pctx_t *c, am_pattern_t *p, const cJSON *root) {
  static const char *const keys[] = {"format", "name", "description", "seed", "repetitions", "warmup",
                                     "threads", "quick_scale", "phases", NULL};
  int rc = am_j_object(c, root, "", keys);
  if (rc != 0) return rc;
  const cJSON *f = am_j_get(root, "format");
  if (!cJSON_IsString(f) || strcmp(f->valuestring, AM_PATTERN_FORMAT) != 0)
    return am_j_bad(c, "format", "\"" AM_PATTERN_FORMAT "\"", f, 0);
  const char *s;
  if ((rc = am_j_string(c, root, "name", "", AM_NAME_MAX, 1, NULL, &s)) != 0) return rc;
  p->name = s ? arena_strdup(c->arena, s) : file_stem(c->arena, p->path);
  if ((rc = am_j_string(c, root, "description", "", 4096, 0, "", &s)) != 0) return rc;
  p->description = arena_strdup(c->arena, s);
  uint64_t x;
  if ((rc = am_j_uint(c, root, "seed", "", 0, AM_MAX_SEED, 0, 1, &p->seed)) != 0) return rc;
  if ((rc = am_j_uint(c, root, "repetitions", "", 1, AM_MAX_REPETITIONS, 0, 5, &x)) != 0) return rc;
  p->repetitions = (unsigned)x;
  if ((rc = am_j_uint(c, root, "warmup", "", 0, AM_MAX_WARMUP, 0, 0, &x)) != 0) return rc;
  p->warmup = (unsigned)x;
  if ((rc = am_j_num(c, root, "quick_scale", "", 0, 1, 1, 0, 0.01, &p->quick_scale)) != 0) return rc;
  if ((rc = parse_threads(c, p, am_j_get(root, "threads"))) != 0) return rc;
  const cJSON *phases = am_j_get(root, "phases");
  char want[64];
  snprintf(want, sizeof want, "an array of 1 to %u phase objects", AM_MAX_PHASES);
  if (!cJSON_IsArray(phases)) return am_j_bad(c, "phases", want, phases, 0);
  int n = cJSON_GetArraySize(phases);
  if (n < 1 || n > (int)AM_MAX_PHASES) return am_j_bad(c, "phases", want, phases, 1);
  p->n_phases = (size_t)n;
  p->phases = am_arena_alloc(c->arena, (size_t)n * sizeof *p->phases);
  if (p->phases == NULL) return am_diag(c->d, AM_ENOMEM, "%s: out of memory", c->file);
  int i = 0;
  for (const cJSON *e = phases->child; e != NULL; e = e->next, i++)
    if ((rc = parse_phase(c, p, e, (size_t)i, &p->phases[i])) != 0) return rc;
  /* Every thread count must fit every phase's roles and hand-offs. */
  for (size_t t = 0; t < p->n_threads; t++) {
    int role_of[AM_MAX_THREADS];
    for (size_t ph = 0; ph < p->n_phases; ph++)
      if ((rc = am_phase_assign(p, ph, p->threads[t], role_of, c->d)) != 0) return rc;
  }
  return 0;
}

int am_pattern_parse(const char *path, const char *text, size_t len, am_pattern_t **out, am_diag_t *d) {
  *out = NULL;
  am_pattern_t *p = calloc(1, sizeof *p);
  if (p == NULL) return am_diag(d, AM_ENOMEM, "%s: out of memory", path);
  am_pctx_t c = {path, d, &p->arena};
  p->path = arena_strdup(&p->arena, path);
  am_sha256_hex(text, len, p->sha256);
  cJSON *root = NULL;
  int rc = am_json_parse(path, text, len, &root, d); /* json_io.h: line:col errors */
  if (rc == 0) rc = parse_root(&c, p, root);
  cJSON_Delete(root);
  if (rc != 0) { am_pattern_free(p); return rc; }
  *out = p;
  return 0;
}

int am_pattern_load(const char *path, am_pattern_t **out, am_diag_t *d) {
  *out = NULL;
  char *buf;
  size_t len;
  int rc = am_file_read(path, AM_PATTERN_FILE_MAX, &buf, &len, d);
  if (rc != 0) return rc;
  rc = am_pattern_parse(path, buf, len, out, d);
  free(buf);
  return rc;
}

void am_pattern_free(am_pattern_t *p) {
  if (p == NULL) return;
  am_arena_free(&p->arena);
  free(p);
}
