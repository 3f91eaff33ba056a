/* harness/backends/lifo.c — the reuse baseline: a LIFO stack of freed blocks per exact size.
 *
 * Not an allocator to compare (test-only, like `bump`): the cheapest allocator that reuses
 * memory, so a pattern's floor with reuse can be read off it (`bump` never reuses, so on a
 * pattern like seed-perf-test it measures page faults instead). Each thread keeps one stack
 * head per 16-byte size step up to LIFO_MAX (a table mapped on the thread's first use);
 * malloc pops the stack of its size or carves a new block from a 1 MiB chunk of one
 * reserved region (an atomic add per chunk, as bump does); free pushes onto the calling
 * thread's stack of that size (so a block freed by another thread moves to that thread).
 * A 16-byte header before each block holds its size step. Requests over LIFO_MAX are
 * mapped and unmapped one by one. Memory is never given back; an exiting thread's table
 * (with the blocks on it) is kept for the next thread. The process's own malloc stays
 * glibc's. Knob: AM_LIFO_GIB — size of the reserved region in GiB (default 64;
 * MAP_NORESERVE, so only touched pages cost memory). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "../backend.h"

#define LIFO_CHUNK ((size_t)1 << 20)
#define LIFO_HDR 16u
#define LIFO_MAX ((size_t)64 << 10)        /* largest size kept on a stack       */
#define LIFO_STEPS (LIFO_MAX / 16 + 1)     /* stack heads per thread (32 KiB)    */
#define LIFO_BIG ((size_t)-1)              /* header of a mapped block           */

typedef struct lifo_table_s {
  void *head[LIFO_STEPS];
  struct lifo_table_s *next;               /* on the spare list after its thread */
} lifo_table_t;

static char *lifo_base;
static size_t lifo_len;
static _Atomic size_t lifo_next;
static pthread_mutex_t lifo_lock = PTHREAD_MUTEX_INITIALIZER;
static lifo_table_t *lifo_spare;           /* tables of exited threads, under lock */
static _Thread_local lifo_table_t *lifo_tab;
static _Thread_local char *lifo_cur, *lifo_end;

static const char *lifo_version(void) { return "1.0"; }
static const char *lifo_config(void) { return "stack per 16 B step to 64 KiB, header=16"; }

