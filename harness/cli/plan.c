/* harness/cli/plan.c — cells, rounds and shards of a run (see plan.h), and the plan's JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "am_args.h"
#include "am_error.h"
#include "plan.h"

typedef struct plan_wl_s {
  char *name, *sha256;
  unsigned *threads;
  size_t n_threads;
  unsigned reps;
} plan_wl_t;

struct am_plan_s {
  am_shard_t shard;
  const char *const *backends;
  size_t n_backends;
  plan_wl_t *wl;
  size_t n_wl, cap_wl;
};

int am_shard_parse(const char *s, am_shard_t *out) {
  const char *slash = s ? strchr(s, '/') : NULL;
  if (slash == NULL || slash == s || slash - s >= 16) return -1;
  char k[16];
  memcpy(k, s, (size_t)(slash - s));
  k[slash - s] = '\0';
  uint64_t kv, nv;
  if (am_parse_u64(k, AM_SHARD_MAX, &kv) != 0 || am_parse_u64(slash + 1, AM_SHARD_MAX, &nv) != 0) return -1;
  if (kv == 0 || nv == 0 || kv > nv) return -1;
  out->k = (unsigned)kv;
  out->n = (unsigned)nv;
  return 0;
}

char *am_cell_id(char *buf, size_t cap, const char *workload, unsigned threads, unsigned rep, const char *backend) {
  snprintf(buf, cap, "%s/t%u/r%u/%s", workload, threads, rep, backend);
  return buf;
}

am_plan_t *am_plan_new(const am_shard_t *shard, const char *const *backends, size_t n_backends) {
  am_plan_t *p = calloc(1, sizeof *p);
  if (p == NULL) return NULL;
  p->shard = *shard;
  p->backends = backends;
  p->n_backends = n_backends;
  return p;
}

static char *dup_str(const char *s) {
  size_t l = strlen(s) + 1;
  char *d = malloc(l);
  if (d != NULL) memcpy(d, s, l);
  return d;
}

int am_plan_add(am_plan_t *p, const char *workload, const char *sha256, const unsigned *threads, size_t n_threads,
                unsigned reps) {
  if (p->n_wl == p->cap_wl) {
    size_t cap = p->cap_wl ? p->cap_wl * 2 : 8;
    plan_wl_t *w = realloc(p->wl, cap * sizeof *w);
    if (w == NULL) return -1;
    p->wl = w;
    p->cap_wl = cap;
  }
  plan_wl_t *w = &p->wl[p->n_wl];
  w->name = dup_str(workload);
  w->sha256 = dup_str(sha256 ? sha256 : "");
  w->threads = malloc((n_threads ? n_threads : 1) * sizeof *w->threads);
  if (w->name == NULL || w->sha256 == NULL || w->threads == NULL) {
    free(w->name), free(w->sha256), free(w->threads);
    return -1;
  }
  memcpy(w->threads, threads, n_threads * sizeof *threads);
  w->n_threads = n_threads;
  w->reps = reps;
  p->n_wl++;
  return 0;
}

size_t am_plan_cells(const am_plan_t *p) {
  size_t n = 0;
  for (size_t i = 0; i < p->n_wl; i++) n += p->wl[i].n_threads * p->wl[i].reps;
  return n * p->n_backends;
}

size_t am_plan_shard_cells(const am_plan_t *p) {
  size_t round = 0, n = 0;
  for (size_t i = 0; i < p->n_wl; i++)
    for (size_t t = 0; t < p->wl[i].n_threads; t++)
      for (unsigned r = 0; r < p->wl[i].reps; r++, round++)
        if (am_shard_has_round(&p->shard, round)) n += p->n_backends;
  return n;
}

/* {"format": "allocmark-plan/1", "shard": ..., "backends": [...], "workloads": [...],
 *  "cells": [{"id", "workload", "threads", "rep", "backend", "round", "shard"}...]} in run order. */
