/* harness/common/pattern_json.c — validating accessors over cJSON (see pattern_json.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "pattern_json.h"

void am_j_path(char *buf, const char *parent, const char *key) {
  if (parent == NULL || parent[0] == '\0') snprintf(buf, AM_PATH_MAX, "%s", key);
  else snprintf(buf, AM_PATH_MAX, "%s.%s", parent, key);
}

void am_j_index(char *buf, const char *parent, size_t i) {
  snprintf(buf, AM_PATH_MAX, "%s[%zu]", parent, i);
}

void am_j_describe(const cJSON *v, char *buf, size_t cap) {
  if (v == NULL) snprintf(buf, cap, "nothing (the key is required)");
  else if (cJSON_IsTrue(v)) snprintf(buf, cap, "true");
  else if (cJSON_IsFalse(v)) snprintf(buf, cap, "false");
  else if (cJSON_IsNull(v)) snprintf(buf, cap, "null");
  else if (cJSON_IsNumber(v)) {
    double x = v->valuedouble;
    if (!isfinite(x)) snprintf(buf, cap, "a number out of range");
    else if (x == floor(x) && fabs(x) < 1e18) snprintf(buf, cap, "%.0f", x);
    else snprintf(buf, cap, "%.17g", x);
  } else if (cJSON_IsString(v)) {
    size_t n = strlen(v->valuestring);
    if (n > 40) snprintf(buf, cap, "\"%.37s...\"", v->valuestring);
    else snprintf(buf, cap, "\"%s\"", v->valuestring);
  } else if (cJSON_IsArray(v)) {
    int n = cJSON_GetArraySize(v);
    snprintf(buf, cap, "an array of %d element%s", n, n == 1 ? "" : "s");
  }
  else if (cJSON_IsObject(v)) snprintf(buf, cap, "an object");
  else snprintf(buf, cap, "an unknown value");
}

int am_j_bad(am_pctx_t *c, const char *path, const char *expected, const cJSON *v, int range) {
  char got[64];
  am_j_describe(v, got, sizeof got);
  return am_diag(c->d, range ? AM_ERANGE : AM_EINVAL, "%s: %s: expected %s, got %s", c->file,
                 path[0] ? path : "top level", expected, got);
}

const cJSON *am_j_get(const cJSON *obj, const char *key) {
  return cJSON_GetObjectItemCaseSensitive(obj, key);
}

int am_j_object(am_pctx_t *c, const cJSON *v, const char *path, const char *const *keys) {
  if (!cJSON_IsObject(v)) return am_j_bad(c, path, "an object", v, 0);
  for (const cJSON *m = v->child; m != NULL; m = m->next) {
    char sub[AM_PATH_MAX];
    am_j_path(sub, path, m->string);
    int known = 0;
    for (size_t i = 0; keys[i] != NULL; i++)
      if (strcmp(keys[i], m->string) == 0) { known = 1; break; }
    if (!known) {
      char list[320];
      size_t n = 0;
      list[0] = '\0';
      for (size_t i = 0; keys[i] != NULL && n < sizeof list; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", keys[i]);
      return am_diag(c->d, AM_EINVAL, "%s: %s: unknown key; expected one of %s", c->file, sub, list);
    }
    for (const cJSON *o = v->child; o != m; o = o->next)
      if (strcmp(o->string, m->string) == 0)
        return am_diag(c->d, AM_EINVAL, "%s: %s: duplicate key", c->file, sub);
  }
  return 0;
}

static void int_range_text(char *buf, size_t cap, uint64_t lo, uint64_t hi) {
  if (hi == UINT64_MAX || hi >= 9007199254740991ull)
    snprintf(buf, cap, "an integer >= %llu", (unsigned long long)lo);
  else snprintf(buf, cap, "an integer from %llu to %llu", (unsigned long long)lo, (unsigned long long)hi);
}

int am_j_uint_value(am_pctx_t *c, const cJSON *v, const char *path, uint64_t lo, uint64_t hi, uint64_t *out) {
  char want[96];
  int_range_text(want, sizeof want, lo, hi);
  if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble != floor(v->valuedouble))
    return am_j_bad(c, path, want, v, 0);
  double x = v->valuedouble;
  if (x < (double)lo || x > (double)hi || x > 9007199254740991.0) return am_j_bad(c, path, want, v, 1);
  *out = (uint64_t)x;
  return 0;
}

int am_j_uint(am_pctx_t *c, const cJSON *obj, const char *key, const char *parent,
              uint64_t lo, uint64_t hi, int required, uint64_t def, uint64_t *out) {
  char path[AM_PATH_MAX];
  am_j_path(path, parent, key);
  const cJSON *v = am_j_get(obj, key);
  if (v == NULL) {
    if (!required) { *out = def; return 0; }
    char want[96];
    int_range_text(want, sizeof want, lo, hi);
    return am_j_bad(c, path, want, NULL, 0);
  }
  return am_j_uint_value(c, v, path, lo, hi, out);
}

int am_j_num(am_pctx_t *c, const cJSON *obj, const char *key, const char *parent,
             double lo, double hi, int lo_open, int required, double def, double *out) {
  char path[AM_PATH_MAX], want[96];
  am_j_path(path, parent, key);
  snprintf(want, sizeof want, "a number %s %g and <= %g", lo_open ? ">" : ">=", lo, hi);
  const cJSON *v = am_j_get(obj, key);
  if (v == NULL) {
    if (!required) { *out = def; return 0; }
    return am_j_bad(c, path, want, NULL, 0);
  }
  if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) return am_j_bad(c, path, want, v, 0);
  double x = v->valuedouble;
  if (x < lo || (lo_open && x == lo) || x > hi) return am_j_bad(c, path, want, v, 1);
  *out = x;
  return 0;
}

int am_j_enum(am_pctx_t *c, const cJSON *obj, const char *key, const char *parent,
              const char *const *names, int required, int def, int *out) {
  char path[AM_PATH_MAX], want[256];
  am_j_path(path, parent, key);
  size_t n = (size_t)snprintf(want, sizeof want, "one of");
  for (size_t i = 0; names[i] != NULL && n < sizeof want; i++)
    n += (size_t)snprintf(want + n, sizeof want - n, "%s\"%s\"", i ? ", " : " ", names[i]);
  const cJSON *v = am_j_get(obj, key);
  if (v == NULL) {
    if (!required) { *out = def; return 0; }
    return am_j_bad(c, path, want, NULL, 0);
  }
  if (cJSON_IsString(v))
    for (int i = 0; names[i] != NULL; i++)
      if (strcmp(names[i], v->valuestring) == 0) { *out = i; return 0; }
  return am_j_bad(c, path, want, v, 0);
}

int am_j_string(am_pctx_t *c, const cJSON *obj, const char *key, const char *parent,
                size_t maxlen, int name_chars, const char *def, const char **out) {
  char path[AM_PATH_MAX], want[128];
  am_j_path(path, parent, key);
  if (name_chars)
    snprintf(want, sizeof want, "a name of 1 to %zu characters from A-Z a-z 0-9 . _ -", maxlen);
  else snprintf(want, sizeof want, "a string of at most %zu bytes", maxlen);
  const cJSON *v = am_j_get(obj, key);
  if (v == NULL) { *out = def; return 0; }
  if (!cJSON_IsString(v)) return am_j_bad(c, path, want, v, 0);
  size_t len = strlen(v->valuestring);
  if (len > maxlen) return am_j_bad(c, path, want, v, 1);
  if (name_chars) {
    if (len == 0) return am_j_bad(c, path, want, v, 0);
    for (const char *s = v->valuestring; *s; s++)
      if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
            *s == '.' || *s == '_' || *s == '-'))
        return am_j_bad(c, path, want, v, 0);
  }
  *out = v->valuestring;
  return 0;
}
