/* harness/cli/report_env.c — the environment warnings of a report: the distinct
 * context.environment.warnings[] of its results files (written by `allocmark run`,
 * harness/cli/cmd_run_env.c), each with the files that carry it. Shared by the
 * Markdown and HTML reports. */
#include <string.h>
#include <cJSON.h>
#include "report.h"

size_t am_report_env_warnings(const am_report_t *r, const char **out, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < r->n_files; i++) {
    const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(r->files[i].root, "context");
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(ctx, "environment");
    const cJSON *w, *arr = cJSON_GetObjectItemCaseSensitive(env, "warnings");
    cJSON_ArrayForEach(w, arr) {
      if (!cJSON_IsString(w)) continue;
      size_t k = 0;
      while (k < n && strcmp(out[k], w->valuestring) != 0) k++;
      if (k == n && n < cap) out[n++] = w->valuestring;
    }
  }
  return n;
}

void am_report_env_warnings_md(const am_report_t *r, FILE *o) {
  const char *w[64];
  size_t n = am_report_env_warnings(r, w, 64);
  if (n == 0) return;
  fputs("**Environment warnings** (conditions that can move the figures; `context.environment`):\n\n", o);
  for (size_t i = 0; i < n; i++) {
    char cell[600];
    fprintf(o, "- ⚠ %s\n", am_fmt_cell(cell, sizeof cell, w[i]));
  }
  fputc('\n', o);
}
