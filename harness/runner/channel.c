/* harness/runner/channel.c — channel allocation, reset, compaction, the pair RECV wait
 * and the shared (mutex + condition variable) queue (channel.h). */
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

/* ---- shared channels ---- */

__attribute__((noinline)) int am_chan_send_shared(am_chan_t *c, void *p, uint64_t size, _Atomic int *abort) {
  pthread_mutex_lock(&c->mu);
  while (c->count >= c->cap) {
    if (atomic_load_explicit(abort, memory_order_relaxed)) { pthread_mutex_unlock(&c->mu); return -1; }
    pthread_cond_wait(&c->nonfull, &c->mu);
  }
  size_t pos = c->spec.lifo ? c->count : (c->first + c->count) % c->cap;
  c->ent[pos].p = p;
  c->ent[pos].size = size;
  c->count++;
  pthread_cond_signal(&c->nonempty);
  pthread_mutex_unlock(&c->mu);
  return 0;
}

__attribute__((noinline)) int am_chan_recv_shared(am_chan_t *c, _Atomic int *abort, void **p, uint64_t *size) {
  pthread_mutex_lock(&c->mu);
  while (c->count == 0) {
    if (atomic_load_explicit(abort, memory_order_relaxed)) { pthread_mutex_unlock(&c->mu); return -1; }
    pthread_cond_wait(&c->nonempty, &c->mu);
  }
  size_t pos;
  if (c->spec.lifo) pos = c->count - 1;
  else {
    pos = c->first;
    c->first = (c->first + 1) % c->cap;
  }
  c->count--;
  *p = c->ent[pos].p;
  *size = c->ent[pos].size;
  c->ent[pos].p = NULL;
  pthread_cond_signal(&c->nonfull);
  pthread_mutex_unlock(&c->mu);
  return 0;
}

void am_chans_wake(am_chan_t *c, unsigned n) {
  for (unsigned i = 0; c != NULL && i < n; i++) {
    if (c[i].spec.kind == AM_CHAN_PAIR) continue;
    pthread_mutex_lock(&c[i].mu);
    pthread_cond_broadcast(&c[i].nonempty);
    pthread_cond_broadcast(&c[i].nonfull);
    pthread_mutex_unlock(&c[i].mu);
  }
}

size_t am_chan_inflight(const am_chan_t *c) {
  if (c->spec.kind != AM_CHAN_PAIR) return c->count;
  size_t t = atomic_load(&c->tail), h = atomic_load(&c->head);
  return t > h ? t - h : 0;
}

static void *map_populated(size_t len) {
  void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

int am_chans_create(am_chan_t **out, unsigned n, const size_t *cap, const am_chan_spec_t *spec) {
  *out = NULL;
  if (n == 0) return 0;
  size_t hl = ((size_t)n * sizeof(am_chan_t) + 4095) & ~(size_t)4095;
  am_chan_t *c = map_populated(hl);
  if (c == NULL) return -errno;
  for (unsigned i = 0; i < n; i++) {
    c[i].cap = cap[i];
    if (spec != NULL) c[i].spec = spec[i];
    if (c[i].spec.kind != AM_CHAN_PAIR) {
      if (c[i].cap == 0) c[i].cap = 1;
      pthread_mutex_init(&c[i].mu, NULL);
      pthread_cond_init(&c[i].nonempty, NULL);
      pthread_cond_init(&c[i].nonfull, NULL);
    }
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
    if (c[i].spec.kind != AM_CHAN_PAIR) {
      for (size_t k = 0; k < c[i].count; k++) {
        size_t pos = c[i].spec.lifo ? k : (c[i].first + k) % c[i].cap;
        if (c[i].ent[pos].p != NULL && free_fn != NULL) free_fn(ctx, c[i].ent[pos].p);
      }
      memset(c[i].ent, 0, c[i].cap * sizeof *c[i].ent);
      c[i].count = c[i].first = 0;
      continue;
    }
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
    if (c[i].spec.kind != AM_CHAN_PAIR) continue; /* no tickets: nothing to move */
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
  for (unsigned i = 0; i < n; i++) {
    if (c[i].spec.kind != AM_CHAN_PAIR) {
      pthread_mutex_destroy(&c[i].mu);
      pthread_cond_destroy(&c[i].nonempty);
      pthread_cond_destroy(&c[i].nonfull);
    }
    munmap(c[i].ent, c[i].map_len);
  }
  munmap(c, ((size_t)n * sizeof(am_chan_t) + 4095) & ~(size_t)4095);
}
