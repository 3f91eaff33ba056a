/* tests/report/test_table.c — the table model's renderers (harness/cli/table.h) and the
 * metrics table (harness/common/metric_table.h), without the driver. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fmt.h"
#include "metric_table.h"
#include "table.h"

static int fails;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #c); fails++; } } while (0)

static char *render(const am_table_t *t, am_tfmt_t f) {
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  CHECK(am_table_write(t, f, m) == 0);
  fclose(m);
  return buf;
}

static void expect(const am_table_t *t, am_tfmt_t f, const char *want) {
  char *got = render(t, f);
  if (strcmp(got, want) != 0) {
    fprintf(stderr, "FAIL: format %d:\n--- want\n%s--- got\n%s---\n", (int)f, want, got);
    fails++;
  }
  free(got);
}

static void renderers(void) {
  am_table_t t;
  am_table_init(&t);
  am_table_col(&t, "name", 0);
  am_table_col(&t, "ns", 1);
  am_table_add(&t, "a|b, \"c\"");
  am_table_num(&t, 12.5);
  am_table_add(&t, "✗ x");           /* 3 columns wide on the console, 5 bytes */
  am_table_num(&t, NAN);              /* empty */
  am_table_add(&t, "tab\there");      /* an incomplete row: not written */
  CHECK(am_table_rows(&t) == 2);
  expect(&t, AM_TFMT_MD, "| name | ns |\n|---|---:|\n| a\\|b, \"c\" | 12.5 |\n| ✗ x |  |\n");
  expect(&t, AM_TFMT_TSV, "name\tns\na|b, \"c\"\t12.5\n✗ x\t\n");
  expect(&t, AM_TFMT_CSV, "name,ns\n\"a|b, \"\"c\"\"\",12.5\n✗ x,\n");
  expect(&t, AM_TFMT_TEXT, "name        ns\na|b, \"c\"  12.5\n✗ x           \n");
  am_table_free(&t);
  /* A column after the first cell is refused: nothing is written. */
  am_table_init(&t);
  am_table_col(&t, "a", 0);
  am_table_add(&t, "1");
  am_table_col(&t, "b", 0);
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  CHECK(am_table_write(&t, AM_TFMT_TSV, m) != 0);
  fclose(m);
  CHECK(len == 0);
  free(buf);
  am_table_free(&t);
}

static void formatters(void) {
  char b[64];
  CHECK(strcmp(am_fmt_bytes(b, sizeof b, 512), "512 B") == 0);
  CHECK(strcmp(am_fmt_bytes(b, sizeof b, 1536), "1.50 KiB") == 0);
  CHECK(strcmp(am_fmt_bytes(b, sizeof b, 3.5 * 1048576), "3.50 MiB") == 0);
  CHECK(strcmp(am_fmt_bytes(b, sizeof b, NAN), "—") == 0);
  CHECK(strcmp(am_fmt_num(b, sizeof b, 146.2), "146") == 0);
  CHECK(am_ratio(3, 2) == 1.5);
  CHECK(am_ratio(0, 0) == 1);
  CHECK(isnan(am_ratio(1, 0)) && isnan(am_ratio(1, -2)) && isnan(am_ratio(NAN, 1)));
  CHECK(strcmp(am_fmt_ratio(b, sizeof b, 0.5, "×"), "0.50×") == 0);
  CHECK(strcmp(am_fmt_ratio(b, sizeof b, 0.0512, "x"), "0.051x") == 0);
  CHECK(strcmp(am_fmt_ratio(b, sizeof b, NAN, "x"), "") == 0);
}

static void metrics(void) {
  CHECK(am_metrics[AM_M_N].name == NULL);
  CHECK(strcmp(am_metrics[AM_M_NS_PER_OP].name, "ns_per_op") == 0);
  CHECK(am_metric_find("ops_per_s") == &am_metrics[AM_M_OPS_PER_S]);
  CHECK(am_metrics[AM_M_OPS_PER_S].better == AM_HIGHER);
  CHECK(am_metric_find("nosuch") == NULL);
  for (int i = 0; i < AM_M_N; i++) {
    const am_metric_t *m = &am_metrics[i];
    CHECK(m->name != NULL && m->unit != NULL && m->label != NULL && m->help != NULL && m->help[0] != '\0');
    CHECK(am_metric_find(m->name) == m); /* names are unique */
    /* Required ones are aggregated always; sub-object ones are never written at the top level. */
    CHECK(!(m->flags & AM_MF_REQ) || (m->flags & AM_MF_AGG));
    CHECK(m->parent == NULL || !(m->flags & AM_MF_SAMPLE));
    CHECK(!((m->flags & AM_MF_AGG) && (m->flags & AM_MF_AGG_IF)));
  }
}

int main(void) {
  renderers();
  formatters();
  metrics();
  if (fails == 0) printf("test_table: ok\n");
  return fails != 0;
}
