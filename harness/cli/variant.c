/* harness/cli/variant.c — named variants: the command-line form and the variant files
 * (format in variant.h and harness/backends/variants/README.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "pattern_json.h"
#include "variant.h"

int am_variant_is_spec(const char *arg) { return arg != NULL && strchr(arg, '+') != NULL; }

static int env_name_ok(const char *s, size_t n) {
  if (n == 0 || n >= sizeof ((am_variant_t *)0)->env_name[0]) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    int alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return 0;
  }
  return 1;
}

/* Why the variable may not be set by a variant, or NULL when it may. */
static const char *env_reserved(const char *name) {
  if (strncmp(name, "LD_", 3) == 0) return "the loader's variables are not for variants (a library is run with so:PATH)";
  if (strncmp(name, "AM_", 3) == 0) return "AM_* variables are the harness's own";
  return NULL;
}

/* Add NAME=VALUE to v; NULL, or why not. */
static const char *add_env(am_variant_t *v, const char *name, size_t nlen, const char *value) {
  if (!env_name_ok(name, nlen)) return "a variable name is [A-Za-z_][A-Za-z0-9_]*, up to 63 characters";
  if (v->n_env == AM_VARIANT_MAX_ENV) return "more than 16 variables";
  if (strlen(value) >= sizeof v->env_value[0]) return "a value longer than 511 characters";
  char *dst = v->env_name[v->n_env];
  memcpy(dst, name, nlen);
  dst[nlen] = '\0';
  const char *why = env_reserved(dst);
  if (why != NULL) return why;
  for (size_t i = 0; i < v->n_env; i++)
    if (strcmp(v->env_name[i], dst) == 0) return "a variable set twice";
  snprintf(v->env_value[v->n_env], sizeof v->env_value[0], "%s", value);
  v->n_env++;
  return NULL;
}

int am_variant_parse_spec(const char *spec, am_variant_t *v, char *err, size_t errcap) {
  memset(v, 0, sizeof *v);
  if (spec == NULL) return snprintf(err, errcap, "-b: an empty variant spec"), -1;
  if (strlen(spec) >= sizeof v->name)
    return snprintf(err, errcap, "-b %.40s...: a variant spec is at most %zu characters", spec, sizeof v->name - 1), -1;
  snprintf(v->name, sizeof v->name, "%s", spec);
  const char *plus = strchr(spec, '+');
  size_t blen = (size_t)(plus - spec);
  if (blen == 0) return snprintf(err, errcap, "-b %s: no base backend before '+' (BASE+VAR=VALUE)", spec), -1;
  memcpy(v->base, spec, blen);
  v->base[blen] = '\0';
  for (const char *p = plus + 1;; ) {
    const char *next = strchr(p, '+'), *end = next ? next : p + strlen(p);
    const char *eq = memchr(p, '=', (size_t)(end - p));
    char value[512];
    if (eq == NULL)
      return snprintf(err, errcap, "-b %s: '%.*s' is not VAR=VALUE", spec, (int)(end - p), p), -1;
    size_t vlen = (size_t)(end - eq - 1);
    if (vlen >= sizeof value) return snprintf(err, errcap, "-b %s: a value longer than 511 characters", spec), -1;
    memcpy(value, eq + 1, vlen);
    value[vlen] = '\0';
    const char *why = add_env(v, p, (size_t)(eq - p), value);
    if (why != NULL) return snprintf(err, errcap, "-b %s: '%.*s': %s", spec, (int)(eq - p), p, why), -1;
    if (next == NULL) break;
    p = next + 1;
  }
  return 0;
}

/* NAME of ".../NAME.json", or "" when path does not end in .json. */
static void file_stem(const char *path, char *out, size_t cap) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  size_t n = strlen(b);
  out[0] = '\0';
  if (n > 5 && strcmp(b + n - 5, ".json") == 0 && n - 5 < cap) { memcpy(out, b, n - 5); out[n - 5] = '\0'; }
}

