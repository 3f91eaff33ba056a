/* harness/cli/cmd_list.c — `allocmark list`: the built backends (each asked in its own
 * runner process, so the version is the one really loaded) and the patterns found. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "cli.h"

static const char list_help[] =
  "usage: allocmark list [backends|patterns] [--json] [--all]\n"
  "  Lists every backend built into this build, with the version read from the\n"
  "  library at run time, its configuration and capabilities, and the pattern files\n"
  "  found in the patterns folder ($ALLOCMARK_PATTERNS or the source tree's patterns/).\n"
  "  --json   backends: a JSON array of each runner's `info` (name, version, config,\n"
  "           capabilities, malloc_from, colour, in_all, expect_malloc_from, dump,\n"
  "           identity, loaded: harness/runner/runner_main.c); patterns: a JSON\n"
  "           array of {name, path}\n"
  "  --all    include test-only backends\n";

static int has_cap(const cJSON *o, const char *cap) {
  const cJSON *caps = cJSON_GetObjectItemCaseSensitive(o, "capabilities"), *c;
  cJSON_ArrayForEach(c, caps) if (cJSON_IsString(c) && strcmp(c->valuestring, cap) == 0) return 1;
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Pattern files (*.json) in the patterns folder, sorted, as a JSON array. */
static cJSON *pattern_list(void) {
  cJSON *arr = cJSON_CreateArray();
  const char *dir = am_patterns_dir();
  DIR *d = opendir(dir);
  if (d == NULL) return arr;
  char *names[1024]; size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL && n < 1024) {
    size_t l = strlen(e->d_name);
    if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0) names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_str);
  for (size_t i = 0; i < n; i++) {
    char path[4096];
    cJSON *o = cJSON_CreateObject();
    names[i][strlen(names[i]) - 5] = '\0';
    snprintf(path, sizeof path, "%s/%s.json", dir, names[i]);
    cJSON_AddStringToObject(o, "name", names[i]);
    cJSON_AddStringToObject(o, "path", path);
    cJSON_AddItemToArray(arr, o);
    free(names[i]);
  }
  return arr;
}

static void print_json(cJSON *o) {
  char *s = cJSON_Print(o);
  if (s != NULL) puts(s);
  cJSON_free(s);
}

int am_cmd_list(int argc, char **argv) {
  int json = 0, all = 0, want_b = 1, want_p = 1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0) json = 1;
    else if (strcmp(argv[i], "--all") == 0) all = 1;
    else if (strcmp(argv[i], "backends") == 0) want_p = 0;
    else if (strcmp(argv[i], "patterns") == 0) want_b = 0;
    else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { fputs(list_help, stdout); return 0; }
    else { fprintf(stderr, "allocmark list: unknown argument '%s' (try --help)\n", argv[i]); return 2; }
  }
  if (json && want_b && want_p) want_p = 0; /* --json alone: the backends array */
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
