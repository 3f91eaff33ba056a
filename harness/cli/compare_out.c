/* harness/cli/compare_out.c — the writers of `allocmark compare`: a console table and a
 * Markdown table (for reports), both from one table model (table.h), and JSON
 * ({"comparisons": [...]}; the format is in results/README.md, "allocmark compare --json"). */
#include <math.h>
#include <string.h>
#include <cJSON.h>
#include "compare.h"
#include "results.h"
#include "table.h"

static const char *verdict_mark(const char *v) {
  return strcmp(v, "faster") == 0 ? "faster" : strcmp(v, "slower") == 0 ? "SLOWER" : "same";
}

static void header_line(const am_cmp_list_t *l, FILE *o, const char *lead) {
  if (l->within)
    fprintf(o, "%s%s relative to %s (baseline); ", lead, l->label_b, l->label_a);
  else
    fprintf(o, "%sB = %s relative to A = %s (baseline); ", lead, l->label_b, l->label_a);
  fprintf(o, "alpha %g, minimum effect %g %%, Mann-Whitney U, %g %% CI of the ratio\n",
          l->opts.alpha, 100 * l->opts.min_effect, 100 * l->opts.level);
}

static void summary_line(const am_cmp_list_t *l, FILE *o, const char *lead) {
  fprintf(o, "%s%zu comparisons: %zu faster, %zu slower, %zu same (%.1f %% same)", lead, l->n, l->n_faster,
          l->n_slower, l->n_same, l->n ? 100.0 * (double)l->n_same / (double)l->n : 0.0);
  if (l->n_skip) fprintf(o, "; %zu not compared", l->n_skip);
  fputc('\n', o);
  int low = 0;
  for (size_t i = 0; i < l->n; i++) low |= l->c[i].ci_cov < l->opts.level - 1e-9;
  if (low) fprintf(o, "%s* fewer samples than the CI level needs: the interval is wider, its coverage lower "
                   "(ci_coverage in --json); 5 per side reach 95 %%\n", lead);
}

/* "[lo, hi]", with a trailing '*' when too few samples reach the level asked. */
static char *ci_text(char *buf, size_t cap, const am_cmp_t *c, double level) {
  char lo[32], hi[32];
  if (!isfinite(c->ci_lo)) snprintf(buf, cap, "-");
  else snprintf(buf, cap, "[%s, %s]%s", am_fmt_num(lo, sizeof lo, c->ci_lo), am_fmt_num(hi, sizeof hi, c->ci_hi),
                c->ci_cov < level - 1e-9 ? "*" : "");
  return buf;
}

/* The comparisons as one table (table.h); md: Markdown cells (verdicts in bold). */
static void fill_table(const am_cmp_list_t *l, am_table_t *t, int md) {
  static const struct { const char *text, *md; int right; } cols[] = {
    {"workload", "workload", 0}, {"thr", "threads", 1}, {"backend", "backend", 0}, {"metric", "metric", 0},
    {"A", "baseline median", 1}, {"B", "median", 1}, {"ratio", "ratio", 1}, {"CI", "CI", 0},
    {"p", "p", 1}, {"verdict", "verdict", 0}};
  am_table_init(t);
  for (size_t c = 0; c < sizeof cols / sizeof *cols; c++) {
    const char *name = md ? cols[c].md : cols[c].text;
    if (!md && l->within && c == 4) name = "base";
    if (!md && l->within && c == 5) name = "this";
    am_table_col(t, name, cols[c].right);
  }
  for (size_t i = 0; i < l->n; i++) {
    const am_cmp_t *c = &l->c[i];
    char a[32], b[32], r[32], ci[64];
    const char *v = c->verdict;
    am_table_add(t, c->workload);
    am_table_num(t, c->threads);
    am_table_add(t, c->backend);
    am_table_add(t, c->metric->name);
    am_table_add(t, am_fmt_num(a, sizeof a, c->med_a));
    am_table_add(t, am_fmt_num(b, sizeof b, c->med_b));
    am_table_add(t, am_fmt_num(r, sizeof r, c->ratio));
    am_table_add(t, ci_text(ci, sizeof ci, c, l->opts.level));
    am_table_addf(t, "%.3g", c->p);
    if (md) am_table_addf(t, "%s%s%s", strcmp(v, "same") ? "**" : "", v, strcmp(v, "same") ? "**" : "");
    else am_table_add(t, verdict_mark(v));
  }
}

