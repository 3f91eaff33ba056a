/* harness/backends/so.c — any malloc library by path: `allocmark run -b so:/path/libx.so`.
 *
 * This runner links no allocator. The driver starts it with the library in LD_PRELOAD and
 * its path in AM_SO_PATH, so the library's malloc family interposes glibc's for the whole
 * process, as `LD_PRELOAD=libx.so program` would. init() proves it before anything runs:
 * malloc, free, calloc and realloc, and one of posix_memalign / aligned_alloc / memalign,
 * must each resolve into that very file (dladdr, compared by device and inode); otherwise
 * init fails with one line saying which symbol resolves where, and the repetition's
 * status is `error` with that reason. malloc_usable_size is used when the library has it.
 * Without AM_SO_PATH (the registry's `info`) nothing is bound and malloc is glibc's; the
 * driver never runs this runner without a library.
 *
 * Version: from a symbol of the library when it has one — `allocmark_version` (a
 * `const char *(void)`, the convention for your own allocator: README "Benchmark your own
 * allocator"), jemalloc's mallctl("version"), mimalloc's mi_version(), gperftools'
 * tc_version(), pagepool's pp_version() — else "sha256:<first 16 hex digits>".
 * Config: the path, the file's full sha256 and its size, always. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../backend.h"
#include "../common/sha256.h"

static struct {
  const char *path;
  struct stat st;                    /* of the library file: its identity          */
  char sha256[65];
  char version[64];
  char config[512];
  int (*memalign_fn)(void **, size_t, size_t); /* posix_memalign, when it has it  */
  void *(*aligned_fn)(size_t, size_t);         /* else aligned_alloc or memalign */
  size_t (*usable_fn)(void *);
} so;
/* What the process's malloc must come from: the library (glibc's when none is bound). */
static char so_malloc_from[1024] = "libc.so";

/* Does symbol `name`, as the process resolves it (or in the library's own scope when
 * `handle` is given), live in the library file? Writes where it lives to `where`. */
static int so_defines(void *handle, const char *name, void **sym, char *where, size_t cap) {
  Dl_info dl;
  struct stat st;
  *sym = dlsym(handle != NULL ? handle : RTLD_DEFAULT, name);
  if (*sym == NULL) { snprintf(where, cap, "nowhere"); return 0; }
  if (dladdr(*sym, &dl) == 0 || dl.dli_fname == NULL) { snprintf(where, cap, "an unknown object"); return 0; }
  snprintf(where, cap, "%s", dl.dli_fname[0] ? dl.dli_fname : "the runner itself");
  return stat(dl.dli_fname, &st) == 0 && st.st_dev == so.st.st_dev && st.st_ino == so.st.st_ino;
}

