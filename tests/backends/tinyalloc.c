/* tests/backends/tinyalloc.c — the smallest complete malloc library, for `-b so:` tests:
 * what an allocator author would first try to benchmark. One lock; power-of-two size
 * classes (a 16-byte header in front of each block says its class); free lists per class;
 * blocks under 64 KiB carved from 1 MiB mmap'd arenas, bigger ones mmap'd alone; nothing
 * is ever unmapped. Aligned blocks are carved out of a bigger block, with a header that
 * points back to it. Built with -fno-builtin, as any malloc must be (else GCC turns the
 * malloc+memset of calloc into a call to calloc). Exports allocmark_version() (README: "Benchmark your own allocator"). */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

typedef struct ta_hdr_s { size_t cls; void *base; } ta_hdr_t; /* cls 0: aligned, see base */
enum { TA_HDR = sizeof(ta_hdr_t), TA_ARENA = 1 << 20, TA_CLASSES = 64 };

static pthread_mutex_t ta_lock = PTHREAD_MUTEX_INITIALIZER;
static void *ta_bins[TA_CLASSES];
static char *ta_arena;
static size_t ta_left;

const char *allocmark_version(void);
const char *allocmark_version(void) { return "tinyalloc 1.0"; }

static void *ta_carve(size_t sz) {
  if (sz >= 65536) { void *p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); return p == MAP_FAILED ? NULL : p; }
  if (ta_left < sz) {
    void *a = mmap(NULL, TA_ARENA, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED) return NULL;
    ta_arena = a; ta_left = TA_ARENA;
  }
  void *p = ta_arena; ta_arena += sz; ta_left -= sz;
  return p;
}

void *malloc(size_t n) {
  size_t cls = 5;
  if (n > ((size_t)1 << 46)) { errno = ENOMEM; return NULL; }
  while (((size_t)1 << cls) < n + TA_HDR) cls++;
  pthread_mutex_lock(&ta_lock);
  ta_hdr_t *h = ta_bins[cls];
  if (h != NULL) ta_bins[cls] = h->base; else h = ta_carve((size_t)1 << cls);
  pthread_mutex_unlock(&ta_lock);
  if (h == NULL) { errno = ENOMEM; return NULL; }
  h->cls = cls; h->base = NULL;
  return h + 1;
}

void free(void *p) {
  if (p == NULL) return;
  ta_hdr_t *h = (ta_hdr_t *)p - 1;
  if (h->cls == 0) { free(h->base); return; }
  pthread_mutex_lock(&ta_lock);
  h->base = ta_bins[h->cls]; ta_bins[h->cls] = h; /* a free block's base links its list */
  pthread_mutex_unlock(&ta_lock);
}

size_t malloc_usable_size(void *p) {
  if (p == NULL) return 0;
  ta_hdr_t *h = (ta_hdr_t *)p - 1;
  if (h->cls == 0) return malloc_usable_size(h->base) - (size_t)((char *)p - (char *)h->base);
  return ((size_t)1 << h->cls) - TA_HDR;
}

void *calloc(size_t n, size_t size) {
  if (size != 0 && n > SIZE_MAX / size) { errno = ENOMEM; return NULL; }
  void *p = malloc(n * size);
  if (p != NULL) memset(p, 0, n * size);
  return p;
}

void *realloc(void *p, size_t n) {
  if (p == NULL) return malloc(n);
  if (n == 0) { free(p); return NULL; }
  size_t have = malloc_usable_size(p);
  if (have >= n) return p;
  void *q = malloc(n);
  if (q != NULL) { memcpy(q, p, have); free(p); }
  return q;
}

int posix_memalign(void **out, size_t align, size_t n) {
  if (align < sizeof(void *) || (align & (align - 1)) != 0) return EINVAL;
  if (align <= 16) { *out = malloc(n); return *out != NULL ? 0 : ENOMEM; }
  char *raw = malloc(n + align + TA_HDR);
  if (raw == NULL) return ENOMEM;
  ta_hdr_t *h = (ta_hdr_t *)(((uintptr_t)raw + TA_HDR + align - 1) & ~(uintptr_t)(align - 1)) - 1;
  h->cls = 0; h->base = raw;
  *out = h + 1;
  return 0;
}

void *aligned_alloc(size_t align, size_t n) {
  void *p = NULL;
  int e = posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, n);
  if (e != 0) errno = e;
  return p;
}
void *memalign(size_t align, size_t n) { return aligned_alloc(align, n); }
