/* harness/runner/perfctr.h — hardware counters through perf_event_open(2): cycles,
 * instructions, cache misses and dTLB load misses of the whole process (user space
 * only, inherited by the worker threads), over the timed replay.
 *
 * Opened as one group (so the four are counted over the same time) before the worker
 * threads exist (inheritance only reaches threads created later). If the group cannot
 * be opened, each event is tried alone; an event that cannot be opened is reported as
 * null with the reason (e.g. "perf_event_open: Permission denied (perf_event_paranoid=3)").
 * Counts are scaled by time_enabled/time_running when the kernel multiplexed them. */
#ifndef AM_PERFCTR_H
#define AM_PERFCTR_H

#include <stdint.h>

enum { AM_PERF_CYCLES, AM_PERF_INSTRUCTIONS, AM_PERF_CACHE_MISSES, AM_PERF_DTLB_MISSES, AM_PERF_N };
extern const char *const am_perf_names[AM_PERF_N]; /* "cycles", "instructions", ... */

typedef struct am_perf_s {
  int fd[AM_PERF_N];          /* -1 when not open                        */
  int grouped;                /* 1: one group led by fd[first open]      */
  char reason[AM_PERF_N][160];/* why an event is missing                 */
  uint64_t val0[AM_PERF_N], en0[AM_PERF_N], run0[AM_PERF_N];
  double value[AM_PERF_N];    /* result, scaled; < 0 when missing        */
  int multiplexed;            /* 1 if any count was scaled               */
} am_perf_t;

void am_perf_open(am_perf_t *p);   /* never fails: missing events carry a reason */
void am_perf_start(am_perf_t *p);  /* read the starting counts               */
void am_perf_stop(am_perf_t *p);   /* read again, fill value[]               */
void am_perf_close(am_perf_t *p);
int am_perf_any(const am_perf_t *p); /* 1 if at least one event is open      */

#endif /* AM_PERFCTR_H */
