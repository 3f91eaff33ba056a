/* harness/cli/cmd_report.c — `allocmark report` (placeholder until its issue lands). */
#include <stdio.h>
#include "cli.h"

int am_cmd_report(int argc, char **argv) {
  (void)argc; (void)argv;
  fprintf(stderr, "allocmark report: not built yet\n");
  return 2;
}
