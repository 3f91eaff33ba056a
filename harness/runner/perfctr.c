/* harness/runner/perfctr.c — perf_event_open counters (see perfctr.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "perfctr.h"

const char *const am_perf_names[AM_PERF_N] = {"cycles", "instructions", "cache_misses", "dtlb_load_misses"};

static void event_attr(int i, struct perf_event_attr *a) {
  memset(a, 0, sizeof *a);
  a->size = sizeof *a;
  a->inherit = 1;
  a->exclude_kernel = 1;
  a->exclude_hv = 1;
  a->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
  switch (i) {
    case AM_PERF_CYCLES: a->type = PERF_TYPE_HARDWARE; a->config = PERF_COUNT_HW_CPU_CYCLES; break;
    case AM_PERF_INSTRUCTIONS: a->type = PERF_TYPE_HARDWARE; a->config = PERF_COUNT_HW_INSTRUCTIONS; break;
    case AM_PERF_CACHE_MISSES: a->type = PERF_TYPE_HARDWARE; a->config = PERF_COUNT_HW_CACHE_MISSES; break;
    default:
      a->type = PERF_TYPE_HW_CACHE;
      a->config = PERF_COUNT_HW_CACHE_DTLB | (PERF_COUNT_HW_CACHE_OP_READ << 8) |
                  (PERF_COUNT_HW_CACHE_RESULT_MISS << 16);
      break;
  }
}

static int perf_open(struct perf_event_attr *a, int group_fd) {
  return (int)syscall(SYS_perf_event_open, a, 0 /* this process */, -1 /* any cpu */, group_fd,
                      PERF_FLAG_FD_CLOEXEC);
}

static void set_reason(am_perf_t *p, int i, int err) {
  char par[32] = "?";
  int fd = open("/proc/sys/kernel/perf_event_paranoid", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = read(fd, par, sizeof par - 1);
    par[n > 0 ? n : 0] = '\0';
    par[strcspn(par, "\n")] = '\0';
    close(fd);
  }
  snprintf(p->reason[i], sizeof p->reason[i], "perf_event_open: %s (perf_event_paranoid=%s)",
           strerror(err), par);
}

void am_perf_open(am_perf_t *p) {
  memset(p, 0, sizeof *p);
  for (int i = 0; i < AM_PERF_N; i++) { p->fd[i] = -1; p->value[i] = -1; }
  /* First try one group led by cycles. */
  struct perf_event_attr a;
  int leader = -1, ok = 1;
  for (int i = 0; i < AM_PERF_N; i++) {
    event_attr(i, &a);
    int fd = perf_open(&a, leader);
    if (fd < 0) { ok = 0; break; }
    p->fd[i] = fd;
    if (leader < 0) leader = fd;
  }
  if (ok) { p->grouped = 1; return; }
  am_perf_close(p);
  /* Then each event alone, keeping the reason of every failure. */
  for (int i = 0; i < AM_PERF_N; i++) {
    event_attr(i, &a);
    int fd = perf_open(&a, -1);
    if (fd < 0) set_reason(p, i, errno);
    else p->fd[i] = fd;
  }
}

static int read_one(int fd, uint64_t *v, uint64_t *en, uint64_t *run) {
  uint64_t buf[3];
  if (read(fd, buf, sizeof buf) != (ssize_t)sizeof buf) return -1;
  *v = buf[0]; *en = buf[1]; *run = buf[2];
  return 0;
}

void am_perf_start(am_perf_t *p) {
  for (int i = 0; i < AM_PERF_N; i++)
    if (p->fd[i] >= 0 && read_one(p->fd[i], &p->val0[i], &p->en0[i], &p->run0[i]) != 0) {
      set_reason(p, i, errno ? errno : EIO);
      close(p->fd[i]);
      p->fd[i] = -1;
    }
}

void am_perf_stop(am_perf_t *p) {
  for (int i = 0; i < AM_PERF_N; i++) {
    uint64_t v, en, run;
    if (p->fd[i] < 0) continue;
    if (read_one(p->fd[i], &v, &en, &run) != 0) {
      set_reason(p, i, errno ? errno : EIO);
      continue;
    }
    double dv = (double)(v - p->val0[i]), den = (double)(en - p->en0[i]), drun = (double)(run - p->run0[i]);
    if (drun <= 0) {
      snprintf(p->reason[i], sizeof p->reason[i], "counter never scheduled (no PMU slot)");
      continue;
    }
    if (drun < den) { dv *= den / drun; p->multiplexed = 1; }
    p->value[i] = dv;
  }
}

void am_perf_close(am_perf_t *p) {
  for (int i = 0; i < AM_PERF_N; i++) {
    if (p->fd[i] >= 0) close(p->fd[i]);
    p->fd[i] = -1;
  }
  p->grouped = 0;
}

int am_perf_any(const am_perf_t *p) {
  for (int i = 0; i < AM_PERF_N; i++) if (p->fd[i] >= 0) return 1;
  return 0;
}
