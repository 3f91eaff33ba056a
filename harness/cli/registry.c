/* harness/cli/registry.c — the compiled-in backends and their runners' `info` (registry.h). */
#include <stdio.h>
#include <string.h>
#include <cJSON.h>
#include "am_registry.h"
#include "cli.h"
#include "colour.h"
#include "registry.h"

#define AM_REGISTRY_CAP (sizeof am_registry / sizeof *am_registry)

size_t am_registry_count(void) { return AM_REGISTRY_CAP; }
const char *am_registry_name(size_t i) { return i < AM_REGISTRY_CAP ? am_registry[i] : NULL; }

int am_registry_index(const char *name) {
  for (size_t i = 0; i < AM_REGISTRY_CAP; i++)
    if (name != NULL && strcmp(am_registry[i], name) == 0) return (int)i;
  return -1;
}

const char *am_registry_reference(void) { return am_registry_ref; }
int am_registry_is_reference(const char *name) { return name != NULL && strcmp(name, am_registry_ref) == 0; }

/* Per backend: 0 not asked yet, 1 asked (info may still be NULL: the runner failed). */
static struct { int asked; cJSON *info; } cache[AM_REGISTRY_CAP];

cJSON *am_runner_info(const char *runner, char *const *env, char *err, size_t cap) {
  char path[4096];
  if (am_runner_path(runner, path, sizeof path) != 0) return snprintf(err, cap, "runner %.700s is missing (rebuild)", path), NULL;
  char *argv[] = {path, "info", NULL};
  am_spawn_result_t r;
  if (am_spawn(argv, env, 30, &r) != 0) return snprintf(err, cap, "could not start %.700s", path), NULL;
  cJSON *o = r.kind == AM_EXIT_OK ? cJSON_Parse(r.out) : NULL;
  if (o != NULL && !cJSON_IsObject(o)) { cJSON_Delete(o); o = NULL; }
  if (o == NULL) {
    /* the runner's reason is its first line ("so: ...", "variant: ..."); the rest is context */
    size_t n = strcspn(r.err_tail, "\n");
    snprintf(err, cap, "%.*s", (int)n, r.err_tail[0] ? r.err_tail : "runner info failed");
  }
  am_spawn_result_free(&r);
  return o;
}

static cJSON *spawn_info(const char *name) {
  char err[768];
  cJSON *o = am_runner_info(name, NULL, err, sizeof err);
  if (o == NULL) fprintf(stderr, "allocmark: backend %s: `info` failed: %s\n", name, err);
  return o;
}

const cJSON *am_registry_info(const char *name) {
  int i = am_registry_index(name);
  if (i < 0) return NULL;
  if (!cache[i].asked) {
    cache[i].asked = 1;
    cache[i].info = spawn_info(name);
  }
  return cache[i].info;
}

int am_registry_in_all(const char *name) {
  return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(am_registry_info(name), "in_all"));
}

const char *am_registry_colour(const char *name) {
  const cJSON *c = am_registry_index(name) >= 0
                 ? cJSON_GetObjectItemCaseSensitive(am_registry_info(name), "colour") : NULL;
  return am_backend_colour(name, cJSON_IsString(c) ? c->valuestring : NULL);
}
