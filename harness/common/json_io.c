/* harness/common/json_io.c — the one file reader, strict JSON parse with line:column
 * errors, and the one atomic writer (see json_io.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cJSON.h>
#include "json_io.h"

/* "<path>: expected a file of at most 64 MiB" (whole MiB or KiB when max is one). */
static int too_large(am_diag_t *d, const char *path, size_t max) {
  if (max >= (1u << 20) && max % (1u << 20) == 0)
    return am_diag(d, AM_ERANGE, "%s: expected a file of at most %zu MiB", path, max >> 20);
  if (max >= 1024 && max % 1024 == 0) return am_diag(d, AM_ERANGE, "%s: expected a file of at most %zu KiB", path, max >> 10);
  return am_diag(d, AM_ERANGE, "%s: expected a file of at most %zu bytes", path, max);
}

static int is_ws(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; }

int am_file_read(const char *path, size_t max, char **text, size_t *len, am_diag_t *d) {
  *text = NULL;
  *len = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return am_diag(d, errno == ENOENT ? AM_ENOENT : AM_EIO, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    close(fd);
    return am_diag(d, AM_EIO, "%s: not a file", path);
  }
  /* A regular file's size is a hint only (it may grow, or be a pipe's 0): read to EOF. */
  size_t cap = S_ISREG(st.st_mode) && (uint64_t)st.st_size < max ? (size_t)st.st_size + 1 : 65536;
  if (cap > max + 1) cap = max + 1;
  char *buf = malloc(cap + 1);
  size_t got = 0;
  int rc = buf == NULL ? am_diag(d, AM_ENOMEM, "%s: out of memory", path) : 0;
  while (rc == 0) {
    if (got == cap) {
      if (cap > max) {
        rc = too_large(d, path, max);
        break;
      }
      size_t nc = cap * 2 > max + 1 ? max + 1 : cap * 2;
      char *nb = realloc(buf, nc + 1);
      if (nb == NULL) { rc = am_diag(d, AM_ENOMEM, "%s: out of memory", path); break; }
      buf = nb;
      cap = nc;
    }
    ssize_t r = read(fd, buf + got, cap - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) rc = am_diag(d, AM_EIO, "%s: read error: %s", path, strerror(errno));
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(fd);
  if (rc == 0 && got > max) rc = too_large(d, path, max);
  if (rc != 0) { free(buf); return rc; }
  buf[got] = '\0';
  *text = buf;
  *len = got;
  return 0;
}

/* The last non-whitespace byte before off, or 0. */
static char prev_char(const char *text, size_t off) {
  while (off > 0 && is_ws(text[off - 1])) off--;
  return off > 0 ? text[off - 1] : '\0';
}

/* The message for the culprit at off: exact (trailing bytes after the value) or where
 * cJSON stopped, which is sometimes one past the culprit: then the position is refined
 * with a few rules on the text around it. Either way, name what was found there. */
static int syntax_at(am_diag_t *d, const char *file, const char *text, size_t len, size_t off, int exact) {
  const char *what = NULL;
  char buf[64];
  if (exact) {
    /* the culprit is at off */
  } else if (off < len && text[off] == '\0') {
    what = "unexpected byte 0x00";
  } else if (off > 0 && off <= len && text[off - 1] == '"') {
    /* stopped just inside a string: unterminated, unless a closing quote follows */
    size_t i = off;
    while (i < len && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
    if (i >= len) { off--; what = "unterminated string"; }
  } else if (off > 0 && off <= len && !is_ws(text[off - 1]) && text[off - 1] != ',' && text[off - 1] != ':') {
    /* a key was expected after '{' or ',' but something else came: cJSON stops after it */
    size_t i = off - 1;
    while (i > 0 && is_ws(text[i - 1])) i--;
    if (i > 0 && (text[i - 1] == '{' || text[i - 1] == ',') && text[off - 1] != '{' && text[off - 1] != '[') off--;
  }
  if (what == NULL && off < len && text[off] == '\\') what = "invalid escape sequence";
  /* cJSON places "ran out of input" on the last byte; a last byte that could end a
   * value means the document is cut short */
  if (!exact && what == NULL && len > 0 && off == len - 1 && text[off] != '\0' &&
      strchr("0123456789\"]}el", text[off]) != NULL && prev_char(text, off) != ',') {
    off = len;
    what = "unexpected end of input";
  }
  unsigned line = 1, col = 1;
  for (size_t i = 0; i < off && i < len; i++) {
    if (text[i] == '\n') { line++; col = 1; }
    else col++;
  }
  if (what == NULL) {
    size_t k = off;
    while (k < len && is_ws(text[k])) k++;
    if (k >= len) {
      int blank = 1;
      for (size_t i = 0; i < len; i++) if (!is_ws(text[i])) blank = 0;
      what = blank ? "empty input" : "unexpected end of input";
      if (blank) line = col = 1;
    } else {
      unsigned char ch = (unsigned char)text[off];
      if (ch == '\'') snprintf(buf, sizeof buf, "unexpected character \"'\"");
      else if (ch >= 0x21 && ch < 0x7f) snprintf(buf, sizeof buf, "unexpected character '%c'", ch);
      else if (is_ws((char)ch)) snprintf(buf, sizeof buf, "unexpected whitespace");
      else snprintf(buf, sizeof buf, "unexpected byte 0x%02x", ch);
      what = buf;
    }
  }
  return am_diag(d, AM_ESYNTAX, "%s:%u:%u: malformed JSON (%s)", file, line, col, what);
}

int am_json_syntax_error(am_diag_t *d, const char *file, const char *text, size_t len, const char *at) {
  size_t off = at != NULL && at >= text && at <= text + len ? (size_t)(at - text) : len;
  return syntax_at(d, file, text, len, off, 0);
}

int am_json_parse(const char *file, const char *text, size_t len, cJSON **out, am_diag_t *d) {
  *out = NULL;
  const char *nul = memchr(text, '\0', len), *end = NULL;
  if (nul != NULL) return am_json_syntax_error(d, file, text, len, nul);
  cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
  if (root == NULL) return am_json_syntax_error(d, file, text, len, end);
  size_t off = (size_t)(end - text); /* only whitespace may follow the value */
  while (off < len && is_ws(text[off])) off++;
  if (off < len) {
    cJSON_Delete(root);
    return syntax_at(d, file, text, len, off, 1);
  }
  *out = root;
  return 0;
}

int am_json_read_file(const char *path, cJSON **out, am_diag_t *d) {
  *out = NULL;
  char *text;
  size_t len;
  int rc = am_file_read(path, AM_JSON_FILE_MAX, &text, &len, d);
  if (rc != 0) return rc;
  rc = am_json_parse(path, text, len, out, d);
  free(text);
  return rc;
}

int am_write_all(int fd, const void *buf, size_t len) {
  const char *s = buf;
  while (len > 0) {
    ssize_t w = write(fd, s, len);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -1;
    if (w == 0) { errno = ENOSPC; return -1; }
    s += w;
    len -= (size_t)w;
  }
  return 0;
}

int am_atomic_begin(am_atomic_t *a, const char *path, am_diag_t *d) {
  a->fd = -1;
  a->tmp[0] = '\0';
  if ((size_t)snprintf(a->path, sizeof a->path, "%s", path) >= sizeof a->path)
    return am_diag(d, AM_EINVAL, "%.200s...: path too long", path);
  snprintf(a->tmp, sizeof a->tmp, "%s.tmp.%ld", path, (long)getpid());
  a->fd = open(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (a->fd < 0) {
    int rc = am_diag(d, AM_EIO, "%s: cannot create %s: %s", path, a->tmp, strerror(errno));
    a->tmp[0] = '\0';
    return rc;
  }
  return 0;
}

void am_atomic_abort(am_atomic_t *a) {
  if (a->fd >= 0) close(a->fd);
  a->fd = -1;
  if (a->tmp[0] != '\0') unlink(a->tmp);
  a->tmp[0] = '\0';
}

int am_atomic_commit(am_atomic_t *a, am_diag_t *d) {
  int rc = 0;
  if (fsync(a->fd) != 0) rc = am_diag(d, AM_EIO, "%s: fsync: %s", a->path, strerror(errno));
  int fd = a->fd;
  a->fd = -1;
  if (close(fd) != 0 && rc == 0) rc = am_diag(d, AM_EIO, "%s: close: %s", a->path, strerror(errno));
  if (rc == 0 && rename(a->tmp, a->path) != 0)
    rc = am_diag(d, AM_EIO, "%s: rename from %s: %s", a->path, a->tmp, strerror(errno));
  if (rc != 0) { am_atomic_abort(a); return rc; }
  a->tmp[0] = '\0';
  return 0;
}

int am_write_atomic_rendered(const char *path, am_render_fn render, const void *arg, am_diag_t *d) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f == NULL) return am_diag(d, AM_ENOMEM, "%s: out of memory", path);
  int rc = render(f, arg);
  if (fclose(f) != 0 && rc == 0) rc = am_diag(d, AM_ENOMEM, "%s: out of memory", path);
  else if (rc != 0) rc = am_diag(d, rc, "%s: cannot render", path);
  else rc = am_write_atomic(path, buf, len, d);
  free(buf);
  return rc;
}

int am_write_atomic(const char *path, const void *buf, size_t len, am_diag_t *d) {
  am_atomic_t a;
  int rc = am_atomic_begin(&a, path, d);
  if (rc != 0) return rc;
  if (am_write_all(a.fd, buf, len) != 0) {
    rc = am_diag(d, AM_EIO, "%s: write failed: %s", path, strerror(errno));
    am_atomic_abort(&a);
    return rc;
  }
  return am_atomic_commit(&a, d);
}
