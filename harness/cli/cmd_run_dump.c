/* harness/cli/cmd_run_dump.c — `allocmark run --dump-at PHASE|end`: a map of each
 * backend's heap for the charts (plots/<backend>_heatmap.gp), taken in one extra replay
 * that is not part of any results. Only backends whose runner reports a dump hook
 * (`info` "dump": true, am_backend_t.dump) are asked; the others are skipped silently.
 * A mid-run map is written inside the timed region, so that replay's figures are
 * never kept. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <cJSON.h>
#include "cli.h"
#include "cmd_run.h"

static int has_dump(const char *runner) {
  return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(am_registry_info(runner), "dump"));
}

size_t am_run_dumps(const char *pattern_path, const char *sha256, const char *pattern_name, const char *phase_name, int phase,
                    unsigned threads, uint64_t seed, const char *dump_dir, const am_run_opts_t *o) {
  size_t failed = 0;
  for (size_t b = 0; b < o->n_backends; b++) {
    const am_backend_spec_t *be = &o->backends[b];
    if (!has_dump(be->runner)) continue;
    char dir[4096], file[4352], ph[16];
    snprintf(dir, sizeof dir, "%s/%s", dump_dir, be->name);
    if ((mkdir(dump_dir, 0755) != 0 && errno != EEXIST) || (mkdir(dir, 0755) != 0 && errno != EEXIST)) {
      fprintf(stderr, "allocmark run: --dump-dir: cannot create %s: %s\n", dir, strerror(errno));
      failed++;
      continue;
    }
    if (phase >= 0) snprintf(file, sizeof file, "%s/%s.at-%s.json", dir, pattern_name, phase_name);
    else snprintf(file, sizeof file, "%s/%s.json", dir, pattern_name);
    snprintf(ph, sizeof ph, "%d", phase);
    char *extra[] = {"--dump", file, phase >= 0 ? "--dump-phase" : NULL, ph, NULL};
    am_run_opts_t q = *o;
    q.rss_interval_ms = 0;
    q.no_hw = 1;
    q.latency = 0;
    fprintf(stderr, "allocmark run: %s: %s heap map %s%s -> %s\n", pattern_name, be->name,
            phase >= 0 ? "as phase starts: " : "at the end", phase >= 0 ? phase_name : "", file);
    cJSON *s = am_run_one_with(be, pattern_path, sha256, threads, seed, 0, &q, extra);
    const cJSON *st = cJSON_GetObjectItem(s, "status"), *d = cJSON_GetObjectItem(s, "dump");
    if (!cJSON_IsString(st) || strcmp(st->valuestring, "ok") != 0 || !cJSON_IsString(d)) {
      const cJSON *e = cJSON_GetObjectItem(s, "dump_error");
      if (!cJSON_IsString(e)) e = cJSON_GetObjectItem(s, "error");
      fprintf(stderr, "allocmark run: %s: %s heap map failed: %s\n", pattern_name, be->name,
              cJSON_IsString(e) ? e->valuestring : "no dump written");
      remove(file);
      failed++;
    }
    cJSON_Delete(s);
  }
  return failed;
}
