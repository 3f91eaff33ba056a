/* harness/cli/cmd_list.c — `allocmark list`: the built backends (each asked in its own
 * runner process, so the version is the one really loaded), the variant files and the
 * patterns found. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "cli.h"
#include "metric_table.h"
#include "registry.h"
#include "variant.h"

static const char list_help[] =
  "usage: allocmark list [backends|variants|patterns|metrics] [--json] [--all]\n"
  "  Lists every backend built into this build, with the version read from the\n"
  "  library at run time, its configuration and capabilities, and the pattern files\n"
  "  found in the patterns folder ($ALLOCMARK_PATTERNS or the source tree's patterns/).\n"
  "  --json   backends: a JSON array of each runner's `info` (name, version, config,\n"
  "           capabilities, malloc_from, colour, in_all, expect_malloc_from, dump,\n"
  "           identity, loaded: harness/runner/runner_main.c); patterns: a JSON\n"
  "           array of {name, path}; variants: a JSON array of {name, base, env,\n"
  "           description, file, built} (a file that does not parse: {name, error})\n"
  "  Variants are the files in $ALLOCMARK_VARIANTS or the source tree's\n"
  "  harness/backends/variants/ (README.md there), run with `allocmark run -b NAME`.\n"
  "  --all    include test-only backends\n"
  "  metrics  (only when asked) every metric of the results (harness/common/metric_table.h):\n"
  "           key (in a sample: under its parent object when it has one), unit, which\n"
  "           way is better, whether it is aggregated, label and help; --json: an array\n"
  "           of {name, parent, unit, better, aggregated, required, sample, label, help}\n";

static int has_cap(const cJSON *o, const char *cap) {
  const cJSON *caps = cJSON_GetObjectItemCaseSensitive(o, "capabilities"), *c;
  cJSON_ArrayForEach(c, caps) if (cJSON_IsString(c) && strcmp(c->valuestring, cap) == 0) return 1;
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.json files of dir, sorted, without ".json" (strdup'd: free them); how many. */
static size_t json_stems(const char *dir, char **names, size_t cap) {
  DIR *d = opendir(dir);
  size_t n = 0;
  if (d == NULL) return 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL && n < cap) {
    size_t l = strlen(e->d_name);
    if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0 && (names[n] = strdup(e->d_name)) != NULL)
      names[n++][l - 5] = '\0';
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_str);
  return n;
}

/* Variant files (variant.h) as a JSON array of {name, base, env, description, file,
 * built (its base is built here)}, or {name, file, error} for a file that does not parse. */
static cJSON *variant_list(int *bad) {
  cJSON *arr = cJSON_CreateArray();
  char *names[1024];
  size_t n = json_stems(am_variants_dir(), names, 1024);
  for (size_t i = 0; i < n; i++) {
    am_variant_t v;
    am_diag_t d;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", names[i]);
    if (am_variant_find(names[i], &v, &d) != 0) {
      cJSON_AddStringToObject(o, "error", d.msg);
      *bad = 1;
    } else {
      cJSON_AddStringToObject(o, "base", v.base);
      cJSON *env = cJSON_AddObjectToObject(o, "env");
      for (size_t k = 0; k < v.n_env; k++) cJSON_AddStringToObject(env, v.env_name[k], v.env_value[k]);
      cJSON_AddStringToObject(o, "description", v.description);
      cJSON_AddStringToObject(o, "file", v.file);
      cJSON_AddBoolToObject(o, "built", strncmp(v.base, "so:", 3) == 0 || am_registry_index(v.base) >= 0);
    }
    cJSON_AddItemToArray(arr, o);
    free(names[i]);
  }
  return arr;
}

static void print_variants(const cJSON *arr) {
  const cJSON *o, *e;
  cJSON_ArrayForEach(o, arr) {
    const cJSON *er = cJSON_GetObjectItem(o, "error");
    if (cJSON_IsString(er)) { printf("  %-28s ERROR: %s\n", cJSON_GetObjectItem(o, "name")->valuestring, er->valuestring); continue; }
    printf("  %-28s %-9s", cJSON_GetObjectItem(o, "name")->valuestring, cJSON_GetObjectItem(o, "base")->valuestring);
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(o, "env")) printf(" %s=%s", e->string, e->valuestring);
    printf("%s\n", cJSON_IsTrue(cJSON_GetObjectItem(o, "built")) ? "" : "  (base not built)");
  }
  if (cJSON_GetArraySize(arr) == 0) printf("  (none)\n");
}

/* Pattern files (*.json) in the patterns folder, sorted, as a JSON array. */
static cJSON *pattern_list(void) {
  cJSON *arr = cJSON_CreateArray();
  const char *dir = am_patterns_dir();
  char *names[1024];
  size_t n = json_stems(dir, names, 1024);
  for (size_t i = 0; i < n; i++) {
    char path[4096];
    cJSON *o = cJSON_CreateObject();
    snprintf(path, sizeof path, "%s/%s.json", dir, names[i]);
    cJSON_AddStringToObject(o, "name", names[i]);
    cJSON_AddStringToObject(o, "path", path);
    cJSON_AddItemToArray(arr, o);
    free(names[i]);
  }
  return arr;
}

