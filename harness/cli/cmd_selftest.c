/* harness/cli/cmd_selftest.c — `allocmark selftest`: does the harness measure what a
 * hand-written program would? Runs `am-runner-system selftest` (malloc/free pairs
 * through the replay engine, and as a tight loop of the same sizes, alternating in one
 * process), prints both medians and their difference, and fails when they differ by
 * more than the tolerance (10 %). With `bump` built, also prints the harness's own
 * cost per op (the bump baseline's engine-minus-loop figure and its absolute ns/op).
 * A benchmark command, not a CI test: it times things. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "cli.h"
#include "registry.h"

static const char selftest_help[] =
  "usage: allocmark selftest [-b BACKEND] [--pairs N] [--reps N] [--sizes A,B,...] [--tolerance PCT]\n"
  "  Times N malloc/free pairs of the given sizes through the replay engine and as a\n"
  "  hand-written loop in the same runner process (alternating, --reps times each),\n"
  "  and compares the medians. Default backend `system`, 2000000 pairs, 7 reps,\n"
  "  sizes 16,24,32,48,64,96,128,256, tolerance 10 %. Also reports the harness cost\n"
  "  per op with the `bump` baseline when it is built.\n"
  "exit: 0 within tolerance, 1 outside it or a runner failed, 2 bad arguments\n";

static cJSON *run_selftest(const char *backend, char **extra, int n_extra) {
  char path[4096];
  if (am_runner_path(backend, path, sizeof path) != 0) {
    fprintf(stderr, "allocmark selftest: backend %s is not built\n", backend);
    return NULL;
  }
  char *argv[16];
  int a = 0;
  argv[a++] = path;
  argv[a++] = "selftest";
  for (int i = 0; i < n_extra && a < 15; i++) argv[a++] = extra[i];
  argv[a] = NULL;
  am_spawn_result_t r;
  if (am_spawn(argv, NULL, 600, &r) != 0) {
    fprintf(stderr, "allocmark selftest: cannot start %s\n", path);
    return NULL;
  }
  cJSON *o = cJSON_Parse(r.out);
  if (r.kind != AM_EXIT_OK || o == NULL) {
    const cJSON *e = cJSON_GetObjectItem(o, "error");
    fprintf(stderr, "allocmark selftest: %s: %s\n", backend,
            cJSON_IsString(e) ? e->valuestring : r.err_tail[0] ? r.err_tail : "runner failed");
    cJSON_Delete(o);
    o = NULL;
  }
  am_spawn_result_free(&r);
  return o;
}

static double med(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(o, key), "median");
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

int am_cmd_selftest(int argc, char **argv) {
  const char *backend = am_registry_reference();
  double tol = 10.0;
  char *extra[8];
  int n_extra = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { fputs(selftest_help, stdout); return 0; }
    if (i + 1 >= argc) { fprintf(stderr, "allocmark selftest: %s needs a value (try --help)\n", a); return 2; }
    const char *v = argv[++i];
    char *end;
    if (strcmp(a, "-b") == 0 || strcmp(a, "--backend") == 0) backend = v;
    else if (strcmp(a, "--tolerance") == 0) {
      tol = strtod(v, &end);
      if (*end != '\0' || !(tol > 0)) { fprintf(stderr, "allocmark selftest: --tolerance: bad value '%s'\n", v); return 2; }
    } else if (strcmp(a, "--pairs") == 0 || strcmp(a, "--reps") == 0 || strcmp(a, "--sizes") == 0) {
      if (strcmp(a, "--sizes") != 0 && (strtoull(v, &end, 10) == 0 || *end != '\0')) {
        fprintf(stderr, "allocmark selftest: %s: bad value '%s'\n", a, v);
        return 2;
      }
      extra[n_extra++] = (char *)a;
      extra[n_extra++] = (char *)v;
    } else {
      fprintf(stderr, "allocmark selftest: unknown option '%s' (try --help)\n", a);
      return 2;
    }
  }
  if (am_registry_index(backend) < 0) { fprintf(stderr, "allocmark selftest: backend '%s' is not built\n", backend); return 2; }

  cJSON *o = run_selftest(backend, extra, n_extra);
  if (o == NULL) return 1;
  double e = med(o, "engine_ns_per_pair"), l = med(o, "loop_ns_per_pair");
  double diff = (e - l) / l * 100.0;
  printf("selftest: %s %s, %.0f malloc/free pairs x %.0f reps, sizes from the list cycling\n", backend,
         cJSON_GetObjectItem(o, "backend_version")->valuestring, cJSON_GetObjectItem(o, "pairs")->valuedouble,
         cJSON_GetObjectItem(o, "reps")->valuedouble);
  printf("  replay engine      %8.3f ns per pair (median)\n", e);
  printf("  hand-written loop  %8.3f ns per pair (median, %s)\n", l, cJSON_GetObjectItem(o, "loop_calls")->valuestring);
  printf("  difference         %+8.2f %%  (tolerance %.0f %%)\n", diff, tol);
  int rc = (isfinite(diff) && fabs(diff) <= tol) ? 0 : 1;
  printf("  %s\n", rc == 0 ? "PASS: the engine's figure agrees with the hand-written loop"
                           : "FAIL: the engine's figure differs from the hand-written loop");
  cJSON_Delete(o);

  if (am_registry_index("bump") >= 0 && strcmp(backend, "bump") != 0) {
    /* bump rolls back on a free of its last block, so pairs reuse hot memory and the
     * engine figure is the harness's own cost per op plus a bump pointer. */
    char *bx[] = {"--sizes", "16,24,32,48,64,96,128,256", "--pairs", "2000000"};
    cJSON *b = run_selftest("bump", bx, 4);
    if (b != NULL) {
      double be = med(b, "engine_ns_per_pair"), bl = med(b, "loop_ns_per_pair");
      printf("harness cost (bump baseline, 2000000 pairs, both through the backend table):\n");
      printf("  engine %.3f ns/op (the harness's cost per op with a near-free allocator),\n", be / 2);
      printf("  loop %.3f ns/op: the engine adds %+.3f ns per op over a bare loop\n", bl / 2, (be - bl) / 2);
      cJSON_Delete(b);
    }
  }
  return rc;
}
