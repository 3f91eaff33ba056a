/* harness/cli/cli_error.c — the driver's one bad-input printer (cli.h): every
 * sub-command's one-line error "allocmark CMD: <message>" on stderr, exit status 2. */
#include <stdarg.h>
#include <stdio.h>
#include "cli.h"

int am_cli_verror(const char *cmd, const char *fmt, va_list ap) {
  fprintf(stderr, "allocmark %s: ", cmd);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  return 2;
}

int am_cli_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = am_cli_verror(cmd, fmt, ap);
  va_end(ap);
  return rc;
}
