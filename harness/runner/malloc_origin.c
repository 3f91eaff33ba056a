/* harness/runner/malloc_origin.c — which shared object the process's `malloc` comes
 * from: the proof, printed by `info` and in every sample, that a runner's heap is its
 * backend's; and every shared object loaded, for the isolation test's cross-check
 * that no other backend's allocator library is in the process. */
#include <dlfcn.h>
#include <link.h>
#include <cJSON.h>
#include "runner.h"

const char *am_runner_malloc_origin(void) {
  Dl_info info;
  void *sym = dlsym(RTLD_DEFAULT, "malloc");
  if (sym == NULL || dladdr(sym, &info) == 0 || info.dli_fname == NULL) return "";
  return info.dli_fname;
}

static int add_object(struct dl_phdr_info *info, size_t size, void *arr) {
  (void)size;
  if (info->dlpi_name != NULL && info->dlpi_name[0] != '\0')
    cJSON_AddItemToArray(arr, cJSON_CreateString(info->dlpi_name));
  return 0;
}

void am_runner_loaded_objects(cJSON *arr) { dl_iterate_phdr(add_object, arr); }
