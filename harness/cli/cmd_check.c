/* harness/cli/cmd_check.c — `allocmark check` (placeholder until its issue lands). */
#include <stdio.h>
#include "cli.h"

int am_cmd_check(int argc, char **argv) {
  (void)argc; (void)argv;
  fprintf(stderr, "allocmark check: not built yet\n");
  return 2;
}
