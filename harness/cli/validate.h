/* harness/cli/validate.h — `allocmark validate` (cmd_validate.c runs the study,
 * validate_table.c turns its results files into the tables, Kendall's tau and the
 * chart's data). */
#ifndef AM_VALIDATE_H
#define AM_VALIDATE_H

#include <stddef.h>

struct cJSON;

/* The files of one program's study; "" where that part did not produce one. */
typedef struct am_val_prog_s {
  char name[80];
  char measured[4096];   /* (a) allocmark run PROGRAM.json           */
  char replayed[4096];   /* (b) allocmark run TRACE                  */
  char fitted[4096];     /* (c) allocmark run FITTED-PATTERN.json    */
  char trace[4096];      /* the trace replayed and fitted            */
  char info[4096];       /* `allocmark trace-info --json` of it      */
  char why_b[600], why_c[600]; /* why (b) / (c) has no result         */
} am_val_prog_t;

/* Kendall's tau-b of x and y (n pairs; NaN entries dropped pairwise). NaN when fewer
 * than two pairs or no pair is untied. */
double am_kendall_tau(const double *x, const double *y, size_t n);

/* The study's document ({"reference": REF, "programs": [...]}) from the results files;
 * ref: the reference backend, the one every difference is against. */
struct cJSON *am_val_collect(const am_val_prog_t *progs, size_t n, const char *ref);
/* Markdown tables of the document (to f). */
void am_val_markdown(const struct cJSON *doc, FILE *f);
/* One row per program and backend: the chart's data. 0, or -1. */
int am_val_tsv(const struct cJSON *doc, const char *path);

#endif /* AM_VALIDATE_H */
