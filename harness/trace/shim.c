/* harness/trace/shim.c — libamtrace.so, the allocation recorder loaded with LD_PRELOAD
 * by `allocmark record` (harness/cli/cmd_record.c). Writes the raw event stream of
 * raw.h to $AMTRACE_DIR/<pid>-<generation>.raw; TRACE.md describes what it records.
 *
 * Rules it keeps:
 *  - never allocates through the hooked functions: its buffers come from mmap, calls
 *    made while dlsym resolves the real functions are served from a static bootstrap
 *    arena (and never passed to the real free), and any allocation that libc makes on
 *    our behalf (pthread_key_create, pthread_atfork) runs with the thread's reentrancy
 *    flag set and goes straight to the real function, unrecorded;
 *  - no stdio (warnings go out with write(2)), initial-exec TLS only, errno as the
 *    real call left it;
 *  - a free is numbered before the real free, an allocation after the real call (a
 *    realloc both: its freeing half before, its result after), so no address is ever
 *    live twice in sequence order;
 *  - lossless: events go to a per-thread buffer (64 KiB, mmap'd) written out with a
 *    blocking write(2) when full, when the thread exits (pthread key destructor) and at
 *    process exit (this library's destructor, and before an exec). A slow disk slows
 *    the program; nothing is dropped. Events after the exit flush (other libraries'
 *    destructors) are written at once, each followed by a fresh footer.
 *
 * Knobs (environment, set by allocmark record):
 *   AMTRACE_DIR    folder for the raw files; unset: the shim only passes calls through
 *   AMTRACE_FLAGS  letters: t timestamps (CLOCK_MONOTONIC: each call's start, as a delta,
 *                  and the ns inside the real call: two clock reads), f follow fork (the
 *                  child records to its own file; else it stops recording), e follow exec
 *                  (an exec'd program records too; else it is not recorded), m follow
 *                  the command's own exec chain only (a wrapper script exec'ing the real
 *                  program: the images of process AMTRACE_PID record, its children's not)
 *   AMTRACE_PID    with m: the pid of the command allocmark record started
 *   AMTRACE_GEN    a decimal counter rewritten in place by each recorded image, so an
 *                  exec'd program knows it is not the first */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "raw.h"

#define AM_EXPORT __attribute__((visibility("default")))
#define TLS __thread __attribute__((tls_model("initial-exec")))
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define INLINE static inline __attribute__((always_inline)) /* the hot path: no calls of ours */

#define BUF_BYTES (64u * 1024u)     /* per-thread buffer                           */
#define MAX_BUFS 65536u             /* thread buffers alive at once                */
#define BOOT_BYTES (256u * 1024u)   /* bootstrap arena for calls during dlsym      */

enum { ST_OFF = 0, ST_INIT, ST_REC, ST_PASS, ST_DONE };

typedef struct tbuf_s {
  atomic_flag lock;                 /* owner's flush vs the exit flush             */
  int in_use;                       /* a live thread owns it (under g_reg_lock)    */
  uint32_t thread;                  /* trace thread index                          */
  _Atomic size_t committed;         /* bytes of whole events (owner: release store) */
  size_t flushed;                   /* bytes already written (under lock)          */
  _Atomic uint64_t events, by_kind[AM_RAW_KIND_MAX], free_null; /* owner-only writes */
  uint64_t events_committed;        /* events in [0, committed) not yet flushed (lock) */
  _Atomic uint64_t pending;         /* events appended since the last flush          */
  unsigned char data[];
} tbuf_t;

static void *(*real_malloc)(size_t);
static void (*real_free)(void *);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void *(*real_reallocarray)(void *, size_t, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);
static size_t (*real_usable)(void *);
static int (*real_execve)(const char *, char *const[], char *const[]);
static int (*real_execvpe)(const char *, char *const[], char *const[]);

static _Atomic int g_state;
static int g_fd = -1;
static int g_ts;                    /* timestamps on                               */
static int g_follow_fork, g_follow_exec, g_follow_main;
static _Atomic uint64_t g_seq;
static _Atomic uint32_t g_next_thread;
static uint64_t g_gen;
static pthread_key_t g_key;
static pthread_mutex_t g_write_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_reg_lock = PTHREAD_MUTEX_INITIALIZER;
static tbuf_t *g_bufs[MAX_BUFS];
static unsigned g_n_bufs;
static _Atomic uint64_t g_ended_events, g_ended_by_kind[AM_RAW_KIND_MAX], g_ended_free_null;

static unsigned char g_boot[BOOT_BYTES] __attribute__((aligned(64)));
static _Atomic size_t g_boot_used;

