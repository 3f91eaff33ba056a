/* harness/common/am_error.h — the harness's error codes, listed once (libuv style).
 * Functions return 0 or a negative AM_E* code; am_strerror() names it. Errors that
 * come from user input also fill an am_diag_t with a one-line message naming the
 * file and the field, which the CLI prints before exiting with status 2. */
#ifndef AM_ERROR_H
#define AM_ERROR_H

#include <stddef.h>

#define AM_ERRNO_MAP(X)                                                   \
  X(AM_EINVAL,   -1, "invalid input")                                     \
  X(AM_ENOMEM,   -2, "out of memory")                                     \
  X(AM_EIO,      -3, "input/output error")                                \
  X(AM_ERANGE,   -4, "value out of the documented range")                 \
  X(AM_ENOENT,   -5, "no such file")                                      \
  X(AM_ESYNTAX,  -6, "malformed JSON")                                    \
  X(AM_ENOTSUP,  -7, "not supported by this backend or kernel")           \
  X(AM_ECHILD,   -8, "runner process failed")

enum {
#define AM_ERR_ENUM(name, val, msg) name = val,
  AM_ERRNO_MAP(AM_ERR_ENUM)
#undef AM_ERR_ENUM
  AM_OK = 0
};

const char *am_strerror(int err);
const char *am_err_name(int err);

/* A one-line diagnostic: "<file>: <json path or line:col>: <what was expected>". */
typedef struct am_diag_s {
  char msg[512];
} am_diag_t;
/* printf-style into d->msg; returns code (so: return am_diag(d, AM_EINVAL, ...)). */
int am_diag(am_diag_t *d, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* AM_ERROR_H */
