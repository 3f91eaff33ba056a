/* harness/runner/metrics.c — /proc readers, rusage deltas and the RSS sampler (metrics.h). */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "metrics.h"

uint64_t am_now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static ssize_t read_file(const char *path, char *buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n, got = 0;
  while ((size_t)got < cap - 1 && (n = read(fd, buf + got, cap - 1 - (size_t)got)) > 0) got += n;
  close(fd);
  buf[got] = '\0';
  return got;
}

uint64_t am_rss_now(void) {
  char buf[256];
  if (read_file("/proc/self/statm", buf, sizeof buf) <= 0) return 0;
  char *p = strchr(buf, ' ');
  if (p == NULL) return 0;
  return (uint64_t)strtoull(p + 1, NULL, 10) * (uint64_t)sysconf(_SC_PAGESIZE);
}

uint64_t am_proc_status_bytes(const char *key) {
  char buf[8192];
  if (read_file("/proc/self/status", buf, sizeof buf) <= 0) return 0;
  size_t kl = strlen(key);
  for (char *line = buf; line != NULL && *line != '\0';) {
    if (strncmp(line, key, kl) == 0 && line[kl] == ':')
      return (uint64_t)strtoull(line + kl + 1, NULL, 10) * 1024u; /* "kB" */
    line = strchr(line, '\n');
    if (line != NULL) line++;
  }
  return 0;
}

/* A "Key: N kB" field of /proc/self/smaps_rollup in bytes (huge-page coverage, the
 * figure Temeraire reports); NaN when the file or the key is missing (kernel < 4.14). */
static double smaps_rollup_bytes(const char *key) {
  char buf[4096];
  if (read_file("/proc/self/smaps_rollup", buf, sizeof buf) <= 0) return NAN;
  size_t kl = strlen(key);
  for (char *line = buf; line != NULL && *line != '\0';) {
    if (strncmp(line, key, kl) == 0 && line[kl] == ':') return (double)strtoull(line + kl + 1, NULL, 10) * 1024.0;
    line = strchr(line, '\n');
    if (line != NULL) line++;
  }
  return NAN;
}

int am_reset_peak_rss(void) {
  int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  int rc = write(fd, "5", 1) == 1 ? 0 : -errno;
  close(fd);
  return rc;
}

static double tv_s(struct timeval t) { return (double)t.tv_sec + (double)t.tv_usec * 1e-6; }

void am_metrics_begin(am_metrics_t *m) {
  int rc = am_reset_peak_rss();
  m->peak_reset = rc == 0;
  m->peak_reset_errno = rc == 0 ? 0 : -rc;
  m->rss_start = am_rss_now();
  getrusage(RUSAGE_SELF, &m->ru0);
}

void am_metrics_end(am_metrics_t *m) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  m->cpu_user_s = tv_s(r.ru_utime) - tv_s(m->ru0.ru_utime);
  m->cpu_sys_s = tv_s(r.ru_stime) - tv_s(m->ru0.ru_stime);
  m->minor_faults = (uint64_t)(r.ru_minflt - m->ru0.ru_minflt);
  m->major_faults = (uint64_t)(r.ru_majflt - m->ru0.ru_majflt);
  m->vol_ctx_switches = (uint64_t)(r.ru_nvcsw - m->ru0.ru_nvcsw);
  m->invol_ctx_switches = (uint64_t)(r.ru_nivcsw - m->ru0.ru_nivcsw);
  m->rss_end = am_rss_now();
  m->peak_rss = am_proc_status_bytes("VmHWM");
  if (m->peak_rss < m->rss_end) m->peak_rss = m->rss_end;
  m->anon_huge = smaps_rollup_bytes("AnonHugePages");
}

/* ---- RSS sampler ---- */

static void sampler_add(am_rss_sampler_t *s, uint64_t t, uint64_t rss) {
  uint64_t v = 0;
  if (s->probe != NULL) {
    v = s->probe(s->probe_ctx);
    if (s->probe_n++ == 0 || v > s->probe_max) s->probe_max = v;
  }
  if (s->n == AM_RSS_CAP) { /* decimate: keep the even samples, double the interval */
    for (size_t i = 0; i < AM_RSS_CAP / 2; i++) {
      s->t_ns[i] = s->t_ns[2 * i];
      s->rss[i] = s->rss[2 * i];
      s->probe_v[i] = s->probe_v[2 * i];
    }
    s->n = AM_RSS_CAP / 2;
    s->interval_ms *= 2;
  }
  s->t_ns[s->n] = t;
  s->rss[s->n] = rss;
  s->probe_v[s->n] = v;
  s->n++;
}

static void *sampler_main(void *arg) {
  am_rss_sampler_t *s = arg;
  while (sem_wait(&s->go) != 0 && errno == EINTR) {}
  /* Woken again (the same semaphore) means stop; until then, sample at each tick. */
  uint64_t next = s->t0_ns;
  while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
    next += (uint64_t)s->interval_ms * 1000000u;
    struct timespec ts = {(time_t)(next / 1000000000u), (long)(next % 1000000000u)};
    int rc = sem_clockwait(&s->go, CLOCK_MONOTONIC, &ts);
    if (rc == 0) break;
    if (errno != ETIMEDOUT) continue;
    sampler_add(s, am_now_ns() - s->t0_ns, am_rss_now());
  }
  return NULL;
}

void am_rss_sampler_set_probe(am_rss_sampler_t *s, uint64_t (*probe)(void *ctx), void *ctx) {
  s->probe = probe;
  s->probe_ctx = ctx;
}

int am_rss_sampler_init(am_rss_sampler_t *s, unsigned interval_ms) {
  s->running = 0;
  s->started = 0;
  s->n = 0;
  s->probe = NULL;
  s->probe_ctx = NULL;
  s->probe_max = 0;
  s->probe_n = 0;
  s->interval_ms = s->interval_ms0 = interval_ms;
  atomic_store(&s->stop, 0);
  if (interval_ms == 0) return 0;
  if (sem_init(&s->go, 0, 0) != 0) return -errno;
  int rc = pthread_create(&s->tid, NULL, sampler_main, s);
  if (rc != 0) { sem_destroy(&s->go); return -rc; }
  s->running = 1;
  return 0;
}

void am_rss_sampler_start(am_rss_sampler_t *s, uint64_t t0_ns) {
  if (!s->running) return;
  s->t0_ns = t0_ns;
  s->started = 1;
  sampler_add(s, 0, am_rss_now()); /* the first point, taken here: runs of any length have one */
  sem_post(&s->go);
}

void am_rss_sampler_stop(am_rss_sampler_t *s) {
  if (!s->running) return;
  atomic_store(&s->stop, 1);
  sem_post(&s->go); /* starts it if it never started (it sees stop), else ends its wait */
  sem_post(&s->go);
  pthread_join(s->tid, NULL);
  sem_destroy(&s->go);
  s->running = 0;
  if (s->started) sampler_add(s, am_now_ns() - s->t0_ns, am_rss_now()); /* the last point */
}
