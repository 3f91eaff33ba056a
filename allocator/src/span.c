/* allocator/src/span.c — pagepool's own large path (PAGEPOOL_LARGE=own): spans.
 *
 * A span is a run of OS pages (4 KiB) mapped with mmap for one block over 4096 B (or one
 * aligned beyond a pool). Freed spans are kept in a cache, under pp_i_span_lock, so that
 * the next request reuses memory that is already mapped and faulted in instead of paying
 * mmap, page faults and munmap again:
 *   - spans of 1..PP_SPAN_BINS pages (up to 256 KiB): one LIFO stack per exact page count
 *     (the link is in the span's first word); a request takes its own count's stack, else
 *     the first non-empty one up to a quarter (and one page) longer, whole: mixed medium
 *     sizes reuse each other's spans instead of mapping new ones;
 *   - longer spans: a small table, best fit; a span over 4 times the request is split, its
 *     tail cached as a span of its own (a shorter one is used whole: splitting would leave
 *     pieces too short for the next long request); when every cached span is too short, the longest one is grown with
 *     mremap (its pages, already faulted in, are kept).
 * Before this global cache, each thread's heap keeps the short spans its thread frees
 * (medium blocks; large.c, pp_heap_t.spans) and takes from them without the lock.
 * The cache holds at most PP_SPAN_CACHE_BYTES, or half the bytes of the spans handed out
 * (mapped and not in this cache) when that is more: a process whose large blocks are
 * hundreds of MiB keeps enough freed spans to serve its next blocks from pages already
 * faulted in, while the memory kept stays bounded by its large footprint (PAGEPOOL_RETURN=0:
 * PP_SPAN_CACHE_BYTES_KEEP). A span that does not fit is unmapped at once. The large header (large.c) records the span's
 * start and length; realloc of a span resizes in place within its length;
 * growing past it takes a cached span when one fits (pages already faulted in: the
 * contents are copied, up to 256 KiB), else the span is grown with mremap.
 * Out of memory: PAGEPOOL_FAIL counts each span request (and each realloc growing past its
 * span) as one memory request; a failed mmap or mremap gives the page region's unused reservation back
 * (pp_i_region_give_back: RLIMIT_AS) and is tried once more.
 */
#include <string.h>
#include <sys/mman.h>
#include "pp_internal.h"

#define PP_SPAN_BINS 64                       /* exact-size stacks: 1..64 pages        */
#define PP_SPAN_BIG 16                        /* cached spans over 64 pages             */
#define PP_SPAN_CACHE_BYTES ((size_t)64 << 20) /* cached bytes at most, return=1 ...   */
#define PP_SPAN_CACHE_SHARE 2                 /* ... or spans handed out / this, if more */
#define PP_SPAN_CACHE_BYTES_KEEP ((size_t)1 << 30) /* ... with PAGEPOOL_RETURN=0        */

pthread_mutex_t pp_i_span_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct pp_span_big_s {
  void *base;
  size_t len;
} pp_span_big_t;

static void *pp_span_bin[PP_SPAN_BINS + 1];   /* under pp_i_span_lock */
static pp_span_big_t pp_span_big[PP_SPAN_BIG];
static unsigned pp_span_nbig;
static size_t pp_span_cached;
static _Atomic size_t pp_span_out; /* bytes of spans mapped and not in this cache */

static void pp_span_out_add(size_t n) { atomic_fetch_add_explicit(&pp_span_out, n, memory_order_relaxed); }
static void pp_span_out_sub(size_t n) { atomic_fetch_sub_explicit(&pp_span_out, n, memory_order_relaxed); }

static int pp_span_cache_room(size_t len);
static int pp_span_cache(void *base, size_t len); /* under the lock; 0: table full */

/* A cached span for a request of len bytes (a multiple of 4 KiB), or NULL; *have: the
 * length taken. Exact page count from a stack; else the best fit among the long spans,
 * whose tail (past len) goes back to the cache as a span of its own; else the longest
 * cached span, shorter than len (*have < len): the caller grows it with mremap, so its
 * pages, faulted in already, are reused. Under pp_i_span_lock. */