static void write_text(const am_cmp_list_t *l, FILE *o) {
  am_table_t t;
  header_line(l, o, "");
  fill_table(l, &t, 0);
  am_table_write(&t, AM_TFMT_TEXT, o);
  am_table_free(&t);
  for (size_t i = 0; i < l->n_skip; i++)
    fprintf(o, "%s %u %s not compared: %s\n", l->s[i].workload, l->s[i].threads, l->s[i].backend,
            l->s[i].reason);
  summary_line(l, o, "");
}

static void write_md(const am_cmp_list_t *l, FILE *o) {
  am_table_t t;
  header_line(l, o, "");
  fputc('\n', o);
  fill_table(l, &t, 1);
  am_table_write(&t, AM_TFMT_MD, o);
  am_table_free(&t);
  if (l->n_skip) {
    fputs("\nNot compared:\n\n", o);
    for (size_t i = 0; i < l->n_skip; i++)
      fprintf(o, "- %s, %u threads, %s: %s\n", l->s[i].workload, l->s[i].threads, l->s[i].backend, l->s[i].reason);
  }
  fputc('\n', o);
  summary_line(l, o, "");
}

static void write_json(const am_cmp_list_t *l, FILE *o) {
  cJSON *root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "generator", "allocmark compare");
  cJSON_AddStringToObject(root, "mode", l->within ? "backends" : "runs");
  cJSON_AddStringToObject(root, "baseline", l->label_a);
  cJSON_AddStringToObject(root, "contender", l->label_b);
  cJSON_AddStringToObject(root, "test", "mann-whitney-u two-sided");
  am_json_add_num(root, "alpha", l->opts.alpha);
  am_json_add_num(root, "min_effect", l->opts.min_effect);
  am_json_add_num(root, "ci_level", l->opts.level);
  cJSON *arr = cJSON_AddArrayToObject(root, "comparisons");
  for (size_t i = 0; i < l->n; i++) {
    const am_cmp_t *c = &l->c[i];
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "workload", c->workload);
    cJSON_AddStringToObject(e, "backend", c->backend);
    cJSON_AddStringToObject(e, "baseline_backend", c->base_backend);
    cJSON_AddNumberToObject(e, "threads", c->threads);
    cJSON_AddStringToObject(e, "metric", c->metric->name);
    cJSON_AddBoolToObject(e, "higher_is_better", c->metric->better == AM_HIGHER);
    cJSON_AddNumberToObject(e, "n_baseline", (double)c->na);
    cJSON_AddNumberToObject(e, "n", (double)c->nb);
    am_json_add_num(e, "baseline_median", c->med_a);
    am_json_add_num(e, "median", c->med_b);
    am_json_add_num(e, "ratio", c->ratio);
    am_json_add_num(e, "ci_low", c->ci_lo);
    am_json_add_num(e, "ci_high", c->ci_hi);
    am_json_add_num(e, "ci_coverage", c->ci_cov);
    am_json_add_num(e, "p_value", c->p);
    cJSON_AddStringToObject(e, "verdict", c->verdict);
    cJSON_AddItemToArray(arr, e);
  }
  cJSON *sk = cJSON_AddArrayToObject(root, "not_compared");
  for (size_t i = 0; i < l->n_skip; i++) {
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "workload", l->s[i].workload);
    cJSON_AddStringToObject(e, "backend", l->s[i].backend);
    cJSON_AddNumberToObject(e, "threads", l->s[i].threads);
    cJSON_AddStringToObject(e, "reason", l->s[i].reason);
    cJSON_AddItemToArray(sk, e);
  }
  cJSON *su = cJSON_AddObjectToObject(root, "summary");
  cJSON_AddNumberToObject(su, "comparisons", (double)l->n);
  cJSON_AddNumberToObject(su, "faster", (double)l->n_faster);
  cJSON_AddNumberToObject(su, "slower", (double)l->n_slower);
  cJSON_AddNumberToObject(su, "same", (double)l->n_same);
  cJSON_AddNumberToObject(su, "not_compared", (double)l->n_skip);
  am_json_add_num(su, "same_fraction", l->n ? (double)l->n_same / (double)l->n : NAN);
  char *s = cJSON_Print(root);
  if (s != NULL) fprintf(o, "%s\n", s);
  cJSON_free(s);
  cJSON_Delete(root);
}

void am_cmp_write(const am_cmp_list_t *l, am_cmp_format_t f, FILE *out) {
  if (f == AM_CMP_JSON) write_json(l, out);
  else if (f == AM_CMP_MD) write_md(l, out);
  else write_text(l, out);
}
