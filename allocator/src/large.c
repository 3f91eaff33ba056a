/* allocator/src/large.c — the large path: requests over 4096 B (or aligned beyond a pool).
 *
 * Two sources, chosen by PAGEPOOL_LARGE (read at start-up):
 *   own     (default) pagepool's spans (span.c): runs of OS pages from mmap, freed spans
 *           cached for reuse; calloc skips the memset on a freshly mapped span; realloc
 *           resizes in place within the span, else mremap;
 *   system  the original fall-back: the process's malloc in library mode, glibc's
 *           __libc_malloc family in the drop-in build (PP_DROPIN), which never calls back
 *           into our exported malloc.
 * Every large block has a PP_LARGE_HDR-byte header just before it: requested size, a magic
 * word (which source, and debug mode tells double and foreign frees apart with it), the
 * offset back to the start of the system block or span, the allocation site and, for a
 * span, its length.
 * When an allocation from the system fails, the page region's unused reservation is given
 * back (pp_i_region_give_back: it counts against RLIMIT_AS) and the request tried once
 * more. PAGEPOOL_FAIL (OOM injection) can fail any of these requests, spans included.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "pp_internal.h"

#if PP_DROPIN
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
/* Start glibc's malloc on the main thread, while the library loads. Otherwise the first
 * large block of a process may be a worker thread's, and glibc's first-use set-up then
 * gives that thread the main arena without counting it as attached; in a process that
 * also forks, glibc later aborts at a thread's exit with "malloc assertion failure in
 * __malloc_arena_thread_freeres: a->attached_threads > 0" (seen in 1 of 15 runs of the
 * conformance suite's threads case, which forks before starting its threads). */
__attribute__((constructor)) static void pp_large_start_glibc(void) { __libc_free(__libc_malloc(1)); }
#define PP_SYS_MALLOC __libc_malloc
#define PP_SYS_CALLOC __libc_calloc
#define PP_SYS_REALLOC __libc_realloc
#define PP_SYS_FREE __libc_free
#else
#define PP_SYS_MALLOC malloc
#define PP_SYS_CALLOC calloc
#define PP_SYS_REALLOC realloc
#define PP_SYS_FREE free
#endif

#define PP_LARGE_LIVE 0x9a6e1a76u  /* from the system allocator */
#define PP_SPAN_LIVE 0x5a6e1a76u   /* a span of our own          */
#define PP_LARGE_DEAD 0xdeadb10cu

typedef struct pp_large_s {
  size_t size;      /* bytes requested                                */
  uint32_t magic;   /* PP_LARGE_LIVE / PP_SPAN_LIVE / PP_LARGE_DEAD   */
  uint32_t offset;  /* user pointer - system block or span start      */
  uintptr_t site;   /* allocation site (PAGEPOOL_SITES=1)             */
  size_t span;      /* span length (PP_SPAN_LIVE), else 0             */
} pp_large_t;

_Static_assert(sizeof(pp_large_t) == PP_LARGE_HDR, "large header size");

static pp_large_t *pp_hdr(const void *p) { return (pp_large_t *)((uintptr_t)p - PP_LARGE_HDR); }

/* Count a large block in (add) or out: in the thread's heap (plain moves: the heap's own
 * counters), else in the global atomics; pp_i_large_totals sums them. */
static inline __attribute__((always_inline)) void pp_large_account(pp_large_t *h, int add) {
  uint64_t n = add ? 1 : (uint64_t)0 - 1, b = add ? h->size : (uint64_t)0 - h->size;
  pp_heap_t *hp = pp_i_tl_heap;
  if (PP_LIKELY(hp != NULL)) {
    PP_ST(hp->large_n, PP_LD(hp->large_n) + n);
    PP_ST(hp->large_bytes, PP_LD(hp->large_bytes) + b);
  } else {
    atomic_fetch_add_explicit(&pp_i_large_n, n, memory_order_relaxed);
    atomic_fetch_add_explicit(&pp_i_large_bytes, b, memory_order_relaxed);
  }
  if (pp_i_g.track_sites) pp_i_large_site(h->site, (int64_t)h->size, add);
}

void pp_i_large_totals(uint64_t *n, uint64_t *bytes) {
  uint64_t c = atomic_load(&pp_i_large_n), b = atomic_load(&pp_i_large_bytes);
  for (pp_heap_t *h = pp_i_w.all_heaps; h != NULL; h = h->all_next) {
    c += PP_LD(h->large_n);
    b += PP_LD(h->large_bytes);
  }
  *n = c;
  *bytes = b;
}

