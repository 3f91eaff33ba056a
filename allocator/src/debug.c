/* allocator/src/debug.c — debug mode (build option PP_DEBUG): misuse detection and fills.
 *
 * With PP_DEBUG=1 every pool keeps a bitmap of handed-out blocks, updated atomically on
 * allocation and on every free (local or remote), so a second free of a block, a free of a
 * pointer that is not a block start, or of a pointer into an unused pool or a free page is
 * reported with its address and the process aborts. Allocated blocks are filled with 0xA5
 * (calloc then zeroes), freed blocks with 0xDD past the free-list link. Reports are written
 * with write(2) only: they may happen inside malloc.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pp_internal.h"

void pp_i_die(const char *what, const void *p) {
  char buf[160];
  size_t n = 0;
  const char *pre = "pagepool: ";
  while (*pre && n < 40) buf[n++] = *pre++;
  while (*what && n < sizeof buf - 24) buf[n++] = *what++;
  buf[n++] = ' ';
  buf[n++] = '0';
  buf[n++] = 'x';
  uintptr_t a = (uintptr_t)p;
  int shift = (int)(sizeof a * 8) - 4;
  while (shift > 0 && ((a >> shift) & 0xF) == 0) shift -= 4;
  for (; shift >= 0; shift -= 4) buf[n++] = "0123456789abcdef"[(a >> shift) & 0xF];
  buf[n++] = '\n';
  ssize_t w = write(2, buf, n);
  (void)w;
  abort();
}

#if PP_DEBUG
static unsigned pp_block_index(pp_pool_t *pl, const void *b, size_t size) {
  return (unsigned)(((uintptr_t)b - pp_i_cold(pl)->base) / size);
}

void pp_i_debug_on_alloc(pp_pool_t *pl, void *b) {
  size_t size = PP_LD(pp_i_cold(pl)->size);
  unsigned i = pp_block_index(pl, b, size);
  uint64_t bit = (uint64_t)1 << (i % 64);
  uint64_t old = atomic_fetch_or_explicit(&pp_i_cold(pl)->live[i / 64], bit, memory_order_relaxed);
  if (old & bit) pp_i_die("heap corrupted: block handed out twice (free list damaged)", b);
  memset(b, 0xA5, size);
}

void pp_i_debug_on_free(pp_page_t *pg, pp_pool_t *pl, void *p) {
  if (PP_LD(pg->state) != PP_PAGE_ACTIVE) pp_i_die("free of a pointer into a free page (double free?)", p);
  size_t size = PP_LD(pp_i_cold(pl)->size);
  if (size == 0) pp_i_die("free of a pointer into an unused pool (double free?)", p);
  if (((uintptr_t)p - pp_i_cold(pl)->base) % size != 0) pp_i_die("free of a foreign pointer (not a block start)", p);
  unsigned i = pp_block_index(pl, p, size);
  uint64_t bit = (uint64_t)1 << (i % 64);
  uint64_t old = atomic_fetch_and_explicit(&pp_i_cold(pl)->live[i / 64], ~bit, memory_order_relaxed);
  if (!(old & bit)) pp_i_die("double free", p);
  if (size > sizeof(void *)) memset((char *)p + sizeof(void *), 0xDD, size - sizeof(void *));
}
#else
void pp_i_debug_on_alloc(pp_pool_t *pl, void *b) { (void)pl; (void)b; }
void pp_i_debug_on_free(pp_page_t *pg, pp_pool_t *pl, void *p) { (void)pg; (void)pl; (void)p; }
#endif
