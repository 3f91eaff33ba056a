/* harness/backends/scudo.c — LLVM's Scudo hardened allocator, standalone version (the one
 * Android uses), from Debian's libclang-rt-14-dev: libclang_rt.scudo_standalone-x86_64.so.
 *
 * Linking it replaces malloc for the whole runner process (the library exports only the
 * standard names, so the table calls those). CMake records the library's directory as the
 * runner's rpath: it lives in LLVM's resource directory, not on the loader's path.
 *
 * Version: the library has no version symbol; compiler-rt is versioned with LLVM, whose
 * resource directory (…/lib/clang/<version>/lib/linux/) holds the loaded file, so the
 * version is read from the path dladdr gives for malloc.
 * Stats: Scudo's mallinfo2() reports its counters (uordblks = allocated bytes, hblkhd =
 * mapped bytes). Config: SCUDO_OPTIONS as set (Scudo parses it at start-up and has no call
 * to read the flags back; an unknown flag makes Scudo print a warning at start-up). */
#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../backend.h"

static const char *sc_version(void) {
  static char buf[32] = "";
  Dl_info dl;
  if (buf[0] != '\0') return buf;
  snprintf(buf, sizeof buf, "unknown");
  void *sym = dlsym(RTLD_DEFAULT, "malloc");
  if (sym == NULL || dladdr(sym, &dl) == 0 || dl.dli_fname == NULL) return buf;
  const char *v = strstr(dl.dli_fname, "/clang/");
  if (v == NULL) return buf;
  v += strlen("/clang/");
  size_t n = strcspn(v, "/");
  if (n > 0 && n < sizeof buf) { memcpy(buf, v, n); buf[n] = '\0'; }
  return buf;
}

static const char *sc_config(void) {
  const char *o = getenv("SCUDO_OPTIONS");
  return (o != NULL && *o != '\0') ? o : "default";
}

static int sc_stats(am_stats_t *s) {
  struct mallinfo2 mi = mallinfo2();
  s->allocated = (int64_t)mi.uordblks;
  s->mapped = (int64_t)mi.hblkhd;
  return 0;
}

/* posix_memalign: Scudo's aligned_alloc follows C11 to the letter and rejects sizes that
 * are not a multiple of the alignment; the table's aligned_alloc takes any size. */
static void *sc_aligned(size_t a, size_t n) {
  void *p = NULL;
  return posix_memalign(&p, a, n) == 0 ? p : NULL;
}
static size_t sc_usable(void *p) { return malloc_usable_size(p); }

const am_backend_t am_backend_scudo = {
  .name = "scudo", .version = sc_version, .config = sc_config,
  .caps = AM_CAP_USABLE_SIZE | AM_CAP_STATS | AM_CAP_THREADS | AM_CAP_OVERRIDES | AM_CAP_REAL_FREE,
  .malloc = malloc, .free = free, .calloc = calloc, .realloc = realloc,
  .aligned_alloc = sc_aligned, .usable_size = sc_usable, .stats = sc_stats,
};
