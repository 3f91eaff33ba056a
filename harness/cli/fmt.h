/* harness/cli/fmt.h — the driver's one set of figure formatters (fmt.c): numbers to 3-4
 * significant digits, byte counts ("12.3 MiB"), exact numbers for tables, Markdown-safe
 * text, and the ratio to a baseline (backend ÷ system, B ÷ A) with its one text form.
 * Used by the console tables of `run`, `check`, `record`, `trace info`, by `report` and by
 * `compare`. Every formatter writes into buf and returns it; a non-finite value is "—". */
#ifndef AM_FMT_H
#define AM_FMT_H

#include <stddef.h>

char *am_fmt_num(char *buf, size_t cap, double v);      /* 3-4 significant digits   */
char *am_fmt_bytes(char *buf, size_t cap, double v);    /* "12.3 MiB", "512 B"      */
char *am_fmt_exact(char *buf, size_t cap, double v);    /* %.9g, for tables         */
/* Markdown-safe copy of text for a table cell: '|' escaped, newlines to spaces. */
char *am_fmt_cell(char *buf, size_t cap, const char *s);

/* v relative to a baseline: v / base; 1 for 0 against 0; NaN when either is not finite,
 * base is negative, or only base is 0. */
double am_ratio(double v, double base);
/* A ratio as text: two decimals (three below 0.1) and the suffix ("×" or "x"); "" for NaN. */
char *am_fmt_ratio(char *buf, size_t cap, double q, const char *suffix);

#endif /* AM_FMT_H */