static TLS int t_in;                /* inside the shim: pass calls through         */
static TLS tbuf_t *t_buf;
static TLS int t_ended;             /* the key destructor ran: write events at once */
static TLS uint32_t t_thread;
static TLS uint64_t t_seq, t_ptr, t_ts;
static TLS uint64_t t_t0, t_t1;      /* timestamps: the current call's start and end */

/* ---- small helpers (no libc allocation) ---- */
static void say(const char *s) {
  ssize_t r = write(2, s, strlen(s));
  (void)r;
}

static int write_all(const void *p, size_t n) {
  const unsigned char *c = p;
  while (n > 0) {
    ssize_t w = write(g_fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    c += w;
    n -= (size_t)w;
  }
  return 0;
}

static uint64_t now_ns(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static char *u64_str(char *end, uint64_t v) { /* writes backwards, returns the start */
  *--end = '\0';
  do { *--end = (char)('0' + v % 10); v /= 10; } while (v);
  return end;
}

/* ---- the bootstrap arena: calls made while dlsym runs ---- */
static int in_boot(const void *p) {
  return (const unsigned char *)p >= g_boot && (const unsigned char *)p < g_boot + BOOT_BYTES;
}
static void *boot_alloc(size_t n, size_t align) {
  if (align < 16) align = 16;
  size_t need = n + align + 16;
  size_t at = atomic_fetch_add(&g_boot_used, need);
  if (at + need > BOOT_BYTES) return NULL;
  uintptr_t p = ((uintptr_t)(g_boot + at + 16) + align - 1) & ~(uintptr_t)(align - 1);
  ((size_t *)p)[-1] = n;
  return (void *)p;
}
static size_t boot_size(const void *p) { return ((const size_t *)p)[-1]; }

/* ---- output ---- */
static void put32(unsigned char **p, uint32_t v) { memcpy(*p, &v, 4); *p += 4; }
static void put64(unsigned char **p, uint64_t v) { memcpy(*p, &v, 8); *p += 8; }
static void putstr(unsigned char **p, const char *s, size_t n, size_t room) {
  if (n > room) n = room;
  put32(p, (uint32_t)n);
  memcpy(*p, s, n);
  *p += n;
}

static size_t read_small(const char *path, char *buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  size_t n = 0;
  while (n < cap) {
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    n += (size_t)r;
  }
  close(fd);
  return n;
}

/* Open <dir>/<pid>-<gen>.raw and write the header. 0, or -1 (recording off). */
static int open_output(void) {
  const char *dir = getenv("AMTRACE_DIR");
  if (dir == NULL || *dir == '\0' || strlen(dir) > 3500) return -1;
  char path[4096], num[32], *s;
  size_t l = strlen(dir);
  memcpy(path, dir, l);
  path[l++] = '/';
  s = u64_str(num + sizeof num, (uint64_t)getpid());
  memcpy(path + l, s, strlen(s)); l += strlen(s);
  path[l++] = '-';
  s = u64_str(num + sizeof num, g_gen);
  memcpy(path + l, s, strlen(s)); l += strlen(s);
  memcpy(path + l, ".raw", 5);
  g_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (g_fd < 0) { say("libamtrace: cannot create the raw trace file; not recording\n"); return -1; }
  static unsigned char hdr[16384];
  static char exe[4096], cmd[8192];
  ssize_t el = readlink("/proc/self/exe", exe, sizeof exe);
  size_t cl = read_small("/proc/self/cmdline", cmd, sizeof cmd);
  const char *libc = gnu_get_libc_version(), *clk = "CLOCK_MONOTONIC";
  unsigned char *p = hdr;
  memcpy(p, AM_RAW_MAGIC, 8); p += 8;
  put32(&p, AM_RAW_VERSION);
  put32(&p, g_ts ? AM_RAW_FLAG_TIMESTAMPS | AM_RAW_FLAG_CALL_NS : 0);
  put64(&p, (uint64_t)getpid());
  put64(&p, (uint64_t)getppid());
  put64(&p, now_ns(CLOCK_REALTIME));
  put64(&p, g_gen);
  putstr(&p, exe, el > 0 ? (size_t)el : 0, 4096);
  putstr(&p, cmd, cl, 8192);
  putstr(&p, libc, strlen(libc), 64);
  putstr(&p, clk, strlen(clk), 64);
  if (write_all(hdr, (size_t)(p - hdr)) != 0) { close(g_fd); g_fd = -1; return -1; }
  return 0;
}

/* Write one event block: [from, to) of a thread's bytes. Caller holds nothing. */
static void write_block(uint32_t thread, const unsigned char *from, size_t n, uint64_t events) {
  if (n == 0 || g_fd < 0) return;
  am_raw_block_t h = {AM_RAW_BLOCK_MAGIC, thread, (uint32_t)n, (uint32_t)events};
  pthread_mutex_lock(&g_write_lock);
  if (write_all(&h, sizeof h) != 0 || write_all(from, n) != 0)
    say("libamtrace: write to the raw trace failed; the trace will be incomplete\n");
  pthread_mutex_unlock(&g_write_lock);
}

static void buf_lock(tbuf_t *b) { while (atomic_flag_test_and_set_explicit(&b->lock, memory_order_acquire)) {} }
static void buf_unlock(tbuf_t *b) { atomic_flag_clear_explicit(&b->lock, memory_order_release); }

/* Write out what b holds (owner or exit flusher). reset: owner only, empties it. */
static void buf_flush(tbuf_t *b, int reset) {
  int e = errno; /* write(2) may set it: the program sees what its call left */
  buf_lock(b);
  size_t c = atomic_load_explicit(&b->committed, memory_order_acquire);
  uint64_t ev = atomic_load_explicit(&b->pending, memory_order_acquire);
  write_block(b->thread, b->data + b->flushed, c - b->flushed, ev - b->events_committed);
  b->flushed = c;
  b->events_committed = ev;
  if (reset) {
    atomic_store_explicit(&b->committed, 0, memory_order_release);
    atomic_store_explicit(&b->pending, 0, memory_order_release);
    b->flushed = 0;
    b->events_committed = 0;
  }
  buf_unlock(b);
  errno = e;
}

static void write_footer(uint32_t reason) {
  am_raw_footer_t f;
  memset(&f, 0, sizeof f);
  f.magic = AM_RAW_FOOT_MAGIC;
  f.reason = reason;
  f.threads = atomic_load(&g_next_thread);
  f.events = atomic_load(&g_ended_events);
  f.free_null = atomic_load(&g_ended_free_null);
  for (unsigned k = 0; k < AM_RAW_KIND_MAX; k++) f.by_kind[k] = atomic_load(&g_ended_by_kind[k]);
  pthread_mutex_lock(&g_reg_lock);
  for (unsigned i = 0; i < g_n_bufs; i++) {
    tbuf_t *b = g_bufs[i];
    if (!b->in_use) continue;
    f.events += atomic_load_explicit(&b->events, memory_order_relaxed);
    f.free_null += atomic_load_explicit(&b->free_null, memory_order_relaxed);
    for (unsigned k = 0; k < AM_RAW_KIND_MAX; k++) f.by_kind[k] += atomic_load_explicit(&b->by_kind[k], memory_order_relaxed);
  }
  pthread_mutex_unlock(&g_reg_lock);
  pthread_mutex_lock(&g_write_lock);
  if (g_fd >= 0 && write_all(&f, sizeof f) != 0) say("libamtrace: cannot write the trace footer\n");
  pthread_mutex_unlock(&g_write_lock);
}

/* Flush every thread's buffer (exit, exec) and write a footer. */
static void flush_all(uint32_t reason) {
  pthread_mutex_lock(&g_reg_lock);
  for (unsigned i = 0; i < g_n_bufs; i++)
    if (g_bufs[i]->in_use) buf_flush(g_bufs[i], 0);
  pthread_mutex_unlock(&g_reg_lock);
  write_footer(reason);
}

/* ---- per-thread state ---- */
static void thread_exit_cb(void *arg);

static void counts_retire(tbuf_t *b) { /* under g_reg_lock */
  atomic_fetch_add(&g_ended_events, atomic_load_explicit(&b->events, memory_order_relaxed));
  atomic_fetch_add(&g_ended_free_null, atomic_load_explicit(&b->free_null, memory_order_relaxed));
  for (unsigned k = 0; k < AM_RAW_KIND_MAX; k++) {
    atomic_fetch_add(&g_ended_by_kind[k], atomic_load_explicit(&b->by_kind[k], memory_order_relaxed));
    atomic_store_explicit(&b->by_kind[k], 0, memory_order_relaxed);
  }
  atomic_store_explicit(&b->events, 0, memory_order_relaxed);
  atomic_store_explicit(&b->free_null, 0, memory_order_relaxed);
}

/* A buffer for a thread's events: a free one, or a new mapping; NULL when none. */
static tbuf_t *buf_get(uint32_t thread) {
  tbuf_t *b = NULL;
  pthread_mutex_lock(&g_reg_lock);
  for (unsigned i = 0; i < g_n_bufs && b == NULL; i++)
    if (!g_bufs[i]->in_use) b = g_bufs[i];
  if (b == NULL && g_n_bufs < MAX_BUFS) {
    void *m = mmap(NULL, sizeof(tbuf_t) + BUF_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m != MAP_FAILED) { b = m; g_bufs[g_n_bufs++] = b; }
  }
  if (b != NULL) {
    b->in_use = 1;
    b->thread = thread;
    atomic_store(&b->committed, 0);
    atomic_store(&b->pending, 0);
    b->flushed = 0;
    b->events_committed = 0;
  }
  pthread_mutex_unlock(&g_reg_lock);
  return b;
}

typedef struct cur_s {
  unsigned char *w, *base;
  tbuf_t *b;                        /* NULL: a late event, written at once          */
  unsigned char stack[AM_RAW_MAX_EVENT];
} cur_t;

INLINE unsigned char *enc_head(unsigned char *p, unsigned kind, uint64_t seq) {
  uint64_t d = seq - t_seq;
  t_seq = seq;
  if (d >= 1 && d <= 15) *p++ = (unsigned char)(kind | d << 4);
  else { *p++ = (unsigned char)kind; p = am_raw_put(p, d); }
  if (g_ts) { /* the call's start (delta), then the ns inside the real call */
    p = am_raw_put(p, t_t0 >= t_ts ? t_t0 - t_ts : 0);
    p = am_raw_put(p, t_t1 >= t_t0 ? t_t1 - t_t0 : 0);
    t_ts = t_t0 >= t_ts ? t_t0 : t_ts;
  }
  return p;
}
static inline uint64_t clk(void) { return now_ns(CLOCK_MONOTONIC); }
/* Timestamps on: the start and end of the real call (two vDSO clock reads). */
#define CALL_BEGIN() do { if (UNLIKELY(g_ts)) t_t0 = clk(); } while (0)
#define CALL_END() do { if (UNLIKELY(g_ts)) t_t1 = clk(); } while (0)
#define CALL_NOW() do { if (UNLIKELY(g_ts)) t_t0 = t_t1 = clk(); } while (0)
INLINE unsigned char *enc_ptr(unsigned char *p, const void *ptr) {
  uint64_t v = (uint64_t)(uintptr_t)ptr;
  p = am_raw_put(p, am_raw_zz((int64_t)(v - t_ptr)));
  t_ptr = v;
  return p;
}

static void thread_start(cur_t *c);

INLINE uint64_t seq_next(void) { return atomic_fetch_add_explicit(&g_seq, 1, memory_order_relaxed); }

/* Where the next event goes: the thread's buffer, or (late events) the stack. Its
 * sequence number is taken here, after the thread's start event. */
INLINE void ev_begin_at(cur_t *c, unsigned kind, uint64_t seq) {
  if (UNLIKELY(t_buf == NULL && !t_ended)) thread_start(c);
  tbuf_t *b = atomic_load_explicit(&g_state, memory_order_relaxed) == ST_REC ? t_buf : NULL;
  c->b = b;
  if (LIKELY(b != NULL)) {
    size_t pos = atomic_load_explicit(&b->committed, memory_order_relaxed);
    if (UNLIKELY(pos + AM_RAW_MAX_EVENT > BUF_BYTES)) { buf_flush(b, 1); pos = 0; }
    c->base = b->data;
    c->w = b->data + pos;
  } else {
    c->base = c->w = c->stack;
  }
  c->w = enc_head(c->w, kind, seq == UINT64_MAX ? seq_next() : seq);
}
/* The usual case: the sequence number is taken now. */
INLINE void ev_begin(cur_t *c, unsigned kind) { ev_begin_at(c, kind, UINT64_MAX); }

static void late_event(cur_t *c, unsigned kind) {
  int e = errno;
  write_block(t_thread, c->stack, (size_t)(c->w - c->stack), 1);
  atomic_fetch_add(&g_ended_events, 1);
  atomic_fetch_add(&g_ended_by_kind[kind], 1);
  if (atomic_load(&g_state) == ST_DONE) write_footer(3);
  errno = e;
}

INLINE void bump(_Atomic uint64_t *x) {
  atomic_store_explicit(x, atomic_load_explicit(x, memory_order_relaxed) + 1, memory_order_relaxed);
}

INLINE void ev_end(cur_t *c, unsigned kind) {
  tbuf_t *b = c->b;
  if (UNLIKELY(b == NULL)) { late_event(c, kind); return; }
  bump(&b->events);
  bump(&b->by_kind[kind]);
  atomic_store_explicit(&b->pending, atomic_load_explicit(&b->pending, memory_order_relaxed) + 1, memory_order_relaxed);
  atomic_store_explicit(&b->committed, (size_t)(c->w - c->base), memory_order_release);
}

__attribute__((noinline)) static void thread_start(cur_t *c) {
  (void)c;
  int e = errno; /* mmap, pthread_setspecific */
  uint32_t idx = atomic_fetch_add(&g_next_thread, 1);
  t_thread = idx;
  t_seq = t_ptr = t_ts = 0;
  t_buf = buf_get(idx);
  if (t_buf == NULL) t_ended = 1; /* no buffer: every event of this thread is written at once */
  else pthread_setspecific(g_key, t_buf);
  cur_t s;
  ev_begin(&s, AM_RAW_THREAD_START);
  s.w = am_raw_put(s.w, (uint64_t)syscall(SYS_gettid));
  ev_end(&s, AM_RAW_THREAD_START);
  errno = e;
}

static void thread_exit_cb(void *arg) {
  int was = t_in;
  t_in = 1;
  if (arg == t_buf && t_buf != NULL && atomic_load(&g_state) == ST_REC) {
    cur_t c;
    CALL_NOW();
    ev_begin(&c, AM_RAW_THREAD_END);
    ev_end(&c, AM_RAW_THREAD_END);
    tbuf_t *b = t_buf;
    buf_flush(b, 1);
    pthread_mutex_lock(&g_reg_lock);
    counts_retire(b);
    b->in_use = 0;
    pthread_mutex_unlock(&g_reg_lock);
    t_buf = NULL;
    t_ended = 1;
  }
  t_in = was;
}

/* ---- fork and exec ---- */
static void fork_prepare(void) {
  pthread_mutex_lock(&g_reg_lock);
  pthread_mutex_lock(&g_write_lock);
}
static void fork_parent(void) {
  pthread_mutex_unlock(&g_write_lock);
  pthread_mutex_unlock(&g_reg_lock);
}
static void fork_child(void) {
  int e = errno; /* the child's fork() returns with errno untouched */
  int was = t_in;
  t_in = 1;
  pthread_mutex_init(&g_write_lock, NULL);
  pthread_mutex_init(&g_reg_lock, NULL);
  if (atomic_load(&g_state) == ST_REC) {
    if (g_fd >= 0) close(g_fd);
    g_fd = -1;
    if (!g_follow_fork) {
      atomic_store(&g_state, ST_PASS);
    } else {
      /* The other threads are gone and the parent writes out what was buffered. */
      for (unsigned i = 0; i < g_n_bufs; i++) {
        tbuf_t *b = g_bufs[i];
        atomic_flag_clear(&b->lock);
        b->in_use = 0;
        atomic_store(&b->committed, 0);
        atomic_store(&b->pending, 0);
        b->flushed = 0;
        b->events_committed = 0;
        atomic_store(&b->events, 0);
        atomic_store(&b->free_null, 0);
        for (unsigned k = 0; k < AM_RAW_KIND_MAX; k++) atomic_store(&b->by_kind[k], 0);
      }
      atomic_store(&g_ended_events, 0);
      atomic_store(&g_ended_free_null, 0);
      for (unsigned k = 0; k < AM_RAW_KIND_MAX; k++) atomic_store(&g_ended_by_kind[k], 0);
      atomic_store(&g_next_thread, 0);
      t_buf = NULL;
      t_ended = 0;
      if (open_output() != 0) atomic_store(&g_state, ST_PASS);
    }
  }
  t_in = was;
  errno = e;
}

static void exec_flush(void) {
  if (atomic_load(&g_state) != ST_REC || t_in) return;
  t_in = 1;
  flush_all(2);
  t_in = 0;
}

/* ---- initialisation ---- */
/* A function pointer from dlsym (memcpy: ISO C has no void * to function cast). */
#define SYM(var, name) do { void *s_ = dlsym(RTLD_NEXT, name); memcpy(&(var), &s_, sizeof s_); } while (0)

/* The decimal value of s[0..n), a non-digit counting as 0 (AMTRACE_GEN keeps its length
 * whatever it holds); *all_digits (may be NULL) says whether every character was one. */
static uint64_t dec_value(const char *s, size_t n, int *all_digits) {
  uint64_t v = 0;
  int ok = 1;
  for (size_t i = 0; i < n; i++) {
    int d = s[i] >= '0' && s[i] <= '9';
    ok &= d;
    v = v * 10 + (uint64_t)(d ? s[i] - '0' : 0);
  }
  if (all_digits != NULL) *all_digits = ok;
  return v;
}

static void read_knobs(void) {
  const char *f = getenv("AMTRACE_FLAGS");
  for (; f != NULL && *f; f++) {
    if (*f == 't') g_ts = 1;
    else if (*f == 'f') g_follow_fork = 1;
    else if (*f == 'e') g_follow_exec = 1;
    else if (*f == 'm') g_follow_main = 1;
  }
  char *gen = getenv("AMTRACE_GEN"); /* points into the environment block: rewritten in place */
  size_t n = gen != NULL ? strlen(gen) : 0;
  g_gen = dec_value(gen, n, NULL);
  uint64_t next = g_gen + 1;
  for (size_t i = n; i-- > 0;) { gen[i] = (char)('0' + next % 10); next /= 10; }
}

/* With flag m: is this process the command allocmark record started (AMTRACE_PID)? */
static int is_command_pid(void) {
  const char *p = getenv("AMTRACE_PID");
  int digits;
  uint64_t v = dec_value(p, p != NULL ? strlen(p) : 0, &digits);
  return p != NULL && digits && v == (uint64_t)getpid();
}

static int init(void) {
  int expect = ST_OFF;
  if (!atomic_compare_exchange_strong(&g_state, &expect, ST_INIT)) return 0;
  int e = errno; /* dlsym, open, ... */
  int was = t_in;
  t_in = 1;
  SYM(real_malloc, "malloc");
  SYM(real_free, "free");
  SYM(real_calloc, "calloc");
  SYM(real_realloc, "realloc");
  SYM(real_reallocarray, "reallocarray");
  SYM(real_posix_memalign, "posix_memalign");
  SYM(real_aligned_alloc, "aligned_alloc");
  SYM(real_memalign, "memalign");
  SYM(real_valloc, "valloc");
  SYM(real_pvalloc, "pvalloc");
  SYM(real_usable, "malloc_usable_size");
  SYM(real_execve, "execve");
  SYM(real_execvpe, "execvpe");
  int st = ST_PASS;
  if (real_malloc != NULL && real_free != NULL && real_calloc != NULL && real_realloc != NULL) {
    read_knobs();
    if (g_gen > 0 && !g_follow_exec && !(g_follow_main && is_command_pid()))
      st = ST_PASS; /* an exec'd program: not followed */
    else if (open_output() == 0 && pthread_key_create(&g_key, thread_exit_cb) == 0 &&
             pthread_atfork(fork_prepare, fork_parent, fork_child) == 0)
      st = ST_REC;
  }
  t_in = was;
  atomic_store(&g_state, st);
  errno = e;
  return 0;
}

__attribute__((constructor)) static void amtrace_ctor(void) { if (real_malloc == NULL) init(); }

__attribute__((destructor)) static void amtrace_dtor(void) {
  if (atomic_load(&g_state) != ST_REC) return;
  int was = t_in;
  t_in = 1;
  atomic_store(&g_state, ST_DONE);
  flush_all(1);
  t_in = was;
}

/* Record only outside the shim, while recording (or after the exit flush). */
static inline int rec_on(void) {
  int s = atomic_load_explicit(&g_state, memory_order_relaxed);
  return !t_in && (s == ST_REC || s == ST_DONE);
}

static void failed(unsigned call, uint64_t size) {
  cur_t c;
  ev_begin(&c, AM_RAW_FAILED);
  *c.w++ = (unsigned char)call;
  c.w = am_raw_put(c.w, size);
  ev_end(&c, AM_RAW_FAILED);
}

INLINE void rec_alloc(unsigned kind, uint64_t size, void *p) {
  cur_t c;
  ev_begin(&c, kind);
  c.w = am_raw_put(c.w, size);
  c.w = enc_ptr(c.w, p);
  ev_end(&c, kind);
}

INLINE void rec_aligned(unsigned call, uint64_t align, uint64_t size, void *p) {
  cur_t c;
  ev_begin(&c, AM_RAW_ALIGNED);
  *c.w++ = (unsigned char)call;
  c.w = am_raw_put(c.w, align);
  c.w = am_raw_put(c.w, size);
  c.w = enc_ptr(c.w, p);
  ev_end(&c, AM_RAW_ALIGNED);
}

INLINE void rec_ptr(unsigned kind, const void *p) {
  cur_t c;
  ev_begin(&c, kind);
  c.w = enc_ptr(c.w, p);
  ev_end(&c, kind);
}

/* ---- the hooks ---- */
#define ENSURE(fn) do { if (UNLIKELY(fn == NULL)) init(); } while (0)

AM_EXPORT void *malloc(size_t n) {
  ENSURE(real_malloc);
  if (UNLIKELY(real_malloc == NULL)) return boot_alloc(n, 16);
  if (!rec_on()) return real_malloc(n);
  t_in = 1;
  CALL_BEGIN();
  void *p = real_malloc(n);
  CALL_END();
  if (LIKELY(p != NULL)) rec_alloc(AM_RAW_MALLOC, n, p);
  else failed(AM_RAW_CALL_MALLOC, n);
  t_in = 0;
  return p;
}

/* free with timestamps: numbered before the real free (as always), written after it,
 * when its time inside the call is known. */
__attribute__((noinline)) static void free_timed(void *p) {
  cur_t c;
  if (t_buf == NULL && !t_ended) { t_t0 = t_t1 = clk(); thread_start(&c); }
  uint64_t seq = seq_next();
  t_t0 = clk();
  real_free(p);
  t_t1 = clk();
  ev_begin_at(&c, AM_RAW_FREE, seq);
  c.w = enc_ptr(c.w, p);
  ev_end(&c, AM_RAW_FREE);
}

AM_EXPORT void free(void *p) {
  if (p == NULL) {
    if (t_buf != NULL && rec_on()) bump(&t_buf->free_null);
    return;
  }
  if (UNLIKELY(in_boot(p))) return;
  ENSURE(real_free);
  if (UNLIKELY(real_free == NULL)) return;
  if (!rec_on()) { real_free(p); return; }
  t_in = 1;
  if (UNLIKELY(g_ts)) free_timed(p);
  else { rec_ptr(AM_RAW_FREE, p); real_free(p); }
  t_in = 0;
}

AM_EXPORT void *calloc(size_t n, size_t m) {
  ENSURE(real_calloc);
  if (UNLIKELY(real_calloc == NULL)) {
    size_t total;
    if (__builtin_mul_overflow(n, m, &total)) return NULL;
    return boot_alloc(total, 16); /* static storage: already zero */
  }
  if (!rec_on()) return real_calloc(n, m);
  t_in = 1;
  CALL_BEGIN();
  void *p = real_calloc(n, m);
  CALL_END();
  size_t total;
  if (__builtin_mul_overflow(n, m, &total)) total = SIZE_MAX;
  if (LIKELY(p != NULL)) rec_alloc(AM_RAW_CALLOC, total, p);
  else failed(AM_RAW_CALL_CALLOC, total);
  t_in = 0;
  return p;
}

static void *boot_realloc(void *old, size_t n) {
  void *p = real_malloc != NULL ? malloc(n) : boot_alloc(n, 16);
  if (p != NULL && old != NULL) {
    size_t o = boot_size(old);
    memcpy(p, old, o < n ? o : n);
  }
  return p;
}

/* realloc and reallocarray: the freeing half before the call, the result after. */
static void *realloc_common(void *old, size_t n, size_t total, unsigned call) {
  if (!rec_on()) return call ? real_reallocarray(old, n, total) : real_realloc(old, n);
  t_in = 1;
  CALL_BEGIN();
  t_t1 = t_t0; /* the freeing half is written before the call: no time inside it */
  if (old != NULL) rec_ptr(AM_RAW_REALLOC_FREE, old);
  void *p = call ? real_reallocarray(old, n, total) : real_realloc(old, n);
  CALL_END();
  int e = errno;
  uint64_t size = call ? (uint64_t)n * total : n;
  if (call && __builtin_mul_overflow(n, total, &size)) size = UINT64_MAX;
  if (old == NULL && p == NULL) {
    failed(call ? AM_RAW_CALL_REALLOCARRAY : AM_RAW_CALL_REALLOC, size);
  } else {
    cur_t c;
    ev_begin(&c, AM_RAW_REALLOC);
    *c.w++ = (unsigned char)call;
    c.w = am_raw_put(c.w, size);
    c.w = enc_ptr(c.w, p);
    ev_end(&c, AM_RAW_REALLOC);
  }
  errno = e;
  t_in = 0;
  return p;
}

AM_EXPORT void *realloc(void *old, size_t n) {
  ENSURE(real_realloc);
  if (UNLIKELY(real_realloc == NULL || (old != NULL && in_boot(old)))) return boot_realloc(old, n);
  return realloc_common(old, n, 0, 0);
}

AM_EXPORT void *reallocarray(void *old, size_t n, size_t m) {
  ENSURE(real_realloc);
  size_t total;
  if (UNLIKELY(real_reallocarray == NULL || real_realloc == NULL || (old != NULL && in_boot(old)))) {
    if (__builtin_mul_overflow(n, m, &total)) { errno = ENOMEM; return NULL; }
    return realloc(old, total);
  }
  return realloc_common(old, n, m, 1);
}

AM_EXPORT int posix_memalign(void **out, size_t align, size_t n) {
  ENSURE(real_posix_memalign);
  if (UNLIKELY(real_posix_memalign == NULL)) {
    *out = boot_alloc(n, align);
    return *out != NULL ? 0 : ENOMEM;
  }
  if (!rec_on()) return real_posix_memalign(out, align, n);
  t_in = 1;
  int e = errno;
  CALL_BEGIN();
  int rc = real_posix_memalign(out, align, n);
  CALL_END();
  if (rc == 0) rec_aligned(AM_RAW_CALL_POSIX_MEMALIGN, align, n, *out);
  else failed(AM_RAW_CALL_POSIX_MEMALIGN, n);
  errno = e;
  t_in = 0;
  return rc;
}

/* aligned_alloc, memalign, valloc, pvalloc: same shape. */
static void *aligned_common(unsigned call, size_t align, size_t n) {
  void *p;
  int rec = rec_on();
  if (rec) t_in = 1;
  CALL_BEGIN();
  switch (call) {
  case AM_RAW_CALL_ALIGNED_ALLOC: p = real_aligned_alloc(align, n); break;
  case AM_RAW_CALL_MEMALIGN: p = real_memalign(align, n); break;
  case AM_RAW_CALL_VALLOC: p = real_valloc(n); break;
  default: p = real_pvalloc(n); break;
  }
  CALL_END();
  if (!rec) return p;
  int e = errno;
  if (p != NULL) rec_aligned(call, align, n, p);
  else failed(call, n);
  errno = e;
  t_in = 0;
  return p;
}

static size_t page_size(void) {
  static size_t ps;
  if (ps == 0) ps = (size_t)sysconf(_SC_PAGESIZE);
  return ps;
}

AM_EXPORT void *aligned_alloc(size_t align, size_t n) {
  ENSURE(real_aligned_alloc);
  if (UNLIKELY(real_aligned_alloc == NULL)) return boot_alloc(n, align);
  if (t_in) return real_aligned_alloc(align, n);
  return aligned_common(AM_RAW_CALL_ALIGNED_ALLOC, align, n);
}
AM_EXPORT void *memalign(size_t align, size_t n) {
  ENSURE(real_memalign);
  if (UNLIKELY(real_memalign == NULL)) return boot_alloc(n, align);
  if (t_in) return real_memalign(align, n);
  return aligned_common(AM_RAW_CALL_MEMALIGN, align, n);
}
AM_EXPORT void *valloc(size_t n) {
  ENSURE(real_valloc);
  if (UNLIKELY(real_valloc == NULL)) return boot_alloc(n, 4096);
  if (t_in) return real_valloc(n);
  return aligned_common(AM_RAW_CALL_VALLOC, page_size(), n);
}
AM_EXPORT void *pvalloc(size_t n) {
  ENSURE(real_pvalloc);
  if (UNLIKELY(real_pvalloc == NULL)) return boot_alloc(n, 4096);
  if (t_in) return real_pvalloc(n);
  return aligned_common(AM_RAW_CALL_PVALLOC, page_size(), n);
}

AM_EXPORT size_t malloc_usable_size(void *p) {
  if (p != NULL && in_boot(p)) return boot_size(p);
  ENSURE(real_usable);
  if (UNLIKELY(real_usable == NULL)) return 0;
  if (p == NULL || !rec_on()) return real_usable(p);
  t_in = 1;
  int e = errno;
  CALL_NOW();
  rec_ptr(AM_RAW_USABLE, p);
  errno = e;
  t_in = 0;
  return real_usable(p);
}

/* exec: write out what is buffered first (the image is about to be replaced). */
AM_EXPORT int execve(const char *path, char *const argv[], char *const envp[]) {
  ENSURE(real_execve);
  exec_flush();
  if (real_execve == NULL) { errno = ENOSYS; return -1; }
  return real_execve(path, argv, envp);
}
AM_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[]) {
  ENSURE(real_execvpe);
  exec_flush();
  if (real_execvpe == NULL) { errno = ENOSYS; return -1; }
  return real_execvpe(file, argv, envp);
}
extern char **environ;
AM_EXPORT int execv(const char *path, char *const argv[]) { return execve(path, argv, environ); }
AM_EXPORT int execvp(const char *file, char *const argv[]) { return execvpe(file, argv, environ); }