#define PP_PAGE_UP(x) (((x) + 4095) & ~(size_t)4095)
/* realloc growing a span past its pages takes a cached span up to this length and copies
 * (a page fault per new page costs more than copying it); a longer one grows by mremap. */
#define PP_SPAN_COPY_MAX ((size_t)256 << 10)

/* Debug mode: the bytes after a span's block, up to 16 within its pages, are a canary. */
#if PP_DEBUG
static size_t pp_span_room(const pp_large_t *h) {
  size_t room = h->span - h->offset - h->size;
  return room < 16 ? room : 16;
}
#endif
static void pp_span_canary_set(const void *p) {
#if PP_DEBUG
  const pp_large_t *h = pp_hdr(p);
  memset((char *)p + h->size, PP_CANARY, pp_span_room(h));
#else
  (void)p;
#endif
}
static void pp_span_canary_check(const void *p) {
#if PP_DEBUG
  const pp_large_t *h = pp_hdr(p);
  const unsigned char *c = (const unsigned char *)p + h->size;
  for (size_t i = 0, room = pp_span_room(h); i < room; i++)
    if (c[i] != PP_CANARY) pp_i_die_large("write past the end of large block", p, h->size);
#else
  (void)p;
#endif
}

/* The heap's cache of freed spans (pp_heap_t.spans, PP_HEAP_SPAN_PAGES): a LIFO stack of
 * span starts per page count k, so each span there is k OS pages long and taking one reads
 * nothing of it: the next block's header is written at its start (pp_span_take), the line
 * the caller touches first. Keep (the block counted out and marked freed): 0 when the
 * thread has no heap or its heap is full. */
static inline int pp_span_keep(pp_large_t *h) {
  pp_heap_t *hp = pp_i_tl_heap;
  size_t k = h->span / PP_OS_PAGE;
  if (hp == NULL || k > PP_HEAP_SPAN_PAGES || hp->nspans[k] >= PP_HEAP_SPAN_SLOTS ||
      hp->span_bytes + h->span > pp_i_g.heap_span_bytes || pp_i_g.track_sites)
    return 0; /* sites (PAGEPOOL_SITES=1): pp_large_free_slow counts the site out */
  PP_ST(hp->large_n, PP_LD(hp->large_n) - 1); /* pp_large_account(h, 0), with hp known */
  PP_ST(hp->large_bytes, PP_LD(hp->large_bytes) - h->size);
  h->magic = PP_LARGE_DEAD;
  hp->spans[k][hp->nspans[k]++] = (char *)h + PP_LARGE_HDR - h->offset;
  hp->span_bytes += h->span;
  return 1;
}

/* The first byte of the span whose block's header is h. */
static inline char *pp_span_base(const pp_large_t *h) { return (char *)h + PP_LARGE_HDR - h->offset; }

/* The start of a span the thread's heap kept for `pages` OS pages (at most
 * PP_HEAP_SPAN_PAGES): of that page count, else of up to a quarter (and one page) more, as
 * in the global cache (span.c), its length in *got; NULL when the heap has none. */
static inline __attribute__((always_inline)) char *pp_span_reuse(pp_heap_t *hp, size_t pages, size_t *got) {
  size_t top = pp_i_span_near(pages);
  if (top > PP_HEAP_SPAN_PAGES) top = PP_HEAP_SPAN_PAGES;
  for (size_t k = pages; k <= top; k++) {
    if (hp->nspans[k] != 0) {
      char *base = hp->spans[k][--hp->nspans[k]];
      *got = k * PP_OS_PAGE;
      hp->span_bytes -= *got;
      return base;
    }
  }
  return NULL;
}

void pp_i_large_flush(pp_heap_t *hp) {
  for (size_t k = 1; k <= PP_HEAP_SPAN_PAGES; k++) {
    while (hp->nspans[k] != 0) pp_i_span_put(hp->spans[k][--hp->nspans[k]], k * PP_OS_PAGE);
  }
  hp->span_bytes = 0;
}

/* The medium fast path: a plain block (16-byte alignment) of n > PP_SMALL_MAX bytes from a
 * span the thread's heap kept — no lock, no size arithmetic past the bound, no read of the
 * span; NULL sends the request to pp_span_alloc (no heap, no kept span that fits, a block
 * over PP_HEAP_SPAN_PAGES pages, OOM injection on, allocation sites recorded, debug mode's
 * canaries). */
