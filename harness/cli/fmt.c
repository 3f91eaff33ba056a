/* harness/cli/fmt.c — the driver's figure formatters and ratio helper (fmt.h). */
#include <math.h>
#include <stdio.h>
#include "fmt.h"

char *am_fmt_num(char *buf, size_t cap, double v) {
  double a = fabs(v);
  if (!isfinite(v)) snprintf(buf, cap, "—");
  else if (a >= 1e9) snprintf(buf, cap, "%.3g", v);
  else if (a >= 100 || v == 0) snprintf(buf, cap, "%.0f", v);
  else if (a >= 10) snprintf(buf, cap, "%.1f", v);
  else if (a >= 1) snprintf(buf, cap, "%.2f", v);
  else snprintf(buf, cap, "%.3f", v);
  return buf;
}

char *am_fmt_bytes(char *buf, size_t cap, double v) {
  static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  if (!isfinite(v)) return am_fmt_num(buf, cap, v);
  int u = 0;
  while (fabs(v) >= 1024 && u < 4) { v /= 1024; u++; }
  char n[32];
  if (u == 0) snprintf(buf, cap, "%.0f B", v);
  else snprintf(buf, cap, "%s %s", am_fmt_num(n, sizeof n, v), unit[u]);
  return buf;
}

char *am_fmt_exact(char *buf, size_t cap, double v) {
  snprintf(buf, cap, "%.9g", v);
  return buf;
}

char *am_fmt_cell(char *buf, size_t cap, const char *s) {
  size_t o = 0;
  for (; s != NULL && *s != '\0' && o + 3 < cap; s++) {
    char c = *s;
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (c == '|') buf[o++] = '\\';
    buf[o++] = c;
  }
  buf[o] = '\0';
  return buf;
}

double am_ratio(double v, double base) {
  if (!isfinite(v) || !isfinite(base)) return NAN;
  if (base == 0) return v == 0 ? 1 : NAN; /* 0 against 0 (e.g. no major faults on either side) */
  return base > 0 ? v / base : NAN;
}

char *am_fmt_ratio(char *buf, size_t cap, double q, const char *suffix) {
  if (!isfinite(q)) snprintf(buf, cap, "%s", "");
  else snprintf(buf, cap, q < 0.1 ? "%.3f%s" : "%.2f%s", q, suffix);
  return buf;
}
