/* harness/cli/table.h — the one table model of the driver, and its one renderer per
 * format. A table is filled once (columns, then cells row by row, as text) and written
 * as console text (columns padded to their widest cell), Markdown (a pipe table, '|'
 * escaped), TSV or CSV (RFC 4180 quoting). `allocmark run`'s console table, the
 * Markdown report's tables, `allocmark report --table/--tables` and `allocmark compare`
 * build one of these and hand it to am_table_write, so a format is rendered in one place.
 *
 * Memory: the model owns copies of every string; a failed allocation sets `oom` and
 * later calls do nothing (am_table_write then writes nothing and returns AM_ENOMEM). */
#ifndef AM_TABLE_H
#define AM_TABLE_H

#include <stddef.h>
#include <stdio.h>

typedef enum am_tfmt_e { AM_TFMT_TEXT, AM_TFMT_MD, AM_TFMT_TSV, AM_TFMT_CSV } am_tfmt_t;

typedef struct am_table_s {
  size_t ncols;
  char **head;            /* column names                                        */
  unsigned char *right;   /* 1: right-aligned (console padding, Markdown ---:)   */
  char **cell;            /* row-major; row i, column j: cell[i * ncols + j]      */
  size_t n, cap;          /* cells so far                                        */
  int oom;
} am_table_t;

void am_table_init(am_table_t *t);
/* Add a column (before any cell). right: align right. */
void am_table_col(am_table_t *t, const char *name, int right);
/* Columns from a NULL-terminated list, all left-aligned (machine-readable tables). */
void am_table_cols(am_table_t *t, const char *const *names);
/* The next cell, left to right, row after row (NULL: empty). */
void am_table_add(am_table_t *t, const char *text);
void am_table_addf(am_table_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A number printed exactly (%.9g); empty when not finite. */
void am_table_num(am_table_t *t, double v);
/* Complete rows so far. */
static inline size_t am_table_rows(const am_table_t *t) { return t->ncols ? t->n / t->ncols : 0; }
/* Write it: header, then every complete row. 0, or AM_ENOMEM. */
int am_table_write(const am_table_t *t, am_tfmt_t f, FILE *o);
void am_table_free(am_table_t *t);

#endif /* AM_TABLE_H */