cJSON *am_plan_json(const am_plan_t *p) {
  cJSON *root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "format", "allocmark-plan/1");
  if (p->shard.n) {
    cJSON *sh = cJSON_AddObjectToObject(root, "shard");
    cJSON_AddNumberToObject(sh, "k", p->shard.k);
    cJSON_AddNumberToObject(sh, "n", p->shard.n);
  } else {
    cJSON_AddNullToObject(root, "shard");
  }
  unsigned n_shards = p->shard.n ? p->shard.n : 1;
  cJSON *be = cJSON_AddArrayToObject(root, "backends");
  for (size_t b = 0; b < p->n_backends; b++) cJSON_AddItemToArray(be, cJSON_CreateString(p->backends[b]));
  cJSON *wls = cJSON_AddArrayToObject(root, "workloads");
  cJSON *cells = cJSON_AddArrayToObject(root, "cells");
  size_t round = 0, total = 0, mine = 0;
  for (size_t i = 0; i < p->n_wl; i++) {
    const plan_wl_t *w = &p->wl[i];
    cJSON *wj = cJSON_CreateObject();
    cJSON_AddStringToObject(wj, "name", w->name);
    cJSON_AddStringToObject(wj, "sha256", w->sha256);
    cJSON *tc = cJSON_AddArrayToObject(wj, "thread_counts");
    for (size_t t = 0; t < w->n_threads; t++) cJSON_AddItemToArray(tc, cJSON_CreateNumber(w->threads[t]));
    cJSON_AddNumberToObject(wj, "repetitions", w->reps);
    cJSON_AddItemToArray(wls, wj);
    for (size_t t = 0; t < w->n_threads; t++)
      for (unsigned r = 0; r < w->reps; r++, round++) {
        unsigned shard = (unsigned)(round % n_shards) + 1;
        for (size_t j = 0; j < p->n_backends; j++) {
          const char *b = p->backends[(j + r) % p->n_backends];
          char id[512];
          cJSON *c = cJSON_CreateObject();
          cJSON_AddStringToObject(c, "id", am_cell_id(id, sizeof id, w->name, w->threads[t], r, b));
          cJSON_AddStringToObject(c, "workload", w->name);
          cJSON_AddNumberToObject(c, "threads", w->threads[t]);
          cJSON_AddNumberToObject(c, "rep", r);
          cJSON_AddStringToObject(c, "backend", b);
          cJSON_AddNumberToObject(c, "round", (double)round);
          cJSON_AddNumberToObject(c, "shard", shard);
          cJSON_AddItemToArray(cells, c);
          total++;
          if (am_shard_has_round(&p->shard, round)) mine++;
        }
      }
  }
  cJSON_AddNumberToObject(root, "total_cells", (double)total);
  cJSON_AddNumberToObject(root, "shard_cells", (double)mine);
  return root;
}

static int is_str(const cJSON *o, const char *k) { return cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, k)); }
static int is_uint(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 1e9 && v->valuedouble == (double)v->valueint;
}

int am_plan_check(const cJSON *plan, const char *path, am_diag_t *d) {
  const cJSON *sh = cJSON_GetObjectItemCaseSensitive(plan, "shard"), *e, *t;
  if (!cJSON_IsObject(sh) || !is_uint(sh, "k") || !is_uint(sh, "n"))
    return am_diag(d, AM_EINVAL, "%s: shard: expected {\"k\", \"n\"} (a sharded run's plan)", path);
  int k = cJSON_GetObjectItemCaseSensitive(sh, "k")->valueint, n = cJSON_GetObjectItemCaseSensitive(sh, "n")->valueint;
  if (k < 1 || k > n || n > (int)AM_SHARD_MAX)
    return am_diag(d, AM_EINVAL, "%s: shard: expected 1 <= k <= n <= %u", path, AM_SHARD_MAX);
  if (strcmp(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(plan, "format"))
                 ? cJSON_GetObjectItemCaseSensitive(plan, "format")->valuestring : "", "allocmark-plan/1") != 0)
    return am_diag(d, AM_EINVAL, "%s: format: expected \"allocmark-plan/1\"", path);
  if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(plan, "backends")))
    return am_diag(d, AM_EINVAL, "%s: backends: expected an array", path);
  cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(plan, "backends"))
    if (!cJSON_IsString(e)) return am_diag(d, AM_EINVAL, "%s: backends: expected strings", path);
  const cJSON *wls = cJSON_GetObjectItemCaseSensitive(plan, "workloads");
  if (!cJSON_IsArray(wls)) return am_diag(d, AM_EINVAL, "%s: workloads: expected an array", path);
  int i = 0;
  cJSON_ArrayForEach(e, wls) {
    if (!is_str(e, "name") || !is_str(e, "sha256") || !is_uint(e, "repetitions") ||
        !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(e, "thread_counts")))
      return am_diag(d, AM_EINVAL, "%s: workloads[%d]: expected name, sha256, thread_counts, repetitions", path, i);
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(e, "thread_counts"))
      if (!cJSON_IsNumber(t) || t->valuedouble < 1 || t->valuedouble > 65536)
        return am_diag(d, AM_EINVAL, "%s: workloads[%d].thread_counts: expected thread counts", path, i);
    i++;
  }
  const cJSON *cells = cJSON_GetObjectItemCaseSensitive(plan, "cells");
  if (!cJSON_IsArray(cells)) return am_diag(d, AM_EINVAL, "%s: cells: expected an array", path);
  i = 0;
  cJSON_ArrayForEach(e, cells) {
    if (!is_str(e, "id") || !is_str(e, "workload") || !is_str(e, "backend") || !is_uint(e, "threads") ||
        !is_uint(e, "rep"))
      return am_diag(d, AM_EINVAL, "%s: cells[%d]: expected id, workload, threads, rep, backend", path, i);
    i++;
  }
  if (!is_uint(plan, "total_cells")) return am_diag(d, AM_EINVAL, "%s: total_cells: expected a count", path);
  return 0;
}

void am_plan_free(am_plan_t *p) {
  if (p == NULL) return;
  for (size_t i = 0; i < p->n_wl; i++) free(p->wl[i].name), free(p->wl[i].sha256), free(p->wl[i].threads);
  free(p->wl);
  free(p);
}
