/* tests/fuzz/fuzz_plan.c — fuzz target: a sharded run's shard/plan.json as `allocmark
 * merge` reads it back (harness/cli/plan.c, am_plan_check; format in results/README.md,
 * "Sharded runs and merges").
 *
 * The input is one plan file. A plan the check accepts is then walked the way merge walks
 * it (every cell's workload, backend, threads and rep; every workload's thread counts), so
 * that whatever the check lets through, its reader handles. */
// fuzz-seeds: tests/cluster/fixtures/*.json
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "fuzz.h"
#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cJSON *plan = cJSON_ParseWithLength((const char *)data, size);
  if (plan == NULL) return 0;
  am_diag_t d;
  d.msg[0] = '\0';
  if (am_plan_check(plan, "plan.json", &d) == 0) {
    const cJSON *c, *w, *t;
    size_t sum = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(plan, "cells")) {
      sum += strlen(cJSON_GetObjectItem(c, "id")->valuestring) + strlen(cJSON_GetObjectItem(c, "workload")->valuestring) +
             strlen(cJSON_GetObjectItem(c, "backend")->valuestring);
      sum += (size_t)cJSON_GetObjectItem(c, "threads")->valueint + (size_t)cJSON_GetObjectItem(c, "rep")->valueint;
    }
    cJSON_ArrayForEach(w, cJSON_GetObjectItem(plan, "workloads"))
      cJSON_ArrayForEach(t, cJSON_GetObjectItem(w, "thread_counts")) sum += (size_t)t->valueint;
    const cJSON *sh = cJSON_GetObjectItem(plan, "shard");
    sum += (size_t)cJSON_GetObjectItem(sh, "k")->valueint + (size_t)cJSON_GetObjectItem(sh, "n")->valueint;
    fprintf(am_fuzz_null(), "%zu\n", sum);
  } else if (d.msg[0] == '\0') {
    abort(); /* an error without a message */
  }
  cJSON_Delete(plan);
  return 0;
}
