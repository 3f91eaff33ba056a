/* tests/engine/test_results.c — results.c: NaN/Infinity become null, the atomic write
 * leaves no temp file and round-trips, and the loader checks schema_version and
 * reports malformed JSON with line:column. argv[1]: a scratch folder. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cJSON.h>
#include "results.h"

static int fails;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); fails++; } } while (0)

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (f != NULL) { fputs(text, f); fclose(f); }
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  char path[4096], bad[4096];
  snprintf(path, sizeof path, "%s/results_rt.json", dir);
  snprintf(bad, sizeof bad, "%s/results_bad.json", dir);
  unlink(path);

  cJSON *root = cJSON_CreateObject();
  cJSON_AddNumberToObject(root, "schema_version", AM_RESULTS_SCHEMA_VERSION);
  cJSON *bm = cJSON_AddArrayToObject(root, "benchmarks");
  cJSON *one = cJSON_CreateObject();
  cJSON_AddItemToArray(bm, one);
  cJSON_AddNumberToObject(one, "nan", NAN);
  cJSON_AddNumberToObject(one, "inf", -INFINITY);
  am_json_add_num(one, "finite", 1.5);
  am_json_add_num(one, "null_direct", NAN);
  am_json_add_hex64(one, "checksum", UINT64_C(0xfedcba9876543210));
  am_json_add_u64(one, "big", UINT64_C(1) << 40);
  CHECK(!am_json_all_finite(root));

  am_diag_t d = {{0}};
  CHECK(am_json_write_atomic(path, root, 1, &d) == 0);
  CHECK(am_json_all_finite(root)); /* scrubbed in place */
  cJSON_Delete(root);

  /* No temp file left next to it. */
  DIR *dd = opendir(dir);
  struct dirent *e;
  while (dd != NULL && (e = readdir(dd)) != NULL) CHECK(strstr(e->d_name, "results_rt.json.tmp") == NULL);
  if (dd != NULL) closedir(dd);

  cJSON *back = NULL;
  CHECK(am_results_load(path, &back, &d) == 0);
  if (back != NULL) {
    const cJSON *b0 = cJSON_GetArrayItem(cJSON_GetObjectItem(back, "benchmarks"), 0);
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(b0, "nan")));
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(b0, "inf")));
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(b0, "null_direct")));
    CHECK(cJSON_GetObjectItem(b0, "finite")->valuedouble == 1.5);
    CHECK(strcmp(cJSON_GetObjectItem(b0, "checksum")->valuestring, "fedcba9876543210") == 0);
    CHECK(cJSON_GetObjectItem(b0, "big")->valuedouble == (double)(UINT64_C(1) << 40));
    CHECK(am_json_all_finite(back));
    cJSON_Delete(back);
  }

  /* Overwriting an existing file works (rename replaces it). */
  root = cJSON_CreateObject();
  cJSON_AddNumberToObject(root, "schema_version", AM_RESULTS_SCHEMA_VERSION);
  cJSON_AddArrayToObject(root, "benchmarks");
  CHECK(am_json_write_atomic(path, root, 0, &d) == 0);
  cJSON_Delete(root);
  CHECK(am_results_load(path, &back, &d) == 0);
  cJSON_Delete(back);

  /* Wrong schema version, missing benchmarks, malformed JSON, missing file. */
  write_text(bad, "{\"schema_version\": 99, \"benchmarks\": []}");
  CHECK(am_results_load(bad, &back, &d) == AM_EINVAL && back == NULL && strstr(d.msg, "schema_version") != NULL);
  write_text(bad, "{\"schema_version\": 1}");
  CHECK(am_results_load(bad, &back, &d) == AM_EINVAL && strstr(d.msg, "benchmarks") != NULL);
  write_text(bad, "{\n  \"schema_version\": 1,\n  \"benchmarks\": [,]\n}");
  CHECK(am_results_load(bad, &back, &d) == AM_ESYNTAX && strstr(d.msg, ":3:18: malformed JSON (unexpected character ',')") != NULL);
  unlink(bad);
  CHECK(am_results_load(bad, &back, &d) == AM_ENOENT);
  /* A folder that does not exist: the write fails cleanly. */
  root = cJSON_CreateObject();
  CHECK(am_json_write_atomic("/nonexistent-dir/x.json", root, 0, &d) == AM_EIO);
  cJSON_Delete(root);

  unlink(path);
  if (fails) { fprintf(stderr, "test_results: %d failures\n", fails); return 1; }
  printf("test_results: ok\n");
  return 0;
}
