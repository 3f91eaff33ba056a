/* harness/runner/engine_int.h — the replay engine's private parts, shared by its files
 * (engine.h is the public seam): the per-stream and per-run state and the few helpers
 * every concern uses.
 *
 *   engine.c           am_engine_run: set-up, rounds on barriers, measurement, teardown
 *   engine_ops.c       the op loop (hot path) and its out-of-line slow paths
 *   engine_threads.c   worker threads: start, `go`, RESPAWN, the live-bytes samples
 *   engine_chunks.c    chunked workloads: next chunk, rewind, per-phase op counts
 *   engine_validate.c  am_workload_validate: streams executable before anything runs */
#ifndef AM_ENGINE_INT_H
#define AM_ENGINE_INT_H

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "channel.h"
#include "engine.h"

#define AM_CHUNK 4096 /* ops between two looks at the abort flag */

#if defined(__x86_64__) || defined(__i386__)
#define AM_CPU_RELAX() __builtin_ia32_pause()
#else
#define AM_CPU_RELAX() atomic_signal_fence(memory_order_seq_cst)
#endif

typedef struct am_slot_s {
  void *p;
  uint64_t size; /* size word: see verify.h */
} am_slot_t;

enum { RC_OK = 0, RC_RESPAWN, RC_OOM, RC_CORRUPT, RC_ABORT };

struct am_engine_s;
typedef struct am_worker_s {
  _Alignas(64) struct am_engine_s *e;
  unsigned id;
  const am_op_t *ops;
  size_t n_ops;
  am_slot_t *slots;
  uint32_t n_slots;
  uint64_t *phase_ts;   /* n_phases stamps (absolute ns; 0: not reached) */
  am_lat_hist_t *hist;  /* NULL unless latency mode                       */
  size_t pos;           /* next op                                        */
  unsigned round;
  int resuming;         /* a successor thread continuing mid-round        */
  unsigned lat_countdown;
  uint32_t vtag;        /* VERIFY tag counter                             */
  pthread_t tid, pred;
  int has_pred;
  uint64_t start_ns;     /* when this stream's round started (saw `go`)  */
  uint64_t end_ns;
  uint64_t respawns;
  uint64_t recv_wait_ns;        /* this round: time RECVs waited for their SEND   */
  /* Live requested bytes (engine.h): this round's running sums, written only by the
   * thread running this stream, read by the samplers. */
  _Atomic uint64_t live_alloc;  /* requested bytes allocated                     */
  _Atomic uint64_t live_freed;  /* requested bytes freed                         */
  uint64_t live_seen;           /* largest live sum this worker sampled          */
  uint64_t live_samples;        /* how many                                      */
  int phase_cur;                /* phase of the ops counted so far (-1: none)    */
} am_worker_t;

typedef struct am_engine_s {
  const am_backend_t *b;
  const am_workload_t *w;
  am_chan_t *chans;
  am_worker_t *wk;
  unsigned n, rounds, lat_every;
  const char *dump_path;       /* backend's heap map at phase dump_phase (-1: none mid-run) */
  int dump_phase;
  int paced;                   /* PAUSE ops wait (am_engine_opts_t.paced)             */
  _Atomic int dump_state;      /* 0 not yet, else backend_dump()'s result            */
  _Alignas(64) _Atomic unsigned go;
  _Alignas(64) _Atomic unsigned ready;
  _Alignas(64) _Atomic int abort;
  _Atomic int more;            /* chunked: after `release`, go on with the next chunk */
  _Atomic int status;
  char error[512];
  pthread_barrier_t done, release;
  sem_t finished;
} am_engine_t;

/* A thread that cannot be started for want of memory (EAGAIN/ENOMEM: no room for its stack
 * under an address-space limit) ends the run as oom, like a NULL from the allocator. */
#define AM_THREAD_FAIL_STATUS(rc) ((rc) == EAGAIN || (rc) == ENOMEM ? AM_ENGINE_OOM : AM_ENGINE_ERROR)

/* The first failure wins: status and message kept, every thread told to stop
 * (engine_threads.c). */
__attribute__((format(printf, 3, 4)))
void am_engine_fail(am_engine_t *e, int status, const char *fmt, ...);

/* Op names for messages ("malloc", ...), indexed by am_op_t.kind (engine_ops.c). */
extern const char *const am_engine_op_names[AM_OP_KIND_MAX];

/* ---- live requested bytes (engine.h) ---- */

/* Add n to one of this worker's own sums: a relaxed load and store (the worker is the
 * only writer), no read-modify-write. */
static inline __attribute__((always_inline)) void am_live_add(_Atomic uint64_t *c, uint64_t n) {
  atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}
uint64_t am_live_sum(const am_engine_t *e);  /* one sample of the live total (engine_threads.c) */
uint64_t am_live_probe(void *ctx);           /* the same, for the RSS sampler (ctx: the engine) */
void am_live_sample(am_worker_t *wk);        /* a worker's own sample: PHASE marker, stream end */

/* touch "pages": a byte at every 4 KiB offset and the last byte (rptest's commit loop). */
void am_touch_pages(void *p, uint64_t n);

/* The backend's heap map into path (am_backend_t.dump). 1 written, -1 the backend has
 * no dump hook, -2 it failed. */
int am_engine_backend_dump(const am_backend_t *b, const char *path);

/* ---- the op loop (engine_ops.c) ---- */

/* Run wk's stream from wk->pos until its end, a RESPAWN, a failure or an abort: RC_*.
 * The latency form times one op in e->lat_every. */
int am_engine_run_plain(am_worker_t *wk);
int am_engine_run_latency(am_worker_t *wk);

/* ---- threads (engine_threads.c) ---- */

void *am_engine_worker_main(void *arg);          /* a stream's (first or successor) thread */
void am_engine_wait_ready(am_engine_t *e, unsigned target); /* main: `ready` reaches target */

/* ---- chunks (engine_chunks.c) ---- */

/* Chunked, between replays: chunk 0 again. 0, or -1 with the engine failed. */
int am_engine_rewind_chunks(am_engine_t *e, const am_engine_opts_t *o);
/* Chunked, every worker at `done`: chunk k of this replay. 1 loaded, 0 none left, -1
 * with the engine failed. */
int am_engine_next_chunk(am_engine_t *e, const am_engine_opts_t *o, uint64_t k);
/* Ops per phase of the streams (chunk) the workers just ran, added to r->phases. */
void am_engine_count_phase_ops(am_engine_t *e, am_engine_result_t *r);
/* First start and last end of the workers' current chunk (or whole stream). */
void am_engine_span(const am_engine_t *e, uint64_t t0, uint64_t *start, uint64_t *end);

/* ---- validation (engine_validate.c) ---- */

/* am_workload_validate, with `carried`: NULL, or the channels holding what earlier
 * chunks sent and nobody received yet. 0, or -1 with why filled. */
int am_engine_validate(const am_workload_t *w, const am_chan_t *carried, char *why, size_t cap);

/* ---- memory: every engine table is mmap'd (no malloc of our own near the timer) ---- */

void *am_engine_map_zero(size_t len, int populate); /* zeroed pages, or NULL */
static inline size_t am_page_round(size_t n) { return (n + 4095) & ~(size_t)4095; }

#endif /* AM_ENGINE_INT_H */
