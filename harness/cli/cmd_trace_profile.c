/* harness/cli/cmd_trace_profile.c — empirical profiles for trace-fit: rows of (size,
 * allocation rate, live count), the form of fleetbench's empirical driver and of its
 * distributions/ CSV files (one "size, alloc_rate, num_live" row a line, no
 * header), and the pattern field that replays one (patterns/README.md, "Empirical
 * profiles").
 *
 * From a trace: its size_profile statistics (harness/trace/trace_stats.c), in the event
 * clock: alloc_rate = allocations of that size per million recorded events, num_live =
 * the time-averaged number of such blocks live (the sum of their lifetimes in events
 * over the events; blocks never freed count to the end), so num_live = rate × mean
 * lifetime (Little's law). Reading: blank lines and lines starting with '#' are
 * skipped; a bad line is "<file>: line N: <what>" (exit 2). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cJSON.h>
#include "json_io.h"
#include "cli.h"
#include "results.h"
#include "trace_profile.h"

#define PROFILE_MAX_ROWS 16384   /* patterns/README.md: rows of an empirical profile */

/* The trace's profile rows as [[size, rate per 1e6 events, live], ...] (NULL: none). */
cJSON *am_profile_from_info(const cJSON *info) {
  const cJSON *sp = cJSON_GetObjectItem(info, "size_profile");
  const cJSON *rows = cJSON_GetObjectItem(sp, "rows");
  double events = cJSON_GetNumberValue(cJSON_GetObjectItem(sp, "events"));
  if (!cJSON_IsArray(rows) || cJSON_GetArraySize(rows) == 0 || !(events > 0)) return NULL;
  cJSON *out = cJSON_CreateArray();
  const cJSON *r;
  cJSON_ArrayForEach(r, rows) {
    if (cJSON_GetArraySize(out) >= PROFILE_MAX_ROWS) break;
    double size = cJSON_GetNumberValue(cJSON_GetArrayItem(r, 0)), n = cJSON_GetNumberValue(cJSON_GetArrayItem(r, 1));
    double live = cJSON_GetNumberValue(cJSON_GetArrayItem(r, 2));
    if (size > 1073741824.0) continue; /* over a pattern's block limit */
    cJSON *x = cJSON_CreateArray();
    cJSON_AddItemToArray(x, cJSON_CreateNumber(size));
    cJSON_AddItemToArray(x, cJSON_CreateNumber(n / events * 1e6));
    cJSON_AddItemToArray(x, cJSON_CreateNumber(live));
    cJSON_AddItemToArray(out, x);
  }
  return out;
}

double am_profile_live_bytes(const cJSON *rows) {
  double b = 0;
  const cJSON *r;
  cJSON_ArrayForEach(r, rows)
    b += cJSON_GetNumberValue(cJSON_GetArrayItem(r, 0)) * cJSON_GetNumberValue(cJSON_GetArrayItem(r, 2));
  return b;
}

static int render_csv(FILE *f, const void *arg) {
  const cJSON *r;
  cJSON_ArrayForEach(r, (const cJSON *)arg)
    fprintf(f, "%.0f, %.17g, %.17g\n", cJSON_GetNumberValue(cJSON_GetArrayItem(r, 0)),
            cJSON_GetNumberValue(cJSON_GetArrayItem(r, 1)), cJSON_GetNumberValue(cJSON_GetArrayItem(r, 2)));
  return 0;
}

int am_profile_write_csv(const char *path, const cJSON *rows, am_diag_t *d) {
  return am_write_atomic_rendered(path, render_csv, rows, d);
}

/* One field of a CSV line: a number >= 0 (integer if want_int) and what follows. */
static int field(char **p, int want_int, int last, double *out) {
  while (**p == ' ' || **p == '\t') (*p)++;
  char *end;
  errno = 0;
  double v = strtod(*p, &end);
  if (end == *p || errno != 0 || !isfinite(v) || v < 0 || (want_int && v != floor(v))) return -1;
  *p = end;
  while (**p == ' ' || **p == '\t' || **p == '\r') (*p)++;
  if (last ? (**p != '\0' && **p != '\n') : **p != ',') return -1;
  if (!last) (*p)++;
  *out = v;
  return 0;
}

int am_profile_read_csv(const char *path, cJSON **out, am_diag_t *d) {
  *out = NULL;
  FILE *f = fopen(path, "r");
  if (f == NULL) return am_diag(d, AM_EIO, "%s: cannot read (%s)", path, strerror(errno));
  cJSON *rows = cJSON_CreateArray();
  char line[512];
  unsigned long n = 0;
  int rc = 0;
  while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
    n++;
    char *p = line;
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '\n' || *p == '\r' || *p == '\0' || *p == '#') continue;
    double v[3];
    if (strchr(line, '\n') == NULL && !feof(f))
      rc = am_diag(d, AM_EINVAL, "%s: line %lu: longer than %zu bytes", path, n, sizeof line - 2);
    else if (field(&p, 1, 0, &v[0]) != 0 || v[0] > 1073741824.0)
      rc = am_diag(d, AM_EINVAL, "%s: line %lu: expected a size in bytes (an integer 0 to 1073741824), then ','", path, n);
    else if (field(&p, 0, 0, &v[1]) != 0)
      rc = am_diag(d, AM_EINVAL, "%s: line %lu: expected an allocation rate (a number >= 0), then ','", path, n);
    else if (field(&p, 0, 1, &v[2]) != 0)
      rc = am_diag(d, AM_EINVAL, "%s: line %lu: expected a live count (a number >= 0) ending the line", path, n);
    else if (cJSON_GetArraySize(rows) >= PROFILE_MAX_ROWS)
      rc = am_diag(d, AM_EINVAL, "%s: line %lu: more than %d rows", path, n, PROFILE_MAX_ROWS);
    else cJSON_AddItemToArray(rows, cJSON_CreateDoubleArray(v, 3));
  }
  fclose(f);
  double births = 0;
  const cJSON *r;
  cJSON_ArrayForEach(r, rows) births += cJSON_GetNumberValue(cJSON_GetArrayItem(r, 1));
  if (rc == 0 && cJSON_GetArraySize(rows) == 0) rc = am_diag(d, AM_EINVAL, "%s: no rows (size, alloc_rate, num_live)", path);
  else if (rc == 0 && !(births > 0)) rc = am_diag(d, AM_EINVAL, "%s: no row with an allocation rate > 0", path);
  else if (rc == 0 && !(am_profile_live_bytes(rows) > 0)) rc = am_diag(d, AM_EINVAL, "%s: no row with size and live count > 0", path);
  if (rc != 0) { cJSON_Delete(rows); return rc; }
  *out = rows;
  return 0;
}

cJSON *am_profile_field(const cJSON *rows, uint64_t live_bytes) {
  cJSON *e = cJSON_CreateObject();
  am_json_add_u64(e, "live_bytes", live_bytes < 1 ? 1 : live_bytes);
  cJSON_AddItemToObject(e, "rows", cJSON_Duplicate(rows, 1));
  return e;
}
