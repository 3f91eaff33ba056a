/* tests/fuzz/fuzz_compare.c — fuzz target: `allocmark compare` (harness/cli/compare.h)
 * on the results files it reads.
 *
 * The input is results file A, then optionally a NUL byte and results file B. Both are
 * loaded as `compare` loads them (am_report_load); with B, B is compared with A
 * (am_compare_runs), without it the first two backends of A are compared with each
 * other (am_compare_backends). Every comparison is written by one writer chosen by the
 * input's size (text, Markdown, JSON) into /dev/null.
 */
// fuzz-seeds: tests/compare/fixtures/*.json tests/fuzz/seeds/compare/* tests/report/fixtures/*.json
#include <stdlib.h>
#include <string.h>
#include "compare.h"
#include "fuzz.h"

static int load(am_report_t *r, int slot, const uint8_t *data, size_t size) {
  const char *p = am_fuzz_file(slot, data, size);
  if (p == NULL) { memset(r, 0, sizeof *r); return -1; }
  char *path = strdup(p);
  am_diag_t d;
  d.msg[0] = '\0';
  int rc = path != NULL ? am_report_load(r, &path, 1, NULL, &d) : -1;
  if (rc != 0 && path != NULL && d.msg[0] == '\0') abort(); /* a rejected file must say why */
  free(path);
  return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *sep = memchr(data, '\0', size);
  size_t na = sep != NULL ? (size_t)(sep - data) : size;
  am_report_t a, b;
  memset(&b, 0, sizeof b);
  int rc = load(&a, 0, data, na);
  if (rc == 0 && sep != NULL) rc = load(&b, 1, sep + 1, size - na - 1);
  if (rc == 0) {
    am_cmp_opts_t o;
    am_cmp_opts_default(&o);
    am_cmp_list_t l;
    am_diag_t d;
    memset(&l, 0, sizeof l);
    d.msg[0] = '\0';
    int crc = sep != NULL ? am_compare_runs(&a, &b, "a.json", "b.json", &o, &l, &d)
              : a.n_backends >= 2 ? am_compare_backends(&a, a.backends[0], a.backends[1], &o, &l, &d)
                                  : 1;
    if (crc == 0) {
      am_cmp_write(&l, (am_cmp_format_t)(size % 3), am_fuzz_null());
      for (size_t i = 0; i < l.n; i++)
        if (am_cmp_find(&l, l.c[i].workload, l.c[i].threads, l.c[i].backend, l.c[i].metric->name) == NULL) abort();
    } else if (crc < 0 && d.msg[0] == '\0') {
      abort();
    }
    am_cmp_list_free(&l);
  }
  am_report_free(&a);
  am_report_free(&b);
  return 0;
}
