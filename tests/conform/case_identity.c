/* tests/conform/case_identity.c — the isolation proof inside the conformance process:
 * the process's `malloc` is the allocator this executable claims to hold.
 *   1. dladdr of the resolved `malloc` names the shared object the backend declares
 *      (am_backend_t.malloc_from; NULL: glibc's libc.so). Under ASan or TSan, malloc is
 *      the sanitizer's interceptor and its runtime is accepted instead: such a build
 *      cannot prove isolation this way.
 *   2. The backend's own introspection (am_backend_t.identity: jemalloc's
 *      thread.allocated, an `owns` query for the others) proves that a plain malloc()
 *      in this process is served by it. A backend without introspection (glibc, the
 *      harness's own) is checked by 1 alone.
 * Everything comes from the backend's table: adding a backend needs no edit here. The
 * cross-check that no other backend's library is loaded is in isolation.sh. */
#include <dlfcn.h>
#include <string.h>
#include "conform.h"

int cf_case_identity(const am_backend_t *b, cf_result_t *r) {
  Dl_info info;
  void *m = dlsym(RTLD_DEFAULT, "malloc");
  const char *from = (m != NULL && dladdr(m, &info) != 0 && info.dli_fname) ? info.dli_fname : "";
  const char *san = cf_sanitizer_malloc();
  const char *expect = b->malloc_from != NULL ? b->malloc_from : "libc.so";
  if (strstr(from, expect) == NULL && !(san != NULL && strstr(from, san) != NULL))
    return cf_fail(r, "malloc resolves to '%s', expected %s", from, expect);
  char why[256] = "no allocator introspection (none declared)";
  int id = b->identity != NULL ? b->identity(why, sizeof why) : -1;
  if (id == 0) return cf_fail(r, "%s: malloc is not %s (%s)", b->name, b->name, why);
  /* The backend table's own malloc must land in the same allocator as plain malloc. */
  void *q = am_malloc(b, 100);
  if (q == NULL) return cf_fail(r, "%s's table malloc(100) returned NULL", b->name);
  am_free(b, q);
  return cf_note(r, "malloc from %s%s; %s", from, san ? " (sanitizer build)" : "", why);
}
