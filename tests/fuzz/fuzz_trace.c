/* tests/fuzz/fuzz_trace.c — fuzz target: the .amtrace reader (harness/trace/
 * trace_read.c) and the Android record_allocs importer (harness/trace/import.c).
 *
 * The input is written to a file and opened as a trace; one that opens is then checked
 * whole (every chunk decoded and validated, am_trace_check), as `allocmark run` and
 * `trace-info --check` do. Inputs whose first byte is not 'A' (no .amtrace magic) are
 * also imported as Android record_allocs text (its .amtrace, when written, is removed).
 * Any crash, hang or sanitizer report is a bug;
 * a rejected input is fine.
 */
// fuzz-seeds: tests/trace/corrupt/*.amtrace tests/trace/android/*.txt
#include <stdio.h>
#include <unistd.h>
#include "fuzz.h"
#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = am_fuzz_file(0, data, size);
  if (p == NULL) return 0;
  am_diag_t d;
  am_trace_t *t = NULL;
  if (am_trace_open(p, &t, &d) == 0) {
    (void)am_trace_check(t, &d);
    am_trace_close(t);
  } else if (size > 0 && data[0] != 'A') {
    char out[4200];
    snprintf(out, sizeof out, "%s.amtrace", p);
    if (am_trace_import("android", p, out, NULL, &d) == 0) unlink(out);
  }
  return 0;
}