static const char *better_name(int b) { return b == AM_LOWER ? "lower" : b == AM_HIGHER ? "higher" : "-"; }
static const char *agg_name(unsigned f) {
  return f & AM_MF_AGG ? "always" : f & AM_MF_AGG_IF ? "when measured" : "no";
}

/* The metrics table (metric_table.h), as text or as a JSON array. */
static void list_metrics(int json) {
  if (!json) printf("%-29s %-12s %-6s %-6s %-13s %s\n", "METRIC", "PARENT", "UNIT", "BETTER", "AGGREGATED", "HELP");
  cJSON *arr = json ? cJSON_CreateArray() : NULL;
  for (const am_metric_t *m = am_metrics; m->name != NULL; m++) {
    if (!json) {
      printf("%-29s %-12s %-6s %-6s %-13s %s\n", m->name, m->parent ? m->parent : "-", m->unit,
             better_name(m->better), agg_name(m->flags), m->help);
      continue;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", m->name);
    if (m->parent != NULL) cJSON_AddStringToObject(o, "parent", m->parent);
    else cJSON_AddNullToObject(o, "parent");
    cJSON_AddStringToObject(o, "unit", m->unit);
    if (m->better != AM_NEITHER) cJSON_AddStringToObject(o, "better", better_name(m->better));
    else cJSON_AddNullToObject(o, "better");
    cJSON_AddStringToObject(o, "aggregated", agg_name(m->flags));
    cJSON_AddBoolToObject(o, "required", (m->flags & AM_MF_REQ) != 0);
    cJSON_AddBoolToObject(o, "sample", (m->flags & AM_MF_SAMPLE) != 0);
    cJSON_AddStringToObject(o, "label", m->label);
    cJSON_AddStringToObject(o, "help", m->help);
    cJSON_AddItemToArray(arr, o);
  }
  if (json) {
    char *t = cJSON_Print(arr);
    if (t != NULL) puts(t);
    cJSON_free(t);
    cJSON_Delete(arr);
  }
}

static void print_json(cJSON *o) {
  char *s = cJSON_Print(o);
  if (s != NULL) puts(s);
  cJSON_free(s);
}

int am_cmd_list(int argc, char **argv) {
  int json = 0, all = 0, want_b = 1, want_p = 1, want_v = 1, only = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0) json = 1;
    else if (strcmp(argv[i], "--all") == 0) all = 1;
    else if (strcmp(argv[i], "backends") == 0) only = 'b';
    else if (strcmp(argv[i], "patterns") == 0) only = 'p';
    else if (strcmp(argv[i], "variants") == 0) only = 'v';
    else if (strcmp(argv[i], "metrics") == 0) only = 'm';
    else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { fputs(list_help, stdout); return 0; }
    else { fprintf(stderr, "allocmark list: unknown argument '%s' (try --help)\n", argv[i]); return 2; }
  }
  if (only) { want_b = only == 'b'; want_p = only == 'p'; want_v = only == 'v'; }
  if (json && !only) want_p = want_v = 0; /* --json alone: the backends array */
  if (only == 'm') { list_metrics(json); return 0; }
  int rc = 0;
  if (want_b) {
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < am_registry_count(); i++) {
      const char *name = am_registry_name(i);
      const cJSON *info = am_registry_info(name);
      if (info == NULL) { fprintf(stderr, "allocmark list: backend %s: runner failed\n", name); rc = 1; continue; }
      if (!all && has_cap(info, "test_only")) continue;
      cJSON_AddItemToArray(arr, cJSON_Duplicate(info, 1));
    }
    if (json) print_json(arr);
    else {
      printf("%-10s %-14s %s\n", "BACKEND", "VERSION", "CONFIG");
      const cJSON *o;
      cJSON_ArrayForEach(o, arr)
        printf("%-10s %-14.14s %s\n", cJSON_GetObjectItem(o, "name")->valuestring,
               cJSON_GetObjectItem(o, "version")->valuestring, cJSON_GetObjectItem(o, "config")->valuestring);
    }
    cJSON_Delete(arr);
  }
  if (want_v) {
    int bad = 0;
    cJSON *arr = variant_list(&bad);
    if (json) print_json(arr);
    else {
      printf("%svariants in %s (run with -b NAME):\n", want_b ? "\n" : "", am_variants_dir());
      print_variants(arr);
    }
    if (bad) rc = 1;
    cJSON_Delete(arr);
  }
  if (want_p) {
    cJSON *arr = pattern_list();
    if (json) print_json(arr);
    else {
      printf("%spatterns in %s:\n", want_b ? "\n" : "", am_patterns_dir());
      const cJSON *o;
      cJSON_ArrayForEach(o, arr) printf("  %s\n", cJSON_GetObjectItem(o, "name")->valuestring);
      if (cJSON_GetArraySize(arr) == 0) printf("  (none)\n");
    }
    cJSON_Delete(arr);
  }
  return rc;
}
