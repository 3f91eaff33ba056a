/* harness/common/json_io.h — the one reader and the one writer of the harness's files.
 *
 * Reading: am_file_read takes a whole file (NUL-terminated, at most `max` bytes) and
 * am_json_parse parses it strictly (one value, only whitespace after it, no NUL byte);
 * what cJSON cannot parse becomes one line "<file>:<line>:<col>: malformed JSON
 * (<what>)" (lines and columns from 1, a column counts bytes). Every JSON loader goes
 * through these two: patterns, program files, variants, plans, results, reports.
 *
 * Writing: every file a command leaves behind (results, plans, merged runs, reports,
 * tables, traces) is written to "<path>.tmp.<pid>" in the same folder, fsync'd, then
 * renamed over path, so a reader sees the old file or the whole new one, never a part;
 * on any failure the temp file is removed. am_write_atomic does it for a buffer;
 * am_atomic_begin / am_atomic_commit for a writer that streams (the trace writer). */
#ifndef AM_JSON_IO_H
#define AM_JSON_IO_H

#include <stddef.h>
#include "am_error.h"

struct cJSON;

/* The largest file am_json_read_file accepts (a results file of a long run is a few
 * MiB; the cap only keeps a wrong argument from filling the memory). */
#define AM_JSON_FILE_MAX ((size_t)1 << 30)

/* Read all of path into *text (malloc'd, NUL-terminated; *len bytes before the NUL).
 * 0, or AM_ENOENT / AM_EIO / AM_ERANGE (larger than max) / AM_ENOMEM with d filled:
 * "<path>: cannot open: <why>", "<path>: expected a file of at most <max>". */
int am_file_read(const char *path, size_t max, char **text, size_t *len, am_diag_t *d);

/* Parse text[0..len) as one JSON document named `file` in messages. 0 with *out, or
 * AM_ESYNTAX with d filled (see above). */
int am_json_parse(const char *file, const char *text, size_t len, struct cJSON **out, am_diag_t *d);

/* The message for a document cJSON stopped in at `at` (refined to the culprit); returns
 * AM_ESYNTAX. For parsers that call cJSON themselves. */
int am_json_syntax_error(am_diag_t *d, const char *file, const char *text, size_t len, const char *at);

/* am_file_read (at most AM_JSON_FILE_MAX) + am_json_parse. */
int am_json_read_file(const char *path, struct cJSON **out, am_diag_t *d);

/* Write buf[0..len) to path atomically (see above). 0, or AM_EIO / AM_ENOMEM with d
 * filled: "<path>: <what failed>: <why>". */
int am_write_atomic(const char *path, const void *buf, size_t len, am_diag_t *d);

/* What render wrote into a FILE (its return: 0, else a failure), written atomically to
 * path as am_write_atomic does. 0, or AM_ENOMEM / AM_EIO / render's code, with d filled. */
#include <stdio.h>
typedef int (*am_render_fn)(FILE *f, const void *arg);
int am_write_atomic_rendered(const char *path, am_render_fn render, const void *arg, am_diag_t *d);

/* A streaming atomic write: begin creates the temp file (a->fd, write to it), commit
 * fsyncs, closes and renames it over the path, abort closes and removes it. */
typedef struct am_atomic_s {
  int fd;
  char path[4096];
  char tmp[4128];
} am_atomic_t;
int am_atomic_begin(am_atomic_t *a, const char *path, am_diag_t *d);
int am_atomic_commit(am_atomic_t *a, am_diag_t *d); /* on failure: aborted */
void am_atomic_abort(am_atomic_t *a);
/* write(2) all of buf to fd, retrying short writes and EINTR: 0 or -1 (errno). */
int am_write_all(int fd, const void *buf, size_t len);

#endif /* AM_JSON_IO_H */
