/* harness/trace/trace_int.h — pieces shared inside harness/trace/: the .amtrace
 * writer (trace_write.c) used by the converter, and the op payload codec. */
#ifndef AM_TRACE_INT_H
#define AM_TRACE_INT_H

#include "trace.h"
#include "trace_fmt.h"

typedef struct am_tw_s am_tw_t;
/* Create "<path>.tmp.<pid>" and write the header. 0, or AM_E* with d filled. */
int am_tw_open(const char *path, const am_trace_meta_t *m, uint32_t flags, uint32_t threads, int compress,
               am_tw_t **out, am_diag_t *d);
/* Before chunk k's blocks: note where it starts. */
void am_tw_chunk_begin(am_tw_t *w);
/* One thread's ops of the current chunk (n may be 0). */
int am_tw_block(am_tw_t *w, uint32_t chunk, uint32_t thread, const am_op_t *ops, size_t n, am_diag_t *d);
/* Footer (f's offsets and sizes filled in here), trailer, fsync, rename onto path. */
int am_tw_finish(am_tw_t *w, am_tf_footer_t *f, const am_tf_thread_t *th, const am_tf_channel_t *ch,
                 const char *stats_json, am_diag_t *d);
void am_tw_abort(am_tw_t *w);  /* remove the temp file */

/* The converter's extra statistics (trace_stats.c): the size profile, the timeline
 * of AM_TS_WINDOWS windows and the time inside the real calls. Events are counted
 * from 0 in sequence order (the event clock). */
#define AM_TS_WINDOWS 64u
typedef struct am_tstats_s am_tstats_t;
am_tstats_t *am_tstats_new(void);                            /* NULL: no memory       */
void am_tstats_free(am_tstats_t *s);
void am_tstats_tick(am_tstats_t *s, uint64_t ev);            /* before event ev       */
void am_tstats_live(am_tstats_t *s, uint64_t live_bytes);    /* after it              */
/* A block (or a realloc's new size) of size bytes starts at event ev. */
void am_tstats_birth(am_tstats_t *s, uint64_t ev, uint64_t size, int realloc_step, int new_object);
/* The size a block had since event seg_ev ends at ev (a free, or a realloc's resize). */
void am_tstats_end(am_tstats_t *s, uint64_t ev, uint64_t seg_ev, uint64_t size);
/* A block born at birth_ev is freed at ev (cross: on another thread). */
void am_tstats_free_at(am_tstats_t *s, uint64_t ev, uint64_t birth_ev, int cross);
/* ns inside a real call (AM_RAW_CALL_*, or AM_RAW_CALL_MAX for free). */
void am_tstats_call(am_tstats_t *s, unsigned call, uint64_t ns);
struct cJSON;
void am_tstats_json(const am_tstats_t *s, uint64_t end_ev, struct cJSON *out);

/* Bytes one op takes at most in a payload. */
#define AM_TF_MAX_OP 32

#endif /* AM_TRACE_INT_H */
