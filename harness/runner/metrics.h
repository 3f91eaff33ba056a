/* harness/runner/metrics.h — process-level measurements around the timed region:
 * RSS (now, peak VmHWM and its reset), CPU time and page faults (getrusage), and the
 * RSS sampler thread that records the RSS timeline.
 *
 * Readers use open/read on /proc with stack buffers: no stdio, no malloc, so they can
 * run next to the timed region without touching the allocator under test. */
#ifndef AM_METRICS_H
#define AM_METRICS_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

/* Current resident set (bytes) from /proc/self/statm; 0 if unreadable. */
uint64_t am_rss_now(void);
/* A "VmXXX:" field of /proc/self/status in bytes; 0 if unreadable. */
uint64_t am_proc_status_bytes(const char *key);
/* Reset the peak RSS (VmHWM) to the current RSS: "5" into /proc/self/clear_refs.
 * 0 on success, -errno otherwise. */
int am_reset_peak_rss(void);

/* Everything read around the timed region. */
typedef struct am_metrics_s {
  uint64_t rss_baseline;   /* before the first (warm-up or timed) replay             */
  uint64_t rss_start;      /* at the start of the timed replay (after warm-up)       */
  uint64_t rss_end;        /* at its end, before anything is freed                   */
  uint64_t peak_rss;       /* VmHWM at the end                                       */
  int peak_reset;          /* 1 if VmHWM was reset before the timed replay           */
  int peak_reset_errno;
  double cpu_user_s, cpu_sys_s;  /* whole process, over the timed replay            */
  uint64_t minor_faults, major_faults;
  uint64_t vol_ctx_switches, invol_ctx_switches;
  double anon_huge;        /* AnonHugePages of /proc/self/smaps_rollup at the end
                              (bytes in transparent huge pages); NaN: unreadable     */
  struct rusage ru0;       /* internal */
} am_metrics_t;

void am_metrics_begin(am_metrics_t *m); /* reset peak, read rss_start, rusage        */
void am_metrics_end(am_metrics_t *m);   /* rusage deltas, rss_end, peak_rss          */

/* The RSS sampler: a thread that reads /proc/self/statm every interval into a
 * preallocated buffer. When the buffer fills, every other sample is dropped and
 * the interval doubles, so long runs keep a bounded, evenly spaced timeline. The
 * first point (t=0) is taken by start and the last by stop, so even a run shorter
 * than one interval has two. An optional probe (the engine's live-bytes sum) is
 * called at every point, on the sampler thread; its values are kept next to the RSS
 * and its largest value over every point (decimated or not) in probe_max. */
#define AM_RSS_CAP 4096
typedef struct am_rss_sampler_s {
  pthread_t tid;
  int running;
  int started;
  sem_t go;
  _Atomic int stop;
  unsigned interval_ms;     /* current interval (doubles on decimation) */
  unsigned interval_ms0;    /* requested interval                        */
  uint64_t t0_ns;           /* timeline origin (the timed replay's start) */
  size_t n;
  uint64_t t_ns[AM_RSS_CAP];
  uint64_t rss[AM_RSS_CAP];
  uint64_t (*probe)(void *ctx); /* NULL: none                                  */
  void *probe_ctx;
  uint64_t probe_max;           /* largest probe value over every point        */
  uint64_t probe_n;             /* probe calls                                 */
  uint64_t probe_v[AM_RSS_CAP]; /* per kept point (only with a probe)          */
} am_rss_sampler_t;

/* Create the thread (waiting). 0, or -errno. interval_ms 0: no sampler. */
int am_rss_sampler_init(am_rss_sampler_t *s, unsigned interval_ms);
/* Set the probe (before start); may be called again to change it. */
void am_rss_sampler_set_probe(am_rss_sampler_t *s, uint64_t (*probe)(void *ctx), void *ctx);
/* Start sampling with origin t0_ns (CLOCK_MONOTONIC ns). */
void am_rss_sampler_start(am_rss_sampler_t *s, uint64_t t0_ns);
/* Stop, join, add the last point. Safe when never started. */
void am_rss_sampler_stop(am_rss_sampler_t *s);

uint64_t am_now_ns(void); /* CLOCK_MONOTONIC in ns */

#endif /* AM_METRICS_H */
