/* harness/cli/cmd_run_valgrind.c — `allocmark run --measure instructions|cache`: each
 * repetition's runner runs under Valgrind's callgrind with instrumentation off until
 * the runner's timed region starts (harness/runner/vgmark.h), so the count is the
 * workload's alone; the driver reads callgrind's totals and adds to the sample
 *   instructions_per_op      Ir / total_ops (instructions executed, all threads)
 *   sim_d1_misses_per_op     (D1mr + D1mw) / total_ops   with --measure cache
 *   sim_ll_misses_per_op     (DLmr + DLmw) / total_ops   with --measure cache
 *   valgrind                 {tool, events: {Ir, ...}} the raw totals
 * Instruction counts do not depend on the machine's load, so two runs agree closely
 * (for one thread: to a few instructions); they do not see stalls, cache misses or
 * contention, which the simulated cache only models (callgrind's default caches). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cJSON.h>
#include "cmd_run.h"
#include "results.h"

int am_vg_find(char *buf, size_t cap) {
  const char *path = getenv("PATH");
  if (path == NULL || *path == '\0') path = "/usr/local/bin:/usr/bin:/bin";
  for (const char *p = path; *p;) {
    const char *c = strchr(p, ':');
    size_t l = c != NULL ? (size_t)(c - p) : strlen(p);
    if (l > 0 && (size_t)snprintf(buf, cap, "%.*s/valgrind", (int)l, p) < cap && access(buf, X_OK) == 0) return 0;
    p += l + (c != NULL);
  }
  buf[0] = '\0';
  return -1;
}

int am_vg_wrap(char **argv, int n, const char *vg, const char *out, int cache, char *buf, size_t cap) {
  char *pre[AM_VG_ARGS];
  int k = 0;
  snprintf(buf, cap, "--callgrind-out-file=%s", out);
  pre[k++] = (char *)vg;
  pre[k++] = "--tool=callgrind";
  pre[k++] = "--instr-atstart=no";
  pre[k++] = buf;
  pre[k++] = "-q";
  if (cache) pre[k++] = "--cache-sim=yes";
  memmove(argv + k, argv, (size_t)(n + 1) * sizeof *argv); /* with the NULL */
  memcpy(argv, pre, (size_t)k * sizeof *argv);
  return n + k;
}

/* Callgrind's "events:" names and "totals:" (or "summary:") values. */
typedef struct vg_totals_s {
  char names[16][16];
  double v[16];
  int n;
} vg_totals_t;

static int read_totals(const char *path, vg_totals_t *t) {
  FILE *f = fopen(path, "r");
  if (f == NULL) return -1;
  char line[4096];
  int have_names = 0, have_vals = 0;
  memset(t, 0, sizeof *t);
  while (fgets(line, sizeof line, f) != NULL) {
    char *save = NULL, *tok;
    if (strncmp(line, "events:", 7) == 0) {
      t->n = 0;
      for (tok = strtok_r(line + 7, " \t\n", &save); tok != NULL && t->n < 16; tok = strtok_r(NULL, " \t\n", &save))
        snprintf(t->names[t->n++], sizeof t->names[0], "%s", tok);
      have_names = 1;
    } else if (strncmp(line, "totals:", 7) == 0 || strncmp(line, "summary:", 8) == 0) {
      int i = 0;
      for (tok = strtok_r(strchr(line, ':') + 1, " \t\n", &save); tok != NULL && i < 16; tok = strtok_r(NULL, " \t\n", &save))
        t->v[i++] = strtod(tok, NULL);
      have_vals = 1;
    }
  }
  fclose(f);
  return have_names && have_vals ? 0 : -1;
}

static double total_of(const vg_totals_t *t, const char *name) {
  for (int i = 0; i < t->n; i++) if (strcmp(t->names[i], name) == 0) return t->v[i];
  return 0;
}

void am_vg_annotate(cJSON *s, const char *out, int cache) {
  const cJSON *st = cJSON_GetObjectItem(s, "status"), *ops = cJSON_GetObjectItem(s, "total_ops");
  int ok = cJSON_IsString(st) && strcmp(st->valuestring, "ok") == 0;
  vg_totals_t t;
  int rc = read_totals(out, &t);
  unlink(out);
  if (!ok) return;
  if (rc != 0 || !cJSON_IsNumber(ops) || ops->valuedouble <= 0) {
    char msg[600];
    snprintf(msg, sizeof msg, "callgrind: no totals in %.500s", out);
    cJSON_ReplaceItemInObject(s, "status", cJSON_CreateString("error"));
    cJSON_ReplaceItemInObject(s, "error", cJSON_CreateString(msg));
    return;
  }
  double n = ops->valuedouble;
  cJSON *vg = cJSON_AddObjectToObject(s, "valgrind");
  cJSON_AddStringToObject(vg, "tool", cache ? "callgrind --cache-sim=yes" : "callgrind");
  cJSON *ev = cJSON_AddObjectToObject(vg, "events");
  for (int i = 0; i < t.n; i++) am_json_add_num(ev, t.names[i], t.v[i]);
  am_json_add_num(s, "instructions_per_op", total_of(&t, "Ir") / n);
  if (cache) {
    am_json_add_num(s, "sim_d1_misses_per_op", (total_of(&t, "D1mr") + total_of(&t, "D1mw")) / n);
    am_json_add_num(s, "sim_ll_misses_per_op", (total_of(&t, "DLmr") + total_of(&t, "DLmw")) / n);
  }
}
