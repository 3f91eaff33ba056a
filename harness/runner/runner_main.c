/* harness/runner/runner_main.c — entry point of am-runner-<backend>: dispatch, and `info`.
 * See runner.h for the protocol between driver and runner. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <cJSON.h>
#include "colour.h"
#include "vgmark.h"
#include "runner.h"

static const struct { unsigned bit; const char *name; } cap_names[] = {
  {AM_CAP_USABLE_SIZE, "usable_size"}, {AM_CAP_FREE_SIZED, "free_sized"},
  {AM_CAP_STATS, "stats"}, {AM_CAP_THREADS, "threads"}, {AM_CAP_OVERRIDES, "overrides_malloc"},
  {AM_CAP_REAL_FREE, "real_free"}, {AM_CAP_TEST_ONLY, "test_only"}, {AM_CAP_BASELINE, "baseline"},
};

/* The registry entry the driver derives every list from (see backend.h). */
static void info_registry(cJSON *o, const am_backend_t *b) {
  cJSON_AddStringToObject(o, "colour", am_backend_colour(b->name, b->colour));
  cJSON_AddBoolToObject(o, "in_all", (b->caps & (AM_CAP_TEST_ONLY | AM_CAP_BASELINE)) == 0);
  cJSON_AddStringToObject(o, "expect_malloc_from", b->malloc_from ? b->malloc_from : "libc.so");
  cJSON_AddBoolToObject(o, "dump", b->dump != NULL);
  char why[256] = "no allocator introspection";
  int id = b->identity ? b->identity(why, sizeof why) : -1;
  cJSON *j = cJSON_AddObjectToObject(o, "identity");
  if (id < 0) cJSON_AddNullToObject(j, "proven"); else cJSON_AddBoolToObject(j, "proven", id == 1);
  cJSON_AddStringToObject(j, "why", why);
  cJSON *libs = cJSON_AddArrayToObject(o, "loaded");
  am_runner_loaded_objects(libs);
}

static int cmd_info(const am_backend_t *b) {
  cJSON *o = cJSON_CreateObject(), *caps = cJSON_CreateArray();
  cJSON_AddStringToObject(o, "name", b->name);
  cJSON_AddStringToObject(o, "version", b->version());
  cJSON_AddStringToObject(o, "config", b->config());
  for (size_t i = 0; i < sizeof cap_names / sizeof *cap_names; i++)
    if (b->caps & cap_names[i].bit) cJSON_AddItemToArray(caps, cJSON_CreateString(cap_names[i].name));
  cJSON_AddItemToObject(o, "capabilities", caps);
  cJSON_AddStringToObject(o, "malloc_from", am_runner_malloc_origin());
  info_registry(o, b);
  cJSON_AddBoolToObject(o, "valgrind_marks", AM_HAVE_VALGRIND_MARKS); /* vgmark.h */
  char *s = cJSON_PrintUnformatted(o);
  int rc = (s != NULL && puts(s) >= 0) ? AM_RUNNER_OK : AM_RUNNER_ERROR;
  cJSON_free(s);
  cJSON_Delete(o);
  return rc;
}

static void usage(FILE *f, const char *argv0) {
  fprintf(f, "usage: %s info | run [options] | selftest [options]  (backend: %s)\n"
             "  A runner holds exactly one allocator backend; it is started by `allocmark`,\n"
             "  not by hand. `run --help` and `selftest --help` list their options.\n", argv0, am_this_backend->name);
}

int main(int argc, char **argv) {
  const am_backend_t *b = am_this_backend;
  /* Die with the driver: when `allocmark run` is interrupted (Ctrl-C) or killed, its
   * runner (in a process group of its own, out of reach of the terminal's SIGINT) must
   * not go on measuring for nobody. */
  pid_t parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) return AM_RUNNER_ERROR;
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    usage(argc < 2 ? stderr : stdout, argv[0]);
    return argc < 2 ? AM_RUNNER_BADINPUT : AM_RUNNER_OK;
  }
  if (b->init != NULL && b->init() != 0) {
    fprintf(stderr, "%s: backend %s failed to initialise\n", argv[0], b->name);
    return AM_RUNNER_ERROR;
  }
  int rc;
  if (strcmp(argv[1], "info") == 0) rc = cmd_info(b);
  else if (strcmp(argv[1], "run") == 0) rc = am_runner_run(b, argc - 1, argv + 1);
  else if (strcmp(argv[1], "selftest") == 0) rc = am_runner_selftest(b, argc - 1, argv + 1);
  else {
    fprintf(stderr, "%s: unknown sub-command '%s'\n", argv[0], argv[1]);
    usage(stderr, argv[0]);
    rc = AM_RUNNER_BADINPUT;
  }
  if (b->shutdown != NULL) b->shutdown();
  return rc;
}