static inline __attribute__((always_inline)) void *pp_span_take(size_t n, uintptr_t site) {
  pp_heap_t *hp = pp_i_tl_heap;
  if (PP_DEBUG || hp == NULL || n > PP_HEAP_SPAN_PAGES * PP_OS_PAGE - PP_LARGE_HDR ||
      pp_i_g.fail_at != 0 || pp_i_g.track_sites) /* sites: pp_span_alloc records them */
    return NULL;
  size_t got;
  char *base = pp_span_reuse(hp, (n + PP_LARGE_HDR + PP_OS_PAGE - 1) / PP_OS_PAGE, &got);
  if (base == NULL) return NULL;
  pp_large_t *h = (pp_large_t *)(void *)base;
  h->size = n;
  h->magic = PP_SPAN_LIVE;
  h->offset = PP_LARGE_HDR;
  h->site = site;
  h->span = got;
  PP_ST(hp->large_n, PP_LD(hp->large_n) + 1);
  PP_ST(hp->large_bytes, PP_LD(hp->large_bytes) + n);
  return base + PP_LARGE_HDR;
}

/* A block of n bytes aligned to align (a power of two >= 16) in a span; zeroed when zero
 * (memset only when the span is reused). The heap's kept spans serve plain blocks (here
 * when pp_span_take does not: calloc, debug mode, OOM injection). */
PP_NOINLINE static void *pp_span_alloc(size_t n, size_t align, uintptr_t site, int zero) {
  size_t off = align <= PP_LARGE_HDR ? PP_LARGE_HDR : align <= 4096 ? align : 0;
  size_t slack = off == 0 ? align + PP_LARGE_HDR : off; /* over a page: align in the span */
  if (n > SIZE_MAX / 2 - slack || align > UINT32_MAX / 2 || pp_i_fail_inject()) {
    errno = ENOMEM; /* PAGEPOOL_FAIL: one memory request per large block */
    return NULL;
  }
  size_t len = PP_PAGE_UP(n + slack), got;
  int fresh = 0;
  char *base = NULL;
  pp_heap_t *hp = pp_i_tl_heap;
  if (len <= PP_HEAP_SPAN_PAGES * PP_OS_PAGE) {
    /* A thread's first medium block makes its heap, as its first small block would: else
     * a thread that allocates only medium blocks takes and gives every span through the
     * global cache's lock (a pattern of 4-64 KiB blocks alone: about 300 instructions per
     * op before this, 160 after). */
    if (PP_UNLIKELY(hp == NULL) && !pp_i_tl_dead) hp = pp_i_heap_acquire();
    if (off == PP_LARGE_HDR && hp != NULL)
      base = pp_span_reuse(hp, len / PP_OS_PAGE, &got); /* debug mode, OOM injection */
  }
  if (base == NULL && (base = pp_i_span_get(len, &got, &fresh)) == NULL) {
    errno = ENOMEM;
    return NULL;
  }
  uintptr_t p = off != 0 ? (uintptr_t)base + off
                         : ((uintptr_t)base + PP_LARGE_HDR + align - 1) & ~(uintptr_t)(align - 1);
  pp_large_t *h = pp_hdr((void *)p);
  h->size = n;
  h->magic = PP_SPAN_LIVE;
  h->offset = (uint32_t)(p - (uintptr_t)base);
  h->site = site;
  h->span = got;
  pp_large_account(h, 1);
  if (zero && !fresh) memset((void *)p, 0, n);
#if PP_DEBUG
  if (!zero) memset((void *)p, PP_CANARY, n);
#endif
  pp_span_canary_set((void *)p);
  return (void *)p;
}

