/* harness/common/source.h — the workload-source interface: the one seam between a
 * workload file (of any kind) and everything that plans, replays, checks and reports it.
 *
 * The driver (`allocmark run`, `check`, `list`), the runner (`am-runner-X run`), the
 * results' `workload` block and the report speak to a workload only through this header.
 * A kind of workload is one `const am_source_kind_t` (a table of functions, SQLite-style)
 * in its own file, harness/common/source_<kind>.c (a trace's: harness/trace/
 * source_trace.c, beside its reader), listed once in source.c's table.
 * Implementing a new kind needs only this header:
 *
 *   1. Identify.  sniff(path, head, n): 1 when the file is of this kind. `head` is the
 *      file's first bytes (up to AM_SOURCE_SNIFF_BYTES; n may be smaller). Kinds are
 *      tried in the table's order; `pattern` (any other JSON) is last, the fallback.
 *   2. Load.      load(path, &impl, d): read and validate the whole file before anything
 *      runs. A bad file is one line in d->msg naming the file and the field (or byte
 *      offset), a negative AM_E* code (am_error.h): the driver prints it and exits 2 with
 *      nothing written. free(impl) releases it.
 *   3. Identity.  name(impl) (the workload's name in results and charts) and sha256(impl)
 *      (hex digest of the bytes the workload is made of: for a file, its bytes). The
 *      driver records the sha256 it planned with and passes it to every repetition
 *      (runner `--sha256`); a runner that loads a workload with another digest (the file
 *      was edited mid-run) fails that repetition with status `changed`.
 *   4. Plan.      repetitions, seed, warmup, thread_counts: the workload's defaults (0 /
 *      empty: none; the driver then uses its own). estimate(impl, opts, &ops, &peak): the
 *      op count and the peak live bytes at those options, without generating anything
 *      (for --max-memory and the ETA); NULL when the kind cannot tell (0 is recorded).
 *      phase_index(impl, name): the PHASE marker index a `--dump-at NAME` means, or -1;
 *      phase_count(impl): how many phases (`allocmark check` shows it). check(impl, d):
 *      the checks too slow for every load (a trace's every chunk decoded): the driver
 *      calls it once, before planning; NULL when load checked everything. flags:
 *      AM_SOURCE_PACEABLE, the kind holds recorded gaps that `run --paced` can keep.
 *   5. Describe.  describe(impl): a cJSON object, the kind's own part of the results'
 *      `workload` block (`workload.spec`: for a pattern, the parsed spec with defaults).
 *   6. Execute.   exec says how one repetition runs:
 *      AM_EXEC_REPLAY  the runner replays the workload through the engine, so it is
 *                      identical on every backend. open(impl, opts, max_ops, &stream, d)
 *                      gives a stream of engine chunks (am_workload_t, ops.h): next() fills
 *                      the next chunk (1), or says the end (0); rewind() starts over (for
 *                      warm-up replays); chunks() how many (1: the whole workload at once,
 *                      the engine then replays it unchunked). Each chunk is at most about
 *                      max_ops ops and is produced while the timer is stopped; a kind that
 *                      reads from disk (a recorded trace) streams it chunk by chunk.
 *                      Cross-thread order (a block freed by another thread than the one
 *                      that allocated it) is expressed as channel SEND/RECV ops in the
 *                      streams: every RECV of chunk k has its SEND in a chunk <= k, and the
 *                      engine blocks a RECV until its SEND happened (happens-before).
 *                      annotate(stream, sample), optional: the kind's own keys in each
 *                      sample, after the replay (a trace's recorded counts).
 *      AM_EXEC_PROGRAM the workload is a real program: nothing is replayed; the driver
 *                      runs it itself once per repetition under the backend's LD_PRELOAD
 *                      and measures the process tree (harness/cli/cmd_run_prog.c). open is
 *                      NULL. Its results go through the same results JSON and report.
 *
 * Every function may assume a successfully loaded impl. Thread-safety: none needed (one
 * thread plans; the runner loads one source). */
#ifndef AM_SOURCE_H
#define AM_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include "am_error.h"
#include "ops.h"
#include "pattern.h" /* am_gen_opts_t: seed, threads, quick */

struct cJSON;

#define AM_SOURCE_SNIFF_BYTES 4096

typedef enum am_source_exec_e { AM_EXEC_REPLAY, AM_EXEC_PROGRAM } am_source_exec_t;

/* A replay kind's stream of engine chunks (see 6. above); not ops.h's am_stream_t,
 * which is one thread's ops inside a chunk. */
