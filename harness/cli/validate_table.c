/* harness/cli/validate_table.c — the numbers of `allocmark validate`: for each program,
 * from (a) the program run, (b) its trace's replay and (c) the fitted pattern's run,
 * each backend's time relative to `system`, the measured and predicted differences to
 * `system` in seconds, memory, and Kendall's tau of the backends' order (a) against (b)
 * and (a) against (c). Medians of the repetitions throughout. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "json_io.h"
#include "results.h"
#include "validate.h"

double am_kendall_tau(const double *x, const double *y, size_t n) {
  double conc = 0, disc = 0, tx = 0, ty = 0;
  size_t pairs = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++) {
      if (!isfinite(x[i]) || !isfinite(x[j]) || !isfinite(y[i]) || !isfinite(y[j])) continue;
      pairs++;
      double dx = x[i] - x[j], dy = y[i] - y[j];
      if (dx == 0 && dy == 0) continue;
      if (dx == 0) { tx++; continue; }
      if (dy == 0) { ty++; continue; }
      if ((dx > 0) == (dy > 0)) conc++; else disc++;
    }
  double den = sqrt((conc + disc + tx) * (conc + disc + ty));
  return pairs < 1 || den == 0 ? NAN : (conc - disc) / den;
}

static double num(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItem(o, k);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}
static double med(const cJSON *bm, const char *metric) {
  return num(cJSON_GetObjectItem(cJSON_GetObjectItem(bm, "aggregates"), metric), "median");
}

/* The benchmark of backend b (first thread count) in a results document, or NULL. */
static const cJSON *bench(const cJSON *doc, const char *b) {
  const cJSON *bm;
  cJSON_ArrayForEach(bm, cJSON_GetObjectItem(doc, "benchmarks")) {
    const cJSON *n = cJSON_GetObjectItem(bm, "backend");
    if (cJSON_IsString(n) && strcmp(n->valuestring, b) == 0) return bm;
  }
  return NULL;
}
static int ok(const cJSON *bm) {
  const cJSON *st = cJSON_GetObjectItem(bm, "status");
  return bm != NULL && cJSON_IsString(st) && strcmp(st->valuestring, "ok") == 0;
}

/* total_ops of the first ok sample (the trace's op count for a replay). */
static double ops_of(const cJSON *bm) {
  const cJSON *s;
  cJSON_ArrayForEach(s, cJSON_GetObjectItem(bm, "samples")) {
    const cJSON *st = cJSON_GetObjectItem(s, "status");
    if (cJSON_IsString(st) && strcmp(st->valuestring, "ok") == 0) return num(s, "total_ops");
  }
  return NAN;
}

static cJSON *load(const char *path) {
  cJSON *d = NULL;
  am_diag_t dg;
  if (path[0] == '\0' || am_results_load(path, &d, &dg) != 0) return NULL;
  return d;
}

