/* harness/runner/malloc_origin.c — which shared object the process's `malloc` comes
 * from: the proof, printed by `info` and in every sample, that a runner's heap is its
 * backend's. */
#include <dlfcn.h>
#include "runner.h"

const char *am_runner_malloc_origin(void) {
  Dl_info info;
  void *sym = dlsym(RTLD_DEFAULT, "malloc");
  if (sym == NULL || dladdr(sym, &info) == 0 || info.dli_fname == NULL) return "";
  return info.dli_fname;
}