typedef struct am_chunks_s am_chunks_t;
typedef struct am_chunks_ops_s {
  int (*next)(am_chunks_t *s, am_diag_t *d);   /* 1 a chunk is in workload(), 0 no more, <0 AM_E* */
  int (*rewind)(am_chunks_t *s, am_diag_t *d); /* back before chunk 0: 0, or <0 AM_E*        */
  am_workload_t *(*workload)(am_chunks_t *s);  /* the chunk's streams; totals of the whole     */
  uint64_t (*chunks)(const am_chunks_t *s);    /* >= 1; 1: workload() is the whole workload    */
  void (*close)(am_chunks_t *s);
  void (*annotate)(const am_chunks_t *s, struct cJSON *sample); /* may be NULL          */
} am_chunks_ops_t;
struct am_chunks_s {
  const am_chunks_ops_t *ops;
  void *impl;
};

enum { AM_SOURCE_PACEABLE = 1u << 0 }; /* am_source_kind_t.flags */

typedef struct am_source_kind_s {
  const char *name;      /* "pattern", "program", "trace": results' workload.kind */
  am_source_exec_t exec;
  unsigned flags;        /* AM_SOURCE_*                                           */
  int (*sniff)(const char *path, const char *head, size_t n);
  int (*load)(const char *path, void **impl, am_diag_t *d);
  void (*free)(void *impl);
  const char *(*name_of)(const void *impl);
  const char *(*sha256)(const void *impl);
  unsigned (*repetitions)(const void *impl);                  /* 0: not given           */
  uint64_t (*seed)(const void *impl);
  unsigned (*warmup)(const void *impl);
  size_t (*thread_counts)(const void *impl, unsigned *out, size_t cap); /* 0: not given */
  int (*phase_index)(const void *impl, const char *phase);    /* may be NULL: -1        */
  size_t (*phase_count)(const void *impl);                    /* may be NULL: 0         */
  int (*estimate)(const void *impl, const am_gen_opts_t *o, uint64_t *ops, uint64_t *peak_live_bytes,
                  am_diag_t *d);                              /* may be NULL            */
  struct cJSON *(*describe)(const void *impl);                /* may be NULL: null      */
  int (*open)(const void *impl, const am_gen_opts_t *o, uint64_t max_ops, am_chunks_t **out,
              am_diag_t *d);                                  /* AM_EXEC_REPLAY only    */
  int (*check)(const void *impl, am_diag_t *d);               /* may be NULL: 0         */
} am_source_kind_t;

/* A loaded workload of some kind. */
typedef struct am_source_s {
  const am_source_kind_t *kind;
  void *impl;
  char path[4096];       /* as given */
} am_source_t;

/* The kinds compiled in (source.c), NULL-terminated, in sniffing order. */
extern const am_source_kind_t *const am_source_kinds[];
/* The kind of the file at path (read its first bytes and ask each kind), or NULL with d
 * set when the file cannot be read. */
const am_source_kind_t *am_source_sniff(const char *path, am_diag_t *d);
/* Sniff and load path: 0, or a negative AM_E* code with d one line naming file and field. */
int am_source_load(const char *path, am_source_t **out, am_diag_t *d);
void am_source_free(am_source_t *s);

/* The kind's functions, with the defaults above for the optional ones. */
const char *am_source_name(const am_source_t *s);
const char *am_source_sha256(const am_source_t *s);
unsigned am_source_repetitions(const am_source_t *s);
uint64_t am_source_seed(const am_source_t *s);
unsigned am_source_warmup(const am_source_t *s);
size_t am_source_thread_counts(const am_source_t *s, unsigned *out, size_t cap);
int am_source_phase_index(const am_source_t *s, const char *phase);
size_t am_source_phase_count(const am_source_t *s);
int am_source_estimate(const am_source_t *s, const am_gen_opts_t *o, uint64_t *ops, uint64_t *peak, am_diag_t *d);
struct cJSON *am_source_describe(const am_source_t *s);
int am_source_check(const am_source_t *s, am_diag_t *d);
int am_source_open(const am_source_t *s, const am_gen_opts_t *o, uint64_t max_ops, am_chunks_t **out, am_diag_t *d);

/* The kinds implemented in harness/common/source_<kind>.c. */
extern const am_source_kind_t am_source_pattern;
extern const am_source_kind_t am_source_program;
extern const am_source_kind_t am_source_trace; /* harness/trace/source_trace.c (am_trace) */

#endif /* AM_SOURCE_H */
