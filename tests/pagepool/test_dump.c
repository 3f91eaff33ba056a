/* tests/pagepool/test_dump.c — pp_dump_json parses (cJSON) and matches the allocations.
 * Allocates known blocks in three classes plus large blocks, frees some pages' worth, and
 * checks the dump: config and geometry, every active page with all its pools, per-class
 * used counts equal to the live blocks, used + free == capacity, pages in address order,
 * the tree's page count and a depth within the red-black bound, the free-page list, the
 * large totals. Also checks the tree text dump names every active page.
 * Usage: test_pp_dump [SAVE.json]  (also writes that first dump to SAVE.json: heatmap.sh) */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "pp_test.h"

static cJSON *dump(void) {
  FILE *f = tmpfile();
  PP_T_CHECK(f != NULL && pp_dump_json(f) == PP_OK);
  long len = ftell(f);
  rewind(f);
  char *buf = malloc((size_t)len + 1);
  PP_T_CHECK(buf != NULL && fread(buf, 1, (size_t)len, f) == (size_t)len);
  buf[len] = '\0';
  fclose(f);
  cJSON *j = cJSON_Parse(buf);
  if (j == NULL) fprintf(stderr, "dump does not parse:\n%s\n", buf);
  PP_T_CHECK(j != NULL);
  free(buf);
  return j;
}

static double num(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  PP_T_CHECK(cJSON_IsNumber(v));
  return v->valuedouble;
}

int main(int argc, char **argv) {
  pp_config_t cfg = { PP_CLASSES_POW2, 16, 1, PP_LOOKUP_FAST, 0, PP_LARGE_OWN };
  PP_T_CHECK(pp_configure(&cfg) == PP_OK);
  /* 300 x 16 B (class 0), 40 x 1000 B (class 6), 70 x 4096 B (class 8), 2 large. */
  static void *a[300], *b[40], *c[70];
  for (int i = 0; i < 300; i++) a[i] = pp_malloc(16);
  for (int i = 0; i < 40; i++) b[i] = pp_malloc(1000);
  for (int i = 0; i < 70; i++) c[i] = pp_malloc(4096);
  void *l1 = pp_malloc(10000), *l2 = pp_malloc(20000);
  for (int i = 0; i < 70; i += 2) pp_free(c[i]); /* 35 left, some pages emptied */
  for (int i = 0; i < 100; i++) pp_free(a[i]);    /* 200 left */
  PP_T_HEAP_OK();

  if (argc > 1) {
    FILE *save = fopen(argv[1], "w");
    PP_T_CHECK(save != NULL && pp_dump_json(save) == PP_OK && fclose(save) == 0);
  }
  cJSON *j = dump();
  PP_T_CHECK(strcmp(cJSON_GetObjectItemCaseSensitive(j, "allocator")->valuestring, "pagepool") == 0);
  PP_T_CHECK(strstr(cJSON_GetObjectItemCaseSensitive(j, "config")->valuestring, "pools=16") != NULL);
  PP_T_CHECK(num(j, "pool_size") == 4096 && num(j, "pools_per_page") == 16 && num(j, "page_size") == 65536);
  PP_T_CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "classes")) == 9);
  const cJSON *pages = cJSON_GetObjectItemCaseSensitive(j, "pages");
  PP_T_CHECK(cJSON_IsArray(pages));
  double used[9] = {0};
  double prev = -1;
  int npages = 0;
  const cJSON *pg;
  cJSON_ArrayForEach(pg, pages) {
    npages++;
    double addr = strtod(cJSON_GetObjectItemCaseSensitive(pg, "address")->valuestring, NULL);
    PP_T_CHECK(addr > prev && fmod(addr, 65536) == 0);
    prev = addr;
    const cJSON *pools = cJSON_GetObjectItemCaseSensitive(pg, "pools");
    PP_T_CHECK(cJSON_GetArraySize(pools) == 16);
    int assigned = 0;
    const cJSON *pl;
    cJSON_ArrayForEach(pl, pools) {
      const cJSON *cls = cJSON_GetObjectItemCaseSensitive(pl, "class");
      if (cJSON_IsNull(cls)) continue;
      assigned++;
      int k = cls->valueint;
      PP_T_CHECK(k >= 0 && k < 9 && num(pl, "block_size") == (16 << k));
      PP_T_CHECK(num(pl, "used") + num(pl, "free") == num(pl, "capacity"));
      PP_T_CHECK(num(pl, "capacity") == 4096 / (16 << k));
      used[k] += num(pl, "used");
    }
    PP_T_CHECK(assigned == num(pg, "used_pools") && assigned > 0);
  }
  PP_T_CHECK(used[0] == 200 && used[6] == 40 && used[8] == 35);
  for (int k = 0; k < 9; k++) PP_T_CHECK(k == 0 || k == 6 || k == 8 || used[k] == 0);
  const cJSON *tree = cJSON_GetObjectItemCaseSensitive(j, "tree");
  PP_T_CHECK(num(tree, "pages") == npages);
  PP_T_CHECK(num(tree, "depth") >= 1 && num(tree, "depth") <= 2 * log2(npages + 1));
  PP_T_CHECK(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "free_pages")));
  const cJSON *large = cJSON_GetObjectItemCaseSensitive(j, "large");
  PP_T_CHECK(num(large, "blocks") == 2 && num(large, "bytes") == 30000);
  pp_stats_t s;
  PP_T_CHECK(pp_stats(&s) == PP_OK && s.pages == (uint64_t)npages);
  PP_T_CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "free_pages")) == (int)s.free_pages);
  cJSON_Delete(j);

  /* The tree dump lists every active page (one line each after the header). */
  FILE *f = tmpfile();
  PP_T_CHECK(f != NULL);
  pp_dump_tree(f);
  rewind(f);
  char line[256];
  int lines = 0;
  while (fgets(line, sizeof line, f)) lines++;
  fclose(f);
  PP_T_CHECK(lines == npages + 1);

  for (int i = 100; i < 300; i++) pp_free(a[i]);
  for (int i = 0; i < 40; i++) pp_free(b[i]);
  for (int i = 1; i < 70; i += 2) pp_free(c[i]);
  pp_free(l1);
  pp_free(l2);
  PP_T_HEAP_OK();
  j = dump();
  used[0] = 0;
  cJSON_ArrayForEach(pg, cJSON_GetObjectItemCaseSensitive(j, "pages")) {
    const cJSON *pl;
    cJSON_ArrayForEach(pl, cJSON_GetObjectItemCaseSensitive(pg, "pools")) used[0] += num(pl, "used");
  }
  PP_T_CHECK(used[0] == 0);
  cJSON_Delete(j);
  printf("dump ok: %d pages\n", npages);
  return 0;
}
