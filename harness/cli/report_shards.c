/* harness/cli/report_shards.c — which machine ran what, for a run merged from shards
 * (`allocmark merge`: context.merge in every merged file, results/README.md). The rows
 * come from here once; report_md.c and report_html.c only lay them out. */
#include <stdio.h>
#include <string.h>
#include <cJSON.h>
#include "report.h"

static const char *text(const cJSON *o, const char *k, char *buf, size_t cap) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  if (cJSON_IsString(v)) snprintf(buf, cap, "%s", v->valuestring);
  else if (cJSON_IsNumber(v)) snprintf(buf, cap, "%.0f", v->valuedouble);
  else snprintf(buf, cap, "?");
  return buf;
}

/* The merge block of the first merged file, or NULL (not a merged run). */
static const cJSON *merge_block(const am_report_t *r) {
  for (size_t i = 0; i < r->n_files; i++) {
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r->files[i].root, "context"),
                                                      "merge");
    if (cJSON_IsObject(m)) return m;
  }
  return NULL;
}

size_t am_report_shards(const am_report_t *r, am_rshard_t *rows, size_t cap) {
  const cJSON *m = merge_block(r), *s;
  size_t n = 0;
  if (m == NULL) return 0;
  cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(m, "shards")) {
    if (n == cap) break;
    am_rshard_t *row = &rows[n++];
    char k[32], of[32];
    snprintf(row->shard, sizeof row->shard, "%s/%s", text(s, "shard", k, sizeof k), text(s, "of", of, sizeof of));
    text(s, "dir", row->dir, sizeof row->dir);
    text(s, "host", row->host, sizeof row->host);
    text(s, "date_utc", row->date, sizeof row->date);
    text(s, "cells", row->cells, sizeof row->cells);
    const cJSON *mi = cJSON_GetObjectItemCaseSensitive(s, "machine");
    const cJSON *mk = cJSON_IsNumber(mi) ? cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(m, "machines"), mi->valueint)
                                         : NULL;
    char cpu[128], cores[32], kern[96];
    if (mk != NULL)
      snprintf(row->machine, sizeof row->machine, "%s, %s cores, Linux %s", text(mk, "cpu_model", cpu, sizeof cpu),
               text(mk, "cores_online", cores, sizeof cores), text(mk, "kernel", kern, sizeof kern));
    else
      snprintf(row->machine, sizeof row->machine, "?");
  }
  return n;
}

void am_report_shards_md(const am_report_t *r, FILE *o) {
  am_rshard_t rows[64];
  size_t n = am_report_shards(r, rows, sizeof rows / sizeof *rows);
  if (n == 0) return;
  fputs("### Shards: which machine ran what\n\n"
        "This run was merged from shards (`allocmark merge`); every aggregate was recomputed\n"
        "from the samples, and every sample names its `cell` and `host`.\n\n"
        "| shard | host | machine | started (UTC) | cells | folder |\n|---|---|---|---|--:|---|\n", o);
  for (size_t i = 0; i < n; i++) {
    char c[4][1024];
    fprintf(o, "| %s | %s | %s | %s | %s | %s |\n", rows[i].shard, am_fmt_cell(c[0], sizeof c[0], rows[i].host),
            am_fmt_cell(c[1], sizeof c[1], rows[i].machine), rows[i].date, rows[i].cells,
            am_fmt_cell(c[3], sizeof c[3], rows[i].dir));
  }
  fputc('\n', o);
}
