/* harness/cli/spawn.c — start a runner, capture its stdout/stderr, enforce a time limit.
 * The child gets its own process group, so a timeout kills everything it started. The
 * limit holds also for a child that closes its output and keeps running, and at most
 * AM_SPAWN_MAX_OUT bytes of its stdout are kept (a runner flooding it cannot exhaust the
 * driver's memory; the rest is read and dropped, r->out_truncated says so). After
 * am_spawn_catch_signals, SIGINT / SIGTERM / SIGHUP set am_spawn_stop: the child in progress
 * is killed at once and its caller stops (`allocmark run` writes nothing unfinished). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

double am_now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

volatile sig_atomic_t am_spawn_stop;

static void on_stop(int sig) { am_spawn_stop = sig; }

void am_spawn_catch_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop; /* no SA_RESTART: poll() returns EINTR */
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
}

/* Most stdout bytes kept from one child: a sample is a few hundred KiB at most. */
#define AM_SPAWN_MAX_OUT ((size_t)64 << 20)

/* Append n bytes to a growing buffer; keeps a NUL after the data. */
static int buf_add(char **buf, size_t *len, size_t *cap, const char *src, size_t n) {
  if (*len + n + 1 > *cap) {
    size_t nc = *cap ? *cap : 4096;
    while (nc < *len + n + 1) nc *= 2;
    char *nb = realloc(*buf, nc);
    if (nb == NULL) return -1;
    *buf = nb; *cap = nc;
  }
  memcpy(*buf + *len, src, n);
  *len += n;
  (*buf)[*len] = '\0';
  return 0;
}

static void tail_add(char *tail, size_t cap, const char *src, size_t n) {
  size_t have = strlen(tail);
  if (n >= cap - 1) { memcpy(tail, src + n - (cap - 1), cap - 1); tail[cap - 1] = '\0'; return; }
  if (have + n >= cap) { memmove(tail, tail + (have + n - (cap - 1)), cap - 1 - n); have = cap - 1 - n; }
  memcpy(tail + have, src, n);
  tail[have + n] = '\0';
}

int am_spawn(char *const argv[], char *const extra_env[], double timeout_s, am_spawn_result_t *r) {
  memset(r, 0, sizeof *r);
  int po[2], pe[2];
  if (pipe2(po, O_CLOEXEC) != 0) return -1;
  if (pipe2(pe, O_CLOEXEC) != 0) { close(po[0]); close(po[1]); return -1; }
  double t0 = am_now_s();
  pid_t pid = fork();
  if (pid < 0) { close(po[0]); close(po[1]); close(pe[0]); close(pe[1]); return -1; }
  if (pid == 0) {
    setpgid(0, 0);
    dup2(po[1], STDOUT_FILENO);
    dup2(pe[1], STDERR_FILENO);
    for (size_t i = 0; extra_env != NULL && extra_env[i] != NULL; i++) putenv(extra_env[i]);
    execv(argv[0], argv);
    _exit(127);
  }
  setpgid(pid, pid);
  close(po[1]); close(pe[1]);
  size_t cap = 0;
  struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
  int open_fds = 2, timed_out = 0;
  char chunk[65536];
  while (open_fds > 0 && !am_spawn_stop) {
    int wait_ms = 200; /* wakes now and then: a stop signal just before poll() is not lost */
    if (timeout_s > 0) {
      double left = t0 + timeout_s - am_now_s();
      if (left <= 0) { timed_out = 1; break; }
      if (left * 1000 < wait_ms) wait_ms = (int)(left * 1000) + 1;
    }
    int n = poll(fds, 2, wait_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = read(fds[i].fd, chunk, sizeof chunk);
      if (got <= 0) { close(fds[i].fd); fds[i].fd = -1; open_fds--; continue; }
      if (i == 0 && r->out_len + (size_t)got > AM_SPAWN_MAX_OUT) r->out_truncated = 1;
      else if (i == 0 && buf_add(&r->out, &r->out_len, &cap, chunk, (size_t)got) != 0) r->out_truncated = 1;
      else if (i == 1) tail_add(r->err_tail, sizeof r->err_tail, chunk, (size_t)got);
    }
  }
  if (timed_out || am_spawn_stop) kill(-pid, SIGKILL);
  for (int i = 0; i < 2; i++) if (fds[i].fd >= 0) close(fds[i].fd);
  int st = 0;
  for (;;) { /* the child may have closed its output and still run: keep the limit */
    pid_t w = waitpid(pid, &st, timeout_s > 0 && !timed_out ? WNOHANG : 0);
    if (w == pid || (w < 0 && errno != EINTR)) break;
    if (w == 0 && am_now_s() - t0 >= timeout_s) {
      timed_out = 1;
      kill(-pid, SIGKILL);
    } else if (w == 0) {
      struct timespec ts = {0, 2000000}; /* 2 ms */
      nanosleep(&ts, NULL);
    }
  }
  r->wall_s = am_now_s() - t0;
  if (r->out == NULL) buf_add(&r->out, &r->out_len, &cap, "", 0);
  if (timed_out) { r->kind = AM_EXIT_TIMEOUT; r->signal = SIGKILL; }
  else if (WIFSIGNALED(st)) { r->kind = AM_EXIT_CRASHED; r->signal = WTERMSIG(st); }
  else if (WIFEXITED(st) && WEXITSTATUS(st) == 127) { r->kind = AM_EXIT_SPAWN_ERROR; r->exit_code = 127; }
  else { r->exit_code = WEXITSTATUS(st); r->kind = r->exit_code == 0 ? AM_EXIT_OK : AM_EXIT_FAILED; }
  return 0;
}

void am_spawn_result_free(am_spawn_result_t *r) {
  free(r->out);
  r->out = NULL;
}