static cJSON *one_program(const am_val_prog_t *vp, const char *ref) {
  cJSON *a = load(vp->measured), *b = load(vp->replayed), *c = load(vp->fitted);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "program", vp->name);
  cJSON_AddStringToObject(o, "measured", vp->measured);
  cJSON_AddStringToObject(o, "replayed", vp->replayed);
  cJSON_AddStringToObject(o, "fitted", vp->fitted);
  cJSON_AddStringToObject(o, "trace", vp->trace);
  if (b == NULL) cJSON_AddStringToObject(o, "replay_missing", vp->why_b[0] ? vp->why_b : "no results file");
  if (c == NULL) cJSON_AddStringToObject(o, "fit_missing", vp->why_c[0] ? vp->why_c : "no results file");
  const cJSON *sa = bench(a, ref), *sb = bench(b, ref), *sc = bench(c, ref);
  double wa0 = ok(sa) ? med(sa, "wall_s") : NAN, nb0 = ok(sb) ? med(sb, "ns_per_op") : NAN,
         nc0 = ok(sc) ? med(sc, "ns_per_op") : NAN, ops = sb ? ops_of(sb) : NAN;
  cJSON *info = NULL;
  am_diag_t dg;
  if (vp->info[0] && am_json_read_file(vp->info, &info, &dg) == 0) {
    if (!isfinite(ops)) ops = num(info, "ops");
    am_json_add_num(o, "trace_peak_live_bytes", num(info, "peak_live_bytes"));
    am_json_add_num(o, "trace_threads", num(info, "threads"));
    cJSON_Delete(info);
  }
  am_json_add_num(o, "trace_ops", ops);
  double xa[32], xb[32], xc[32];
  size_t n = 0;
  cJSON *rows = cJSON_AddArrayToObject(o, "backends");
  const cJSON *bm;
  cJSON_ArrayForEach(bm, cJSON_GetObjectItem(a, "benchmarks")) {
    if (n == 32) break;
    const char *name = cJSON_GetObjectItem(bm, "backend")->valuestring;
    const cJSON *rb = bench(b, name), *rc = bench(c, name);
    double wa = ok(bm) ? med(bm, "wall_s") : NAN, nb = ok(rb) ? med(rb, "ns_per_op") : NAN,
           nc = ok(rc) ? med(rc, "ns_per_op") : NAN;
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "backend", name);
    const cJSON *col = cJSON_GetObjectItem(bm, "backend_colour");
    cJSON_AddStringToObject(r, "colour", cJSON_IsString(col) ? col->valuestring : "#17becf");
    cJSON_AddItemToObject(r, "status_a", cJSON_Duplicate(cJSON_GetObjectItem(bm, "status"), 1));
    if (rb) cJSON_AddItemToObject(r, "status_b", cJSON_Duplicate(cJSON_GetObjectItem(rb, "status"), 1));
    if (rc) cJSON_AddItemToObject(r, "status_c", cJSON_Duplicate(cJSON_GetObjectItem(rc, "status"), 1));
    am_json_add_num(r, "wall_s_a", wa);
    am_json_add_num(r, "ns_per_op_b", nb);
    am_json_add_num(r, "ns_per_op_c", nc);
    am_json_add_num(r, "rel_a", wa / wa0);
    am_json_add_num(r, "rel_b", nb / nb0);
    am_json_add_num(r, "rel_c", nc / nc0);
    am_json_add_num(r, "measured_diff_s", wa - wa0);
    am_json_add_num(r, "predicted_diff_s", (nb - nb0) * ops * 1e-9);
    am_json_add_num(r, "predicted_diff_c_s", (nc - nc0) * ops * 1e-9);
    am_json_add_num(r, "peak_rss_bytes_a", ok(bm) ? med(bm, "peak_rss_bytes") : NAN);
    am_json_add_num(r, "rss_growth_bytes_b", ok(rb) ? med(rb, "peak_rss_growth_bytes") : NAN);
    am_json_add_num(r, "rss_growth_bytes_c", ok(rc) ? med(rc, "peak_rss_growth_bytes") : NAN);
    cJSON_AddItemToArray(rows, r);
    xa[n] = wa; xb[n] = nb; xc[n] = nc;
    n++;
  }
  am_json_add_num(o, "tau_a_b", am_kendall_tau(xa, xb, n));
  am_json_add_num(o, "tau_a_c", am_kendall_tau(xa, xc, n));
  cJSON_Delete(a); cJSON_Delete(b); cJSON_Delete(c);
  return o;
}

cJSON *am_val_collect(const am_val_prog_t *progs, size_t n, const char *ref) {
  cJSON *doc = cJSON_CreateObject();
  cJSON_AddStringToObject(doc, "generator", "allocmark validate");
  cJSON_AddStringToObject(doc, "reference", ref);
  cJSON *arr = cJSON_AddArrayToObject(doc, "programs");
  for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(arr, one_program(&progs[i], ref));
  return doc;
}

static void cell_rel(FILE *f, double v) { if (isfinite(v)) fprintf(f, " %.2f× |", v); else fprintf(f, " – |"); }
static void cell_s(FILE *f, double v) { if (isfinite(v)) fprintf(f, " %+.3f |", v); else fprintf(f, " – |"); }
static void cell_mib(FILE *f, double v) { if (isfinite(v)) fprintf(f, " %.1f |", v / 1048576.0); else fprintf(f, " – |"); }
static void cell_tau(FILE *f, double v) { if (isfinite(v)) fprintf(f, " %+.2f |", v); else fprintf(f, " – |"); }

