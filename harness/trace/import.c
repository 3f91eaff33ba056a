/* harness/trace/import.c — importers: traces other tools make, read as event sources
 * for the converter (convert.c), so they become replay-ready .amtrace files.
 *
 * heaptrack (Debian `heaptrack`, its zstd-compressed `heaptrack.PROG.PID.zst`, the
 * interpreted text heaptrack_print reads): `a SIZE TRACE` defines allocation info i
 * (hex), `+ I` an allocation with info i, `- I` a free of a block with info i, `c MS` a
 * timestamp (ms since start, hex), other lines (strings, traces, RSS) are skipped. The
 * format names no address, no thread and no call: every block is a malloc on one
 * thread, and a free takes the most recently allocated live block with that info (a
 * LIFO guess: lifetimes within one allocation site are approximate).
 *
 * Android malloc_debug `record_allocs` text: one line per call, `TID: malloc PTR SIZE`,
 * `TID: calloc PTR NMEMB SIZE`, `TID: memalign PTR ALIGN SIZE`, `TID: realloc NEW OLD
 * SIZE`, `TID: free PTR`, `TID: thread_done 0x0`, optionally followed by start and end
 * times (ns) on newer Android versions. Threads and addresses are kept; the order is the
 * file's (which is the order malloc_debug wrote them), no global sequence number.
 *
 * Bad input: "<file>: line N: <what>", AM_EINVAL. Driver-side code (plain malloc). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include "trace.h"

typedef struct imp_s {
  char path[4096];
  int kind;                     /* 0 heaptrack, 1 android                          */
  FILE *f;
  ZSTD_DStream *z;
  unsigned char *zin, *zout;
  size_t zin_cap, zout_cap, zin_len, zin_pos, zout_len, zout_pos;
  int zeof;
  char line[8192];
  uint64_t lineno, seq, ms;
  /* heaptrack */
  uint64_t *info_size;
  size_t n_info, info_cap;
  uint64_t **stack;             /* per info: live synthetic addresses (LIFO)       */
  size_t *st_len, *st_cap;
  uint64_t next_addr;
  /* android: tid -> thread index */
  uint64_t *tids;
  size_t n_tids;
  am_raw_event_t pending;       /* realloc: its second half                        */
  int have_pending;
} imp_t;

static int fail(am_diag_t *d, const imp_t *m, const char *what) {
  return am_diag(d, AM_EINVAL, "%s: line %llu: %s", m->path, (unsigned long long)m->lineno, what);
}

/* Next decompressed (or plain) byte; -1 at the end, -2 on a zstd error. */
static int getb(imp_t *m) {
  if (m->z == NULL) return fgetc(m->f);
  while (m->zout_pos == m->zout_len) {
    if (m->zin_pos == m->zin_len) {
      if (m->zeof) return -1;
      m->zin_len = fread(m->zin, 1, m->zin_cap, m->f);
      m->zin_pos = 0;
      if (m->zin_len == 0) { m->zeof = 1; return -1; }
    }
    ZSTD_inBuffer in = {m->zin, m->zin_len, m->zin_pos};
    ZSTD_outBuffer out = {m->zout, m->zout_cap, 0};
    size_t r = ZSTD_decompressStream(m->z, &out, &in);
    if (ZSTD_isError(r)) return -2;
    m->zin_pos = in.pos;
    m->zout_len = out.pos;
    m->zout_pos = 0;
  }
  return m->zout[m->zout_pos++];
}

/* One line into m->line; 1, 0 at the end, or an error code. */
static int next_line(imp_t *m, am_diag_t *d) {
  size_t n = 0;
  int c;
  while ((c = getb(m)) >= 0 && c != '\n')
    if (n + 1 < sizeof m->line) m->line[n++] = (char)c;
  if (c == -2) return am_diag(d, AM_EINVAL, "%s: offset %llu: corrupt zstd data", m->path, (unsigned long long)ftell(m->f));
  m->line[n] = '\0';
  if (c < 0 && n == 0) return 0;
  m->lineno++;
  return 1;
}

static int imp_open_file(imp_t *m, am_diag_t *d) {
  m->f = fopen(m->path, "rb");
  if (m->f == NULL) return am_diag(d, errno == ENOENT ? AM_ENOENT : AM_EIO, "%s: %s", m->path, strerror(errno));
  unsigned char mg[4] = {0};
  size_t k = fread(mg, 1, 4, m->f);
  rewind(m->f);
  if (k == 4 && mg[0] == 0x28 && mg[1] == 0xb5 && mg[2] == 0x2f && mg[3] == 0xfd) {
    m->z = ZSTD_createDStream();
    m->zin_cap = ZSTD_DStreamInSize();
    m->zout_cap = ZSTD_DStreamOutSize();
    m->zin = malloc(m->zin_cap);
    m->zout = malloc(m->zout_cap);
    if (m->z == NULL || m->zin == NULL || m->zout == NULL) return am_diag(d, AM_ENOMEM, "%s: out of memory", m->path);
    ZSTD_initDStream(m->z);
  }
  m->lineno = m->seq = m->ms = 0;
  m->zin_len = m->zin_pos = m->zout_len = m->zout_pos = 0;
  m->zeof = 0;
  return 0;
}

