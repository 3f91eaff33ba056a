/* tests/fuzz/fuzz_results.c — fuzz target: results files as `allocmark report` reads
 * them (results/README.md; harness/cli/report_load.c).
 *
 * The input is one results file, or two separated by a NUL byte (so cross-file rules,
 * such as duplicate benchmarks, are reached). A file the loader accepts is then written
 * into /dev/null by one writer, chosen by the input's size: the Markdown report or one
 * table in one format, so that whatever the loader lets through, every writer handles
 * (one writer per input keeps the target fast). The reference results (~100-200 KB
 * each) are left out of the seeds for speed: the fixtures have the same fields.
 */
// fuzz-seeds: tests/report/fixtures/*.json tests/report/bad/*.json
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *sep = memchr(data, '\0', size);
  size_t n1 = sep != NULL ? (size_t)(sep - data) : size;
  char *paths[2];
  size_t n = 0;
  const char *p = am_fuzz_file(0, data, n1);
  if (p == NULL) return 0;
  paths[n++] = strdup(p);
  if (sep != NULL) {
    p = am_fuzz_file(1, sep + 1, size - n1 - 1);
    if (p == NULL) { free(paths[0]); return 0; }
    paths[n++] = strdup(p);
  }
  am_report_t r;
  am_diag_t d;
  d.msg[0] = '\0';
  if (am_report_load(&r, paths, n, NULL, &d) == 0) {
    FILE *out = am_fuzz_null();
    size_t nt = 0;
    while (am_rtable_names[nt] != NULL) nt++;
    size_t pick = size % (nt * 3 + 1);
    if (pick == nt * 3) am_report_markdown(&r, out);
    else if (am_report_table(&r, am_rtable_names[pick / 3], (am_rformat_t)(AM_RFMT_MD + (int)(pick % 3)), out) != 0)
      abort();
    for (size_t g = 0; g < r.n_groups; g++)
      for (size_t b = 0; b < r.n_backends; b++) (void)am_report_find(&r, g, r.backends[b]);
  } else if (d.msg[0] == '\0') {
    abort(); /* a rejected file must say why */
  }
  am_report_free(&r);
  for (size_t i = 0; i < n; i++) free(paths[i]);
  return 0;
}
