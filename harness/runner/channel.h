/* harness/runner/channel.h — the channels that carry objects between worker threads.
 *
 * ops.h defines a channel as an unbounded FIFO preallocated to the number of SENDs on
 * it, so it never wraps: it is a plain array of entries with two tickets. SEND takes
 * the next tail ticket (atomic add), fills that entry and publishes it (release);
 * RECV takes the next head ticket and waits until its entry is published (acquire):
 * first spinning with a pause, then yielding the CPU, and giving up when the engine
 * aborts (a peer failed). Any number of producers and consumers may share a channel
 * (MPMC); with one of each it costs one uncontended atomic add per side.
 * Entries are mmap'd and prefaulted before timing. */
#ifndef AM_CHANNEL_H
#define AM_CHANNEL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct am_chan_entry_s {
  void *p;
  uint64_t size;            /* slot size word (see engine.c), travels with the object */
  _Atomic uint32_t full;
  uint32_t pad;
} am_chan_entry_t;

typedef struct am_chan_s {
  _Alignas(64) _Atomic size_t tail;  /* producers' ticket */
  _Alignas(64) _Atomic size_t head;  /* consumers' ticket */
  _Alignas(64) am_chan_entry_t *ent;
  size_t cap;
  size_t map_len;
} am_chan_t;

static inline void am_chan_send(am_chan_t *c, void *p, uint64_t size) {
  size_t i = atomic_fetch_add_explicit(&c->tail, 1, memory_order_relaxed);
  am_chan_entry_t *e = &c->ent[i];
  e->p = p;
  e->size = size;
  atomic_store_explicit(&e->full, 1, memory_order_release);
}

/* Slow path of RECV: wait for entry e; 0 when it is there, -1 when *abort was set.
 * The time spent waiting (CLOCK_MONOTONIC) is added to *waited_ns. */
int am_chan_wait(am_chan_entry_t *e, _Atomic int *abort, uint64_t *waited_ns);

/* Take the next entry; NULL when the engine aborted while waiting. A RECV that had
 * to wait adds the wait to *waited_ns (the fast path reads no clock). */
static inline am_chan_entry_t *am_chan_recv(am_chan_t *c, _Atomic int *abort, uint64_t *waited_ns) {
  size_t i = atomic_fetch_add_explicit(&c->head, 1, memory_order_relaxed);
  am_chan_entry_t *e = &c->ent[i];
  if (__builtin_expect(!atomic_load_explicit(&e->full, memory_order_acquire), 0) && am_chan_wait(e, abort, waited_ns) != 0)
    return NULL;
  return e;
}

/* mmap'd channels with these capacities; 0 or -errno. */
int am_chans_create(am_chan_t **out, unsigned n, const size_t *cap);
/* Between replays: entries left in a channel are returned through free_fn (may be
 * NULL), tickets and flags reset. */
void am_chans_reset(am_chan_t *c, unsigned n, void (*free_fn)(void *ctx, void *p), void *ctx);
/* Between two chunks of a chunked workload (no thread in a channel): the entries not
 * yet received move to the front, tickets restart there. The tail is then the number
 * of objects in flight, which the next chunk's capacity check counts. */
void am_chans_compact(am_chan_t *c, unsigned n);
void am_chans_destroy(am_chan_t *c, unsigned n);

#endif /* AM_CHANNEL_H */
