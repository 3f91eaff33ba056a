/* harness/runner/verify.h — touch modes and write-then-verify (ops.h am_touch_t).
 *
 * A slot holds a block pointer and a size word:
 *   bits 0..47   the requested size
 *   bits 48..62  a tag, counted per thread, for blocks filled by VERIFY
 *   bit  63      set when the block was filled by VERIFY
 * A VERIFY block is filled with a 64-bit word derived from its address and tag; the
 * word is checked before the block is freed (FREE, or REALLOC's copied prefix), on
 * whichever thread frees it (the size word travels through channels). Two live
 * blocks that overlap, a block handed out twice, a realloc that does not copy, or a
 * calloc that is not zero, all show up as a mismatch. VERIFY also checks alignment.
 * These are slow paths: only VERIFY/ALL modes reach them. */
#ifndef AM_VERIFY_H
#define AM_VERIFY_H

#include <stdint.h>

#define AM_SLOT_SIZE_MASK ((UINT64_C(1) << 48) - 1)
#define AM_SLOT_TAG_SHIFT 48
#define AM_SLOT_TAG_MASK UINT64_C(0x7fff)
#define AM_SLOT_VERIFIED (UINT64_C(1) << 63)

static inline uint64_t am_verify_word(const void *p, uint64_t size_word) {
  uint64_t x = (uint64_t)(uintptr_t)p ^ ((size_word >> AM_SLOT_TAG_SHIFT) * UINT64_C(0x9E3779B97F4A7C15));
  x ^= x >> 33; x *= UINT64_C(0xff51afd7ed558ccd);
  x ^= x >> 33; x *= UINT64_C(0xc4ceb9fe1a85ec53);
  x ^= x >> 33;
  return x;
}

/* Fill n bytes at p with the repeating 8-byte word. */
void am_verify_fill(void *p, uint64_t n, uint64_t word);
/* 0 when the n bytes hold the word's pattern; else -1 with *bad the first bad offset. */
int am_verify_check(const void *p, uint64_t n, uint64_t word, uint64_t *bad);
/* 0 when the n bytes are all zero; else -1 with *bad the first non-zero offset. */
int am_verify_zero(const void *p, uint64_t n, uint64_t *bad);

#endif /* AM_VERIFY_H */
