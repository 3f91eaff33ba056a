/* harness/cli/paths.c — where things are: runners, patterns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

const char *am_exe_dir(void) {
  static char dir[4096];
  if (dir[0] != '\0') return dir;
  ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 2);
  if (n <= 0) { strcpy(dir, "./"); return dir; }
  dir[n] = '\0';
  char *slash = strrchr(dir, '/');
  if (slash != NULL) slash[1] = '\0';
  return dir;
}

int am_runner_path(const char *name, char *buf, size_t cap) {
  size_t n = (size_t)snprintf(buf, cap, "%srunners/am-runner-%s", am_exe_dir(), name);
  if (n >= cap) return -1;
  return access(buf, X_OK) == 0 ? 0 : -1;
}

const char *am_patterns_dir(void) {
  const char *e = getenv("ALLOCMARK_PATTERNS");
  return (e != NULL && *e != '\0') ? e : AM_SOURCE_DIR "/patterns";
}
