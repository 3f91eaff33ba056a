/* harness/common/pattern.h — pattern files (patterns/NAME.json, format "allocmark-pattern/1")
 * and their compilation into operation streams (ops.h).
 *
 * The format is documented field by field in patterns/README.md. Loading validates
 * everything: unknown keys, wrong types and impossible values are errors reported in
 * one line "<file>: <JSON path or line:col>: <what was expected>" (am_diag_t).
 * Both the driver (check, run planning) and the runners (stream generation) load
 * patterns with this API; generation depends only on the pattern, the options and
 * the seed, so every backend's runner builds the identical streams.
 */
#ifndef AM_PATTERN_H
#define AM_PATTERN_H

#include <stddef.h>
#include <stdint.h>
#include "am_error.h"
#include "ops.h"

struct cJSON;
typedef struct am_pattern_s am_pattern_t; /* opaque */

/* Read, parse and validate a pattern file. 0, or a negative AM_E* code with d filled. */
int am_pattern_load(const char *path, am_pattern_t **out, am_diag_t *d);
/* The same from text in memory; `path` is only used in messages. */
int am_pattern_parse(const char *path, const char *text, size_t len, am_pattern_t **out, am_diag_t *d);
void am_pattern_free(am_pattern_t *p);

const char *am_pattern_name(const am_pattern_t *p);        /* "name", else the file stem   */
const char *am_pattern_path(const am_pattern_t *p);
const char *am_pattern_sha256(const am_pattern_t *p);      /* hex digest of the file bytes */
unsigned am_pattern_repetitions(const am_pattern_t *p);    /* default repetitions (5)      */
unsigned am_pattern_warmup(const am_pattern_t *p);         /* untimed replays before the timed one */
uint64_t am_pattern_seed(const am_pattern_t *p);
/* Thread counts to run: the pattern's list (a sweep), or its one count. Returns how
 * many were written to out (at most cap). "ncpu" entries are resolved here. */
size_t am_pattern_thread_counts(const am_pattern_t *p, unsigned *out, size_t cap);
const char *am_pattern_description(const am_pattern_t *p);  /* "" when none             */
size_t am_pattern_phase_count(const am_pattern_t *p);
const char *am_pattern_phase_name(const am_pattern_t *p, size_t i); /* index of AM_OP_PHASE arg */
/* The full spec as parsed, every default filled in (caller frees with cJSON_Delete). */
struct cJSON *am_pattern_spec_json(const am_pattern_t *p);

typedef struct am_gen_opts_s {
  uint64_t seed;     /* 0: the pattern's seed, unless seed_set          */
  unsigned threads;  /* 0: the pattern's first thread count             */
  int quick;         /* 1: the pattern's `quick` scale (CI-sized)       */
  int seed_set;      /* 1: seed is the seed, 0 included (--seed 0)      */
  unsigned char touch; /* traces: done to each new block (am_touch_t; 0 none);
                          a pattern's phases carry their own               */
  int paced;         /* traces: keep the recorded gaps (run --paced)     */
} am_gen_opts_t;

/* Size of the workload without generating it: ops, and peak live bytes as
 * ops.h defines it (for --max-memory checks in the driver). */
int am_workload_estimate(const am_pattern_t *p, const am_gen_opts_t *o,
                         uint64_t *ops, uint64_t *peak_live_bytes, am_diag_t *d);
/* Generate the streams (mmap'd). 0, or a negative AM_E* code with d filled. */
int am_workload_build(const am_pattern_t *p, const am_gen_opts_t *o, am_workload_t **out, am_diag_t *d);
void am_workload_free(am_workload_t *w);

/* Chunked generation, for workloads too large to hold: the same streams in pieces.
 * am_gen_open walks the workload once counting (untimed; same errors and limits as
 * am_workload_build) and prepares a write walk. am_gen_workload's header then holds
 * the totals of the whole workload (total_ops, alloc_ops, free_ops, peak_live_bytes,
 * n_slots per stream, n_phases) and channel_capacity per chunk: the entries a channel
 * needs for the objects in flight when a chunk begins plus the chunk's SENDs (the
 * engine compacts its channels between chunks). Each am_gen_next puts the next chunk
 * into the header's streams (mmap'd per-thread buffers, reused): whole rounds of the
 * generator's schedule for every thread, ending once the chunk holds max_ops ops
 * (PHASE markers included; one round may overshoot), so every RECV of chunk k has its
 * SEND in a chunk <= k. Concatenated, a thread's chunks are exactly its stream from
 * am_workload_build, and the checksum (set when the last chunk is out; 0 before) is
 * the same. am_gen_rewind starts over from chunk 0 (warm-up replays). */
typedef struct am_gen_s am_gen_t;
int am_gen_open(const am_pattern_t *p, const am_gen_opts_t *o, uint64_t max_ops, am_gen_t **out, am_diag_t *d);
uint64_t am_gen_chunks(const am_gen_t *gen);     /* chunks the walk takes (>= 1)       */
am_workload_t *am_gen_workload(am_gen_t *gen);   /* owned by gen                       */
/* 1 a chunk was generated, 0 none left, or a negative AM_E* code with d filled. */
int am_gen_next(am_gen_t *gen, am_diag_t *d);
int am_gen_rewind(am_gen_t *gen, am_diag_t *d);  /* 0, or a negative AM_E* code     */
void am_gen_close(am_gen_t *gen);

#endif /* AM_PATTERN_H */
