/* harness/runner/channel.h — the channels that carry objects between worker threads.
 *
 * Two kinds (ops.h am_chan_kind_t, chosen per channel by the workload):
 *
 * Pair channels. ops.h defines them as unbounded FIFOs preallocated to the number of
 * SENDs on them, so they never wrap: a plain array of entries with two tickets. SEND
 * takes the next tail ticket (atomic add), fills that entry and publishes it (release);
 * RECV takes the next head ticket and waits until its entry is published (acquire):
 * first spinning with a pause, then yielding the CPU, and giving up when the engine
 * aborts (a peer failed). With one producer and one consumer it costs one uncontended
 * atomic add per side.
 *
 * Shared channels (a pattern's `queue: "shared"`): any number of senders and receivers
 * share one queue of `cap` entries, LIFO (a stack) or FIFO, guarded by one mutex, the
 * shape of xmalloc-test's batch stack: a SEND that finds it full waits on `nonfull`, a
 * RECV that finds it empty waits on `nonempty`; each signals the other condition after
 * its change. Waiting threads sleep in the kernel rather than spin, which matters when
 * there are more threads than CPUs. am_chans_wake breaks every wait when the engine
 * aborts.
 *
 * Entries are mmap'd and prefaulted before timing. */
#ifndef AM_CHANNEL_H
#define AM_CHANNEL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "ops.h"

typedef struct am_chan_entry_s {
  void *p;
  uint64_t size;            /* slot size word (see verify.h), travels with the object */
  _Atomic uint32_t full;
  uint32_t pad;
} am_chan_entry_t;

typedef struct am_chan_s {
  _Alignas(64) _Atomic size_t tail;  /* pair: producers' ticket */
  _Alignas(64) _Atomic size_t head;  /* pair: consumers' ticket */
  _Alignas(64) am_chan_entry_t *ent;
  size_t cap;
  size_t map_len;
  am_chan_spec_t spec;
  /* shared channels: the queue is ent[first .. first + count) (mod cap) */
  _Alignas(64) pthread_mutex_t mu;
  pthread_cond_t nonempty, nonfull;
  size_t count, first;
} am_chan_t;

int am_chan_send_shared(am_chan_t *c, void *p, uint64_t size, _Atomic int *abort);
int am_chan_recv_shared(am_chan_t *c, _Atomic int *abort, void **p, uint64_t *size);

/* Send an object: 0, or -1 when the engine aborted while a shared SEND waited. */
static inline int am_chan_send(am_chan_t *c, void *p, uint64_t size, _Atomic int *abort) {
  if (__builtin_expect(c->spec.kind != AM_CHAN_PAIR, 0)) return am_chan_send_shared(c, p, size, abort);
  size_t i = atomic_fetch_add_explicit(&c->tail, 1, memory_order_relaxed);
  am_chan_entry_t *e = &c->ent[i];
  e->p = p;
  e->size = size;
  atomic_store_explicit(&e->full, 1, memory_order_release);
  return 0;
}

/* Slow path of a pair RECV: wait for entry e; 0 when it is there, -1 when *abort was set.
 * The time spent waiting (CLOCK_MONOTONIC) is added to *waited_ns. */
int am_chan_wait(am_chan_entry_t *e, _Atomic int *abort, uint64_t *waited_ns);

/* Take the next object into *p, *size: 0, or -1 when the engine aborted while waiting. */
/* A pair RECV that had to wait adds the wait to *waited_ns (the fast path reads no
 * clock); shared channels' waits are not counted. */
static inline int am_chan_recv(am_chan_t *c, _Atomic int *abort, void **p, uint64_t *size, uint64_t *waited_ns) {
  if (__builtin_expect(c->spec.kind != AM_CHAN_PAIR, 0)) return am_chan_recv_shared(c, abort, p, size);
  size_t i = atomic_fetch_add_explicit(&c->head, 1, memory_order_relaxed);
  am_chan_entry_t *e = &c->ent[i];
  if (__builtin_expect(!atomic_load_explicit(&e->full, memory_order_acquire), 0) && am_chan_wait(e, abort, waited_ns) != 0)
    return -1;
  *p = e->p;
  *size = e->size;
  return 0;
}

/* mmap'd channels with these capacities and specs (spec NULL: all pair); 0 or -errno. */
int am_chans_create(am_chan_t **out, unsigned n, const size_t *cap, const am_chan_spec_t *spec);
/* Between replays: entries left in a channel are returned through free_fn (may be
 * NULL), tickets and flags reset. */
void am_chans_reset(am_chan_t *c, unsigned n, void (*free_fn)(void *ctx, void *p), void *ctx);
/* Between two chunks of a chunked workload (no thread in a channel): the entries not
 * yet received move to the front, tickets restart there. The tail is then the number
 * of objects in flight, which the next chunk's capacity check counts. */
void am_chans_compact(am_chan_t *c, unsigned n);
/* Objects sent and not yet received (no thread in the channel). */
size_t am_chan_inflight(const am_chan_t *c);
/* The engine aborts: wake every thread waiting in a shared channel (it sees *abort). */
void am_chans_wake(am_chan_t *c, unsigned n);
void am_chans_destroy(am_chan_t *c, unsigned n);

#endif /* AM_CHANNEL_H */