static int lifo_init(void) {
  const char *g = getenv("AM_LIFO_GIB");
  size_t gib = (g != NULL && atoi(g) > 0) ? (size_t)atoi(g) : 64;
  lifo_len = gib << 30;
  void *p = mmap(NULL, lifo_len, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return -1;
  lifo_base = p;
  return 0;
}

static void lifo_shutdown(void) {
  if (lifo_base != NULL) munmap(lifo_base, lifo_len);
  lifo_base = NULL;
}

/* The calling thread's table: a spare one, or a fresh mapping. */
static __attribute__((noinline)) lifo_table_t *lifo_table(void) {
  pthread_mutex_lock(&lifo_lock);
  lifo_table_t *t = lifo_spare;
  if (t != NULL) lifo_spare = t->next;
  pthread_mutex_unlock(&lifo_lock);
  if (t == NULL) {
    void *m = mmap(NULL, sizeof *t, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return NULL;
    t = m;
  }
  lifo_tab = t;
  return t;
}

static void lifo_thread_exit(void) {
  lifo_table_t *t = lifo_tab;
  if (t == NULL) return;
  lifo_tab = NULL;
  pthread_mutex_lock(&lifo_lock);
  t->next = lifo_spare;
  lifo_spare = t;
  pthread_mutex_unlock(&lifo_lock);
}

/* A new block of `bytes` (a multiple of 16) aligned to align, from the thread's chunk. */
static __attribute__((noinline)) void *lifo_carve(size_t align, size_t bytes, size_t step) {
  for (;;) {
    uintptr_t c = ((uintptr_t)lifo_cur + LIFO_HDR + align - 1) & ~(uintptr_t)(align - 1);
    if (lifo_cur != NULL && c + bytes <= (uintptr_t)lifo_end) {
      ((size_t *)c)[-1] = step;
      lifo_cur = (char *)(c + bytes);
      return (void *)c;
    }
    size_t off = atomic_fetch_add_explicit(&lifo_next, LIFO_CHUNK, memory_order_relaxed);
    if (lifo_base == NULL || off + LIFO_CHUNK > lifo_len) return NULL;
    lifo_cur = lifo_base + off;
    lifo_end = lifo_cur + LIFO_CHUNK;
  }
}

/* Over LIFO_MAX (or aligned beyond a page): its own mapping. Header words before the
 * block: [-1] LIFO_BIG, [-2] mapping length, [-3] mapping start. */
static void *lifo_big(size_t align, size_t n) {
  size_t pre = align > 32 ? align : 32;
  if (n > SIZE_MAX / 2 - 2 * pre) return NULL;
  size_t len = (2 * pre + n + 4095) & ~(size_t)4095;
  char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return NULL;
  uintptr_t p = ((uintptr_t)m + pre + align - 1) & ~(uintptr_t)(align - 1);
  ((size_t *)p)[-1] = LIFO_BIG;
  ((size_t *)p)[-2] = len;
  ((char **)p)[-3] = m;
  return (void *)p;
}

static void *lifo_aligned(size_t align, size_t n) {
  if (n > LIFO_MAX || align > 4096) return lifo_big(align, n);
  size_t step = (n + 15) / 16;
  lifo_table_t *t = lifo_tab;
  if (t == NULL && (t = lifo_table()) == NULL) return NULL;
  void *b = t->head[step];
  if (b != NULL && ((uintptr_t)b & (align - 1)) == 0) {
    t->head[step] = *(void **)b;
    return b;
  }
  return lifo_carve(align < 16 ? 16 : align, step * 16 > 16 ? step * 16 : 16, step);
}

static void *lifo_malloc(size_t n) {
  lifo_table_t *t = lifo_tab;
  if (n <= LIFO_MAX && t != NULL) {
    size_t step = (n + 15) / 16;
    void *b = t->head[step];
    if (b != NULL) {
      t->head[step] = *(void **)b;
      return b;
    }
  }
  return lifo_aligned(16, n);
}

static void lifo_free(void *p) {
  size_t step = ((size_t *)p)[-1];
  if (step == LIFO_BIG) {
    munmap(((char **)p)[-3], ((size_t *)p)[-2]);
    return;
  }
  lifo_table_t *t = lifo_tab;
  if (t == NULL && (t = lifo_table()) == NULL) return; /* no table: the block is lost */
  *(void **)p = t->head[step];
  t->head[step] = p;
}

static size_t lifo_usable(void *p) {
  size_t step = ((size_t *)p)[-1];
  if (step == LIFO_BIG) return ((size_t *)p)[-2] - (size_t)((char *)p - ((char **)p)[-3]);
  return step * 16;
}

static void *lifo_calloc(size_t n, size_t s) {
  void *p = lifo_malloc(n * s);
  if (p != NULL) memset(p, 0, n * s); /* reused blocks are dirty */
  return p;
}

static void *lifo_realloc(void *p, size_t n) {
  size_t old = lifo_usable(p);
  if (n <= LIFO_MAX && (n + 15) / 16 == ((size_t *)p)[-1]) return p; /* same stack */
  void *q = lifo_malloc(n);
  if (q == NULL) return NULL;
  memcpy(q, p, old < n ? old : n);
  lifo_free(p);
  return q;
}

static int lifo_stats(am_stats_t *s) {
  s->mapped = (int64_t)atomic_load_explicit(&lifo_next, memory_order_relaxed);
  return 0;
}

const am_backend_t am_backend_lifo = {
  .name = "lifo", .version = lifo_version, .config = lifo_config,
  .caps = AM_CAP_USABLE_SIZE | AM_CAP_STATS | AM_CAP_THREADS | AM_CAP_REAL_FREE | AM_CAP_TEST_ONLY,
  .init = lifo_init, .shutdown = lifo_shutdown, .thread_exit = lifo_thread_exit,
  .malloc = lifo_malloc, .free = lifo_free, .calloc = lifo_calloc, .realloc = lifo_realloc,
  .aligned_alloc = lifo_aligned, .usable_size = lifo_usable, .stats = lifo_stats,
};
