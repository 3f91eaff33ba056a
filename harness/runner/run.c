/* harness/runner/run.c — the `run` sub-command: one measured repetition (placeholder
 * until the replay engine lands; see issue 4). */
#include <stdio.h>
#include "runner.h"

int am_runner_run(const am_backend_t *b, int argc, char **argv) {
  (void)argc; (void)argv;
  fprintf(stderr, "am-runner-%s: run: the replay engine is not built yet\n", b->name);
  return AM_RUNNER_ERROR;
}
