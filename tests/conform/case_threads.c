/* tests/conform/case_threads.c — the multithreaded conformance case.
 *
 * NTHREADS workers, each with its own deterministic seed, allocate, fill (canary),
 * check and free blocks in their own slots; about half of the blocks they retire are
 * handed to a shared queue instead, and every worker also takes blocks off that queue,
 * checks their canary and frees them: cross-thread frees. After the join the blocks
 * still live (in slots and queue) are checked for overlap, checked and freed by the
 * main thread. Needs AM_CAP_THREADS; calls the backend's thread_init/thread_exit. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include "conform.h"

enum { NTHREADS = 4, TSLOTS = 1024, TOPS = 40000, QCAP = 4096 };

typedef struct queue_s {
  pthread_mutex_t mu;
  cf_block_t item[QCAP];
  size_t head, count;
} queue_t;

typedef struct worker_s {
  const am_backend_t *b;
  int id;
  cf_block_t slot[TSLOTS];
  long cross_frees;
  int rc;
  cf_result_t r;
} worker_t;

static queue_t queue = {.mu = PTHREAD_MUTEX_INITIALIZER};
static atomic_int stop;
static worker_t workers[NTHREADS];

static int q_push(cf_block_t blk) {
  int ok = 0;
  pthread_mutex_lock(&queue.mu);
  if (queue.count < QCAP) {
    queue.item[(queue.head + queue.count++) % QCAP] = blk;
    ok = 1;
  }
  pthread_mutex_unlock(&queue.mu);
  return ok;
}

static int q_pop(cf_block_t *out) {
  int ok = 0;
  pthread_mutex_lock(&queue.mu);
  if (queue.count > 0) {
    *out = queue.item[queue.head];
    queue.head = (queue.head + 1) % QCAP;
    queue.count--;
    ok = 1;
  }
  pthread_mutex_unlock(&queue.mu);
  return ok;
}

static int checked(worker_t *w, const cf_block_t *blk, const char *whose) {
  size_t off = cf_verify(blk->p, blk->n, blk->seed);
  if (off == SIZE_MAX) return 0;
  w->rc = cf_fail(&w->r, "thread %d: %s block %p (%zu bytes) overwritten at byte %zu", w->id,
                  whose, (void *)blk->p, blk->n, off);
  atomic_store(&stop, 1);
  return w->rc;
}

static void *worker(void *arg) {
  worker_t *w = arg;
  const am_backend_t *b = w->b;
  cf_rng_t g = {0x7EAD0000u + (uint64_t)w->id};
  if (b->thread_init != NULL) b->thread_init();
  for (long op = 1; op <= TOPS && !atomic_load_explicit(&stop, memory_order_relaxed); op++) {
    cf_block_t blk;
    if (cf_rand(&g) % 4 == 0 && q_pop(&blk)) { /* a block another thread (maybe) allocated */
      if (checked(w, &blk, "queued")) break;
      am_free(b, blk.p);
      if ((int)(blk.seed >> 40) != w->id) w->cross_frees++; /* the seed names the allocating thread */
      continue;
    }
    cf_block_t *s = &w->slot[cf_rand(&g) % TSLOTS];
    if (s->p != NULL) {
      if (checked(w, s, "own")) break;
      if (cf_rand(&g) % 2 == 0 || !q_push(*s)) am_free(b, s->p);
      s->p = NULL;
      continue;
    }
    size_t n = cf_rand(&g) % 512 == 0 ? cf_rand_size(&g, (size_t)256 << 10) : cf_rand_size(&g, 8192);
    uint64_t seed = ((uint64_t)w->id << 40) | (uint64_t)op;
    s->p = (cf_rand(&g) % 8 == 0) ? am_calloc(b, 1, n) : am_malloc(b, n);
    if (s->p == NULL) {
      w->rc = cf_fail(&w->r, "thread %d: allocation of %zu returned NULL", w->id, n);
      atomic_store(&stop, 1);
      break;
    }
    if (!cf_aligned(s->p, cf_malloc_align(n))) {
      w->rc = cf_fail(&w->r, "thread %d: block %p (%zu bytes) is misaligned", w->id, (void *)s->p, n);
      atomic_store(&stop, 1);
      break;
    }
    s->n = n;
    s->seed = seed;
    cf_fill(s->p, n, seed);
  }
  if (b->thread_exit != NULL) b->thread_exit();
  return NULL;
}

int cf_case_threads(const am_backend_t *b, cf_result_t *r) {
  if (!(b->caps & AM_CAP_THREADS)) return cf_skip(r, "backend has no AM_CAP_THREADS");
  pthread_t th[NTHREADS];
  int started = 0;
  for (int i = 0; i < NTHREADS; i++) {
    workers[i].b = b;
    workers[i].id = i;
    if (pthread_create(&th[i], NULL, worker, &workers[i]) != 0) {
      atomic_store(&stop, 1);
      break;
    }
    started++;
  }
  for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
  if (started < NTHREADS) return cf_fail(r, "pthread_create failed after %d threads", started);

  /* Everything still live, from every thread and the queue: disjoint, intact, freed here. */
  static cf_block_t all[NTHREADS * TSLOTS + QCAP];
  size_t n = 0;
  long cross = 0;
  for (int i = 0; i < NTHREADS; i++) {
    for (int k = 0; k < TSLOTS; k++)
      if (workers[i].slot[k].p != NULL) all[n++] = workers[i].slot[k];
    cross += workers[i].cross_frees;
  }
  cf_block_t blk;
  while (q_pop(&blk)) all[n++] = blk;
  int rc = 0;
  for (int i = 0; i < NTHREADS && rc == 0; i++)
    if (workers[i].rc) rc = cf_fail(r, "%s", workers[i].r.msg);
  if (rc == 0) rc = cf_check_disjoint(all, n, r);
  for (size_t i = 0; i < n; i++) {
    size_t off = cf_verify(all[i].p, all[i].n, all[i].seed);
    if (rc == 0 && off != SIZE_MAX)
      rc = cf_fail(r, "block %p (%zu bytes) overwritten at byte %zu, found after the join",
                   (void *)all[i].p, all[i].n, off);
    am_free(b, all[i].p);
  }
  return rc ? rc : cf_note(r, "%d threads x %d ops, %ld cross-thread frees, %zu blocks live at the join",
                           NTHREADS, TOPS, cross, n);
}
