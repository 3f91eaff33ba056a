/* harness/trace/trace_write.c — the one writer of .amtrace files (layout: trace_fmt.h,
 * TRACE.md). Blocks are coded (varints), compressed with zstd (level 3) and appended to
 * a temp file beside the target (json_io.h's am_atomic_t); am_tw_finish writes the
 * footer and trailer, syncs and renames, so a failed conversion leaves nothing behind.
 * Driver-side code. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>
#include "json_io.h"
#include "trace_int.h"

struct am_tw_s {
  am_atomic_t file;   /* the temp file and its target (json_io.h) */
  int compress;
  uint32_t threads;
  uint64_t off;
  unsigned char *raw, *z;
  size_t raw_cap, z_cap;
  uint64_t *chunk_off;
  size_t n_chunks, chunk_cap;
  uint64_t max_raw, max_stored;
  ZSTD_CCtx *cctx;
};

static int wr(am_tw_t *w, const void *p, size_t n, am_diag_t *d) {
  const unsigned char *c = p;
  while (n > 0) {
    ssize_t k = write(w->file.fd, c, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return am_diag(d, AM_EIO, "%s: write failed: %s", w->file.tmp, k < 0 ? strerror(errno) : "short write");
    c += k; n -= (size_t)k; w->off += (uint64_t)k;
  }
  return 0;
}

static void put_str(unsigned char **p, const char *s) {
  uint32_t n = (uint32_t)strlen(s);
  memcpy(*p, &n, 4);
  memcpy(*p + 4, s, n);
  *p += 4 + n;
}

int am_tw_open(const char *path, const am_trace_meta_t *m, uint32_t flags, uint32_t threads, int compress,
               am_tw_t **out, am_diag_t *d) {
  *out = NULL;
  am_tw_t *w = calloc(1, sizeof *w);
  if (w == NULL) return am_diag(d, AM_ENOMEM, "%s: out of memory", path);
  int rc = am_atomic_begin(&w->file, path, d);
  if (rc != 0) {
    free(w);
    return rc;
  }
  w->compress = compress;
  w->threads = threads;
  if (compress && (w->cctx = ZSTD_createCCtx()) == NULL) { am_tw_abort(w); return am_diag(d, AM_ENOMEM, "%s: out of memory", path); }
  unsigned char h[8 + 5 * 4 + 3 * 8 + 4 * 5 + 1024 + 4096 + 64 + 32 + 128 + 16], *p = h;
  memcpy(p, AM_TF_MAGIC, 8); p += 8;
  uint32_t u[4] = {AM_TF_VERSION, 0, flags, threads};
  memcpy(p, u, sizeof u); p += sizeof u;
  uint64_t q[3] = {m->pid, m->ppid, m->start_unix_ns};
  memcpy(p, q, sizeof q); p += sizeof q;
  put_str(&p, m->program);
  put_str(&p, m->cmdline);
  put_str(&p, m->libc);
  put_str(&p, m->clock);
  put_str(&p, m->source);
  uint32_t hb = (uint32_t)(p - h);
  memcpy(h + 12, &hb, 4);
  rc = wr(w, h, hb, d);
  if (rc != 0) { am_tw_abort(w); return rc; }
  *out = w;
  return 0;
}

void am_tw_chunk_begin(am_tw_t *w) {
  if (w->n_chunks == w->chunk_cap) {
    size_t nc = w->chunk_cap ? w->chunk_cap * 2 : 64;
    uint64_t *p = realloc(w->chunk_off, nc * sizeof *p);
    if (p == NULL) return; /* caught in am_tw_finish */
    w->chunk_off = p;
    w->chunk_cap = nc;
  }
  w->chunk_off[w->n_chunks++] = w->off;
}

static size_t encode(unsigned char *out, const am_op_t *ops, size_t n) {
  unsigned char *p = out;
  for (size_t i = 0; i < n; i++) {
    const am_op_t *o = &ops[i];
    *p++ = o->kind;
    p = am_raw_put(p, o->slot);
    switch (o->kind) {
    case AM_OP_ALIGNED: p = am_raw_put(p, o->arg); p = am_raw_put(p, o->size); break;
    case AM_OP_SEND: case AM_OP_RECV: p = am_raw_put(p, o->arg); break;
    default: p = am_raw_put(p, o->size); break;
    }
  }
  return (size_t)(p - out);
}

static int grow(unsigned char **b, size_t *cap, size_t need) {
  if (need <= *cap) return 0;
  unsigned char *p = realloc(*b, need);
  if (p == NULL) return -1;
  *b = p;
  *cap = need;
  return 0;
}

int am_tw_block(am_tw_t *w, uint32_t chunk, uint32_t thread, const am_op_t *ops, size_t n, am_diag_t *d) {
  if (grow(&w->raw, &w->raw_cap, n * AM_TF_MAX_OP + 1) != 0) return am_diag(d, AM_ENOMEM, "%s: out of memory", w->file.path);
  size_t rb = encode(w->raw, ops, n);
  const unsigned char *stored = w->raw;
  size_t sb = rb;
  uint32_t codec = AM_TF_CODEC_NONE;
  if (w->compress && rb > 64) {
    size_t bound = ZSTD_compressBound(rb);
    if (grow(&w->z, &w->z_cap, bound) != 0) return am_diag(d, AM_ENOMEM, "%s: out of memory", w->file.path);
    size_t zr = ZSTD_compressCCtx(w->cctx, w->z, bound, w->raw, rb, 3);
    if (ZSTD_isError(zr)) return am_diag(d, AM_EIO, "%s: zstd: %s", w->file.path, ZSTD_getErrorName(zr));
    if (zr < rb) { stored = w->z; sb = zr; codec = AM_TF_CODEC_ZSTD; }
  }
  am_tf_block_t b = {AM_TF_BLOCK_MAGIC, chunk, thread, (uint32_t)n, (uint32_t)rb, (uint32_t)sb, codec,
                     am_tf_fnv32(stored, sb)};
  if (rb > w->max_raw) w->max_raw = rb;
  if (sb > w->max_stored) w->max_stored = sb;
  int rc = wr(w, &b, sizeof b, d);
  return rc != 0 ? rc : wr(w, stored, sb, d);
}

int am_tw_finish(am_tw_t *w, am_tf_footer_t *f, const am_tf_thread_t *th, const am_tf_channel_t *ch,
                 const char *stats_json, am_diag_t *d) {
  if (w->chunk_off == NULL && f->chunks > 0) { am_tw_abort(w); return am_diag(d, AM_ENOMEM, "%s: out of memory", w->file.path); }
  f->magic = AM_TF_FOOT_MAGIC;
  f->version = AM_TF_VERSION;
  f->chunks = (uint32_t)w->n_chunks;
  f->max_raw = w->max_raw;
  f->max_stored = w->max_stored;
  f->stats_bytes = (uint32_t)strlen(stats_json);
  /* The footer is hashed as written: collect it in one buffer. */
  size_t fb = sizeof *f + (size_t)f->threads * sizeof *th + (size_t)f->channels * sizeof *ch +
              w->n_chunks * sizeof(uint64_t) + f->stats_bytes;
  unsigned char *buf = malloc(fb), *p = buf;
  if (buf == NULL) { am_tw_abort(w); return am_diag(d, AM_ENOMEM, "%s: out of memory", w->file.path); }
  memcpy(p, f, sizeof *f); p += sizeof *f;
  if (f->threads) { memcpy(p, th, (size_t)f->threads * sizeof *th); p += (size_t)f->threads * sizeof *th; }
  if (f->channels) { memcpy(p, ch, (size_t)f->channels * sizeof *ch); p += (size_t)f->channels * sizeof *ch; }
  if (w->n_chunks) { memcpy(p, w->chunk_off, w->n_chunks * sizeof(uint64_t)); p += w->n_chunks * sizeof(uint64_t); }
  memcpy(p, stats_json, f->stats_bytes);
  am_tf_trailer_t t = {w->off, (uint32_t)fb, am_tf_fnv32(buf, fb), {0}};
  memcpy(t.magic, AM_TF_END_MAGIC, 8);
  int rc = wr(w, buf, fb, d);
  free(buf);
  if (rc == 0) rc = wr(w, &t, sizeof t, d);
  if (rc == 0) rc = am_atomic_commit(&w->file, d); /* fsync, close, rename; else removed */
  if (rc != 0) { am_tw_abort(w); return rc; }
  ZSTD_freeCCtx(w->cctx);
  free(w->raw); free(w->z); free(w->chunk_off); free(w);
  return 0;
}

void am_tw_abort(am_tw_t *w) {
  if (w == NULL) return;
  am_atomic_abort(&w->file);
  ZSTD_freeCCtx(w->cctx);
  free(w->raw); free(w->z); free(w->chunk_off); free(w);
}
