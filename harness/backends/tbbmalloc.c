/* harness/backends/tbbmalloc.c — Intel oneTBB's scalable allocator (Debian libtbbmalloc2).
 *
 * The runner links libtbbmalloc_proxy.so as well as libtbbmalloc.so: the proxy defines
 * malloc, free, ... (and the __libc_* aliases), so the whole process's heap is tbbmalloc's,
 * as with LD_PRELOAD=libtbbmalloc_proxy.so (the link keeps it: it resolves our own calls
 * to malloc, and tests/conform's isolation test checks it). The table calls the native scalable_* API,
 * which is what the proxy forwards to.
 *
 * Version: tbbmalloc has no version call; the library carries its version as the banner it
 * prints when TBB_VERSION=1 ("TBBmalloc: VERSION\t\t2021.8"), so we read that string from
 * the loaded file (found with dladdr), not from the headers we were compiled with.
 * Stats: tbbmalloc reports none (no mallinfo, no counters), so the table has no stats().
 * Config: its two knobs are environment variables (TBB_MALLOC_USE_HUGE_PAGES,
 * TBB_MALLOC_SET_HUGE_SIZE_THRESHOLD), recorded as set; it has no call to read them back. */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <tbb/scalable_allocator.h>
#include "../backend.h"

/* The "VERSION" line of the banner inside the loaded libtbbmalloc file. */
static const char *tbb_version(void) {
  static char buf[32] = "";
  static const char key[] = "TBBmalloc: VERSION";
  Dl_info dl;
  if (buf[0] != '\0') return buf;
  snprintf(buf, sizeof buf, "unknown");
  void *(*fn)(size_t) = scalable_malloc, *addr;
  memcpy(&addr, &fn, sizeof addr); /* a function's address as data, the POSIX way */
  if (dladdr(addr, &dl) == 0 || dl.dli_fname == NULL) return buf;
  int fd = open(dl.dli_fname, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0) return buf;
  if (fstat(fd, &st) == 0 && st.st_size > 0) {
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m != MAP_FAILED) {
      const char *hit = memmem(m, (size_t)st.st_size, key, sizeof key - 1);
      if (hit != NULL) {
        const char *v = hit + sizeof key - 1, *end = (const char *)m + st.st_size;
        while (v < end && (*v == '\t' || *v == ' ')) v++;
        size_t n = 0;
        while (v + n < end && n + 1 < sizeof buf && (v[n] == '.' || (v[n] >= '0' && v[n] <= '9'))) n++;
        if (n > 0) { memcpy(buf, v, n); buf[n] = '\0'; }
      }
      munmap(m, (size_t)st.st_size);
    }
  }
  close(fd);
  return buf;
}

static const char *tbb_config(void) {
  static char buf[160];
  const char *hp = getenv("TBB_MALLOC_USE_HUGE_PAGES"), *ht = getenv("TBB_MALLOC_SET_HUGE_SIZE_THRESHOLD");
  snprintf(buf, sizeof buf, "huge_pages=%s huge_size_threshold=%s", hp != NULL ? hp : "default",
           ht != NULL ? ht : "default");
  return buf;
}

/* Only these differ from the table's signatures: argument order and a const. */
static void *tbb_aligned(size_t a, size_t n) { return scalable_aligned_malloc(n, a); }
static size_t tbb_usable(void *p) { return scalable_msize(p); }

/* Identity proof: tbbmalloc's "safer" msize, given no fallback for foreign blocks,
 * returns 0 for a block it does not recognise (found with dlsym: it is not in the
 * public headers). */
static void *(*volatile tbb_plain_malloc)(size_t) = malloc;
static int tbb_identity(char *why, size_t cap) {
  size_t (*msize)(const void *, size_t (*)(const void *));
  void *sym = dlsym(RTLD_DEFAULT, "__TBB_malloc_safer_msize");
  if (sym == NULL) return -1;
  memcpy(&msize, &sym, sizeof msize);
  int on_stack = 0;
  void *p = tbb_plain_malloc(100);
  int mine = msize(p, NULL) > 0, stack = msize(&on_stack, NULL) > 0;
  free(p);
  snprintf(why, cap, mine && !stack ? "owns plain malloc() blocks"
                     : !mine ? "does not own a block from plain malloc()"
                     : "claims a stack address: its introspection proves nothing");
  return mine && !stack;
}

const am_backend_t am_backend_tbbmalloc = {
  .name = "tbbmalloc", .version = tbb_version, .config = tbb_config,
  .caps = AM_CAP_USABLE_SIZE | AM_CAP_THREADS | AM_CAP_OVERRIDES | AM_CAP_REAL_FREE,
  .malloc = scalable_malloc, .free = scalable_free, .calloc = scalable_calloc,
  .realloc = scalable_realloc, .aligned_alloc = tbb_aligned, .usable_size = tbb_usable,
  .colour = "#bcbd22", .malloc_from = "libtbbmalloc_proxy", .identity = tbb_identity,
};
