/* tests/conform/conform.h — the conformance suite's shared pieces: the case API,
 * a deterministic random generator, block fill/verify patterns and the interval check.
 *
 * One executable per backend (conform-<name>) = these sources + am_be_<name>. Every
 * case talks to the allocator only through the front layer (harness/front.h) and
 * reports through cf_fail/cf_skip/cf_note; main.c runs each case in a child process
 * and prints one line per case. Names: cf_ (conformance) for everything here. */
#ifndef CF_CONFORM_H
#define CF_CONFORM_H

#include <stddef.h>
#include <stdint.h>
#include "front.h"

/* A case's outcome; also the exit status of the child process that ran it. */
enum { CF_PASS = 0, CF_FAIL = 1, CF_SKIP = 77, CF_XFAIL = 78 /* only a known upstream bug (known_bugs.c) */ };

typedef struct cf_result_s {
  char msg[320];  /* why it failed, was skipped or xfailed; a short note when it passed */
} cf_result_t;

typedef int (*cf_case_fn)(const am_backend_t *b, cf_result_t *r);

/* Record the outcome of a case with a printf-style message and return `status`. Use the
 * short forms: cf_fail (why it failed), cf_note (what a passing case covered), cf_skip. */
int cf_set(cf_result_t *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define cf_fail(r, ...) cf_set((r), CF_FAIL, __VA_ARGS__)
#define cf_note(r, ...) cf_set((r), CF_PASS, __VA_ARGS__)
#define cf_skip(r, why) cf_set((r), CF_SKIP, "%s", (why))

/* Deterministic generator (splitmix64): every case seeds its own. */
typedef struct cf_rng_s { uint64_t s; } cf_rng_t;
static inline uint64_t cf_rand(cf_rng_t *g) {
  uint64_t z = (g->s += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}
/* A size spread over 1..max, log-uniform (small sizes as often as large ones). */
size_t cf_rand_size(cf_rng_t *g, size_t max);

/* Fill n bytes at p with the pattern of `seed` (byte i depends on seed and i only). */
void cf_fill(void *p, size_t n, uint64_t seed);
/* Offset of the first byte of p[0..n) that differs from the pattern, or SIZE_MAX. */
size_t cf_verify(const void *p, size_t n, uint64_t seed);
/* Offset of the first non-zero byte of p[0..n), or SIZE_MAX. */
size_t cf_first_nonzero(const void *p, size_t n);

/* A live block, for the interval check. */
typedef struct cf_block_s {
  char *p;
  size_t n;
  uint64_t seed;
} cf_block_t;
/* Sort the n blocks by address and check that no two overlap. 0 when sound; else
 * CF_FAIL with the first overlapping pair described in r (blocks are reordered). */
int cf_check_disjoint(cf_block_t *v, size_t n, cf_result_t *r);

/* 1 when p is a multiple of a. */
static inline int cf_aligned(const void *p, size_t a) { return ((uintptr_t)p & (a - 1)) == 0; }

/* The alignment malloc(n) must give: 16 and alignof(max_align_t) (the larger), lowered to
 * the largest power of two <= n for tiny sizes, as C17 (DR 445) allows: no object of
 * size n can need more. jemalloc, mimalloc and tcmalloc return 8-aligned 8-byte blocks. */
size_t cf_malloc_align(size_t n);

/* When aligned_alloc(align, n) of backend b returning a misaligned block is a known
 * upstream bug, its reference (e.g. "microsoft/mimalloc#700: ..."); else NULL. */
const char *cf_known_misalign(const am_backend_t *b, size_t align, size_t n);

/* 1 when the process runs under AddressSanitizer (its quarantine delays reuse). Found with
 * dlsym, so no build flag is needed. */
int cf_under_asan(void);
/* The sanitizer runtime whose interceptor is the process's malloc ("libasan", "libtsan"),
 * or NULL when there is none. Those insist on C11 aligned_alloc (size a multiple of the
 * alignment). */
const char *cf_sanitizer_malloc(void);


/* The cases, in the order main.c runs them: X(name) for each; case `name` is the function
 * cf_case_<name>(b, r) returning CF_PASS, CF_FAIL, CF_SKIP or CF_XFAIL. */
#define CF_CASES(X) \
  X(alignment) X(aligned_alloc) X(malloc0_free_null) X(usable_size) \
  X(realloc_null) X(realloc) X(calloc_zero) X(calloc_overflow) \
  X(no_overlap) X(free_sized) X(reuse) X(threads) X(identity)
#define CF_DECLARE_CASE(name) int cf_case_##name(const am_backend_t *b, cf_result_t *r);
CF_CASES(CF_DECLARE_CASE)
#undef CF_DECLARE_CASE

#endif /* CF_CONFORM_H */
