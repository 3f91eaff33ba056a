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
 * to read the flags back; an unknown flag makes Scudo print a warning at start-up).
 * Valgrind: Scudo 14 cannot run under Valgrind 3.19 (`allocmark run --measure
 * instructions|cache`). At its first malloc it reserves one PROT_NONE mapping of 180 GiB
 * (a region per size class, fixed when compiler-rt is built; SCUDO_OPTIONS cannot shrink
 * it), Valgrind refuses a mapping that large, and Scudo aborts with "Scudo ERROR:
 * internal map or unmap failure": those repetitions are recorded as crashed. */
#include <dlfcn.h>
#include <malloc.h>
#include <stdint.h>
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

/* Identity proof: Scudo (as Android's bionic) walks its live chunks with malloc_iterate,
 * between malloc_disable and malloc_enable. It matches a chunk by the start of its block
 * (the header before the pointer), so the range starts a page early and the callback
 * looks for the pointer itself. */
typedef struct sc_probe_s { uintptr_t want; int found; } sc_probe_t;
static void sc_found(uintptr_t base, size_t size, void *arg) {
  sc_probe_t *pr = arg;
  (void)size;
  if (base == pr->want) pr->found = 1;
}
static int sc_owns(const void *p) {
  int (*iterate)(uintptr_t, size_t, void (*)(uintptr_t, size_t, void *), void *);
  void (*disable)(void), (*enable)(void);
  void *si = dlsym(RTLD_DEFAULT, "malloc_iterate"), *sd = dlsym(RTLD_DEFAULT, "malloc_disable"),
       *se = dlsym(RTLD_DEFAULT, "malloc_enable");
  if (si == NULL || sd == NULL || se == NULL) return -1;
  memcpy(&iterate, &si, sizeof iterate);
  memcpy(&disable, &sd, sizeof disable);
  memcpy(&enable, &se, sizeof enable);
  sc_probe_t pr = {(uintptr_t)p, 0};
  uintptr_t from = pr.want > 4096 ? pr.want - 4096 : 0;
  disable();
  iterate(from, pr.want - from + 1, sc_found, &pr);
  enable();
  return pr.found;
}
static void *(*volatile sc_plain_malloc)(size_t) = malloc;
static int sc_identity(char *why, size_t cap) {
  int on_stack = 0;
  void *p = sc_plain_malloc(100);
  int mine = sc_owns(p), stack = sc_owns(&on_stack);
  free(p);
  if (mine < 0) return -1;
  snprintf(why, cap, mine == 1 && stack != 1 ? "malloc_iterate finds plain malloc() blocks"
                     : mine != 1 ? "malloc_iterate does not find a block from plain malloc()"
                     : "finds a stack address: its introspection proves nothing");
  return mine == 1 && stack != 1;
}

const am_backend_t am_backend_scudo = {
  .name = "scudo", .version = sc_version, .config = sc_config,
  .caps = AM_CAP_USABLE_SIZE | AM_CAP_STATS | AM_CAP_THREADS | AM_CAP_OVERRIDES | AM_CAP_REAL_FREE,
  .malloc = malloc, .free = free, .calloc = calloc, .realloc = realloc,
  .aligned_alloc = sc_aligned, .usable_size = sc_usable, .stats = sc_stats,
  .colour = "#393b79", .malloc_from = "libclang_rt.scudo_standalone", .identity = sc_identity,
};