static int parse_root(am_pctx_t *c, const cJSON *root, am_variant_t *v) {
  static const char *const keys[] = {"name", "base", "env", "description", NULL};
  int rc = am_j_object(c, root, "", keys);
  if (rc != 0) return rc;
  const char *name, *base, *desc;
  if ((rc = am_j_string(c, root, "name", "", sizeof v->name - 1, 1, NULL, &name)) != 0) return rc;
  if (name == NULL) return am_j_bad(c, "name", "a name", NULL, 0);
  char stem[128];
  file_stem(c->file, stem, sizeof stem);
  if (strcmp(stem, name) != 0) return am_diag(c->d, AM_EINVAL, "%s: name: \"%s\" must be the file's name (%s.json)", c->file, name, name);
  if ((rc = am_j_string(c, root, "base", "", sizeof v->base - 1, 0, NULL, &base)) != 0) return rc;
  if (base == NULL || base[0] == '\0' || strchr(base, '+') != NULL)
    return am_j_bad(c, "base", "a backend built in or \"so:/path/libx.so\"", am_j_get(root, "base"), 0);
  if ((rc = am_j_string(c, root, "description", "", sizeof v->description - 1, 0, NULL, &desc)) != 0) return rc;
  if (desc == NULL || desc[0] == '\0') return am_j_bad(c, "description", "a non-empty string", am_j_get(root, "description"), 0);
  const cJSON *env = am_j_get(root, "env");
  if (!cJSON_IsObject(env)) return am_j_bad(c, "env", "an object of VAR: \"value\"", env, 0);
  if (env->child == NULL) return am_j_bad(c, "env", "1 to 16 variables", env, 1);
  snprintf(v->name, sizeof v->name, "%s", name);
  snprintf(v->base, sizeof v->base, "%s", base);
  snprintf(v->description, sizeof v->description, "%s", desc);
  for (const cJSON *e = env->child; e != NULL; e = e->next) {
    char path[AM_PATH_MAX];
    am_j_path(path, "env", e->string);
    if (!cJSON_IsString(e)) return am_j_bad(c, path, "a string", e, 0);
    const char *why = add_env(v, e->string, strlen(e->string), e->valuestring);
    if (why != NULL) return am_diag(c->d, AM_EINVAL, "%s: %s: %s", c->file, path, why);
  }
  return 0;
}

int am_variant_parse(const char *path, const char *text, size_t len, am_variant_t *v, am_diag_t *d) {
  memset(v, 0, sizeof *v);
  snprintf(v->file, sizeof v->file, "%s", path);
  am_pctx_t c = {path, d, NULL};
  cJSON *root;
  int rc = am_json_parse(path, text, len, &root, d); /* json_io.h: line:col errors */
  if (rc != 0) return rc;
  rc = parse_root(&c, root, v);
  cJSON_Delete(root);
  return rc;
}

int am_variant_load(const char *path, am_variant_t *v, am_diag_t *d) {
  char *buf;
  size_t len;
  int rc = am_file_read(path, AM_VARIANT_FILE_MAX, &buf, &len, d);
  if (rc != 0) return rc;
  rc = am_variant_parse(path, buf, len, v, d);
  free(buf);
  return rc;
}

const char *am_variants_dir(void) {
  const char *e = getenv("ALLOCMARK_VARIANTS");
  return (e != NULL && *e != '\0') ? e : AM_SOURCE_DIR "/harness/backends/variants";
}

int am_variant_find(const char *name, am_variant_t *v, am_diag_t *d) {
  char path[4096];
  for (const char *c = name; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
      return am_diag(d, AM_ENOENT, "no variant named '%s'", name);
  snprintf(path, sizeof path, "%s/%s.json", am_variants_dir(), name);
  FILE *f = fopen(path, "rb");
  if (f == NULL) return am_diag(d, AM_ENOENT, "no variant named '%s' in %s", name, am_variants_dir());
  fclose(f);
  return am_variant_load(path, v, d);
}
