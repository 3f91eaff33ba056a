/* harness/runner/vgmark.h — marks the timed region for Valgrind's callgrind, so that
 * `allocmark run --measure instructions` counts the workload's instructions and nothing
 * else (stream generation, warm-up replays, thread start-up, measurement, output).
 *
 * The driver runs the runner as `valgrind --tool=callgrind --instr-atstart=no ...`:
 * nothing is counted until am_vg_start() (CALLGRIND_START_INSTRUMENTATION, which is
 * process-wide, so every worker thread counts), and counting ends at am_vg_stop(). The
 * macros come from Debian's `valgrind` package (/usr/include/valgrind/callgrind.h);
 * outside Valgrind they are a few no-op instructions, and they sit at the boundaries of
 * the timed region, never inside its op loop. Built without the header they are empty
 * and the driver's instruction counts would cover the whole process: it refuses
 * --measure instructions then (`am-runner-X info` says "valgrind_marks": false). */
#ifndef AM_VGMARK_H
#define AM_VGMARK_H

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define AM_HAVE_VALGRIND_MARKS 1
#endif
#endif
#ifndef AM_HAVE_VALGRIND_MARKS
#define AM_HAVE_VALGRIND_MARKS 0
#endif

static inline void am_vg_start(void) {
#if AM_HAVE_VALGRIND_MARKS
  CALLGRIND_START_INSTRUMENTATION;
#endif
}
static inline void am_vg_stop(void) {
#if AM_HAVE_VALGRIND_MARKS
  CALLGRIND_STOP_INSTRUMENTATION;
#endif
}

#endif /* AM_VGMARK_H */