static int so_hash(void) {
  int fd = open(so.path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  void *m = so.st.st_size > 0 ? mmap(NULL, (size_t)so.st.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
  close(fd);
  if (m == MAP_FAILED) return -1;
  am_sha256_hex(m, (size_t)so.st.st_size, so.sha256);
  munmap(m, (size_t)so.st.st_size);
  return 0;
}

/* A version from one of the symbols above, defined by the library itself; 0 when found. */
static int so_symbol_version(void *h) {
  char where[8];
  void *s;
  if (so_defines(h, "allocmark_version", &s, where, sizeof where)) {
    const char *(*f)(void);
    memcpy(&f, &s, sizeof f);
    snprintf(so.version, sizeof so.version, "%s", f());
  } else if (so_defines(h, "mallctl", &s, where, sizeof where)) {
    int (*ctl)(const char *, void *, size_t *, void *, size_t);
    const char *v = NULL;
    size_t sz = sizeof v;
    memcpy(&ctl, &s, sizeof ctl);
    if (ctl("version", &v, &sz, NULL, 0) != 0 || v == NULL) return -1;
    snprintf(so.version, sizeof so.version, "%s", v);
  } else if (so_defines(h, "mi_version", &s, where, sizeof where)) {
    int (*f)(void);
    memcpy(&f, &s, sizeof f);
    int v = f();
    snprintf(so.version, sizeof so.version, "%d.%d.%d", v / 100, (v / 10) % 10, v % 10);
  } else if (so_defines(h, "tc_version", &s, where, sizeof where)) {
    const char *(*f)(int *, int *, const char **);
    int ma, mi;
    const char *pa;
    memcpy(&f, &s, sizeof f);
    snprintf(so.version, sizeof so.version, "%s", f(&ma, &mi, &pa));
  } else if (so_defines(h, "pp_version", &s, where, sizeof where)) {
    const char *(*f)(void);
    memcpy(&f, &s, sizeof f);
    snprintf(so.version, sizeof so.version, "%s", f());
  } else {
    return -1;
  }
  return 0;
}

static char so_why[1024];
__attribute__((format(printf, 1, 2)))
static int so_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(so_why, sizeof so_why, fmt, ap);
  va_end(ap);
  return -1;
}
static const char *so_init_error(void) { return so_why; }

static int so_init(void) {
  so.path = getenv("AM_SO_PATH");
  if (so.path == NULL || so.path[0] == '\0') { /* `info` for the registry: nothing bound */
    snprintf(so.version, sizeof so.version, "-");
    snprintf(so.config, sizeof so.config, "no library: give one as -b so:/path/libx.so");
    return 0;
  }
  if (stat(so.path, &so.st) != 0) return so_fail("%s: %s", so.path, strerror(errno));
  void *h = dlopen(so.path, RTLD_LAZY | RTLD_NOLOAD);
  if (h == NULL)
    return so_fail("%s was not preloaded (not a shared object for this machine? LD_PRELOAD ignores those)", so.path);
  static const char *const core[] = {"malloc", "free", "calloc", "realloc"};
  char where[512];
  void *s;
  for (size_t i = 0; i < sizeof core / sizeof *core; i++)
    if (!so_defines(NULL, core[i], &s, where, sizeof where))
      return so_fail("%s resolves to %s, not %s: the library does not export %s", core[i], where, so.path, core[i]);
  if (so_defines(NULL, "posix_memalign", &s, where, sizeof where)) memcpy(&so.memalign_fn, &s, sizeof s);
  else if (so_defines(NULL, "aligned_alloc", &s, where, sizeof where) ||
           so_defines(NULL, "memalign", &s, where, sizeof where)) memcpy(&so.aligned_fn, &s, sizeof s);
  else return so_fail("%s exports none of posix_memalign, aligned_alloc, memalign", so.path);
  if (so_defines(NULL, "malloc_usable_size", &s, where, sizeof where)) memcpy(&so.usable_fn, &s, sizeof s);
  if (so_hash() != 0) return so_fail("%s: cannot read it to hash it", so.path);
  snprintf(so_malloc_from, sizeof so_malloc_from, "%s", so.path);
  if (so_symbol_version(h) != 0) snprintf(so.version, sizeof so.version, "sha256:%.16s", so.sha256);
  snprintf(so.config, sizeof so.config, "path=%s sha256=%s size=%lld%s", so.path, so.sha256,
           (long long)so.st.st_size, so.usable_fn != NULL ? "" : " (no malloc_usable_size)");
  dlclose(h); /* NOLOAD took a reference; the library stays: it was preloaded */
  return 0;
}

static const char *so_version(void) { return so.version[0] ? so.version : "unknown"; }
static const char *so_config(void) { return so.config; }

static void *so_aligned(size_t a, size_t n) {
  if (so.memalign_fn == NULL) return so.aligned_fn(a, n);
  void *p = NULL;
  return so.memalign_fn(&p, a, n) == 0 ? p : NULL;
}
static size_t so_usable(void *p) { return so.usable_fn != NULL ? so.usable_fn(p) : 0; }

/* The library may lack malloc_usable_size, so usable_size is not claimed; it still gives
 * a figure when it can (am_usable_size calls it). */
const am_backend_t am_backend_so = {
  .name = "so", .version = so_version, .config = so_config,
  .caps = AM_CAP_THREADS | AM_CAP_OVERRIDES | AM_CAP_REAL_FREE | AM_CAP_PRELOAD,
  .init = so_init, .init_error = so_init_error,
  .malloc = malloc, .free = free, .calloc = calloc, .realloc = realloc,
  .aligned_alloc = so_aligned, .usable_size = so_usable,
  .malloc_from = so_malloc_from,
};
