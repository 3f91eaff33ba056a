/* harness/cli/report_tables_dir.c — `allocmark report --tables DIR`: every table the
 * charts draw (plots/plot_all.sh), from the one report loaded, written into DIR.
 *
 * The per-group tables are those `--table NAME --pattern P [--threads N]` would write,
 * made from a view of the loaded report (am_report_view) instead of a new read of the
 * run folder. Every file is rendered in memory first; only then is DIR created and each
 * file written (am_write_atomic: temp file, fsync, rename), so bad input leaves nothing
 * behind. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "json_io.h"
#include "report.h"

typedef struct out_s {
  char name[400];
  char *buf;
  size_t len;
} out_t;

typedef struct outs_s {
  out_t *o;
  size_t n, cap;
  const char *ext;
} outs_t;

/* The pattern as a file-name part: bytes outside [A-Za-z0-9._-] become '_'. */
static void fname(char *buf, size_t cap, const char *s) {
  size_t o = 0;
  for (; *s != '\0' && o + 1 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    buf[o++] = keep ? (char)c : '_';
  }
  buf[o] = '\0';
}

/* Render table `table` of r as file `stem`.EXT. */
static int render(outs_t *w, const am_report_t *r, const char *table, const char *stem, am_rformat_t f, am_diag_t *d) {
  if (w->n == w->cap) {
    size_t cap = w->cap ? 2 * w->cap : 32;
    out_t *no = realloc(w->o, cap * sizeof *no);
    if (no == NULL) return am_diag(d, AM_ENOMEM, "out of memory");
    w->o = no;
    w->cap = cap;
  }
  out_t *o = &w->o[w->n];
  memset(o, 0, sizeof *o);
  snprintf(o->name, sizeof o->name, "%s.%s", stem, w->ext);
  FILE *m = open_memstream(&o->buf, &o->len);
  if (m == NULL) return am_diag(d, AM_ENOMEM, "out of memory");
  int rc = am_report_table(r, table, f, m);
  if (fclose(m) != 0 && rc == 0) rc = AM_ENOMEM;
  w->n++;
  return rc != 0 ? am_diag(d, rc, "%s: cannot render the table", o->name) : 0;
}

/* A view of r (pattern, threads: 0 any), rendered as table `table` named stem. */
static int render_view(outs_t *w, const am_report_t *r, const char *pattern, unsigned threads, const char *table,
                       const char *stem, am_rformat_t f, am_diag_t *d) {
  am_report_t v;
  int rc = am_report_view(r, pattern, threads, &v, d);
  if (rc == 0) rc = render(w, &v, table, stem, f, d);
  am_report_free(&v);
  return rc;
}

static int render_all(outs_t *w, const am_report_t *r, am_rformat_t f, am_diag_t *d) {
  int rc = 0;
  for (size_t i = 0; am_rtable_names[i] != NULL && rc == 0; i++)
    rc = render(w, r, am_rtable_names[i], am_rtable_names[i], f, d);
  for (size_t g = 0; g < r->n_groups && rc == 0; g++) {
    const am_rgroup_t *grp = &r->groups[g];
    char p[256], stem[320];
    int lat = 0, tl = 0;
    for (size_t i = grp->first; i < grp->first + grp->count; i++) {
      lat |= r->b[i].n_lat > 0;
      tl |= r->b[i].n_tl > 0;
    }
    fname(p, sizeof p, grp->pattern);
    snprintf(stem, sizeof stem, "failures-%s-%ut", p, grp->threads);
    rc = render_view(w, r, grp->pattern, grp->threads, "failures", stem, f, d);
    if (rc == 0 && grp->sweep && (g == 0 || strcmp(grp[-1].pattern, grp->pattern) != 0)) {
      snprintf(stem, sizeof stem, "scaling-%s", p);
      rc = render_view(w, r, grp->pattern, 0, "scaling", stem, f, d);
      snprintf(stem, sizeof stem, "backends-%s", p);
      if (rc == 0) rc = render_view(w, r, grp->pattern, 0, "backends", stem, f, d);
    }
    snprintf(stem, sizeof stem, "latency-%s-%ut", p, grp->threads);
    if (rc == 0 && lat) rc = render_view(w, r, grp->pattern, grp->threads, "latency", stem, f, d);
    snprintf(stem, sizeof stem, "timeline-%s-%ut", p, grp->threads);
    if (rc == 0 && tl) rc = render_view(w, r, grp->pattern, grp->threads, "timeline", stem, f, d);
  }
  return rc;
}

/* dir and its parents (mkdir -p). */
static int make_dirs(const char *dir, am_diag_t *d) {
  char path[4096];
  snprintf(path, sizeof path, "%s", dir);
  for (char *s = path + 1; ; s++) {
    int end = *s == '\0';
    if (*s == '/' || end) {
      *s = '\0';
      if (mkdir(path, 0777) != 0 && errno != EEXIST) return am_diag(d, AM_EIO, "%s: cannot create: %s", path, strerror(errno));
      if (end) break;
      *s = '/';
    }
  }
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) return am_diag(d, AM_EIO, "%s: not a folder", dir);
  return 0;
}

static int write_file(const char *dir, const out_t *o, am_diag_t *d) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, o->name);
  return am_write_atomic(path, o->buf, o->len, d); /* json_io.h: temp file, fsync, rename */
}

int am_report_tables_dir(const am_report_t *r, const char *dir, am_rformat_t f, size_t *n_out, am_diag_t *d) {
  outs_t w = {.ext = f == AM_RFMT_CSV ? "csv" : f == AM_RFMT_MD ? "md" : "tsv"};
  *n_out = 0;
  int rc = render_all(&w, r, f, d);
  if (rc == 0) rc = make_dirs(dir, d);
  for (size_t i = 0; i < w.n && rc == 0; i++)
    if ((rc = write_file(dir, &w.o[i], d)) == 0) ++*n_out;
  for (size_t i = 0; i < w.n; i++) free(w.o[i].buf);
  free(w.o);
  return rc;
}
