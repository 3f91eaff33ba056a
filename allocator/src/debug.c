/* allocator/src/debug.c — misuse reports, and debug mode (build option PP_DEBUG).
 *
 * pp_i_die / pp_i_die_block write one line "pagepool: <what> 0x<address> (<class>)" with
 * write(2) only (they may run inside malloc) and abort. Always on (release builds too):
 * a free of a large block that is not live — double free, or a foreign pointer — is
 * caught by its header's magic word (large.c; one compare on the large path).
 *
 * With PP_DEBUG=1, for pool blocks:
 *   - each pool keeps a bitmap of handed-out blocks, updated atomically on allocation and on
 *     every free (local or remote): a second free, a free of a pointer that is not a block
 *     start (interior), into an unused pool or a free page, is reported;
 *   - use after free: a freed block is poisoned with PP_POISON past its free-list link
 *     (fresh pools too, page.c), and the poison is checked when the block is handed out
 *     again: a write into a freed block is reported as "write after free";
 *   - writes past the end: the bytes between the requested size and the class size are a
 *     canary (PP_CANARY, the allocation fill), checked at free and at an in-place realloc
 *     ("write past the end of a block"). A request of exactly a class size has no canary.
 *     The requested size of each block is kept in its pool's cold fields (req[]).
 *     Large blocks own spans: the bytes after the block up to 16 (the span's page slack)
 *     are a canary checked at free (large.c).
 *   - new blocks are filled with PP_CANARY (calloc then zeroes), freed ones poisoned.
 * Debug mode reads the bytes past the requested size as the canary even where
 * malloc_usable_size says they are usable.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pp_fast.h"

/* Appends s / the decimal or hex of v to buf at *n (bounded). */
static void pp_put(char *buf, size_t cap, size_t *n, const char *s) {
  while (*s && *n < cap) buf[(*n)++] = *s++;
}
static void pp_put_num(char *buf, size_t cap, size_t *n, uintptr_t v, unsigned base) {
  char tmp[24];
  int k = 0;
  do { tmp[k++] = "0123456789abcdef"[v % base]; v /= base; } while (v != 0 && k < 24);
  while (k > 0 && *n < cap) buf[(*n)++] = tmp[--k];
}

__attribute__((noreturn)) static void pp_report(const char *what, const void *p, const char *pre_cls, size_t size, size_t req,
                      const char *post) {
  char buf[256];
  size_t n = 0, cap = sizeof buf - 1;
  pp_put(buf, cap, &n, "pagepool: ");
  pp_put(buf, cap, &n, what);
  pp_put(buf, cap, &n, " 0x");
  pp_put_num(buf, cap, &n, (uintptr_t)p, 16);
  if (pre_cls != NULL) {
    pp_put(buf, cap, &n, " (");
    pp_put(buf, cap, &n, pre_cls);
    if (size != 0) {
      pp_put_num(buf, cap, &n, size, 10);
      pp_put(buf, cap, &n, " B");
    }
    if (req != (size_t)-1) {
      pp_put(buf, cap, &n, ", requested ");
      pp_put_num(buf, cap, &n, req, 10);
      pp_put(buf, cap, &n, " B");
    }
    pp_put(buf, cap, &n, post);
    pp_put(buf, cap, &n, ")");
  }
  buf[n++] = '\n';
  ssize_t w = write(2, buf, n);
  (void)w;
  abort();
}

void pp_i_die(const char *what, const void *p) { pp_report(what, p, NULL, 0, (size_t)-1, ""); }

void pp_i_die_block(const char *what, const void *p, size_t class_size, size_t req) {
  if (class_size == 0) pp_report(what, p, "not a block of pagepool", 0, (size_t)-1, "");
  else pp_report(what, p, "class ", class_size, req, "");
}

void pp_i_die_large(const char *what, const void *p, size_t size) {
  pp_report(what, p, size != 0 ? "large block of " : "large block", size, (size_t)-1, "");
}

#if PP_DEBUG
static unsigned pp_block_index(pp_pool_t *pl, const void *b, size_t size) {
  return (unsigned)(((uintptr_t)b - pp_i_cold(pl)->base) / size);
}

/* First byte of b[from, to) that is not v, or NULL. */
static const unsigned char *pp_not(const void *b, size_t from, size_t to, unsigned char v) {
  const unsigned char *c = b;
  for (size_t i = from; i < to; i++)
    if (c[i] != v) return c + i;
  return NULL;
}

void pp_i_debug_on_alloc(pp_pool_t *pl, void *b) {
  pp_pool_cold_t *c = pp_i_cold(pl);
  size_t size = PP_LD(c->size);
  unsigned i = pp_block_index(pl, b, size);
  uint64_t bit = (uint64_t)1 << (i % 64);
  uint64_t old = atomic_fetch_or_explicit(&c->live[i / 64], bit, memory_order_relaxed);
  if (old & bit) pp_i_die_block("heap corrupted: block handed out twice (free list damaged)", b, size, (size_t)-1);
  if (pp_not(b, sizeof(void *), size, PP_POISON) != NULL)
    pp_i_die_block("write after free into block", b, size, (size_t)-1);
  memset(b, PP_CANARY, size);
  c->req[i] = (uint16_t)size; /* no canary unless the caller says what it asked for */
}

void *pp_i_debug_requested(void *b, size_t n) {
  pp_pool_t *pl = pp_i_block_pool(b);
  pp_pool_cold_t *c = pp_i_cold(pl);
  size_t size = PP_LD(c->size);
  unsigned i = pp_block_index(pl, b, size);
  if (pp_not(b, c->req[i], size, PP_CANARY) != NULL)
    pp_i_die_block("write past the end of block", b, size, c->req[i]);
  if (n > size) n = size;
  memset((char *)b + n, PP_CANARY, size - n);
  c->req[i] = (uint16_t)n;
  return b;
}

size_t pp_i_debug_req(pp_pool_t *pl, const void *b) {
  pp_pool_cold_t *c = pp_i_cold(pl);
  size_t size = PP_LD(c->size);
  return size == 0 ? 0 : c->req[pp_block_index(pl, b, size)];
}

void pp_i_debug_on_free(pp_page_t *pg, pp_pool_t *pl, void *p) {
  if (PP_LD(pg->state) != PP_PAGE_ACTIVE) pp_i_die_block("free of a pointer into a free page (double free?)", p, 0, 0);
  pp_pool_cold_t *c = pp_i_cold(pl);
  size_t size = PP_LD(c->size);
  if (size == 0) pp_i_die_block("free of a pointer into an unused pool (double free?)", p, 0, 0);
  if (!pp_i_block_start(pl, (uintptr_t)p)) /* or in the pool's unused tail */
    pp_i_die_block("free of a foreign pointer (not a block start)", p, size, (size_t)-1);
  unsigned i = pp_block_index(pl, p, size);
  uint64_t bit = (uint64_t)1 << (i % 64);
  uint64_t old = atomic_fetch_and_explicit(&c->live[i / 64], ~bit, memory_order_relaxed);
  if (!(old & bit)) pp_i_die_block("double free", p, size, (size_t)-1);
  if (pp_not(p, c->req[i], size, PP_CANARY) != NULL) pp_i_die_block("write past the end of block", p, size, c->req[i]);
  if (size > sizeof(void *)) memset((char *)p + sizeof(void *), PP_POISON, size - sizeof(void *));
}
#else
void pp_i_debug_on_alloc(pp_pool_t *pl, void *b) { (void)pl; (void)b; }
void pp_i_debug_on_free(pp_page_t *pg, pp_pool_t *pl, void *p) { (void)pg; (void)pl; (void)p; }
#endif
