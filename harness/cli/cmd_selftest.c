/* harness/cli/cmd_selftest.c — `allocmark selftest` (placeholder until its issue lands). */
#include <stdio.h>
#include "cli.h"

int am_cmd_selftest(int argc, char **argv) {
  (void)argc; (void)argv;
  fprintf(stderr, "allocmark selftest: not built yet\n");
  return 2;
}