/* A large block from the system allocator (PAGEPOOL_LARGE=system). */
static void *pp_sys_alloc(size_t n, size_t align, uintptr_t site) {
  size_t extra = PP_LARGE_HDR + (align > PP_MIN_BLOCK ? align - PP_MIN_BLOCK : 0);
  if (n > SIZE_MAX - extra || align > UINT32_MAX / 2) {
    errno = ENOMEM;
    return NULL;
  }
  char *raw = NULL;
  if (!pp_i_fail_inject()) {
    raw = PP_SYS_MALLOC(n + extra);
    if (raw == NULL && pp_i_region_give_back()) raw = PP_SYS_MALLOC(n + extra);
  }
  if (raw == NULL) {
    errno = ENOMEM;
    return NULL;
  }
  uintptr_t p = ((uintptr_t)raw + PP_LARGE_HDR + align - 1) & ~(uintptr_t)(align - 1);
  pp_large_t *h = pp_hdr((void *)p);
  h->size = n;
  h->magic = PP_LARGE_LIVE;
  h->offset = (uint32_t)(p - (uintptr_t)raw);
  h->site = site;
  h->span = 0;
  pp_large_account(h, 1);
#if PP_DEBUG
  memset((void *)p, 0xA5, n);
#endif
  return (void *)p;
}

/* A large block that pp_span_take does not serve: a span, or the system's. */
PP_NOINLINE static void *pp_large_alloc_slow(size_t n, size_t align, uintptr_t site) {
  if (align < PP_MIN_BLOCK) align = PP_MIN_BLOCK;
  if (PP_UNLIKELY(!atomic_load_explicit(&pp_i_started, memory_order_acquire))) pp_i_init();
  if (pp_i_g.large_own) return pp_span_alloc(n, align, site, 0);
  return pp_sys_alloc(n, align, site);
}


/* A large block: the medium fast path for a plain one, else pp_large_alloc_slow. */
void *pp_i_large_alloc(size_t n, size_t align, uintptr_t site) {
  void *p;
  if (align <= PP_MIN_BLOCK && (p = pp_span_take(n, site)) != NULL) return p;
  return pp_large_alloc_slow(n, align, site);
}

/* A zeroed large block (16-byte alignment). Through the system calloc, so fresh memory
 * from the OS is not touched (big zeroed arrays stay lazily mapped). */
void *pp_i_large_calloc(size_t n, uintptr_t site) {
  pp_i_init();
  if (pp_i_g.large_own) return pp_span_alloc(n, PP_MIN_BLOCK, site, 1);
  if (n > SIZE_MAX - PP_LARGE_HDR) {
    errno = ENOMEM;
    return NULL;
  }
  char *raw = NULL;
  if (!pp_i_fail_inject()) {
    raw = PP_SYS_CALLOC(1, n + PP_LARGE_HDR);
    if (raw == NULL && pp_i_region_give_back()) raw = PP_SYS_CALLOC(1, n + PP_LARGE_HDR);
  }
  if (raw == NULL) {
    errno = ENOMEM;
    return NULL;
  }
  pp_large_t *h = (pp_large_t *)raw;
  h->size = n;
  h->magic = PP_LARGE_LIVE;
  h->offset = PP_LARGE_HDR;
  h->site = site;
  h->span = 0;
  pp_large_account(h, 1);
  return raw + PP_LARGE_HDR;
}

/* A pointer that is neither a pool block nor a live large block: reported, then abort.
 * Always on (one compare of the header's magic word, on the large path only); debug mode
 * also checks the alignment first (a misaligned pointer's header may not be readable). */
PP_NOINLINE __attribute__((noreturn)) static void pp_large_die(const void *p) {
  const pp_large_t *h = pp_hdr(p);
  if (h->magic == PP_LARGE_DEAD) pp_i_die_large("double free of a large block", p, h->size);
  pp_i_die_block("free of a foreign pointer", p, 0, 0);
}

static inline void pp_large_validate(const void *p) {
  const pp_large_t *h = pp_hdr(p);
#if PP_DEBUG
  if ((uintptr_t)p % PP_MIN_BLOCK != 0 || h->offset < PP_LARGE_HDR) pp_large_die(p);
#endif
  uint32_t m = h->magic;
  if (PP_UNLIKELY(m != PP_SPAN_LIVE && m != PP_LARGE_LIVE)) pp_large_die(p);
}


/* A large block that the heap does not keep: to the system, or its span to the global
 * cache (or the OS). */
PP_NOINLINE static void pp_large_free_slow(pp_large_t *h) {
  pp_large_account(h, 0);
  uint32_t magic = h->magic;
  h->magic = PP_LARGE_DEAD;
  if (magic != PP_SPAN_LIVE) PP_SYS_FREE((char *)h + PP_LARGE_HDR - h->offset);
  else pp_i_span_put(pp_span_base(h), h->span);
}

