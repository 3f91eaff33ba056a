/* tests/fuzz/fuzz_progfile.c — fuzz target: program files (programs/README.md).
 *
 * Parses the input as a program file; a rejected one must fill the diagnostic and leave
 * nothing. An accepted one goes through everything the driver and am-progrun do with
 * it before running anything: {n} at both scales, the placeholders of every argv, env
 * value and stdin expanded (into a buffer too small as well as a large one), the
 * figure regex and the output digest applied to a fixed text.
 */
// fuzz-seeds: programs/*.json tests/programs/good/*.json tests/programs/bad/*.json
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "progfile.h"

static void expand_all(const am_argv_t *a, const am_prog_vars_t *v) {
  char big[8192], small[8];
  for (size_t i = 0; i < a->n; i++) {
    if (a->v[i] == NULL) abort();
    if (am_progfile_expand(a->v[i], v, big, sizeof big) == 0 && strlen(big) >= sizeof big) abort();
    (void)am_progfile_expand(a->v[i], v, small, sizeof small);
  }
  if (a->v[a->n] != NULL) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  am_progfile_t *p = NULL;
  am_diag_t d;
  d.msg[0] = '\0';
  if (am_progfile_parse("fuzz.json", (const char *)data, size, &p, &d) != 0) {
    if (p != NULL || d.msg[0] == '\0') abort();
    return 0;
  }
  if (p->name == NULL || p->command.n == 0 || am_progfile_n(p, 1) < 1 || am_progfile_n(p, 0) < 1) abort();
  am_prog_vars_t v = {am_progfile_n(p, 1), "/dir", "/work", 6379};
  expand_all(&p->command, &v);
  expand_all(&p->setup, &v);
  expand_all(&p->server, &v);
  char buf[8192];
  for (size_t i = 0; i < p->n_env; i++)
    if (am_progfile_expand(p->env_v[i], &v, buf, sizeof buf) == 0 && strlen(buf) >= sizeof buf) abort();
  if (p->stdin_file != NULL) (void)am_progfile_expand(p->stdin_file, &v, buf, sizeof buf);
  static const char text[] = "SET: 123.5 requests per second\nGET: 99 requests per second\nx 1e3 y\n\n";
  double f = am_progfile_figure(p, text);
  if (p->fig_regex == NULL && !isnan(f)) abort();
  char hex[65];
  am_progfile_output_sha256(p, text, sizeof text - 1, hex);
  if (strlen(hex) != 64) abort();
  am_progfile_free(p);
  return 0;
}
