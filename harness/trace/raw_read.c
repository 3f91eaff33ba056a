/* harness/trace/raw_read.c — reads a raw recording (raw.h) back as one stream of events
 * in sequence order. The file is indexed once (block offsets per thread, the last
 * footer); then each thread is decoded block by block with its delta chain carried
 * across blocks, and the threads are merged by sequence number with a binary heap.
 * Memory: one decoded block per thread that still has events, plus the index (16
 * bytes per block). A block cut short at the end of the file (the process died while
 * writing) ends the recording there: the trace is incomplete, not corrupt. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gen_mem.h"
#include "trace.h"
#include "trace_bytes.h"

typedef struct blk_s { uint64_t off; uint32_t bytes, events; } blk_t;

typedef struct rthr_s {
  am_mvec_t blocks;            /* blk_t, in file order                             */
  size_t next_block;
  unsigned char *buf;          /* the decoded block (malloc'd: driver side only)   */
  size_t cap;
  const unsigned char *p, *end;
  uint64_t blk_off;            /* file offset of the current block's payload       */
  uint64_t seq, ptr, ts;       /* delta chain                                      */
  int have;                    /* ev holds this thread's next event                */
  am_raw_event_t ev;
} rthr_t;

struct am_raw_s {
  char path[4096];
  int fd;
  am_trace_meta_t meta;
  uint64_t data_off, size;
  rthr_t *th;
  uint32_t n_th;
  uint32_t *heap;              /* thread indices ordered by their next seq         */
  uint32_t n_heap;
  am_raw_footer_t foot;
  int have_foot, truncated;
  uint64_t events_seen;
};

static int bad(am_diag_t *d, const am_raw_t *r, uint64_t off, const char *what) {
  return am_diag(d, AM_EINVAL, "%s: offset %llu: %s", r->path, (unsigned long long)off, what);
}

static int read_header(am_raw_t *r, am_diag_t *d) {
  unsigned char h[16384];
  size_t n = r->size < sizeof h ? (size_t)r->size : sizeof h;
  if (n < 48) return bad(d, r, r->size, "truncated raw header (expected at least 48 bytes)");
  if (am_tb_pread(r->fd, h, n, 0) != 0) return am_diag(d, AM_EIO, "%s: read error", r->path);
  if (memcmp(h, AM_RAW_MAGIC, 8) != 0) return bad(d, r, 0, "not a raw allocmark recording (bad magic)");
  const unsigned char *p = h + 8, *end = h + n;
  uint32_t ver = 0;
  am_tb_u32(&p, end, &ver);
  if (ver != AM_RAW_VERSION) return bad(d, r, 8, "unsupported raw recording version");
  am_tb_u32(&p, end, &r->meta.flags);
  am_tb_u64(&p, end, &r->meta.pid);
  am_tb_u64(&p, end, &r->meta.ppid);
  am_tb_u64(&p, end, &r->meta.start_unix_ns);
  am_tb_u64(&p, end, &r->meta.generation);
  if (am_tb_str(&p, end, r->meta.program, sizeof r->meta.program, 0) != 0 ||
      am_tb_str(&p, end, r->meta.cmdline, sizeof r->meta.cmdline, 1) != 0 ||
      am_tb_str(&p, end, r->meta.libc, sizeof r->meta.libc, 0) != 0 ||
      am_tb_str(&p, end, r->meta.clock, sizeof r->meta.clock, 0) != 0)
    return bad(d, r, (uint64_t)(p - h), "truncated raw header strings");
  snprintf(r->meta.source, sizeof r->meta.source, "allocmark record");
  r->data_off = (uint64_t)(p - h);
  return 0;
}

