/* harness/common/pattern_dist.c — distributions of non-negative integers: parsing,
 * canonical JSON, sampling and analytic means. The sampling formulas are documented
 * in patterns/README.md ("Distributions"). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "pattern_dist.h"

static const char *const dist_names[] = {"fixed", "uniform", "choice", "histogram", "lognormal", "pareto", NULL};

void am_dist_fixed(am_dist_t *d, uint64_t value) {
  memset(d, 0, sizeof *d);
  d->kind = AM_DIST_FIXED;
  d->min = d->max = value;
}

static int parse_bins(am_pctx_t *c, const cJSON *v, const char *path, uint64_t lo, uint64_t hi, am_dist_t *d) {
  char p[AM_PATH_MAX], q[AM_PATH_MAX];
  int hist = d->kind == AM_DIST_HISTOGRAM;
  const cJSON *list = am_j_get(v, hist ? "bins" : "values");
  am_j_path(p, path, hist ? "bins" : "values");
  char want[96];
  snprintf(want, sizeof want, "a non-empty array of at most %u %s", AM_MAX_BINS, hist ? "bins" : "integers");
  if (!cJSON_IsArray(list)) return am_j_bad(c, p, want, list, 0);
  int n = cJSON_GetArraySize(list);
  if (n < 1 || n > (int)AM_MAX_BINS) return am_j_bad(c, p, want, list, 1);
  d->n_bins = (size_t)n;
  d->bins = am_arena_alloc(c->arena, (size_t)n * sizeof *d->bins);
  if (d->bins == NULL) return am_diag(c->d, AM_ENOMEM, "%s: out of memory", c->file);
  const cJSON *w = NULL;
  if (!hist) {
    w = am_j_get(v, "weights");
    am_j_path(q, path, "weights");
    if (w != NULL && (!cJSON_IsArray(w) || cJSON_GetArraySize(w) != n)) {
      snprintf(want, sizeof want, "an array of %d weights (one per value)", n);
      return am_j_bad(c, q, want, w, 0);
    }
  }
  double total = 0;
  d->min = UINT64_MAX;
  d->max = 0;
  int i = 0;
  for (const cJSON *e = list->child; e != NULL; e = e->next, i++) {
    am_bin_t *b = &d->bins[i];
    char ep[AM_PATH_MAX];
    am_j_index(ep, p, (size_t)i);
    if (hist) {
      static const char *const keys[] = {"min", "max", "weight", NULL};
      int rc = am_j_object(c, e, ep, keys);
      if (rc == 0) rc = am_j_uint(c, e, "min", ep, lo, hi, 1, 0, &b->lo);
      if (rc == 0) rc = am_j_uint(c, e, "max", ep, lo, hi, 1, 0, &b->hi);
      if (rc == 0 && b->hi < b->lo) {
        char mp[AM_PATH_MAX], want2[96];
        am_j_path(mp, ep, "max");
        snprintf(want2, sizeof want2, "an integer >= min (%llu)", (unsigned long long)b->lo);
        return am_j_bad(c, mp, want2, am_j_get(e, "max"), 1);
      }
      if (rc == 0) rc = am_j_num(c, e, "weight", ep, 0, 1e15, 1, 0, 1.0, &b->weight);
      if (rc != 0) return rc;
    } else {
      int rc = am_j_uint_value(c, e, ep, lo, hi, &b->lo);
      if (rc != 0) return rc;
      b->hi = b->lo;
      b->weight = 1.0;
      if (w != NULL) {
        const cJSON *we = cJSON_GetArrayItem(w, i);
        char wp[AM_PATH_MAX];
        am_j_index(wp, q, (size_t)i);
        if (!cJSON_IsNumber(we) || !isfinite(we->valuedouble))
          return am_j_bad(c, wp, "a number > 0 and <= 1e+15", we, 0);
        if (we->valuedouble <= 0 || we->valuedouble > 1e15)
          return am_j_bad(c, wp, "a number > 0 and <= 1e+15", we, 1);
        b->weight = we->valuedouble;
      }
    }
    total += b->weight;
    b->cum = total;
    if (b->lo < d->min) d->min = b->lo;
    if (b->hi > d->max) d->max = b->hi;
  }
  return 0;
}

int am_dist_parse(am_pctx_t *c, const cJSON *v, const char *path, uint64_t lo, uint64_t hi, am_dist_t *d) {
  memset(d, 0, sizeof *d);
  char want[160];
  snprintf(want, sizeof want, "an integer from %llu to %llu, or a distribution object",
           (unsigned long long)lo, (unsigned long long)hi);
  if (cJSON_IsNumber(v)) {
    uint64_t x;
    int rc = am_j_uint_value(c, v, path, lo, hi, &x);
    if (rc == 0) am_dist_fixed(d, x);
    return rc;
  }
  if (!cJSON_IsObject(v)) return am_j_bad(c, path, want, v, 0);
  int kind;
  int rc = am_j_enum(c, v, "dist", path, dist_names, 1, 0, &kind);
  if (rc != 0) return rc;
  d->kind = (am_dist_kind_t)kind;
  static const char *const k_fixed[] = {"dist", "value", NULL};
  static const char *const k_uniform[] = {"dist", "min", "max", NULL};
  static const char *const k_choice[] = {"dist", "values", "weights", NULL};
  static const char *const k_hist[] = {"dist", "bins", NULL};
  static const char *const k_logn[] = {"dist", "median", "sigma", "min", "max", NULL};
  static const char *const k_pareto[] = {"dist", "min", "alpha", "max", NULL};
  static const char *const *const keys[] = {k_fixed, k_uniform, k_choice, k_hist, k_logn, k_pareto};
  if ((rc = am_j_object(c, v, path, keys[kind])) != 0) return rc;
  switch (d->kind) {
  case AM_DIST_FIXED:
    rc = am_j_uint(c, v, "value", path, lo, hi, 1, 0, &d->min);
    d->max = d->min;
    break;
  case AM_DIST_UNIFORM:
  case AM_DIST_PARETO:
  case AM_DIST_LOGNORMAL: {
    uint64_t min_lo = lo;
    if (d->kind == AM_DIST_PARETO && min_lo < 1) min_lo = 1;
    int req = d->kind != AM_DIST_LOGNORMAL;
    rc = am_j_uint(c, v, "min", path, min_lo, hi, req, min_lo, &d->min);
    if (rc == 0) rc = am_j_uint(c, v, "max", path, lo, hi, d->kind == AM_DIST_UNIFORM, hi, &d->max);
    if (rc == 0 && d->max < d->min) {
      char mp[AM_PATH_MAX], w2[96];
      am_j_path(mp, path, "max");
      snprintf(w2, sizeof w2, "an integer >= min (%llu)", (unsigned long long)d->min);
      return am_j_bad(c, mp, w2, am_j_get(v, "max"), 1);
    }
    if (rc == 0 && d->kind == AM_DIST_PARETO) rc = am_j_num(c, v, "alpha", path, 0, 100, 1, 1, 0, &d->alpha);
    if (rc == 0 && d->kind == AM_DIST_LOGNORMAL) {
      rc = am_j_num(c, v, "median", path, 0, (double)hi, 1, 1, 0, &d->median);
      if (rc == 0) rc = am_j_num(c, v, "sigma", path, 0, 10, 0, 1, 0, &d->sigma);
      if (rc == 0 && (d->median < (double)d->min || d->median > (double)d->max)) {
        char mp[AM_PATH_MAX], w2[128];
        am_j_path(mp, path, "median");
        snprintf(w2, sizeof w2, "a number within [min, max] = [%llu, %llu]", (unsigned long long)d->min,
                 (unsigned long long)d->max);
        return am_j_bad(c, mp, w2, am_j_get(v, "median"), 1);
      }
    }
    break;
  }
  case AM_DIST_CHOICE:
  case AM_DIST_HISTOGRAM:
    rc = parse_bins(c, v, path, lo, hi, d);
    break;
  }
  return rc;
}

cJSON *am_dist_json(const am_dist_t *d) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "dist", dist_names[d->kind]);
  switch (d->kind) {
  case AM_DIST_FIXED: cJSON_AddNumberToObject(o, "value", (double)d->min); break;
  case AM_DIST_UNIFORM:
    cJSON_AddNumberToObject(o, "min", (double)d->min);
    cJSON_AddNumberToObject(o, "max", (double)d->max);
    break;
  case AM_DIST_LOGNORMAL:
    cJSON_AddNumberToObject(o, "median", d->median);
    cJSON_AddNumberToObject(o, "sigma", d->sigma);
    cJSON_AddNumberToObject(o, "min", (double)d->min);
    cJSON_AddNumberToObject(o, "max", (double)d->max);
    break;
  case AM_DIST_PARETO:
    cJSON_AddNumberToObject(o, "min", (double)d->min);
    cJSON_AddNumberToObject(o, "alpha", d->alpha);
    cJSON_AddNumberToObject(o, "max", (double)d->max);
    break;
  case AM_DIST_CHOICE: {
    cJSON *vals = cJSON_AddArrayToObject(o, "values"), *w = cJSON_AddArrayToObject(o, "weights");
    for (size_t i = 0; i < d->n_bins; i++) {
      cJSON_AddItemToArray(vals, cJSON_CreateNumber((double)d->bins[i].lo));
      cJSON_AddItemToArray(w, cJSON_CreateNumber(d->bins[i].weight));
    }
    break;
  }
  case AM_DIST_HISTOGRAM: {
    cJSON *bins = cJSON_AddArrayToObject(o, "bins");
    for (size_t i = 0; i < d->n_bins; i++) {
      cJSON *b = cJSON_CreateObject();
      cJSON_AddNumberToObject(b, "min", (double)d->bins[i].lo);
      cJSON_AddNumberToObject(b, "max", (double)d->bins[i].hi);
      cJSON_AddNumberToObject(b, "weight", d->bins[i].weight);
      cJSON_AddItemToArray(bins, b);
    }
    break;
  }
  }
  return o;
}

static uint64_t clamp_real(double x, uint64_t lo, uint64_t hi) {
  if (!(x > (double)lo)) return lo; /* also NaN */
  if (x >= (double)hi) return hi;
  uint64_t v = (uint64_t)x;
  return v < lo ? lo : v > hi ? hi : v;
}

