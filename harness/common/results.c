/* harness/common/results.c — results JSON helpers (see results.h). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "results.h"

cJSON *am_json_num(double v) {
  return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

cJSON *am_json_add_num(cJSON *obj, const char *key, double v) {
  cJSON *it = am_json_num(v);
  if (it != NULL && !cJSON_AddItemToObject(obj, key, it)) { cJSON_Delete(it); return NULL; }
  return it;
}

cJSON *am_json_add_u64(cJSON *obj, const char *key, uint64_t v) {
  /* cJSON prints numbers with 15 significant digits when that reads back "close enough",
   * which rounds integers above 10^15 (a seed of 2^53 - 1 came back 9007199254740990):
   * those are written as their exact digits. */
  if (v < 1000000000000000ull) return cJSON_AddNumberToObject(obj, key, (double)v);
  char buf[24];
  snprintf(buf, sizeof buf, "%" PRIu64, v);
  return cJSON_AddRawToObject(obj, key, buf);
}

cJSON *am_json_add_hex64(cJSON *obj, const char *key, uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return cJSON_AddStringToObject(obj, key, buf);
}

int am_json_scrub(cJSON *root) {
  int n = 0;
  for (cJSON *c = root ? root->child : NULL; c != NULL; c = c->next) {
    if (cJSON_IsNumber(c) && !isfinite(c->valuedouble)) {
      /* Turn the node into null in place: keeps its key and position. */
      c->type = cJSON_NULL;
      c->valuedouble = 0;
      c->valueint = 0;
      n++;
    } else if (cJSON_IsArray(c) || cJSON_IsObject(c)) {
      n += am_json_scrub(c);
    }
  }
  return n;
}

int am_json_all_finite(const cJSON *root) {
  if (root == NULL) return 1;
  if (cJSON_IsNumber(root) && !isfinite(root->valuedouble)) return 0;
  for (const cJSON *c = root->child; c != NULL; c = c->next)
    if (!am_json_all_finite(c)) return 0;
  return 1;
}

int am_json_write_atomic(const char *path, cJSON *root, int pretty, am_diag_t *d) {
  am_json_scrub(root);
  char *text = pretty ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
  if (text == NULL) return am_diag(d, AM_ENOMEM, "%s: out of memory while printing JSON", path);
  size_t n = strlen(text);
  text[n] = '\n'; /* the NUL becomes the final newline: cJSON_Print's buffer is ours to change */
  int rc = am_write_atomic(path, text, n + 1, d);
  cJSON_free(text);
  return rc;
}

int am_results_load(const char *path, cJSON **out, am_diag_t *d) {
  int rc = am_json_read_file(path, out, d);
  if (rc != 0) return rc;
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(*out, "schema_version");
  const cJSON *b = cJSON_GetObjectItemCaseSensitive(*out, "benchmarks");
  if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > AM_RESULTS_SCHEMA_VERSION ||
      v->valuedouble != (double)(int)v->valuedouble) {
    cJSON_Delete(*out);
    *out = NULL;
    return am_diag(d, AM_EINVAL, "%s: schema_version: expected an integer 1..%d (an allocmark results file)",
                   path, AM_RESULTS_SCHEMA_VERSION);
  }
  if (!cJSON_IsArray(b)) {
    cJSON_Delete(*out);
    *out = NULL;
    return am_diag(d, AM_EINVAL, "%s: benchmarks: expected an array", path);
  }
  return 0;
}
