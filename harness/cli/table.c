/* harness/cli/table.c — the table model and its renderers (table.h). */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "am_error.h"
#include "fmt.h"
#include "table.h"

void am_table_init(am_table_t *t) { memset(t, 0, sizeof *t); }

static int grow(void **p, size_t size, size_t n) {
  void *q = realloc(*p, size * n);
  if (q == NULL) return -1;
  *p = q;
  return 0;
}

void am_table_col(am_table_t *t, const char *name, int right) {
  if (t->oom || t->n > 0) { t->oom |= t->n > 0; return; }
  char *s = strdup(name != NULL ? name : "");
  if (s == NULL || grow((void **)&t->head, sizeof *t->head, t->ncols + 1) != 0 ||
      grow((void **)&t->right, 1, t->ncols + 1) != 0) {
    free(s);
    t->oom = 1;
    return;
  }
  t->head[t->ncols] = s;
  t->right[t->ncols++] = (unsigned char)(right != 0);
}

void am_table_cols(am_table_t *t, const char *const *names) {
  for (; *names != NULL; names++) am_table_col(t, *names, 0);
}

static void add_owned(am_table_t *t, char *s) {
  if (s == NULL) t->oom = 1;
  if (t->oom) { free(s); return; }
  if (t->n == t->cap) {
    size_t cap = t->cap ? 2 * t->cap : 64;
    if (grow((void **)&t->cell, sizeof *t->cell, cap) != 0) { free(s); t->oom = 1; return; }
    t->cap = cap;
  }
  t->cell[t->n++] = s;
}

void am_table_add(am_table_t *t, const char *text) { add_owned(t, strdup(text != NULL ? text : "")); }

void am_table_addf(am_table_t *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0) s = NULL;
  va_end(ap);
  add_owned(t, s);
}

void am_table_num(am_table_t *t, double v) {
  char buf[64];
  am_table_add(t, isfinite(v) ? am_fmt_exact(buf, sizeof buf, v) : "");
}

/* Display width: UTF-8 code points (every character here is one column wide). */
static size_t width(const char *s) {
  size_t w = 0;
  for (; *s; s++) w += ((unsigned char)*s & 0xC0) != 0x80;
  return w;
}

static void put_cell(FILE *o, am_tfmt_t f, const char *s) {
  if (f == AM_TFMT_CSV && strpbrk(s, ",\"\n\r") != NULL) {
    fputc('"', o);
    for (; *s; s++) {
      if (*s == '"') fputc('"', o);
      fputc(*s, o);
    }
    fputc('"', o);
    return;
  }
  for (; *s; s++) {
    char c = *s;
    if (c == '\n' || c == '\r' || (c == '\t' && f != AM_TFMT_CSV)) c = ' ';
    if (c == '|' && f == AM_TFMT_MD) fputc('\\', o);
    fputc(c, o);
  }
}

/* One row (cells[0..ncols)) in format f; w: column widths (console text only). */
static void put_row(const am_table_t *t, am_tfmt_t f, char *const *cells, const size_t *w, FILE *o) {
  for (size_t j = 0; j < t->ncols; j++) {
    const char *s = cells[j];
    if (f == AM_TFMT_TEXT) {
      size_t pad = w[j] - width(s);
      int last = j + 1 == t->ncols;
      if (t->right[j]) fprintf(o, "%*s", (int)pad, "");
      fputs(s, o);
      if (!t->right[j] && !last) fprintf(o, "%*s", (int)pad, "");
      if (!last) fputs("  ", o);
      continue;
    }
    if (f == AM_TFMT_MD) fputs(j ? " | " : "| ", o);
    else if (j) fputc(f == AM_TFMT_TSV ? '\t' : ',', o);
    put_cell(o, f, s);
  }
  fputs(f == AM_TFMT_MD ? " |\n" : "\n", o);
}

int am_table_write(const am_table_t *t, am_tfmt_t f, FILE *o) {
  if (t->oom) return AM_ENOMEM;
  size_t rows = am_table_rows(t), *w = NULL;
  if (f == AM_TFMT_TEXT) {
    if ((w = calloc(t->ncols + 1, sizeof *w)) == NULL) return AM_ENOMEM;
    for (size_t j = 0; j < t->ncols; j++) {
      w[j] = width(t->head[j]);
      for (size_t i = 0; i < rows; i++) {
        size_t x = width(t->cell[i * t->ncols + j]);
        if (x > w[j]) w[j] = x;
      }
    }
  }
  put_row(t, f, t->head, w, o);
  if (f == AM_TFMT_MD) {
    for (size_t j = 0; j < t->ncols; j++) fputs(t->right[j] ? (j ? "---:|" : "|---:|") : (j ? "---|" : "|---|"), o);
    fputc('\n', o);
  }
  for (size_t i = 0; i < rows; i++) put_row(t, f, t->cell + i * t->ncols, w, o);
  free(w);
  return 0;
}

void am_table_free(am_table_t *t) {
  for (size_t j = 0; j < t->ncols; j++) free(t->head[j]);
  for (size_t i = 0; i < t->n; i++) free(t->cell[i]);
  free(t->head);
  free(t->right);
  free(t->cell);
  memset(t, 0, sizeof *t);
}