/* One pass over the block headers: per-thread block lists and the last footer. */
static int index_blocks(am_raw_t *r, am_diag_t *d) {
  uint64_t off = r->data_off;
  while (off < r->size) {
    uint32_t magic;
    if (r->size - off < 4) { r->truncated = 1; break; }
    if (am_tb_pread(r->fd, &magic, 4, off) != 0) return am_diag(d, AM_EIO, "%s: read error", r->path);
    if (magic == AM_RAW_FOOT_MAGIC) {
      if (r->size - off < sizeof(am_raw_footer_t)) { r->truncated = 1; break; }
      am_tb_pread(r->fd, &r->foot, sizeof r->foot, off);
      r->have_foot = 1;
      off += sizeof(am_raw_footer_t);
      continue;
    }
    if (magic != AM_RAW_BLOCK_MAGIC) return bad(d, r, off, "expected an event block or a footer");
    am_raw_block_t b;
    if (r->size - off < sizeof b) { r->truncated = 1; break; }
    am_tb_pread(r->fd, &b, sizeof b, off);
    if (r->size - off - sizeof b < b.bytes) { r->truncated = 1; break; }
    if (b.thread >= (1u << 24)) return bad(d, r, off + 4, "thread index out of range");
    if (b.thread >= r->n_th) {
      uint32_t nt = b.thread + 1;
      rthr_t *th = realloc(r->th, (size_t)nt * sizeof *th);
      if (th == NULL) return am_diag(d, AM_ENOMEM, "%s: out of memory", r->path);
      memset(th + r->n_th, 0, (size_t)(nt - r->n_th) * sizeof *th);
      for (uint32_t i = r->n_th; i < nt; i++) am_mvec_init(&th[i].blocks, sizeof(blk_t));
      r->th = th;
      r->n_th = nt;
    }
    am_mvec_t *v = &r->th[b.thread].blocks;
    if (am_mvec_reserve(v, v->len + 1) != 0) return am_diag(d, AM_ENOMEM, "%s: out of memory", r->path);
    ((blk_t *)v->p)[v->len++] = (blk_t){off + sizeof b, b.bytes, b.events};
    off += sizeof b + b.bytes;
  }
  r->heap = calloc(r->n_th ? r->n_th : 1, sizeof *r->heap);
  return r->heap == NULL ? am_diag(d, AM_ENOMEM, "%s: out of memory", r->path) : 0;
}

/* Decode thread t's next event into t->ev (have = 0 at its end). */
static int decode_next(am_raw_t *r, uint32_t ti, am_diag_t *d) {
  rthr_t *t = &r->th[ti];
  while (t->p == t->end) {
    if (t->next_block >= t->blocks.len) { t->have = 0; return 0; }
    blk_t *b = &((blk_t *)t->blocks.p)[t->next_block++];
    if (b->bytes > t->cap) {
      unsigned char *nb = realloc(t->buf, b->bytes);
      if (nb == NULL) return am_diag(d, AM_ENOMEM, "%s: out of memory", r->path);
      t->buf = nb;
      t->cap = b->bytes;
    }
    if (am_tb_pread(r->fd, t->buf, b->bytes, b->off) != 0) return am_diag(d, AM_EIO, "%s: read error", r->path);
    t->p = t->buf;
    t->end = t->buf + b->bytes;
    t->blk_off = b->off;
  }
  const unsigned char *start = t->p, *end = t->end;
  am_raw_event_t *e = &t->ev;
  memset(e, 0, sizeof *e);
  unsigned char b0 = *t->p++;
  e->kind = b0 & 15;
  e->thread = ti;
  uint64_t ds = b0 >> 4, v = 0;
  uint64_t at = t->blk_off + (uint64_t)(start - t->buf);
  if (e->kind == 0 || e->kind >= AM_RAW_KIND_MAX) return bad(d, r, at, "unknown event kind");
  if (ds == 0 && am_raw_get(&t->p, end, &ds) != 0) return bad(d, r, at, "truncated event");
  t->seq += ds;
  e->seq = t->seq;
  if (r->meta.flags & AM_RAW_FLAG_TIMESTAMPS) {
    if (am_raw_get(&t->p, end, &v) != 0) return bad(d, r, at, "truncated event timestamp");
    t->ts += v;
    e->ts = t->ts;
    if ((r->meta.flags & AM_RAW_FLAG_CALL_NS) && am_raw_get(&t->p, end, &e->dur) != 0)
      return bad(d, r, at, "truncated event call time");
  }
  int rc = 0, ptr = 0;
  switch (e->kind) {
  case AM_RAW_MALLOC: case AM_RAW_CALLOC:
    rc = am_raw_get(&t->p, end, &e->size); ptr = 1; break;
  case AM_RAW_REALLOC:
    if (t->p >= end) { rc = -1; break; }
    e->call = *t->p++;
    rc = am_raw_get(&t->p, end, &e->size); ptr = 1; break;
  case AM_RAW_ALIGNED:
    if (t->p >= end) { rc = -1; break; }
    e->call = *t->p++;
    rc = am_raw_get(&t->p, end, &e->align);
    if (rc == 0) rc = am_raw_get(&t->p, end, &e->size);
    ptr = 1;
    break;
  case AM_RAW_FREE: case AM_RAW_REALLOC_FREE: case AM_RAW_USABLE: ptr = 1; break;
  case AM_RAW_THREAD_START: rc = am_raw_get(&t->p, end, &e->ptr); break;
  case AM_RAW_FAILED:
    if (t->p >= end) { rc = -1; break; }
    e->call = *t->p++;
    rc = am_raw_get(&t->p, end, &e->size); break;
  default: break;
  }
  if (rc == 0 && ptr) {
    rc = am_raw_get(&t->p, end, &v);
    t->ptr += (uint64_t)am_raw_unzz(v);
    e->ptr = t->ptr;
  }
  if (rc != 0) return bad(d, r, at, "truncated event");
  if (e->kind == AM_RAW_ALIGNED && e->call > AM_RAW_CALL_PVALLOC) return bad(d, r, at, "unknown aligned call");
  t->have = 1;
  return 0;
}

