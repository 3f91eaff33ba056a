/* harness/runner/engine.h — the replay engine: executes a workload (ops.h) on one
 * backend, with one worker thread per stream, and measures it.
 *
 * Before timing: streams validated (slot, channel and phase indices in range, channel
 * capacities), slot tables and channels mmap'd and prefaulted, worker threads created
 * (backend thread_init on each), RSS sampler and perf counters opened, baseline RSS
 * read. Then `warmup` untimed replays and one timed replay of the same streams, each
 * started on a barrier; between replays every block still held is freed and the
 * channels are reset. The timed replay: peak RSS reset, rusage and counters read,
 * workers released; wall time (CLOCK_MONOTONIC) runs from the first worker's start to
 * the last worker's end. Phase times, thread ends and the RSS timeline count from the
 * release.
 *
 * Chunked workloads (o->next_chunk): within a replay, every worker runs chunk k,
 * stamps its end and meets the others at `done`; the main thread adds the chunk's span
 * (first start to last end) to the timed total, counts its ops per phase, compacts the
 * channels, loads chunk k+1 (generation: untimed), validates it and passes `release`
 * with `more` set: the workers stamp a new start and go on with their slots (blocks
 * stay live across chunks). RESPAWN successors and latency histograms carry over.
 *
 * The op loop (engine_ops.c) is a switch over am_op_t calling the backend through the
 * front layer (front.h): no malloc of our own, no random numbers, no stdio. A NULL
 * from the allocator (size > 0) stops the run with AM_ENGINE_OOM; a VERIFY mismatch
 * with AM_ENGINE_CORRUPT. PHASE records a timestamp per thread; RESPAWN ends the
 * worker thread (backend thread_exit) and a fresh thread goes on with its stream.
 *
 * Live requested bytes at run time. Each worker keeps two running sums for the round:
 * requested bytes it allocated (MALLOC, CALLOC, ALIGNED, REALLOC's new size; added
 * when the call returns) and requested bytes it freed (FREE, REALLOC's old size;
 * added when the call is made for FREE, when it returns for REALLOC). Both only grow;
 * each is published with a relaxed store of the worker's own new value (a plain mov
 * on x86-64; no atomic read-modify-write). SEND and RECV move an object without
 * changing the total, so they touch neither sum. A malloc immediately followed by the
 * free of the same slot (the fused pair of the op loop) changes neither: its bytes are
 * live only between two calls and no sampler can see them. The live total is
 * sum(allocated) - sum(freed) over the workers (a handed-off object is added on its
 * producer and subtracted on its consumer).
 * It is sampled (am_live_sample) by the RSS sampler thread at each tick, by each
 * worker at each PHASE marker and at the end of its stream, and exactly by the main
 * thread once every worker has finished (blocks still live). A sample reads every
 * `allocated` sum, then (acquire fence) every `freed` sum: the allocated part can only
 * be older and the freed part only newer than a moment between the two passes, so a
 * sample never exceeds the live total at that moment: it is a lower bound of the true
 * peak. r->live_peak_observed is the largest sample. A sample costs 2 x threads
 * loads (on the workers' cache lines); the op loop pays a load, an add and a store per
 * allocation or free. */
#ifndef AM_ENGINE_H
#define AM_ENGINE_H

#include <stdint.h>
#include "backend.h"
#include "latency.h"
#include "metrics.h"
#include "ops.h"
#include "perfctr.h"

enum { AM_ENGINE_OK = 0, AM_ENGINE_OOM, AM_ENGINE_CORRUPT, AM_ENGINE_ERROR };
const char *am_engine_status_name(int status); /* "ok", "oom", "error", "error" */

typedef struct am_engine_opts_s {
  unsigned warmup;          /* untimed replays before the timed one              */
  unsigned latency_every;   /* 0: off; N: time one op in N (1: every op)         */
  unsigned rss_interval_ms; /* RSS timeline interval; 0: no sampler              */
  int hw_counters;          /* 1: try perf_event_open                            */
  const char *dump_path;    /* file for the backend's dump hook (am_backend_t.dump) after
                               the timed replay, or NULL                            */
  int dump_phase;           /* with dump_path: -1 dump after the timed replay; N dump
                               when the timed replay reaches phase N's marker (inside the
                               timed region: for a map of the heap mid-run, never for a
                               measurement)                                         */
  /* Chunked workloads (patterns/README.md, "chunks"). NULL: w is the whole workload.
   * Else w holds chunk 0 and its totals are the whole workload's; next_chunk puts the
   * next chunk into w's streams (1), reports there is none (0) or fails (-1, why
   * filled); rewind_chunks puts chunk 0 back for the next replay (0 or -1). Both are
   * called by the main thread while every worker waits on a barrier, with the timer
   * stopped. Warm-up replays regenerate the chunks from the start. */
  int (*next_chunk)(void *ctx, char *why, size_t cap);
  int (*rewind_chunks)(void *ctx, char *why, size_t cap);
  void *chunk_ctx;
  int paced;                /* 1: PAUSE ops (a trace's recorded gaps) busy-wait their ns;
                               0: they do nothing                                    */
} am_engine_opts_t;

typedef struct am_phase_time_s {
  int seen;                 /* some thread reached this marker                   */
  uint64_t start_ns, end_ns;/* earliest marker, latest end (from the timer start) */
  uint64_t ops;             /* ops in the phase, over all threads                */
} am_phase_time_t;

typedef struct am_engine_result_s {
  int status;               /* AM_ENGINE_*                                       */
  char error[512];          /* what went wrong ("" when ok)                      */
  uint64_t wall_ns;         /* first worker's start -> last worker's end; chunked:
                               the sum of that span over the chunks              */
  uint64_t chunks;          /* chunks of the timed replay (1: not chunked)       */
  uint64_t start_delay_ns;  /* release (`go`, the timeline's 0) -> first worker start */
  unsigned n_threads;
  uint64_t *thread_end_ns;  /* per stream: its end, from the timer start         */
  uint64_t respawns;        /* threads replaced during the timed replay          */
  uint64_t recv_wait_ns;    /* timed replay: time RECVs spent waiting for their SEND,
                               summed over threads (the cross-thread edges' cost)  */
  unsigned n_phases;
  am_phase_time_t *phases;
  am_metrics_t m;
  am_rss_sampler_t *rss;    /* timeline (NULL when no sampler)                   */
  am_perf_t perf;
  am_stats_t backend_stats; /* after the timed replay, blocks still live         */
  int backend_stats_rc;     /* 0: reported                                       */
  am_lat_hist_t *lat;       /* merged histograms (NULL when latency is off)      */
  am_timer_cost_t timer_cost;
  int dumped;               /* 1 written, 0 not asked, -1 no dump hook, -2 failed,
                               -3 the phase to dump at was never reached            */
  uint64_t live_peak_observed; /* largest live-bytes sample of the timed replay (a lower
                                  bound of its true peak; see above)              */
  uint64_t live_end;        /* live bytes when every worker had finished (exact)  */
  uint64_t live_samples;    /* samples taken (ticks, markers, stream ends, end)   */
} am_engine_result_t;

/* Check that the streams are executable (indices in range, channel capacities
 * sufficient). 0, or -1 with why filled. */
int am_workload_validate(const am_workload_t *w, char *why, size_t cap);

/* Run the workload. Returns r->status; r must be freed with am_engine_result_free. */
int am_engine_run(const am_backend_t *b, const am_workload_t *w, const am_engine_opts_t *o,
                  am_engine_result_t *r);
void am_engine_result_free(am_engine_result_t *r);

#endif /* AM_ENGINE_H */
