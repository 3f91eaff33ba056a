/* allocator/src/override.c — the drop-in: the C allocation functions, served by pagepool.
 *
 * Compiled only into build/libpagepool.so (PP_DROPIN=1). With LD_PRELOAD (or when linked
 * first) the whole process's malloc family is pagepool. Each entry inlines the fast path of
 * pp_fast.h and records its caller for the leak report (PAGEPOOL_SITES=1). glibc semantics:
 * free(NULL) is a no-op, realloc(p, 0) frees, posix_memalign returns the error code,
 * memalign accepts any alignment (rounded up to a power of two), valloc/pvalloc align to
 * the system page. At exit: PAGEPOOL_LEAKS=1 prints the leak report to stderr,
 * PAGEPOOL_DUMP=FILE writes the page/pool map (pp_dump_json) to FILE.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pp_fast.h"

#define PP_SITE ((uintptr_t)__builtin_return_address(0))

void *malloc(size_t n) { return pp_i_malloc(n, PP_SITE); }
void free(void *p) { pp_i_free(p); }
void *calloc(size_t n, size_t size) { return pp_i_calloc(n, size, PP_SITE); }
void *realloc(void *p, size_t n) { return pp_i_realloc(p, n, PP_SITE); }
size_t malloc_usable_size(void *p) { return pp_i_usable(p); }

void *reallocarray(void *p, size_t n, size_t size) {
  if (size != 0 && n > SIZE_MAX / size) {
    errno = ENOMEM;
    return NULL;
  }
  return pp_i_realloc(p, n * size, PP_SITE);
}

int posix_memalign(void **out, size_t align, size_t n) {
  if (align < sizeof(void *) || (align & (align - 1)) != 0) return EINVAL;
  int saved = errno;
  void *p = pp_i_aligned(align, n, PP_SITE);
  if (p == NULL) return ENOMEM;
  errno = saved;
  *out = p;
  return 0;
}

void *aligned_alloc(size_t align, size_t n) { return pp_i_aligned(align, n, PP_SITE); }

static size_t pp_pow2_up(size_t a) {
  size_t p = PP_MIN_BLOCK;
  while (p < a && p != 0) p <<= 1;
  return p;
}

void *memalign(size_t align, size_t n) {
  if (align > ((size_t)1 << 40)) {
    errno = EINVAL;
    return NULL;
  }
  return pp_i_aligned(pp_pow2_up(align), n, PP_SITE);
}

void *valloc(size_t n) { return pp_i_aligned((size_t)sysconf(_SC_PAGESIZE), n, PP_SITE); }

void *pvalloc(size_t n) {
  size_t ps = (size_t)sysconf(_SC_PAGESIZE);
  if (n > SIZE_MAX - ps) {
    errno = ENOMEM;
    return NULL;
  }
  return pp_i_aligned(ps, n == 0 ? ps : (n + ps - 1) & ~(ps - 1), PP_SITE);
}

/* At exit: PAGEPOOL_LEAKS=1 prints the leak report to stderr — through a duplicate taken
 * at start-up, since programs such as coreutils close stderr in their own exit handlers,
 * which run before this destructor; PAGEPOOL_DUMP=FILE writes pp_dump_json to FILE (how
 * the harness keeps the page/pool map of a run). */
static int pp_leak_fd = -1;
static char pp_dump_path[4096];

__attribute__((constructor)) static void pp_exit_reports_setup(void) {
  static const char dump[] = "PAGEPOOL_DUMP=";
  for (char **e = environ; e != NULL && *e != NULL; e++) {
    if (strcmp(*e, "PAGEPOOL_LEAKS=1") == 0) pp_leak_fd = fcntl(2, F_DUPFD_CLOEXEC, 3);
    if (strncmp(*e, dump, sizeof dump - 1) == 0 && strlen(*e + sizeof dump - 1) < sizeof pp_dump_path)
      strcpy(pp_dump_path, *e + sizeof dump - 1);
  }
}

__attribute__((destructor)) static void pp_exit_reports(void) {
  if (pp_dump_path[0] != '\0') {
    FILE *f = fopen(pp_dump_path, "we");
    if (f != NULL) {
      pp_dump_json(f);
      fclose(f);
    }
  }
  if (pp_leak_fd >= 0) {
    FILE *f = fdopen(pp_leak_fd, "w");
    if (f == NULL) return;
    pp_leak_report(f);
    fclose(f);
  }
}
