/* harness/trace/trace.h — recorded allocation traces: the raw recorder output
 * (raw.h), its conversion into a replay-ready .amtrace file, and the .amtrace reader
 * that trace-info, trace-fit and the replay source use. Format: harness/trace/TRACE.md.
 *
 * Every reader reports bad input (truncated, corrupt, wrong version) in one line
 * "<file>: offset <N>: <what>" through am_diag_t and returns AM_EINVAL (AM_EIO for
 * read errors); nothing is written by a failed conversion (temp file, then rename). */
#ifndef AM_TRACE_H
#define AM_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include "am_args.h"
#include "am_error.h"
#include "ops.h"
#include "raw.h"

struct cJSON;

/* ---- raw recordings (raw_read.c) ---- */
typedef struct am_raw_event_s {
  uint8_t kind;         /* AM_RAW_*                                                   */
  uint8_t call;         /* AM_RAW_CALL_* (ALIGNED, REALLOC, FAILED)                   */
  uint32_t thread;      /* trace thread index                                         */
  uint64_t seq, ts;     /* process-wide order; ns (CLOCK_MONOTONIC) when recorded: the
                           call's start with AM_RAW_FLAG_CALL_NS, else when logged      */
  uint64_t dur;         /* AM_RAW_FLAG_CALL_NS: ns inside the real call                */
  uint64_t size, align, ptr; /* THREAD_START: ptr = kernel tid                       */
} am_raw_event_t;

typedef struct am_trace_meta_s {
  uint64_t pid, ppid, start_unix_ns, generation;
  uint32_t flags;              /* AM_RAW_FLAG_TIMESTAMPS                              */
  char program[1024];
  char cmdline[4096];          /* arguments separated by single spaces                */
  char libc[64], clock[32];
  char source[128];            /* "allocmark record", "heaptrack import", ...          */
} am_trace_meta_t;

typedef struct am_raw_s am_raw_t;
/* Open a raw recording: header checked, blocks indexed. 0, or AM_E* with d filled. */
int am_raw_open(const char *path, am_raw_t **out, am_diag_t *d);
const am_trace_meta_t *am_raw_meta(const am_raw_t *r);
/* 1 when the process wrote its exit footer (a crash, _exit or kill leaves none). */
int am_raw_complete(const am_raw_t *r);
const am_raw_footer_t *am_raw_footer(const am_raw_t *r); /* NULL when none            */
/* Events in sequence order, merged over the threads: 1 one event, 0 the end, or a
 * negative AM_E* code with d filled. am_raw_rewind starts over. */
int am_raw_next(am_raw_t *r, am_raw_event_t *ev, am_diag_t *d);
int am_raw_rewind(am_raw_t *r, am_diag_t *d);
void am_raw_close(am_raw_t *r);

/* An event source for the converter: the raw reader, or an importer (import_*.c). */
typedef struct am_event_src_s {
  void *ctx;
  int (*next)(void *ctx, am_raw_event_t *ev, am_diag_t *d);   /* as am_raw_next   */
  int (*rewind)(void *ctx, am_diag_t *d);
  am_trace_meta_t meta;
  int complete;
} am_event_src_t;

/* ---- conversion into a replay-ready .amtrace (convert.c) ---- */
typedef struct am_convert_opts_s {
  uint64_t chunk_ops;          /* ops per chunk, all threads (0: AM_TRACE_CHUNK_OPS)  */
  int no_compress;             /* 1: store chunks uncompressed                         */
} am_convert_opts_t;
#define AM_TRACE_CHUNK_OPS (1u << 20)
#define AM_TRACE_MAX_THREADS AM_LIMIT_THREADS /* replay threads (am_args.h); more recorded threads share them */
int am_trace_convert(am_event_src_t *src, const char *out_path, const am_convert_opts_t *o, am_diag_t *d);

/* ---- importers (import.c): another tool's trace into an .amtrace ---- */
/* from: "heaptrack" (its .zst data file or the text inside) or "android" (malloc_debug
 * record_allocs text). 0, or AM_E* with d filled ("<file>: line N: ..."). */
int am_trace_import(const char *from, const char *in, const char *out, const am_convert_opts_t *o, am_diag_t *d);

/* ---- the .amtrace reader (trace_read.c) ---- */
typedef struct am_trace_s am_trace_t;

/* What the footer holds (TRACE.md, "Footer"). */
typedef struct am_trace_info_s {
  uint32_t threads, channels, chunks, recorded_threads;
  uint64_t ops;                     /* allocation and free ops (SEND/RECV excluded)  */
  uint64_t stream_ops;              /* every op of every stream                      */
  uint64_t by_kind[AM_OP_KIND_MAX]; /* am_op_kind_t                                  */
  uint64_t peak_live_bytes, peak_live_objects;
  uint64_t orphan_frees, orphan_reallocs, repaired, failed, free_null;
  uint64_t end_live_bytes, end_live_objects;
  uint64_t checksum;                /* the workload checksum with touch none (ops.h)  */
  uint64_t max_raw, max_stored;     /* largest chunk block, decoded / stored          */
  int complete, timestamps;
} am_trace_info_t;

int am_trace_open(const char *path, am_trace_t **out, am_diag_t *d);
void am_trace_close(am_trace_t *t);
const am_trace_meta_t *am_trace_meta(const am_trace_t *t);
const am_trace_info_t *am_trace_info(const am_trace_t *t);
uint32_t am_trace_thread_slots(const am_trace_t *t, unsigned thread);
uint64_t am_trace_thread_chunk_max(const am_trace_t *t, unsigned thread);
uint64_t am_trace_channel_capacity(const am_trace_t *t, unsigned channel);
/* The statistics written at conversion (size histogram, lifetimes, calls, ...), a
 * JSON object owned by t (NULL when absent). */
const struct cJSON *am_trace_stats(const am_trace_t *t);
/* Decode chunk k of every thread: ops[i] (room for am_trace_thread_chunk_max(i) ops)
 * and n[i]; touch is written into every allocation op. Every op is checked (kind,
 * slot, channel, size). 0, or AM_E* with d filled ("<file>: offset N: ..."). */
int am_trace_read_chunk(am_trace_t *t, uint32_t k, am_op_t *const *ops, size_t *n, uint8_t touch, am_diag_t *d);

/* Decode every chunk with the replay's checks and compare the streams' checksum with
 * the footer's (trace-info --check, and the driver before a replay). 0 or AM_E*. */
int am_trace_check(am_trace_t *t, am_diag_t *d);

/* Is this path an .amtrace (by its first bytes)? 1 yes, 0 no or unreadable. */
int am_trace_sniff(const char *path);
/* `allocmark trace-info --json`'s object for an open trace (trace_read.c): counts, the
 * recording's program and clock, the converter's statistics; path names the file. */
struct cJSON *am_trace_info_json(const char *path, am_trace_t *t);

#endif /* AM_TRACE_H */
