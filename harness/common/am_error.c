/* harness/common/am_error.c — names and messages of the AM_E* codes; diagnostics. */
#include <stdarg.h>
#include <stdio.h>
#include "am_error.h"

const char *am_strerror(int err) {
  switch (err) {
#define AM_ERR_MSG(name, val, msg) case val: return msg;
    AM_ERRNO_MAP(AM_ERR_MSG)
#undef AM_ERR_MSG
    case AM_OK: return "success";
    default: return "unknown error";
  }
}

const char *am_err_name(int err) {
  switch (err) {
#define AM_ERR_NAME(name, val, msg) case val: return #name;
    AM_ERRNO_MAP(AM_ERR_NAME)
#undef AM_ERR_NAME
    case AM_OK: return "AM_OK";
    default: return "AM_EUNKNOWN";
  }
}

int am_diag(am_diag_t *d, int code, const char *fmt, ...) {
  if (d != NULL) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}
