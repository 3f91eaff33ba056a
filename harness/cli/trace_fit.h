/* harness/cli/trace_fit.h — pieces of trace-fit shared by its files: the histogram
 * distribution it writes (cmd_trace_fit.c) and the phase detection
 * (cmd_trace_phases.c). */
#ifndef AM_TRACE_FIT_H
#define AM_TRACE_FIT_H

#include <stdint.h>

struct cJSON;
#define AM_FIT_NB 48   /* log2 buckets: bucket b holds 2^(b-1) .. 2^b - 1 (0: zero) */

/* A pattern `histogram` distribution from log2 bucket weights, values scaled by f and
 * clamped to cap (no weights: the fixed value 64). */
struct cJSON *am_fit_hist_dist(const double *w, double f, uint64_t cap);

/* Phases of the trace (trace-info JSON `info`, its timeline): when it has clear ones,
 * adds one fitted phase per phase to the array `phases` (each a copy of the
 * whole-trace phase `tmpl` with its own allocs, size, lifetime, hand-off), describes
 * them under report."phases", and returns how many; else returns 1 and adds nothing. */
int am_fit_phases(const struct cJSON *info, const struct cJSON *tmpl, double threads, struct cJSON *phases,
                  struct cJSON *report);

#endif /* AM_TRACE_FIT_H */