static int before(const am_raw_t *r, uint32_t a, uint32_t b) {
  const am_raw_event_t *x = &r->th[a].ev, *y = &r->th[b].ev;
  return x->seq < y->seq || (x->seq == y->seq && a < b);
}
static void sift_down(am_raw_t *r, uint32_t i) {
  for (;;) {
    uint32_t c = 2 * i + 1;
    if (c >= r->n_heap) return;
    if (c + 1 < r->n_heap && before(r, r->heap[c + 1], r->heap[c])) c++;
    if (!before(r, r->heap[c], r->heap[i])) return;
    uint32_t x = r->heap[i]; r->heap[i] = r->heap[c]; r->heap[c] = x;
    i = c;
  }
}

static int start(am_raw_t *r, am_diag_t *d) {
  r->n_heap = 0;
  r->events_seen = 0;
  for (uint32_t i = 0; i < r->n_th; i++) {
    rthr_t *t = &r->th[i];
    t->next_block = 0;
    t->p = t->end = NULL;
    t->seq = t->ptr = t->ts = 0;
    int rc = decode_next(r, i, d);
    if (rc != 0) return rc;
    if (t->have) r->heap[r->n_heap++] = i;
  }
  for (uint32_t i = r->n_heap / 2; i-- > 0;) sift_down(r, i);
  return 0;
}

int am_raw_open(const char *path, am_raw_t **out, am_diag_t *d) {
  *out = NULL;
  am_raw_t *r = calloc(1, sizeof *r);
  if (r == NULL) return am_diag(d, AM_ENOMEM, "%s: out of memory", path);
  snprintf(r->path, sizeof r->path, "%s", path);
  r->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (r->fd < 0) {
    int e = errno;
    free(r);
    return am_diag(d, e == ENOENT ? AM_ENOENT : AM_EIO, "%s: %s", path, strerror(e));
  }
  struct stat st;
  int rc = fstat(r->fd, &st) == 0 ? 0 : am_diag(d, AM_EIO, "%s: %s", path, strerror(errno));
  r->size = (uint64_t)st.st_size;
  if (rc == 0) rc = read_header(r, d);
  if (rc == 0) rc = index_blocks(r, d);
  if (rc == 0) rc = start(r, d);
  if (rc != 0) { am_raw_close(r); return rc; }
  *out = r;
  return 0;
}

const am_trace_meta_t *am_raw_meta(const am_raw_t *r) { return &r->meta; }
int am_raw_complete(const am_raw_t *r) { return r->have_foot && !r->truncated; }
const am_raw_footer_t *am_raw_footer(const am_raw_t *r) { return r->have_foot ? &r->foot : NULL; }

int am_raw_next(am_raw_t *r, am_raw_event_t *ev, am_diag_t *d) {
  if (r->n_heap == 0) return 0;
  uint32_t ti = r->heap[0];
  *ev = r->th[ti].ev;
  int rc = decode_next(r, ti, d);
  if (rc != 0) return rc;
  if (!r->th[ti].have) r->heap[0] = r->heap[--r->n_heap];
  if (r->n_heap > 0) sift_down(r, 0);
  r->events_seen++;
  return 1;
}

int am_raw_rewind(am_raw_t *r, am_diag_t *d) { return start(r, d); }

void am_raw_close(am_raw_t *r) {
  if (r == NULL) return;
  for (uint32_t i = 0; i < r->n_th; i++) { am_mvec_free(&r->th[i].blocks); free(r->th[i].buf); }
  free(r->th);
  free(r->heap);
  if (r->fd >= 0) close(r->fd);
  free(r);
}
