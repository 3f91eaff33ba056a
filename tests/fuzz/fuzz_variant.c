/* tests/fuzz/fuzz_variant.c — fuzz target: backend variants (harness/cli/variant.h).
 *
 * The input is parsed twice: as a variant file (harness/backends/variants/README.md), under
 * the path fuzz/<name>.json where <name> is the input's own "name" when it has a short
 * one (so that accepted files get past the name-must-match-the-file check), and, up to
 * its first NUL byte, as a command-line spec 'BASE+VAR=VALUE[+...]'. An accepted
 * variant must hold 1..16 valid, distinct, non-reserved variable names and a base; a
 * rejected one must say why.
 */
// fuzz-seeds: harness/backends/variants/*.json tests/backends/bad-variants/*.json
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "variant.h"

static int name_ok(const char *s) {
  if (s[0] == '\0' || (s[0] >= '0' && s[0] <= '9')) return 0;
  for (; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
  return 1;
}

static void check(const am_variant_t *v) {
  if (v->n_env < 1 || v->n_env > AM_VARIANT_MAX_ENV || v->base[0] == '\0' || v->name[0] == '\0') abort();
  for (size_t i = 0; i < v->n_env; i++) {
    if (!name_ok(v->env_name[i]) || strncmp(v->env_name[i], "LD_", 3) == 0 || strncmp(v->env_name[i], "AM_", 3) == 0)
      abort();
    for (size_t j = 0; j < i; j++)
      if (strcmp(v->env_name[i], v->env_name[j]) == 0) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static am_variant_t v;
  am_diag_t d;
  char path[160] = "fuzz/v.json";
  cJSON *j = cJSON_ParseWithLength((const char *)data, size);
  const cJSON *n = cJSON_GetObjectItemCaseSensitive(j, "name");
  if (cJSON_IsString(n) && strlen(n->valuestring) < 100 && strchr(n->valuestring, '/') == NULL)
    snprintf(path, sizeof path, "fuzz/%s.json", n->valuestring);
  cJSON_Delete(j);
  d.msg[0] = '\0';
  if (am_variant_parse(path, (const char *)data, size, &v, &d) == 0) check(&v);
  else if (d.msg[0] == '\0') abort();

  char spec[1024], err[512] = "";
  size_t len = strnlen((const char *)data, size < sizeof spec - 1 ? size : sizeof spec - 1);
  memcpy(spec, data, len);
  spec[len] = '\0';
  if (!am_variant_is_spec(spec)) return 0;
  if (am_variant_parse_spec(spec, &v, err, sizeof err) == 0) check(&v);
  else if (err[0] == '\0') abort();
  return 0;
}
