/* harness/common/pattern_emp.c — the `empirical` program field (patterns/README.md,
 * "Empirical profiles"): a workload given as an empirical profile, rows of (size,
 * allocation rate, live count) as fleetbench's empirical driver uses them
 * and as `allocmark trace-fit --profile` writes them.
 *
 * Model (the generator, gen.c, carries it out): each new object's row is drawn with
 * probability proportional to its allocation rate; it lives an exponentially
 * distributed number of the thread's allocations with mean
 *     B × s × live_i / rate_i        (B = the sum of the rates),
 * where s scales the profile's live counts so that the steady state holds live_bytes
 * per thread: s = live_bytes / Σ live_i × size_i. By Little's law the steady-state
 * count of row i is then (rate_i / B) × mean_i = s × live_i. Rows with rate 0 are
 * never born after the prefill and never die in the phase; rows with live 0 die at
 * once. The prefill (on by default) allocates, at the phase start, objects drawn by
 * live count until live_bytes are live, each with a fresh exponential lifetime (the
 * exponential is memoryless, so this is the steady state). This file parses and
 * describes the field and samples rows; the draws are made in gen.c. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "pattern_int.h"
#include "pattern_json.h"

static int bad_row(am_pctx_t *c, const char *rows_path, size_t i, const cJSON *v) {
  char p[AM_PATH_MAX];
  am_j_index(p, rows_path, i);
  return am_j_bad(c, p, "a row [size, alloc_rate, num_live] (an integer of bytes, two numbers >= 0)", v, 0);
}

static int row_num(am_pctx_t *c, const char *row_path, size_t k, const cJSON *v, const char *what, double *out) {
  char p[AM_PATH_MAX];
  am_j_index(p, row_path, k);
  if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) return am_j_bad(c, p, what, v, 0);
  if (v->valuedouble < 0 || v->valuedouble > 1e300) return am_j_bad(c, p, what, v, 1);
  *out = v->valuedouble;
  return 0;
}

static int parse_rows(am_pctx_t *c, const cJSON *rows, const char *path, am_emp_t *e) {
  char want[96];
  snprintf(want, sizeof want, "an array of 1 to %u rows [size, alloc_rate, num_live]", AM_MAX_PROFILE_ROWS);
  if (!cJSON_IsArray(rows)) return am_j_bad(c, path, want, rows, 0);
  int n = cJSON_GetArraySize(rows);
  if (n < 1 || n > (int)AM_MAX_PROFILE_ROWS) return am_j_bad(c, path, want, rows, 1);
  e->n = (size_t)n;
  e->size = am_arena_alloc(c->arena, e->n * sizeof *e->size);
  e->rate = am_arena_alloc(c->arena, e->n * 5 * sizeof *e->rate);
  if (e->size == NULL || e->rate == NULL) return am_diag(c->d, AM_ENOMEM, "%s: out of memory", c->file);
  e->live = e->rate + e->n;
  e->birth_cum = e->live + e->n;
  e->live_cum = e->birth_cum + e->n;
  e->mean = e->live_cum + e->n;
  size_t i = 0;
  for (const cJSON *r = rows->child; r != NULL; r = r->next, i++) {
    if (!cJSON_IsArray(r) || cJSON_GetArraySize(r) != 3) return bad_row(c, path, i, r);
    char rp[AM_PATH_MAX], p0[AM_PATH_MAX];
    am_j_index(rp, path, i);
    am_j_index(p0, rp, 0);
    int rc = am_j_uint_value(c, r->child, p0, 0, AM_MAX_BLOCK, &e->size[i]);
    if (rc == 0) rc = row_num(c, rp, 1, r->child->next, "a number >= 0 (allocations per unit of time)", &e->rate[i]);
    if (rc == 0) rc = row_num(c, rp, 2, r->child->next->next, "a number >= 0 (live objects, time-averaged)", &e->live[i]);
    if (rc != 0) return rc;
    e->birth_total += e->rate[i];
    e->live_total += e->live[i];
    e->profile_bytes += e->live[i] * (double)e->size[i];
    e->birth_cum[i] = e->birth_total;
    e->live_cum[i] = e->live_total;
  }
  if (!(e->birth_total > 0))
    return am_diag(c->d, AM_EINVAL, "%s: %s: expected a row with alloc_rate > 0 (something must be allocated), got none",
                   c->file, path);
  if (!(e->profile_bytes > 0))
    return am_diag(c->d, AM_EINVAL, "%s: %s: expected a row with size > 0 and num_live > 0 (the live bytes to scale), "
                   "got none", c->file, path);
  for (i = 0; i < e->n; i++)
    e->mean[i] = e->rate[i] > 0 ? e->birth_total * e->live[i] / e->rate[i] : INFINITY;
  return 0;
}

int am_emp_parse(am_pctx_t *c, const cJSON *v, const char *path, am_emp_t **out) {
  static const char *const keys[] = {"rows", "live_bytes", "quick_live_bytes", "prefill", NULL};
  int rc = am_j_object(c, v, path, keys);
  if (rc != 0) return rc;
  am_emp_t *e = am_arena_alloc(c->arena, sizeof *e);
  if (e == NULL) return am_diag(c->d, AM_ENOMEM, "%s: out of memory", c->file);
  char p[AM_PATH_MAX];
  am_j_path(p, path, "rows");
  const cJSON *rows = am_j_get(v, "rows");
  if (rows == NULL) return am_j_bad(c, p, "an array of rows [size, alloc_rate, num_live]", NULL, 0);
  if ((rc = parse_rows(c, rows, p, e)) != 0) return rc;
  if ((rc = am_j_uint(c, v, "live_bytes", path, 1, AM_MAX_EMP_LIVE, 1, 0, &e->live_bytes)) != 0) return rc;
  e->quick_set = am_j_get(v, "quick_live_bytes") != NULL;
  if ((rc = am_j_uint(c, v, "quick_live_bytes", path, 1, AM_MAX_EMP_LIVE, 0, 1, &e->quick_live_bytes)) != 0) return rc;
  const cJSON *pf = am_j_get(v, "prefill");
  e->prefill = 1;
  if (pf != NULL) {
    am_j_path(p, path, "prefill");
    if (!cJSON_IsBool(pf)) return am_j_bad(c, p, "true or false", pf, 0);
    e->prefill = cJSON_IsTrue(pf);
  }
  *out = e;
  return 0;
}

void am_emp_finish(am_emp_t *e, double quick_scale) {
  if (e->quick_set) return;
  double q = floor((double)e->live_bytes * quick_scale + 0.5);
  e->quick_live_bytes = q < 1 ? 1 : (uint64_t)q;
}

/* The row whose cumulative weight first exceeds x (0 <= x < the total). */
size_t am_emp_pick(const double *cum, size_t n, double x) {
  size_t lo = 0, hi = n - 1;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (x < cum[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

cJSON *am_emp_json(const am_emp_t *e) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "live_bytes", (double)e->live_bytes);
  cJSON_AddNumberToObject(o, "quick_live_bytes", (double)e->quick_live_bytes);
  cJSON_AddBoolToObject(o, "prefill", e->prefill);
  cJSON *rows = cJSON_AddArrayToObject(o, "rows");
  for (size_t i = 0; i < e->n; i++) {
    cJSON *r = cJSON_CreateArray();
    cJSON_AddItemToArray(r, cJSON_CreateNumber((double)e->size[i]));
    cJSON_AddItemToArray(r, cJSON_CreateNumber(e->rate[i]));
    cJSON_AddItemToArray(r, cJSON_CreateNumber(e->live[i]));
    cJSON_AddItemToArray(rows, r);
  }
  return o;
}
