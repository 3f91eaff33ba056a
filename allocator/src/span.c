/* allocator/src/span.c — pagepool's own large path (PAGEPOOL_LARGE=own): spans.
 *
 * A span is a run of OS pages (4 KiB) mapped with mmap for one block over 4096 B (or one
 * aligned beyond a pool). Freed spans are kept in a cache, under pp_i_span_lock, so that
 * the next request reuses memory that is already mapped and faulted in instead of paying
 * mmap, page faults and munmap again.
 *   - Spans of up to PP_SPAN_STACK_PAGES pages (the medium blocks a thread's heap keeps,
 *     below): one LIFO stack per length, so a freed span, still in the CPU's caches, is
 *     the next of its length (or of up to a quarter shorter) to be used.
 *   - Longer spans: a page heap that coalesces, a table of free ranges in address order
 *     (PP_SPAN_FREE at most). A freed span joins the ranges just before and after it when
 *     they touch it (mmap places consecutive mappings side by side), so memory freed as
 *     blocks of one size serves blocks of any other.
 * A request (a short one that its stacks cannot serve, too) takes the best fit, from its
 * low end, and the rest stays cached (a range at most a quarter longer than the request is
 * taken whole). When every range is too short for a request over PP_SPAN_GROW_MIN, the
 * longest is grown with mremap (its pages, already faulted in, are kept); a shorter
 * request maps a fresh span. A range may lie across two kernel mappings (two spans
 * merged), which mremap cannot move: a realloc's move is then a copy (pp_span_move), a
 * new block's growth a fresh mapping (pp_span_grow).
 * Before this global cache, each thread's heap keeps the short spans its thread frees
 * (medium blocks; large.c, pp_heap_t.spans) and takes from them without the lock.
 * The cache holds at most PP_SPAN_CACHE_BYTES, or as many bytes as the spans handed out
 * (mapped and not in this cache) when that is more: a process whose large blocks are
 * hundreds of MiB keeps enough freed spans to serve its next blocks from pages already
 * faulted in, while the memory kept stays bounded by its large footprint (PAGEPOOL_RETURN=0:
 * PP_SPAN_CACHE_BYTES_KEEP). Past the limit, the longest range's end is unmapped, so as the
 * spans handed out fall (a teardown) the cache shrinks back to PP_SPAN_CACHE_BYTES; a span
 * that finds the table full and touches no range is unmapped at once. Below the limit, a
 * span or range that sits in the cache for PAGEPOOL_DECAY ms without a request taking it
 * goes back to the OS while the cache holds more than the spans handed out (pp_span_decay,
 * looked for at a free), so a burst of frees does not keep its memory for the rest of the
 * process. The large header (large.c) records the span's start and length; realloc of a
 * span resizes in place within its length; growing past it takes a cached span when one
 * fits (pages already faulted in: the contents are copied, up to 256 KiB), else the span
 * is grown with mremap.
 * Out of memory: PAGEPOOL_FAIL counts each span request (and each realloc growing past its
 * span) as one memory request; a failed mmap or mremap gives the page region's unused reservation back
 * (pp_i_region_give_back: RLIMIT_AS) and is tried once more.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include "pp_internal.h"

#define PP_SPAN_STACK_PAGES PP_HEAP_SPAN_PAGES /* spans this short: a LIFO per length  */
#define PP_SPAN_FREE 128                      /* free ranges cached at most            */
#define PP_SPAN_GROW_MIN ((size_t)256 << 10)   /* longer requests grow a short range    */
#define PP_SPAN_TRIM 8                        /* ranges (or ends) unmapped per free    */
#define PP_SPAN_CACHE_BYTES ((size_t)64 << 20) /* cached bytes at most, return=1 ...   */
#define PP_SPAN_CACHE_SHARE 1                 /* ... or spans handed out / this, if more */
/* (1: a best-fit heap of 5-25 MiB blocks keeps about half its live bytes free between
 * them; at 2 large-blocks trimmed, and faulted again, 15 000 pages more per run.) */
#define PP_SPAN_CACHE_BYTES_KEEP ((size_t)1 << 30) /* ... with PAGEPOOL_RETURN=0        */
#define PP_SPAN_DECAY_FLOOR ((size_t)256 << 10) /* the decay leaves this much cached   */

