/* tests/conform/case_stress.c — conformance cases over many blocks in one thread:
 *   no_overlap  random stress with thousands of live blocks: each block is filled with
 *               its own pattern (the canary) when allocated and checked before it is
 *               freed or reallocated; every few thousand operations the live blocks are
 *               sorted and checked pairwise for overlap
 *   free_sized  blocks freed with their size (sized free) are really released
 *   reuse       freed memory is handed out again (distinct addresses over alloc/free cycles)
 * reuse needs AM_CAP_REAL_FREE (bump never frees) and is skipped under ASan (quarantine). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conform.h"

enum { SLOTS = 4096, OPS = 60000, CHECK_EVERY = 4096 };

/* Misaligned blocks seen by the stress. They do not stop it: overlap is this case's
 * concern and the graver fault, so a misalignment is reported only if nothing worse is. */
typedef struct misalign_s {
  long known, other;   /* explained by a known upstream bug (known_bugs.c) / not */
  char first[128];     /* the first of the others */
} misalign_t;

/* Allocate a block of n bytes for the stress: malloc, calloc (checked zero) or aligned_alloc. */
static int stress_alloc(const am_backend_t *b, cf_rng_t *g, cf_block_t *s, size_t n, uint64_t seed,
                        misalign_t *mis, cf_result_t *r) {
  unsigned pick = (unsigned)(cf_rand(g) % 16);
  size_t a = (size_t)32 << (cf_rand(g) % 8);
  const char *what = pick < 2 ? "calloc" : pick < 3 ? "aligned_alloc" : "malloc";
  if (pick < 2) s->p = am_calloc(b, n, 1);
  else if (pick < 3) s->p = am_aligned_alloc(b, a, n = (n + a - 1) & ~(a - 1));
  else s->p = am_malloc(b, n);
  s->n = n;
  s->seed = seed;
  if (s->p == NULL) return cf_fail(r, "%s(%zu) returned NULL", what, n);
  if (!cf_aligned(s->p, pick == 2 ? a : cf_malloc_align(n))) {
    if (pick == 2 && cf_known_misalign(b, a, n) != NULL) mis->known++;
    else if (mis->other++ == 0)
      snprintf(mis->first, sizeof mis->first, "%s(%zu) = %p with alignment %zu", what, n, (void *)s->p,
               pick == 2 ? a : cf_malloc_align(n));
  }
  size_t off;
  if (pick < 2 && (off = cf_first_nonzero(s->p, n)) != SIZE_MAX)
    return cf_fail(r, "calloc(%zu, 1) = %p: byte %zu is not zero", n, (void *)s->p, off);
  cf_fill(s->p, n, seed);
  return 0;
}

static int check_canary(const cf_block_t *s, const char *when, cf_result_t *r) {
  size_t off = cf_verify(s->p, s->n, s->seed);
  if (off == SIZE_MAX) return 0;
  return cf_fail(r, "block %p (%zu bytes) was overwritten at byte %zu, found %s", (void *)s->p, s->n,
                 off, when);
}

static int collect_and_check(cf_block_t *slot, cf_result_t *r, size_t *live_out) {
  static cf_block_t v[SLOTS];
  size_t n = 0;
  for (size_t i = 0; i < SLOTS; i++)
    if (slot[i].p != NULL) v[n++] = slot[i];
  *live_out = n;
  return cf_check_disjoint(v, n, r);
}

int cf_case_no_overlap(const am_backend_t *b, cf_result_t *r) {
  static cf_block_t slot[SLOTS];
  cf_rng_t g = {0x5EED0002};
  size_t live = 0, peak = 0;
  misalign_t mis = {0, 0, ""};
  int rc = 0;
  for (long op = 1; op <= OPS && rc == 0; op++) {
    cf_block_t *s = &slot[cf_rand(&g) % SLOTS];
    size_t n = cf_rand(&g) % 256 == 0 ? cf_rand_size(&g, (size_t)1 << 20) : cf_rand_size(&g, 16384);
    if (s->p == NULL) {
      rc = stress_alloc(b, &g, s, n, (uint64_t)op, &mis, r);
    } else if ((rc = check_canary(s, "before free or realloc", r)) != 0) {
      break;
    } else if (cf_rand(&g) % 8 == 0) { /* realloc in place of free: prefix must survive */
      char *q = am_realloc(b, s->p, n);
      if (q == NULL) { rc = cf_fail(r, "realloc(.., %zu) returned NULL", n); break; }
      size_t keep = s->n < n ? s->n : n;
      if (cf_verify(q, keep, s->seed) != SIZE_MAX)
        rc = cf_fail(r, "realloc from %zu to %zu lost the contents", s->n, n);
      *s = (cf_block_t){q, n, (uint64_t)op};
      cf_fill(q, n, s->seed);
    } else {
      am_free(b, s->p);
      s->p = NULL;
    }
    if (rc == 0 && op % CHECK_EVERY == 0) rc = collect_and_check(slot, r, &live);
    if (live > peak) peak = live;
  }
  if (rc == 0) rc = collect_and_check(slot, r, &live);
  for (size_t i = 0; i < SLOTS; i++) {
    if (slot[i].p != NULL && rc == 0) rc = check_canary(&slot[i], "at the end", r);
    am_free(b, slot[i].p);
    slot[i].p = NULL;
  }
  if (rc) return rc;
  if (mis.other) return cf_fail(r, "no overlap, but %ld blocks misaligned, first %s", mis.other, mis.first);
  return cf_note(r, "%d operations, up to %zu live blocks, canaries and intervals checked%s", OPS, peak,
                 mis.known ? "; misaligned aligned_alloc blocks of a known upstream bug tolerated" : "");
}

