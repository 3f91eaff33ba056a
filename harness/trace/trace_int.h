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

/* Bytes one op takes at most in a payload. */
#define AM_TF_MAX_OP 32

#endif /* AM_TRACE_INT_H */