pthread_mutex_t pp_i_span_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct pp_span_range_s {
  char *base;
  size_t len;
  uint64_t freed_ms; /* PAGEPOOL_DECAY: when a span last joined it (pp_span_now_ms) */
} pp_span_range_t;

static void *pp_span_stack[PP_SPAN_STACK_PAGES + 1]; /* under pp_i_span_lock; link in word 0 */
static pp_span_range_t pp_span_free[PP_SPAN_FREE]; /* under pp_i_span_lock, by address */
static unsigned pp_span_nfree;
static size_t pp_span_cached;                      /* bytes of pp_span_free            */
static _Atomic size_t pp_span_out; /* bytes of spans mapped and not in this cache */
static uint64_t pp_span_purge_at;  /* under the lock: ms of the next look for idle spans */

/* A short cached span's words: 0 the stack's link, 1 when it was freed (PAGEPOOL_DECAY). */
#define PP_SPAN_FREED_MS(s) (((uint64_t *)(void *)(s))[1])

static void pp_span_out_add(size_t n) { atomic_fetch_add_explicit(&pp_span_out, n, memory_order_relaxed); }
static void pp_span_out_sub(size_t n) { atomic_fetch_sub_explicit(&pp_span_out, n, memory_order_relaxed); }

/* The index of the first range that starts after b. Under the lock. */
static unsigned pp_span_after(const char *b) {
  unsigned lo = 0, hi = pp_span_nfree;
  while (lo < hi) {
    unsigned mid = (lo + hi) / 2;
    if (pp_span_free[mid].base <= b) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static void pp_span_remove(unsigned i) {
  memmove(&pp_span_free[i], &pp_span_free[i + 1], (pp_span_nfree - i - 1) * sizeof *pp_span_free);
  pp_span_nfree--;
}

static size_t pp_span_cache_cap(void);

/* Cache the span (base, len), freed at now (ms): a short one on its length's stack, when
 * the cache has room for it; a longer one in the table, joined with the ranges it touches
 * (the joined range counts as freed now). 0 when not kept. Under the lock. */
static int pp_span_cache(char *base, size_t len, uint64_t now) {
  size_t pages = len / PP_OS_PAGE;
  if (pages <= PP_SPAN_STACK_PAGES) {
    if (pp_span_cached + len > pp_span_cache_cap()) return 0;
    PP_SPAN_FREED_MS(base) = now;
    *(void **)base = pp_span_stack[pages];
    pp_span_stack[pages] = base;
    pp_span_cached += len;
    return 1;
  }
  unsigned i = pp_span_after(base);
  pp_span_range_t *prev = i > 0 ? &pp_span_free[i - 1] : NULL, *next = i < pp_span_nfree ? &pp_span_free[i] : NULL;
  int join_prev = prev != NULL && prev->base + prev->len == base;
  int join_next = next != NULL && base + len == next->base;
  if (join_prev && join_next) {
    prev->len += len + next->len;
    prev->freed_ms = now;
    pp_span_remove(i);
  } else if (join_prev) {
    prev->len += len;
    prev->freed_ms = now;
  } else if (join_next) {
    next->base = base;
    next->len += len;
    next->freed_ms = now;
  } else {
    if (pp_span_nfree == PP_SPAN_FREE) return 0;
    memmove(&pp_span_free[i + 1], &pp_span_free[i], (pp_span_nfree - i) * sizeof *pp_span_free);
    pp_span_free[i] = (pp_span_range_t){base, len, now};
    pp_span_nfree++;
  }
  pp_span_cached += len;
  return 1;
}

/* A cached span for a request of len bytes (a multiple of 4 KiB), or NULL; *have: the
 * length taken. A short request takes the stack of its length, or of up to a quarter
 * (and a page) more, whole; else the best fit (the shortest range that holds len, the
 * lowest of equals), whose low len bytes are taken (all of it when it is at most a
 * quarter longer); else,
 * for a request over PP_SPAN_GROW_MIN, the longest range whole (*have < len): the caller
 * grows it with mremap, so its pages, faulted in already, are reused. Under the lock. */
static char *pp_span_take(size_t len, size_t *have) {
  size_t pages = len / PP_OS_PAGE;
  if (pages <= PP_SPAN_STACK_PAGES) { /* the last freed of its length, or a quarter more */
    size_t top = pp_i_span_near(pages);
    if (top > PP_SPAN_STACK_PAGES) top = PP_SPAN_STACK_PAGES;
    for (size_t k = pages; k <= top; k++) {
      char *s = pp_span_stack[k];
      if (s != NULL) {
        pp_span_stack[k] = *(void **)s;
        pp_span_cached -= k * PP_OS_PAGE;
        pp_span_out_add(k * PP_OS_PAGE);
        *have = k * PP_OS_PAGE;
        return s;
      }
    }
  }
  unsigned best = PP_SPAN_FREE, longest = 0;
  for (unsigned i = 0; i < pp_span_nfree; i++) {
    size_t l = pp_span_free[i].len;
    if (l >= len && (best == PP_SPAN_FREE || l < pp_span_free[best].len)) {
      best = i;
      if (l == len) break;
    }
    if (l > pp_span_free[longest].len) longest = i;
  }
  if (best == PP_SPAN_FREE) {
    if (pp_span_nfree == 0 || len <= PP_SPAN_GROW_MIN) return NULL; /* map afresh */
    best = longest;
  }
  pp_span_range_t *r = &pp_span_free[best];
  char *s = r->base;
  /* A range at most a quarter (and a page) longer is taken whole: splitting it would
   * leave a piece too short for most requests, which would pile up in the table (on
   * large-blocks: 174 000 page faults against 131 000, the cache trimmed to make room). */
  size_t take = r->len / PP_OS_PAGE <= pp_i_span_near(pages) ? r->len : len;
  if (take == r->len) {
    pp_span_remove(best);
  } else {
    r->base += take;
    r->len -= take;
  }
  pp_span_cached -= take;
  pp_span_out_add(take);
  *have = take;
  return s;
}

/* Grow a span (base, len) to newlen bytes, moving it if needed: mremap, which keeps the
 * pages already faulted in. A range of the cache may lie across two mappings (two spans
 * merged), which mremap refuses (EFAULT): that one is moved by copy. ThreadSanitizer does
 * not intercept mremap, so the shadow of the range a move leaves keeps its old accesses
 * and a later span landing there is reported as racing with them; sanitizer builds always
 * move by copy. MAP_FAILED when out of memory (base intact). */
static void *pp_span_move(void *base, size_t len, size_t newlen) {
#if !defined(__SANITIZE_THREAD__)
  void *g = mremap(base, len, newlen, MREMAP_MAYMOVE);
  if (g != MAP_FAILED || errno != EFAULT) return g;
#endif
  void *s = mmap(NULL, newlen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (s == MAP_FAILED) return MAP_FAILED;
  memcpy(s, base, len);
  munmap(base, len);
  return s;
}

/* Grow the cached range (base, len), whose contents do not matter, to newlen bytes with
 * mremap, keeping its pages; MAP_FAILED when mremap cannot (out of memory, or a range
 * across two mappings: EFAULT) and in ThreadSanitizer builds (see pp_span_move). */
static void *pp_span_grow(void *base, size_t len, size_t newlen) {
#if defined(__SANITIZE_THREAD__)
  (void)base, (void)len, (void)newlen;
  return MAP_FAILED;
#else
  return mremap(base, len, newlen, MREMAP_MAYMOVE);
#endif
}

/* Extend the cached range (base, have) to len bytes where the address space beside it is
 * free: a fresh mapping just after it, else just before it (MAP_FIXED_NOREPLACE: never
 * over another mapping; a kernel that ignores the flag may place it elsewhere, which is
 * undone). The range's pages are kept and it stays where it is, as a heap grows at its
 * end; unlike mremap, this works on a range across two mappings. Its start, or NULL. */
static char *pp_span_extend(char *base, size_t have, size_t len) {
  size_t more = len - have;
  char *at[2] = {base + have, (uintptr_t)base >= more ? base - more : NULL};
  for (int i = 0; i < 2; i++) {
    if (at[i] == NULL) continue;
    void *t = mmap(at[i], more, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (t == at[i]) return i == 0 ? base : at[i];
    if (t != MAP_FAILED) munmap(t, more);
  }
  return NULL;
}

/* A cached span of at least len bytes (whole or split, never a shorter one), or NULL;
 * *have: its length. No mmap. */
void *pp_i_span_cached(size_t len, size_t *have) {
  pthread_mutex_lock(&pp_i_span_lock);
  void *s = pp_span_take(len, have);
  pthread_mutex_unlock(&pp_i_span_lock);
  if (s != NULL && *have < len) { /* the longest, too short: back where it was */
    pp_i_span_put(s, *have);
    s = NULL;
  }
  return s;
}

/* Map or reuse a span of at least len bytes (a multiple of 4 KiB); *got: its length,
 * *fresh: 1 when newly mapped (zero-filled). NULL when out of memory. */
void *pp_i_span_get(size_t len, size_t *got, int *fresh) {
  size_t have = 0; /* PAGEPOOL_FAIL: the caller counts one request per large block */
  pthread_mutex_lock(&pp_i_span_lock);
  void *s = pp_span_take(len, &have);
  pthread_mutex_unlock(&pp_i_span_lock);
  if (s != NULL && have < len) { /* grow a shorter cached span in place, or by moving */
    void *g = pp_span_extend(s, have, len);
    if (g == NULL) g = pp_span_grow(s, have, len);
    if (g == MAP_FAILED) pp_i_span_put(s, have); /* back in the cache; map afresh below */
    else pp_span_out_add(len - have);
    s = g == MAP_FAILED ? NULL : g;
    have = len;
  }
  if (s != NULL) {
    *got = have;
    *fresh = 0;
    return s;
  }
  s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (s == MAP_FAILED && pp_i_region_give_back()) /* RLIMIT_AS: the region's unused tail */
    s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (s == MAP_FAILED) return NULL;
  pp_span_out_add(len);
  *got = len;
  *fresh = 1;
  return s;
}

/* Milliseconds of CLOCK_MONOTONIC_COARSE (a vDSO read, no system call; a tick is 1-10 ms). */
static uint64_t pp_span_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Give back the end of range i, as much as takes the cache down to keep bytes (rounded up
 * to a page), or the whole range when that is all of it or more, into *o for the caller
 * to unmap. Both trims use it: the limit's (pp_i_span_put) and the decay's. The cache
 * holds more than keep. Under the lock. */
static void pp_span_cut(unsigned i, size_t keep, pp_span_range_t *o) {
  pp_span_range_t *r = &pp_span_free[i];
  size_t cut = (pp_span_cached - keep + PP_OS_PAGE - 1) & ~(PP_OS_PAGE - 1);
  if (cut >= r->len) { /* the range goes whole: the next one is at i now */
    *o = *r;
    pp_span_cached -= r->len;
    pp_span_remove(i);
    return;
  }
  r->len -= cut;
  *o = (pp_span_range_t){r->base + r->len, cut, 0};
  pp_span_cached -= cut;
}

/* Take the short span *link (a stack of k-page spans) off its stack, into *o for the
 * caller to unmap. Under the lock. */
static void pp_span_unstack(void **link, size_t k, pp_span_range_t *o) {
  char *sp = *link;
  *link = *(void **)sp;
  *o = (pp_span_range_t){sp, k * PP_OS_PAGE, 0};
  pp_span_cached -= k * PP_OS_PAGE;
}

/* PAGEPOOL_DECAY: gather into out[*nout..PP_SPAN_TRIM) the cached spans and ranges that no
 * request has touched for decay_ms, for the caller to unmap, while the cache holds more
 * than the spans handed out (and PP_SPAN_DECAY_FLOOR): memory cached after a burst of
 * frees, or left in pieces by mixed sizes, goes back to the OS once it stays unused. The
 * spans of a process whose large blocks stay live (as many bytes cached as handed out, or
 * fewer) stay cached however long they wait, and so do spans freed and taken again within
 * the delay. A look is due every quarter of the delay; one that runs out of room in out
 * leaves the next put to go on. A stack's deeper spans were freed before its upper ones,
 * so the first idle span from the top starts the stack's idle tail. Under the lock. */
static void pp_span_decay(uint64_t now, pp_span_range_t *out, unsigned *nout) {
  uint64_t delay = pp_i_g.decay_ms;
  if (now < pp_span_purge_at) return;
  pp_span_purge_at = now + (delay + 3) / 4;
  size_t keep = atomic_load_explicit(&pp_span_out, memory_order_relaxed);
  if (keep < PP_SPAN_DECAY_FLOOR) keep = PP_SPAN_DECAY_FLOOR;
  for (unsigned i = 0; i < pp_span_nfree && *nout < PP_SPAN_TRIM && pp_span_cached > keep;) {
    if (now - pp_span_free[i].freed_ms < delay) i++;
    else pp_span_cut(i, keep, &out[(*nout)++]); /* a part leaves keep cached: the loop ends */
  }
  for (size_t k = 1; k <= PP_SPAN_STACK_PAGES && *nout < PP_SPAN_TRIM && pp_span_cached > keep; k++) {
    void **link = &pp_span_stack[k];
    while (*link != NULL && now - PP_SPAN_FREED_MS(*link) < delay) link = (void **)*link;
    while (*link != NULL && *nout < PP_SPAN_TRIM && pp_span_cached > keep)
      pp_span_unstack(link, k, &out[(*nout)++]);
  }
  if (*nout == PP_SPAN_TRIM) pp_span_purge_at = now; /* more may be idle: the next put */
}

/* The cache's limit now (see the file's header). */
static size_t pp_span_cache_cap(void) {
  if (!pp_i_g.return_to_os) return PP_SPAN_CACHE_BYTES_KEEP;
  size_t share = atomic_load_explicit(&pp_span_out, memory_order_relaxed) / PP_SPAN_CACHE_SHARE;
  return share > PP_SPAN_CACHE_BYTES ? share : PP_SPAN_CACHE_BYTES;
}

/* A span (base, len) is free: cache it, or give it back to the OS. Past the cache's
 * limit, which falls with the spans handed out, the longest range's end goes back, and
 * once the table is empty the longest short spans (up to PP_SPAN_TRIM pieces a call):
 * freeing a process's large blocks leaves no more than PP_SPAN_CACHE_BYTES cached. */
void pp_i_span_put(void *base, size_t len) {
  pp_span_range_t out[PP_SPAN_TRIM];
  unsigned nout = 0;
  int decay = pp_i_g.decay_ms != 0 && pp_i_g.return_to_os;
  uint64_t now = decay ? pp_span_now_ms() : 0;
  pp_span_out_sub(len);
  pthread_mutex_lock(&pp_i_span_lock);
  if (decay) pp_span_decay(now, out, &nout);
  int kept = len % PP_OS_PAGE == 0 && pp_span_cache(base, len, now);
  for (size_t cap = pp_span_cache_cap(); pp_span_cached > cap && nout < PP_SPAN_TRIM;) {
    if (pp_span_nfree == 0) { /* only short spans cached, kept while the limit was higher */
      size_t k = PP_SPAN_STACK_PAGES;
      while (k > 0 && pp_span_stack[k] == NULL) k--;
      if (k == 0) break; /* cannot be: the cached bytes are on the stacks */
      pp_span_unstack(&pp_span_stack[k], k, &out[nout++]);
      continue;
    }
    unsigned longest = 0;
    for (unsigned i = 1; i < pp_span_nfree; i++)
      if (pp_span_free[i].len > pp_span_free[longest].len) longest = i;
    pp_span_cut(longest, cap, &out[nout++]);
  }
  pthread_mutex_unlock(&pp_i_span_lock);
  if (!kept) munmap(base, len);
  for (unsigned i = 0; i < nout; i++) munmap(out[i].base, out[i].len);
}

/* Grow or shrink a span to newlen bytes (multiple of 4 KiB), moving it if needed; NULL
 * (span intact) when out of memory. */
void *pp_i_span_resize(void *base, size_t len, size_t newlen) {
  if (newlen < len) {
    munmap((char *)base + newlen, len - newlen);
    pp_span_out_sub(len - newlen);
    return base;
  }
  void *s = pp_span_move(base, len, newlen); /* PAGEPOOL_FAIL: counted by the caller */
  if (s == MAP_FAILED && pp_i_region_give_back()) s = pp_span_move(base, len, newlen);
  if (s == MAP_FAILED) return NULL;
  pp_span_out_add(newlen - len);
  return s;
}