uint64_t am_dist_sample(const am_dist_t *d, am_rng_t *r) {
  switch (d->kind) {
  case AM_DIST_FIXED: return d->min;
  case AM_DIST_UNIFORM: return am_rng_range(r, d->min, d->max);
  case AM_DIST_CHOICE:
  case AM_DIST_HISTOGRAM: {
    double u = am_rng_double(r) * d->bins[d->n_bins - 1].cum;
    size_t lo = 0, hi = d->n_bins - 1;
    while (lo < hi) { /* first bin whose running sum exceeds u */
      size_t mid = lo + (hi - lo) / 2;
      if (d->bins[mid].cum > u) hi = mid;
      else lo = mid + 1;
    }
    const am_bin_t *b = &d->bins[lo];
    return b->lo == b->hi ? b->lo : am_rng_range(r, b->lo, b->hi);
  }
  case AM_DIST_LOGNORMAL: /* median * e^(sigma * N(0,1)), rounded to nearest, clamped */
    return clamp_real(floor(d->median * exp(d->sigma * am_rng_normal(r)) + 0.5), d->min, d->max);
  case AM_DIST_PARETO: { /* inverse CDF of the Pareto law truncated to [min, max] */
    if (d->min == d->max) return d->min;
    double L = (double)d->min, H = (double)d->max, a = d->alpha;
    double u = am_rng_double(r);
    double x = L * pow(1.0 - u * (1.0 - pow(L / H, a)), -1.0 / a);
    return clamp_real(floor(x), d->min, d->max);
  }
  }
  return d->min;
}

double am_dist_mean(const am_dist_t *d) {
  switch (d->kind) {
  case AM_DIST_FIXED: return (double)d->min;
  case AM_DIST_UNIFORM: return ((double)d->min + (double)d->max) / 2;
  case AM_DIST_CHOICE:
  case AM_DIST_HISTOGRAM: {
    double s = 0;
    for (size_t i = 0; i < d->n_bins; i++) s += d->bins[i].weight * ((double)d->bins[i].lo + (double)d->bins[i].hi) / 2;
    return s / d->bins[d->n_bins - 1].cum;
  }
  case AM_DIST_LOGNORMAL: return d->median * exp(d->sigma * d->sigma / 2);
  case AM_DIST_PARETO: {
    double L = (double)d->min, H = (double)d->max, a = d->alpha;
    if (L == H) return L;
    double norm = 1.0 - pow(L / H, a);
    if (fabs(a - 1.0) < 1e-12) return L * log(H / L) / norm;
    return a * pow(L, a) * (pow(H, 1 - a) - pow(L, 1 - a)) / ((1 - a) * norm);
  }
  }
  return 0;
}