static void *pp_span_take(size_t len, size_t *have) {
  size_t pages = len / PP_OS_PAGE;
  if (pages <= PP_SPAN_BINS) { /* the exact count, else up to a quarter more, used whole */
    size_t top = pages + pages / 4 + 1;
    if (top > PP_SPAN_BINS) top = PP_SPAN_BINS;
    for (size_t k = pages; k <= top; k++) {
      void *s = pp_span_bin[k];
      if (s != NULL) {
        pp_span_bin[k] = *(void **)s;
        pp_span_cached -= k * PP_OS_PAGE;
        *have = k * PP_OS_PAGE;
        pp_span_out_add(*have);
        return s;
      }
    }
    if (pp_span_nbig == 0) return NULL;
  }
  if (pp_span_nbig == 0) return NULL;
  unsigned best = PP_SPAN_BIG, longest = 0;
  for (unsigned i = 0; i < pp_span_nbig; i++) {
    if (pp_span_big[i].len >= len && (best == PP_SPAN_BIG || pp_span_big[i].len < pp_span_big[best].len))
      best = i;
    if (pp_span_big[i].len > pp_span_big[longest].len) longest = i;
  }
  if (best == PP_SPAN_BIG && pages <= PP_SPAN_BINS) return NULL; /* short: map afresh */
  unsigned k = best != PP_SPAN_BIG ? best : longest;
  pp_span_big_t b = pp_span_big[k];
  pp_span_big[k] = pp_span_big[--pp_span_nbig];
  pp_span_cached -= b.len;
  if (b.len / 4 > len) { /* much longer: split, the tail stays cached (or goes back) */
    void *tail = (char *)b.base + len;
    if (!pp_span_cache_room(b.len - len) || !pp_span_cache(tail, b.len - len))
      munmap(tail, b.len - len);
    b.len = len;
  }
  *have = b.len;
  pp_span_out_add(b.len);
  return b.base;
}

/* Grow a span (base, len) to newlen bytes, moving it if needed: mremap, which keeps the
 * pages already faulted in. ThreadSanitizer does not intercept mremap, so the shadow of
 * the range a move leaves keeps its old accesses and a later span landing there is
 * reported as racing with them; sanitizer builds move by copy instead. MAP_FAILED when
 * out of memory (base intact). */
static void *pp_span_move(void *base, size_t len, size_t newlen) {
#if defined(__SANITIZE_THREAD__)
  void *s = mmap(NULL, newlen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (s == MAP_FAILED) return MAP_FAILED;
  memcpy(s, base, len);
  munmap(base, len);
  return s;
#else
  return mremap(base, len, newlen, MREMAP_MAYMOVE);
#endif
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
  if (s != NULL && have < len) { /* grow a shorter cached span in place or by moving */
    void *g = pp_span_move(s, have, len);
    if (g == MAP_FAILED) {
      munmap(s, have);
      pp_span_out_sub(have);
    } else {
      pp_span_out_add(len - have);
    }
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

/* The cache's limit now (see the file's header). */
static size_t pp_span_cache_cap(void) {
  if (!pp_i_g.return_to_os) return PP_SPAN_CACHE_BYTES_KEEP;
  size_t share = atomic_load_explicit(&pp_span_out, memory_order_relaxed) / PP_SPAN_CACHE_SHARE;
  return share > PP_SPAN_CACHE_BYTES ? share : PP_SPAN_CACHE_BYTES;
}

/* Is there room in the cache for len more bytes? Under the lock. */
static int pp_span_cache_room(size_t len) { return pp_span_cached + len <= pp_span_cache_cap(); }

/* Put a span on its stack or in the long-span table; 0 when the table is full. */
static int pp_span_cache(void *base, size_t len) {
  size_t pages = len / PP_OS_PAGE;
  if (pages <= PP_SPAN_BINS) {
    *(void **)base = pp_span_bin[pages];
    pp_span_bin[pages] = base;
  } else if (pp_span_nbig < PP_SPAN_BIG) {
    pp_span_big[pp_span_nbig].base = base;
    pp_span_big[pp_span_nbig].len = len;
    pp_span_nbig++;
  } else {
    return 0;
  }
  pp_span_cached += len;
  return 1;
}

/* A span (base, len) is free: cache it, or give it back to the OS. The limit falls with
 * the spans handed out, so long spans cached while it was higher are given back (up to
 * PP_SPAN_BIG per call), longest first: freeing a process's large blocks leaves no more
 * than PP_SPAN_CACHE_BYTES cached. */
void pp_i_span_put(void *base, size_t len) {
  pp_span_big_t out[PP_SPAN_BIG];
  unsigned nout = 0;
  pp_span_out_sub(len);
  pthread_mutex_lock(&pp_i_span_lock);
  int kept = len % PP_OS_PAGE == 0 && pp_span_cache_room(len) && pp_span_cache(base, len);
  for (size_t cap = pp_span_cache_cap(); pp_span_cached > cap && pp_span_nbig > 0;) {
    unsigned longest = 0;
    for (unsigned i = 1; i < pp_span_nbig; i++)
      if (pp_span_big[i].len > pp_span_big[longest].len) longest = i;
    out[nout++] = pp_span_big[longest];
    pp_span_cached -= pp_span_big[longest].len;
    pp_span_big[longest] = pp_span_big[--pp_span_nbig];
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