static void imp_close_file(imp_t *m) {
  if (m->f != NULL) fclose(m->f);
  m->f = NULL;
  ZSTD_freeDStream(m->z);
  m->z = NULL;
  free(m->zin); free(m->zout);
  m->zin = m->zout = NULL;
}

static int grow(void **p, size_t *cap, size_t need, size_t esz) {
  if (need <= *cap) return 0;
  size_t n = *cap ? *cap * 2 : 64;
  while (n < need) n *= 2;
  void *q = realloc(*p, n * esz);
  if (q == NULL) return -1;
  memset((char *)q + *cap * esz, 0, (n - *cap) * esz);
  *p = q;
  *cap = n;
  return 0;
}

static void ht_reset(imp_t *m) {
  for (size_t i = 0; i < m->info_cap; i++) free(m->stack != NULL ? m->stack[i] : NULL);
  free(m->stack); free(m->st_len); free(m->st_cap); free(m->info_size);
  m->stack = NULL; m->st_len = m->st_cap = NULL; m->info_size = NULL;
  m->n_info = m->info_cap = 0;
  m->next_addr = 0x10000;
}

static int ht_next(imp_t *m, am_raw_event_t *e, am_diag_t *d) {
  for (;;) {
    int rc = next_line(m, d);
    if (rc <= 0) return rc;
    char *l = m->line, *end;
    if (l[0] == 'v' && m->lineno == 1 && l[1] == ' ') continue;
    if (m->lineno == 1) return fail(d, m, "not a heaptrack file (expected a 'v VERSION' line first)");
    if ((l[0] != 'a' && l[0] != '+' && l[0] != '-' && l[0] != 'c') || l[1] != ' ') continue;
    unsigned long long a = strtoull(l + 2, &end, 16);
    if (end == l + 2) return fail(d, m, "expected a hex number");
    if (l[0] == 'c') { m->ms = a; continue; }
    if (l[0] == 'a') {
      size_t cap = m->info_cap;
      if (grow((void **)&m->info_size, &cap, m->n_info + 1, sizeof *m->info_size) != 0) return am_diag(d, AM_ENOMEM, "out of memory");
      cap = m->info_cap;
      if (grow((void **)&m->stack, &cap, m->n_info + 1, sizeof *m->stack) != 0) return am_diag(d, AM_ENOMEM, "out of memory");
      cap = m->info_cap;
      if (grow((void **)&m->st_len, &cap, m->n_info + 1, sizeof *m->st_len) != 0) return am_diag(d, AM_ENOMEM, "out of memory");
      cap = m->info_cap;
      if (grow((void **)&m->st_cap, &m->info_cap, m->n_info + 1, sizeof *m->st_cap) != 0) return am_diag(d, AM_ENOMEM, "out of memory");
      (void)cap;
      m->info_size[m->n_info++] = a;
      continue;
    }
    if (a >= m->n_info) return fail(d, m, "allocation info index out of range");
    memset(e, 0, sizeof *e);
    e->seq = ++m->seq;
    e->ts = m->ms * 1000000ull;
    if (l[0] == '+') {
      size_t need = m->st_len[a] + 1;
      if (grow((void **)&m->stack[a], &m->st_cap[a], need, sizeof **m->stack) != 0) return am_diag(d, AM_ENOMEM, "out of memory");
      uint64_t addr = m->next_addr;
      m->next_addr += 16;
      m->stack[a][m->st_len[a]++] = addr;
      e->kind = AM_RAW_MALLOC;
      e->size = m->info_size[a];
      e->ptr = addr;
    } else {
      if (m->st_len[a] == 0) return fail(d, m, "free of allocation info with no live block");
      e->kind = AM_RAW_FREE;
      e->ptr = m->stack[a][--m->st_len[a]];
    }
    return 1;
  }
}

static uint32_t tid_index(imp_t *m, uint64_t tid) {
  for (size_t i = 0; i < m->n_tids; i++) if (m->tids[i] == tid) return (uint32_t)i;
  uint64_t *t = realloc(m->tids, (m->n_tids + 1) * sizeof *t);
  if (t == NULL) return 0;
  m->tids = t;
  t[m->n_tids] = tid;
  return (uint32_t)m->n_tids++;
}