/* Free a large block: the medium fast path keeps its span in the thread's heap (a leaf:
 * with allocation sites recorded, PAGEPOOL_SITES=1, the span goes to pp_large_free_slow,
 * which counts the site out), else pp_large_free_slow. */
void pp_i_large_free(void *p) {
  pp_large_validate(p);
  pp_large_t *h = pp_hdr(p);
  if (h->magic == PP_SPAN_LIVE) {
    pp_span_canary_check(p);
    if (pp_span_keep(h)) return;
  }
  pp_large_free_slow(h);
}

/* Can realloc resize p in place (a span, or a system block that is not over-aligned)? */
int pp_i_large_plain(const void *p) {
  pp_large_validate(p);
  return pp_hdr(p)->magic == PP_SPAN_LIVE || pp_hdr(p)->offset == PP_LARGE_HDR;
}

/* Move p, a span's block counted out, to a cached span of need bytes (its offset kept):
 * its contents copied, its old span freed; NULL when no cached span fits. */
static void *pp_span_move_cached(void *p, size_t need) {
  pp_large_t *h = pp_hdr(p);
  size_t got;
  char *base = NULL;
  pp_heap_t *hp = pp_i_tl_heap;
  if (hp != NULL && need <= PP_HEAP_SPAN_PAGES * PP_OS_PAGE) base = pp_span_reuse(hp, need / PP_OS_PAGE, &got);
  if (base == NULL && (base = pp_i_span_cached(need, &got)) == NULL) return NULL;
  char *q = base + h->offset;
  memcpy(q, p, h->size);
  *pp_hdr(q) = *h;
  pp_hdr(q)->span = got;
  pp_large_account(h, 1); /* pp_i_large_free counts the old block out again */
  pp_i_large_free(p);
  return q;
}

/* A span's block to n bytes: in place within the span, else a cached span (copied) or the
 * span remapped. */
static void *pp_span_realloc(void *p, size_t n, uintptr_t site) {
  pp_large_t *h = pp_hdr(p);
  size_t off = h->offset;
  if (n > SIZE_MAX / 2 - off) {
    errno = ENOMEM;
    return NULL;
  }
  pp_span_canary_check(p);
  pp_large_account(h, 0);
  size_t need = PP_PAGE_UP(n + off);
  if (need > h->span && pp_i_fail_inject()) { /* PAGEPOOL_FAIL: growing is one request */
    pp_large_account(h, 1);
    errno = ENOMEM;
    return NULL;
  }
  void *q;
  if (need > h->span && need <= PP_SPAN_COPY_MAX && (q = pp_span_move_cached(p, need)) != NULL) {
    p = q;
    h = pp_hdr(p);
  } else if (need > h->span || need + ((size_t)1 << 20) < h->span) { /* grow, or shrink a lot */
    char *base = pp_i_span_resize((char *)p - off, h->span, need);
    if (base == NULL) {
      pp_large_account(h, 1);
      errno = ENOMEM;
      return NULL;
    }
    p = base + off;
    h = pp_hdr(p);
    h->span = need;
  }
  h->size = n;
  h->site = site;
  pp_large_account(h, 1);
  pp_span_canary_set(p);
  return p;
}

/* Resize a plain large block to n > PP_SMALL_MAX bytes; NULL (p intact) when out of memory. */
void *pp_i_large_resize(void *p, size_t n, uintptr_t site) {
  pp_large_t *h = pp_hdr(p);
  if (h->magic == PP_SPAN_LIVE) return pp_span_realloc(p, n, site);
  if (n > SIZE_MAX - PP_LARGE_HDR) {
    errno = ENOMEM;
    return NULL;
  }
  pp_large_t saved = *h;
  pp_large_account(h, 0);
  char *raw = NULL;
  if (!pp_i_fail_inject()) {
    raw = PP_SYS_REALLOC((char *)p - PP_LARGE_HDR, n + PP_LARGE_HDR);
    if (raw == NULL && pp_i_region_give_back()) raw = PP_SYS_REALLOC((char *)p - PP_LARGE_HDR, n + PP_LARGE_HDR);
  }
  if (raw == NULL) {
    pp_large_account(&saved, 1);
    errno = ENOMEM;
    return NULL;
  }
  h = (pp_large_t *)raw;
  h->size = n;
  h->site = site;
  pp_large_account(h, 1);
  return raw + PP_LARGE_HDR;
}

size_t pp_i_large_usable(const void *p) { return pp_hdr(p)->size; }
