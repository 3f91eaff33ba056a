/* harness/cli/cmd_run.c — `allocmark run` (placeholder until its issue lands). */
#include <stdio.h>
#include "cli.h"

int am_cmd_run(int argc, char **argv) {
  (void)argc; (void)argv;
  fprintf(stderr, "allocmark run: not built yet\n");
  return 2;
}