static int an_next(imp_t *m, am_raw_event_t *e, am_diag_t *d) {
  if (m->have_pending) { *e = m->pending; m->have_pending = 0; return 1; }
  for (;;) {
    int rc = next_line(m, d);
    if (rc <= 0) return rc;
    char op[32];
    unsigned long long tid, x[4] = {0};
    int n = sscanf(m->line, "%llu: %31s %llx %llx %llx %llx", &tid, op, &x[0], &x[1], &x[2], &x[3]);
    if (n < 3) {
      if (m->line[0] == '\0') continue;
      return fail(d, m, "expected 'TID: CALL ARGS' (Android malloc_debug record_allocs)");
    }
    /* sizes and counts are decimal: rescan them so */
    unsigned long long dsz[3] = {0};
    char p1[32], p2[32];
    memset(e, 0, sizeof *e);
    e->thread = tid_index(m, tid);
    e->seq = ++m->seq;
    if (strcmp(op, "malloc") == 0 && sscanf(m->line, "%*u: %*s %31s %llu", p1, &dsz[0]) == 2) {
      e->kind = AM_RAW_MALLOC; e->ptr = strtoull(p1, NULL, 16); e->size = dsz[0];
    } else if (strcmp(op, "calloc") == 0 && sscanf(m->line, "%*u: %*s %31s %llu %llu", p1, &dsz[0], &dsz[1]) == 3) {
      e->kind = AM_RAW_CALLOC; e->ptr = strtoull(p1, NULL, 16); e->size = dsz[0] * dsz[1];
    } else if (strcmp(op, "memalign") == 0 && sscanf(m->line, "%*u: %*s %31s %llu %llu", p1, &dsz[0], &dsz[1]) == 3) {
      e->kind = AM_RAW_ALIGNED; e->call = AM_RAW_CALL_MEMALIGN; e->ptr = strtoull(p1, NULL, 16); e->align = dsz[0]; e->size = dsz[1];
    } else if (strcmp(op, "realloc") == 0 && sscanf(m->line, "%*u: %*s %31s %31s %llu", p1, p2, &dsz[0]) == 3) {
      uint64_t nw = strtoull(p1, NULL, 16), old = strtoull(p2, NULL, 16);
      m->pending = *e;
      m->pending.kind = AM_RAW_REALLOC;
      m->pending.seq = ++m->seq;
      m->pending.size = dsz[0];
      m->pending.ptr = nw;
      if (old != 0) { e->kind = AM_RAW_REALLOC_FREE; e->ptr = old; m->have_pending = 1; }
      else *e = m->pending;
    } else if (strcmp(op, "free") == 0) {
      e->kind = AM_RAW_FREE; e->ptr = x[0];
      if (e->ptr == 0) continue;
    } else if (strcmp(op, "thread_done") == 0) {
      e->kind = AM_RAW_THREAD_END;
    } else {
      return fail(d, m, "unknown or malformed call (expected malloc, calloc, memalign, realloc, free, thread_done)");
    }
    (void)n;
    return 1;
  }
}

static int imp_next(void *ctx, am_raw_event_t *e, am_diag_t *d) {
  imp_t *m = ctx;
  return m->kind == 0 ? ht_next(m, e, d) : an_next(m, e, d);
}

static int imp_rewind(void *ctx, am_diag_t *d) {
  imp_t *m = ctx;
  imp_close_file(m);
  ht_reset(m);
  free(m->tids);
  m->tids = NULL;
  m->n_tids = 0;
  m->have_pending = 0;
  return imp_open_file(m, d);
}

int am_trace_import(const char *from, const char *in, const char *out, const am_convert_opts_t *o, am_diag_t *d) {
  imp_t *m = calloc(1, sizeof *m);
  if (m == NULL) return am_diag(d, AM_ENOMEM, "out of memory");
  snprintf(m->path, sizeof m->path, "%s", in);
  if (strcmp(from, "heaptrack") == 0) m->kind = 0;
  else if (strcmp(from, "android") == 0) m->kind = 1;
  else { free(m); return am_diag(d, AM_EINVAL, "--from: '%s' is not heaptrack or android", from); }
  int rc = imp_rewind(m, d);
  am_event_src_t src = {.ctx = m, .next = imp_next, .rewind = imp_rewind, .complete = 1};
  snprintf(src.meta.program, sizeof src.meta.program, "%s", in);
  snprintf(src.meta.cmdline, sizeof src.meta.cmdline, "(imported from %s)", in);
  snprintf(src.meta.clock, sizeof src.meta.clock, "%s", m->kind == 0 ? "ms (heaptrack)" : "none");
  snprintf(src.meta.source, sizeof src.meta.source, "%s import", from);
  if (m->kind == 0) src.meta.flags = AM_RAW_FLAG_TIMESTAMPS;
  if (rc == 0) rc = am_trace_convert(&src, out, o, d);
  imp_close_file(m);
  ht_reset(m);
  free(m->tids);
  free(m);
  return rc;
}
