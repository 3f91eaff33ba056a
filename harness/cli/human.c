/* harness/cli/human.c — byte counts for the console ("2.6 MiB"), shared by the driver's
 * commands. (allocmark report formats its tables with report_fmt.c instead.) */
#include <math.h>
#include <stdio.h>
#include "cli.h"

char *am_human_bytes(double b, char *buf, size_t cap) {
  static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  if (!isfinite(b)) { snprintf(buf, cap, "-"); return buf; }
  int u = 0;
  while (b >= 1024 && u < 4) { b /= 1024; u++; }
  snprintf(buf, cap, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
  return buf;
}