static int by_value(const void *a, const void *b) {
  uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
  return x < y ? -1 : x > y;
}

enum { MAX_CYCLES = 16384 };

/* Alloc/free the same size `cycles` times; return how many distinct addresses came back. */
static size_t cycle_distinct(const am_backend_t *b, size_t n, int cycles, int sized, int *failed) {
  static uintptr_t seen[MAX_CYCLES];
  for (int i = 0; i < cycles; i++) {
    char *p = am_malloc(b, n);
    if (p == NULL) { *failed = 1; return 0; }
    p[0] = p[n - 1] = (char)i;
    seen[i] = (uintptr_t)p;
    if (sized) am_free_sized(b, p, n); else am_free(b, p);
  }
  qsort(seen, (size_t)cycles, sizeof *seen, by_value);
  size_t distinct = cycles > 0;
  for (int i = 1; i < cycles; i++) distinct += seen[i] != seen[i - 1];
  return distinct;
}

static const size_t cycle_sizes[] = {16, 100, 1000, 4096, 5000, 65536, 300000, (size_t)2 << 20};

/* jemalloc rotates large blocks through ~64-90 cached extents before reusing one, so a
 * large size needs 1024 cycles to tell reuse apart from none. */
static int cycles_for(size_t n) { return n <= 4096 ? MAX_CYCLES : 1024; }

/* Without reuse every cycle gets a new address; with it, at most half of them may be new
 * (mimalloc walks a whole page's free list before it takes freed blocks back). */
static int check_reuse(const am_backend_t *b, int sized, cf_result_t *r) {
  for (size_t i = 0; i < sizeof cycle_sizes / sizeof *cycle_sizes; i++) {
    size_t n = cycle_sizes[i];
    int cycles = cycles_for(n), failed = 0;
    size_t distinct = cycle_distinct(b, n, cycles, sized, &failed);
    if (failed) return cf_fail(r, "malloc(%zu) returned NULL", n);
    if (distinct > (size_t)cycles / 2)
      return cf_fail(r, "%d malloc/%s cycles of %zu bytes gave %zu distinct addresses: freed memory is not reused",
                     cycles, sized ? "free_sized" : "free", n, distinct);
  }
  return 0;
}

int cf_case_free_sized(const am_backend_t *b, cf_result_t *r) {
  /* Sized free after calloc and after realloc, with the size the block has now. */
  for (size_t n = 1; n <= ((size_t)1 << 22); n = n * 3 + 1) {
    char *p = am_calloc(b, 1, n), *q;
    if (p == NULL) return cf_fail(r, "calloc(1, %zu) returned NULL", n);
    am_free_sized(b, p, n);
    if ((p = am_malloc(b, n)) == NULL || (q = am_realloc(b, p, 2 * n + 8)) == NULL)
      return cf_fail(r, "malloc(%zu) or realloc to %zu returned NULL", n, 2 * n + 8);
    am_free_sized(b, q, 2 * n + 8);
  }
  if (!(b->caps & AM_CAP_REAL_FREE) || cf_under_asan()) {
    int failed = 0;
    for (size_t i = 0; i < sizeof cycle_sizes / sizeof *cycle_sizes && !failed; i++)
      cycle_distinct(b, cycle_sizes[i], 64, 1, &failed);
    return failed ? cf_fail(r, "malloc returned NULL") :
           cf_note(r, "exercised; reuse not checked (%s)", cf_under_asan() ? "ASan quarantine" : "no AM_CAP_REAL_FREE");
  }
  int rc = check_reuse(b, 1, r);
  return rc ? rc : cf_note(r, "sized frees release memory for reuse, 16 B..2 MiB%s",
                           b->free_sized ? "" : " (front layer falls back to free)");
}

int cf_case_reuse(const am_backend_t *b, cf_result_t *r) {
  if (!(b->caps & AM_CAP_REAL_FREE)) return cf_skip(r, "backend has no AM_CAP_REAL_FREE (never reuses)");
  if (cf_under_asan()) return cf_skip(r, "ASan quarantine delays reuse");
  int rc = check_reuse(b, 0, r);
  return rc ? rc : cf_note(r, "alloc/free cycles of 16 B..2 MiB reuse freed memory");
}
