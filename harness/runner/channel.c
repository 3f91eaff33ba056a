/* harness/runner/channel.c — channel allocation, reset, compaction and the RECV wait (channel.h). */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include "channel.h"

#if defined(__x86_64__) || defined(__i386__)
#define AM_CPU_RELAX() __builtin_ia32_pause()
#else
#define AM_CPU_RELAX() atomic_signal_fence(memory_order_seq_cst)
#endif

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

__attribute__((noinline)) int am_chan_wait(am_chan_entry_t *e, _Atomic int *abort, uint64_t *waited_ns) {
  uint64_t t0 = mono_ns();
  int rc = 0;
  for (unsigned spins = 0;; spins++) {
    if (atomic_load_explicit(&e->full, memory_order_acquire)) break;
    if (spins < 2000) { AM_CPU_RELAX(); continue; }
    if (atomic_load_explicit(abort, memory_order_relaxed)) { rc = -1; break; }
    sched_yield();
  }
  *waited_ns += mono_ns() - t0;
  return rc;
}

static void *map_populated(size_t len) {
  void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

int am_chans_create(am_chan_t **out, unsigned n, const size_t *cap) {
  *out = NULL;
  if (n == 0) return 0;
  size_t hl = ((size_t)n * sizeof(am_chan_t) + 4095) & ~(size_t)4095;
  am_chan_t *c = map_populated(hl);
  if (c == NULL) return -errno;
  for (unsigned i = 0; i < n; i++) {
    c[i].cap = cap[i];
    c[i].map_len = ((cap[i] + 1) * sizeof(am_chan_entry_t) + 4095) & ~(size_t)4095;
    c[i].ent = map_populated(c[i].map_len);
    if (c[i].ent == NULL) {
      int err = errno;
      for (unsigned j = 0; j < i; j++) munmap(c[j].ent, c[j].map_len);
      munmap(c, hl);
      return -err;
    }
  }
  *out = c;
  return 0;
}

void am_chans_reset(am_chan_t *c, unsigned n, void (*free_fn)(void *ctx, void *p), void *ctx) {
  for (unsigned i = 0; i < n; i++) {
    size_t t = atomic_load(&c[i].tail), h = atomic_load(&c[i].head);
    if (t > c[i].cap) t = c[i].cap;
    for (size_t k = h; k < t && free_fn != NULL; k++)
      if (c[i].ent[k].p != NULL) free_fn(ctx, c[i].ent[k].p);
    memset(c[i].ent, 0, t * sizeof *c[i].ent);
    atomic_store(&c[i].tail, 0);
    atomic_store(&c[i].head, 0);
  }
}

void am_chans_compact(am_chan_t *c, unsigned n) {
  for (unsigned i = 0; i < n; i++) {
    size_t t = atomic_load(&c[i].tail), h = atomic_load(&c[i].head);
    if (h == 0 || h > t) continue;
    memmove(c[i].ent, c[i].ent + h, (t - h) * sizeof *c[i].ent);
    memset(c[i].ent + (t - h), 0, h * sizeof *c[i].ent);
    atomic_store(&c[i].tail, t - h);
    atomic_store(&c[i].head, 0);
  }
}

void am_chans_destroy(am_chan_t *c, unsigned n) {
  if (c == NULL) return;
  for (unsigned i = 0; i < n; i++) munmap(c[i].ent, c[i].map_len);
  munmap(c, ((size_t)n * sizeof(am_chan_t) + 4095) & ~(size_t)4095);
}