void am_val_markdown(const cJSON *doc, FILE *f) {
  const cJSON *p, *r;
  fprintf(f, "| program | trace ops | tau (a, b) | tau (a, c) | note |\n|---|---|---|---|---|\n");
  cJSON_ArrayForEach(p, cJSON_GetObjectItem(doc, "programs")) {
    double ops = num(p, "trace_ops");
    fprintf(f, "| %s |", cJSON_GetObjectItem(p, "program")->valuestring);
    if (isfinite(ops)) fprintf(f, " %.0f |", ops); else fprintf(f, " – |");
    cell_tau(f, num(p, "tau_a_b"));
    cell_tau(f, num(p, "tau_a_c"));
    const cJSON *mb = cJSON_GetObjectItem(p, "replay_missing"), *mc = cJSON_GetObjectItem(p, "fit_missing");
    if (cJSON_IsString(mb)) fprintf(f, " (b) %.160s", mb->valuestring);
    if (cJSON_IsString(mc) && !(cJSON_IsString(mb) && strcmp(mb->valuestring, mc->valuestring) == 0))
      fprintf(f, "%s(c) %.160s", cJSON_IsString(mb) ? "; " : " ", mc->valuestring);
    fprintf(f, " |\n");
  }
  const cJSON *rf = cJSON_GetObjectItem(doc, "reference");
  const char *ref = cJSON_IsString(rf) ? rf->valuestring : "the reference";
  fprintf(f, "\n| program | backend | (a) program ×%s | (b) replay ×%s | (c) fitted ×%s | measured Δ s | "
             "predicted Δ s (b) | peak RSS (a) MiB | replay RSS growth (b) MiB |\n"
             "|---|---|---|---|---|---|---|---|---|\n", ref, ref, ref);
  cJSON_ArrayForEach(p, cJSON_GetObjectItem(doc, "programs"))
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(p, "backends")) {
      fprintf(f, "| %s | %s |", cJSON_GetObjectItem(p, "program")->valuestring, cJSON_GetObjectItem(r, "backend")->valuestring);
      const cJSON *st = cJSON_GetObjectItem(r, "status_a");
      if (cJSON_IsString(st) && strcmp(st->valuestring, "ok") != 0) fprintf(f, " %s |", st->valuestring);
      else cell_rel(f, num(r, "rel_a"));
      cell_rel(f, num(r, "rel_b"));
      cell_rel(f, num(r, "rel_c"));
      cell_s(f, num(r, "measured_diff_s"));
      cell_s(f, num(r, "predicted_diff_s"));
      cell_mib(f, num(r, "peak_rss_bytes_a"));
      cell_mib(f, num(r, "rss_growth_bytes_b"));
      fputc('\n', f);
    }
}

static int render_tsv(FILE *f, const void *arg) {
  const cJSON *doc = arg;
  const cJSON *ref = cJSON_GetObjectItem(doc, "reference");
  fprintf(f, "program\tbackend\tmeasured_diff_s\tpredicted_diff_s\tpredicted_diff_c_s\trel_a\trel_b\trel_c\n");
  const cJSON *p, *r;
  cJSON_ArrayForEach(p, cJSON_GetObjectItem(doc, "programs"))
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(p, "backends")) {
      const char *b = cJSON_GetObjectItem(r, "backend")->valuestring;
      if (cJSON_IsString(ref) && strcmp(b, ref->valuestring) == 0) continue; /* 0 against 0 */
      fprintf(f, "%s\t%s", cJSON_GetObjectItem(p, "program")->valuestring, b);
      const char *keys[] = {"measured_diff_s", "predicted_diff_s", "predicted_diff_c_s", "rel_a", "rel_b", "rel_c"};
      for (size_t k = 0; k < 6; k++) {
        double v = num(r, keys[k]);
        if (isfinite(v)) fprintf(f, "\t%.6g", v); else fprintf(f, "\t");
      }
      fputc('\n', f);
    }
  return 0;
}

int am_val_tsv(const cJSON *doc, const char *path) {
  am_diag_t d;
  return am_write_atomic_rendered(path, render_tsv, doc, &d) == 0 ? 0 : -1;
}
