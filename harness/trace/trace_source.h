/* harness/trace/trace_source.h — an .amtrace as the engine's workload, chunk by chunk
 * (trace_source.c). Same shape as the pattern generator's chunk API (pattern.h am_gen_*):
 * open loads chunk 0; next loads the following chunk (1), says there is none (0) or
 * fails (AM_E*, d filled); rewind + next start over (warm-up replays). */
#ifndef AM_TRACE_SOURCE_H
#define AM_TRACE_SOURCE_H

#include "trace.h"

typedef struct am_trace_src_s am_trace_src_t;
int am_trace_src_open(const char *path, uint8_t touch, am_trace_src_t **out, am_diag_t *d);
am_workload_t *am_trace_src_workload(am_trace_src_t *s);   /* owned by s */
const am_trace_t *am_trace_src_trace(const am_trace_src_t *s);
uint64_t am_trace_src_chunks(const am_trace_src_t *s);
/* Ops by kind (am_op_kind_t index) handed to the engine since the last rewind: after a
 * replay, what that replay executed. */
const uint64_t *am_trace_src_fed(const am_trace_src_t *s);
int am_trace_src_next(am_trace_src_t *s, am_diag_t *d);
int am_trace_src_rewind(am_trace_src_t *s, am_diag_t *d);
void am_trace_src_close(am_trace_src_t *s);

#endif /* AM_TRACE_SOURCE_H */
