/* harness/trace/trace_read.c — the one reader of .amtrace files (layout: trace_fmt.h,
 * TRACE.md). Opening reads the header, the trailer and the footer and checks them all
 * (magic, version, sizes, offsets, the footer's FNV-1a); chunks are read one at a time
 * (am_trace_read_chunk), their checksums verified and every op validated, so the
 * replay never sees an op that could crash it. Used inside runners before and between
 * timed chunks: every buffer comes from mmap (gen_mem.h) and zstd decompresses into a
 * static context in a mapping, so the allocator under test holds none of this. The
 * stats JSON is parsed only when asked for (driver side). Errors: "<file>: offset N:
 * <what>", AM_EINVAL. */
#define ZSTD_STATIC_LINKING_ONLY
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cJSON.h>
#include <zstd.h>
#include "gen_mem.h"
#include "results.h"
#include "trace_bytes.h"
#include "trace_int.h"

#define MAX_SIZE (1ull << 48)   /* largest block a trace may request (and longest PAUSE, ns) */

struct am_trace_s {
  char path[4096];
  int fd;
  uint64_t size, header_bytes;
  am_trace_meta_t meta;
  am_trace_info_t info;
  unsigned char *foot;          /* the footer, mmap'd                                */
  size_t foot_bytes;
  const am_tf_thread_t *th;
  const am_tf_channel_t *ch;
  const uint64_t *chunk_off;
  const char *stats_text;
  uint32_t stats_bytes;
  uint64_t footer_off;
  cJSON *stats;
  unsigned char *raw, *z;       /* block buffers (max_raw, max_stored)               */
  void *dctx_mem;
  size_t dctx_bytes;
  ZSTD_DCtx *dctx;
};

__attribute__((format(printf, 4, 5)))
static int bad(am_diag_t *d, const am_trace_t *t, uint64_t off, const char *fmt, ...) {
  char what[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return am_diag(d, AM_EINVAL, "%s: offset %llu: %s", t->path, (unsigned long long)off, what);
}

static int read_header(am_trace_t *t, am_diag_t *d) {
  unsigned char h[8 + 16 + 24 + 20 + 1024 + 4096 + 64 + 32 + 128];
  if (t->size < 48) return bad(d, t, t->size, "truncated header (a trace has at least 48 bytes)");
  size_t n = t->size < sizeof h ? (size_t)t->size : sizeof h;
  if (am_tb_pread(t->fd, h, n, 0) != 0) return am_diag(d, AM_EIO, "%s: read error", t->path);
  if (memcmp(h, AM_TF_MAGIC, 8) != 0) return bad(d, t, 0, "not an allocmark trace (bad magic)");
  uint32_t u[4];
  memcpy(u, h + 8, sizeof u);
  if (u[0] != AM_TF_VERSION)
    return bad(d, t, 8, "unsupported trace version %u (this build reads version %u)", u[0], AM_TF_VERSION);
  if (u[1] < 48 || u[1] > sizeof h || u[1] > t->size) return bad(d, t, 12, "header size %u out of range", u[1]);
  t->header_bytes = u[1];
  t->meta.flags = u[2];
  t->info.threads = u[3];
  uint64_t q[3];
  memcpy(q, h + 24, sizeof q);
  t->meta.pid = q[0];
  t->meta.ppid = q[1];
  t->meta.start_unix_ns = q[2];
  const unsigned char *p = h + 48, *end = h + t->header_bytes;
  if (am_tb_str(&p, end, t->meta.program, sizeof t->meta.program, 0) || am_tb_str(&p, end, t->meta.cmdline, sizeof t->meta.cmdline, 0) ||
      am_tb_str(&p, end, t->meta.libc, sizeof t->meta.libc, 0) || am_tb_str(&p, end, t->meta.clock, sizeof t->meta.clock, 0) ||
      am_tb_str(&p, end, t->meta.source, sizeof t->meta.source, 0) || p != end)
    return bad(d, t, (uint64_t)(p - h), "header strings do not fit the header size");
  if (t->info.threads == 0 || t->info.threads > AM_TRACE_MAX_THREADS)
    return bad(d, t, 20, "thread count %u out of range (1..%u)", t->info.threads, AM_TRACE_MAX_THREADS);
  return 0;
}

static int read_footer(am_trace_t *t, am_diag_t *d) {
  am_tf_trailer_t tr;
  uint64_t at = t->size - sizeof tr;
  if (t->size < t->header_bytes + sizeof tr + sizeof(am_tf_footer_t))
    return bad(d, t, t->size, "truncated trace (no room for the footer and end marker)");
  if (am_tb_pread(t->fd, &tr, sizeof tr, at) != 0) return am_diag(d, AM_EIO, "%s: read error", t->path);
  if (memcmp(tr.magic, AM_TF_END_MAGIC, 8) != 0)
    return bad(d, t, at + 16, "truncated or corrupt trace: no end marker");
  if (tr.footer_off < t->header_bytes || tr.footer_off + tr.footer_bytes != at || tr.footer_bytes < sizeof(am_tf_footer_t))
    return bad(d, t, at, "footer offset %llu and size %u do not fit the file", (unsigned long long)tr.footer_off, tr.footer_bytes);
  t->foot_bytes = tr.footer_bytes;
  t->foot = am_map(t->foot_bytes);
  if (t->foot == NULL) return am_diag(d, AM_ENOMEM, "%s: out of memory", t->path);
  if (am_tb_pread(t->fd, t->foot, t->foot_bytes, tr.footer_off) != 0) return am_diag(d, AM_EIO, "%s: read error", t->path);
  if (am_tf_fnv32(t->foot, t->foot_bytes) != tr.footer_fnv) return bad(d, t, tr.footer_off, "footer checksum mismatch (corrupt footer)");
  t->footer_off = tr.footer_off;
  am_tf_footer_t f;
  memcpy(&f, t->foot, sizeof f);
  uint64_t o = tr.footer_off;
  if (f.magic != AM_TF_FOOT_MAGIC) return bad(d, t, o, "bad footer magic");
  if (f.version != AM_TF_VERSION) return bad(d, t, o + 4, "footer version %u, header version %u", f.version, AM_TF_VERSION);
  if (f.threads != t->info.threads) return bad(d, t, o + 8, "footer says %u threads, header %u", f.threads, t->info.threads);
  if (f.channels > 65536) return bad(d, t, o + 12, "channel count %u out of range (0..65536)", f.channels);
  if (f.chunks == 0) return bad(d, t, o + 16, "no chunks");
  uint64_t want = sizeof f + (uint64_t)f.threads * sizeof(am_tf_thread_t) + (uint64_t)f.channels * sizeof(am_tf_channel_t) +
                  (uint64_t)f.chunks * 8 + f.stats_bytes;
  if (want != t->foot_bytes) return bad(d, t, o, "footer size %zu, its counts need %llu", t->foot_bytes, (unsigned long long)want);
  t->th = (const am_tf_thread_t *)(t->foot + sizeof f);
  t->ch = (const am_tf_channel_t *)(t->th + f.threads);
  t->chunk_off = (const uint64_t *)(t->ch + f.channels);
  t->stats_text = (const char *)(t->chunk_off + f.chunks);
  t->stats_bytes = f.stats_bytes;
  for (uint32_t k = 0; k < f.channels; k++)
    if (t->ch[k].src >= f.threads || t->ch[k].dst >= f.threads || t->ch[k].src == t->ch[k].dst)
      return bad(d, t, o + (uint64_t)((const unsigned char *)&t->ch[k] - t->foot), "channel %u: bad threads %u -> %u", k, t->ch[k].src, t->ch[k].dst);
  for (uint32_t k = 0; k < f.chunks; k++)
    if (t->chunk_off[k] < t->header_bytes || t->chunk_off[k] >= tr.footer_off || (k > 0 && t->chunk_off[k] <= t->chunk_off[k - 1]))
      return bad(d, t, o + (uint64_t)((const unsigned char *)&t->chunk_off[k] - t->foot), "chunk %u: offset out of order or range", k);
  if (f.max_raw > (1ull << 32) || f.max_stored > (1ull << 32)) return bad(d, t, o, "block sizes out of range");
  am_trace_info_t *i = &t->info;
  i->channels = f.channels;
  i->chunks = f.chunks;
  i->recorded_threads = f.recorded_threads;
  i->ops = f.ops;
  i->stream_ops = f.stream_ops;
  for (unsigned k = 0; k < AM_OP_KIND_MAX; k++) i->by_kind[k] = f.by_kind[k];
  i->peak_live_bytes = f.peak_live_bytes;
  i->peak_live_objects = f.peak_live_objects;
  i->orphan_frees = f.orphan_frees;
  i->orphan_reallocs = f.orphan_reallocs;
  i->repaired = f.repaired;
  i->failed = f.failed;
  i->free_null = f.free_null;
  i->end_live_bytes = f.end_live_bytes;
  i->end_live_objects = f.end_live_objects;
  i->checksum = f.checksum;
  i->max_raw = f.max_raw;
  i->max_stored = f.max_stored;
  i->complete = (f.flags & AM_TF_FLAG_COMPLETE) != 0;
  i->timestamps = (f.flags & AM_TF_FLAG_TIMESTAMPS) != 0;
  return 0;
}

int am_trace_open(const char *path, am_trace_t **out, am_diag_t *d) {
  *out = NULL;
  am_trace_t *t = am_map(sizeof *t);
  if (t == NULL) return am_diag(d, AM_ENOMEM, "%s: out of memory", path);
  snprintf(t->path, sizeof t->path, "%s", path);
  t->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (t->fd < 0) {
    int e = errno;
    am_unmap(t, sizeof *t);
    return am_diag(d, e == ENOENT ? AM_ENOENT : AM_EIO, "%s: %s", path, strerror(e));
  }
  struct stat st;
  int rc = fstat(t->fd, &st) == 0 ? 0 : am_diag(d, AM_EIO, "%s: %s", path, strerror(errno));
  t->size = (uint64_t)st.st_size;
  if (rc == 0) rc = read_header(t, d);
  if (rc == 0) rc = read_footer(t, d);
  if (rc == 0) {
    t->raw = am_map(t->info.max_raw + 16);
    t->z = am_map(t->info.max_stored + 16);
    t->dctx_bytes = ZSTD_estimateDCtxSize();
    t->dctx_mem = am_map(t->dctx_bytes);
    t->dctx = t->dctx_mem != NULL ? ZSTD_initStaticDCtx(t->dctx_mem, t->dctx_bytes) : NULL;
    if (t->raw == NULL || t->z == NULL || t->dctx == NULL) rc = am_diag(d, AM_ENOMEM, "%s: out of memory", path);
  }
  if (rc != 0) { am_trace_close(t); return rc; }
  *out = t;
  return 0;
}

void am_trace_close(am_trace_t *t) {
  if (t == NULL) return;
  if (t->fd >= 0) close(t->fd);
  cJSON_Delete(t->stats);
  am_unmap(t->foot, t->foot_bytes);
  am_unmap(t->raw, t->info.max_raw + 16);
  am_unmap(t->z, t->info.max_stored + 16);
  am_unmap(t->dctx_mem, t->dctx_bytes);
  am_unmap(t, sizeof *t);
}

const am_trace_meta_t *am_trace_meta(const am_trace_t *t) { return &t->meta; }
const am_trace_info_t *am_trace_info(const am_trace_t *t) { return &t->info; }
uint32_t am_trace_thread_slots(const am_trace_t *t, unsigned i) { return t->th[i].n_slots; }
uint64_t am_trace_thread_chunk_max(const am_trace_t *t, unsigned i) { return t->th[i].chunk_max; }
uint64_t am_trace_channel_capacity(const am_trace_t *t, unsigned k) { return t->ch[k].capacity; }

const cJSON *am_trace_stats(const am_trace_t *t) {
  am_trace_t *m = (am_trace_t *)t;
  if (m->stats == NULL && t->stats_bytes > 0) m->stats = cJSON_ParseWithLength(t->stats_text, t->stats_bytes);
  return m->stats;
}

/* Decode one block's ops, each checked. */
static int decode(am_trace_t *t, uint64_t at, uint32_t th, const unsigned char *p, const unsigned char *end,
                  am_op_t *ops, uint32_t n, uint8_t touch, am_diag_t *d) {
  uint32_t slots = t->th[th].n_slots;
  for (uint32_t i = 0; i < n; i++) {
    uint64_t slot, a = 0, size = 0;
    if (p >= end) return bad(d, t, at, "block of thread %u: op %u of %u: payload ends early", th, i, n);
    unsigned kind = *p++;
    if (am_raw_get(&p, end, &slot) != 0) return bad(d, t, at, "block of thread %u: op %u: truncated", th, i);
    int rc = 0;
    switch (kind) {
    case AM_OP_MALLOC: case AM_OP_CALLOC: case AM_OP_REALLOC: case AM_OP_FREE:
    case AM_OP_RESPAWN: case AM_OP_PAUSE: rc = am_raw_get(&p, end, &size); break;
    case AM_OP_ALIGNED: rc = am_raw_get(&p, end, &a); if (rc == 0) rc = am_raw_get(&p, end, &size); break;
    case AM_OP_SEND: case AM_OP_RECV: rc = am_raw_get(&p, end, &a); break;
    default: return bad(d, t, at, "block of thread %u: op %u: unknown op kind %u", th, i, kind);
    }
    if (rc != 0) return bad(d, t, at, "block of thread %u: op %u: truncated", th, i);
    if (slot >= slots && kind != AM_OP_PAUSE && kind != AM_OP_RESPAWN) return bad(d, t, at, "block of thread %u: op %u: slot %llu out of range (thread has %u)", th, i, (unsigned long long)slot, slots);
    if (size > MAX_SIZE) return bad(d, t, at, "block of thread %u: op %u: size %llu out of range", th, i, (unsigned long long)size);
    if (kind == AM_OP_ALIGNED && a > 40) return bad(d, t, at, "block of thread %u: op %u: alignment 2^%llu out of range", th, i, (unsigned long long)a);
    if (kind == AM_OP_SEND || kind == AM_OP_RECV) {
      if (a >= t->info.channels) return bad(d, t, at, "block of thread %u: op %u: channel %llu out of range", th, i, (unsigned long long)a);
      if ((kind == AM_OP_SEND ? t->ch[a].src : t->ch[a].dst) != th)
        return bad(d, t, at, "block of thread %u: op %u: channel %llu does not belong to this thread", th, i, (unsigned long long)a);
    }
    am_op_t *o = &ops[i];
    o->kind = (uint8_t)kind;
    o->touch = (kind == AM_OP_MALLOC || kind == AM_OP_CALLOC || kind == AM_OP_REALLOC || kind == AM_OP_ALIGNED) ? touch : 0;
    o->arg = (uint16_t)a;
    o->slot = (uint32_t)slot;
    o->size = size;
  }
  if (p != end) return bad(d, t, at, "block of thread %u: %zu bytes after its %u ops", th, (size_t)(end - p), n);
  return 0;
}

int am_trace_read_chunk(am_trace_t *t, uint32_t k, am_op_t *const *ops, size_t *n, uint8_t touch, am_diag_t *d) {
  if (k >= t->info.chunks) return am_diag(d, AM_EINVAL, "%s: chunk %u out of range", t->path, k);
  uint64_t off = t->chunk_off[k], limit = k + 1 < t->info.chunks ? t->chunk_off[k + 1] : t->footer_off;
  for (uint32_t th = 0; th < t->info.threads; th++) {
    am_tf_block_t b;
    if (limit - off < sizeof b) return bad(d, t, off, "chunk %u: block of thread %u is cut short", k, th);
    if (am_tb_pread(t->fd, &b, sizeof b, off) != 0) return am_diag(d, AM_EIO, "%s: read error", t->path);
    if (b.magic != AM_TF_BLOCK_MAGIC) return bad(d, t, off, "chunk %u: expected the block of thread %u (bad magic)", k, th);
    if (b.chunk != k || b.thread != th) return bad(d, t, off, "chunk %u: expected the block of thread %u, found chunk %u thread %u", k, th, b.chunk, b.thread);
    if (b.stored_bytes > t->info.max_stored || b.raw_bytes > t->info.max_raw || limit - off - sizeof b < b.stored_bytes)
      return bad(d, t, off, "chunk %u: block of thread %u: sizes out of range", k, th);
    if (b.n_ops > t->th[th].chunk_max) return bad(d, t, off, "chunk %u: block of thread %u: %u ops, more than the footer's %llu", k, th, b.n_ops, (unsigned long long)t->th[th].chunk_max);
    if (b.codec > AM_TF_CODEC_ZSTD || (b.codec == AM_TF_CODEC_NONE && b.raw_bytes != b.stored_bytes))
      return bad(d, t, off + 24, "chunk %u: block of thread %u: bad codec %u", k, th, b.codec);
    unsigned char *buf = b.codec == AM_TF_CODEC_ZSTD ? t->z : t->raw;
    if (b.stored_bytes && am_tb_pread(t->fd, buf, b.stored_bytes, off + sizeof b) != 0) return am_diag(d, AM_EIO, "%s: read error", t->path);
    if (am_tf_fnv32(buf, b.stored_bytes) != b.fnv) return bad(d, t, off, "chunk %u: block of thread %u: checksum mismatch (corrupt data)", k, th);
    if (b.codec == AM_TF_CODEC_ZSTD) {
      size_t r = ZSTD_decompressDCtx(t->dctx, t->raw, t->info.max_raw + 16, buf, b.stored_bytes);
      if (ZSTD_isError(r) || r != b.raw_bytes) return bad(d, t, off, "chunk %u: block of thread %u: zstd data does not decode to %u bytes", k, th, b.raw_bytes);
    }
    int rc = decode(t, off, th, t->raw, t->raw + b.raw_bytes, ops[th], b.n_ops, touch, d);
    if (rc != 0) return rc;
    n[th] = b.n_ops;
    off += sizeof b + b.stored_bytes;
  }
  if (off != limit) return bad(d, t, off, "chunk %u: %llu unexpected bytes after its blocks", k, (unsigned long long)(limit - off));
  return 0;
}

int am_trace_sniff(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char m[8];
  int ok = am_tb_pread(fd, m, 8, 0) == 0 && memcmp(m, AM_TF_MAGIC, 8) == 0;
  close(fd);
  return ok;
}

int am_trace_check(am_trace_t *t, am_diag_t *d) {
  const am_trace_info_t *i = &t->info;
  am_op_t *ops[AM_TRACE_MAX_THREADS];
  size_t n[AM_TRACE_MAX_THREADS], cap[AM_TRACE_MAX_THREADS];
  uint64_t h[AM_TRACE_MAX_THREADS];
  int rc = 0;
  for (unsigned k = 0; k < i->threads; k++) {
    cap[k] = (size_t)(t->th[k].chunk_max + 1) * sizeof(am_op_t);
    ops[k] = am_map(cap[k]);
    h[k] = AM_OPS_HASH_SEED;
    if (ops[k] == NULL) rc = am_diag(d, AM_ENOMEM, "%s: out of memory", t->path);
  }
  for (uint32_t c = 0; c < i->chunks && rc == 0; c++) {
    rc = am_trace_read_chunk(t, c, ops, n, AM_TOUCH_NONE, d);
    for (unsigned k = 0; rc == 0 && k < i->threads; k++) h[k] = am_ops_hash(h[k], ops[k], n[k]);
  }
  uint64_t sum = AM_OPS_HASH_SEED;
  for (unsigned k = 0; k < i->threads; k++) { sum = am_ops_hash_combine(sum, h[k]); am_unmap(ops[k], cap[k]); }
  if (rc == 0 && sum != i->checksum)
    rc = bad(d, t, t->footer_off, "the streams' checksum does not match the footer's (corrupt trace)");
  return rc;
}

/* ---- trace-info: the JSON form of the header, footer and statistics ---- */

static const char *const kind_names[AM_OP_KIND_MAX] = {
  NULL, "malloc", "calloc", "realloc", "aligned", "free", "send", "recv", NULL, NULL, NULL};

cJSON *am_trace_info_json(const char *path, am_trace_t *t) {
  const am_trace_info_t *i = am_trace_info(t);
  const am_trace_meta_t *m = am_trace_meta(t);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "file", path);
  cJSON_AddStringToObject(o, "format", "allocmark-trace/1");
  struct stat st;
  uint64_t bytes = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
  am_json_add_u64(o, "ops", i->ops);
  cJSON *k = cJSON_AddObjectToObject(o, "ops_by_kind");
  for (unsigned j = 1; j < AM_OP_KIND_MAX; j++)
    if (kind_names[j] != NULL) am_json_add_u64(k, kind_names[j], i->by_kind[j]);
  am_json_add_u64(o, "threads", i->recorded_threads);
  am_json_add_u64(o, "replay_threads", i->threads);
  am_json_add_u64(o, "channels", i->channels);
  am_json_add_u64(o, "peak_live_bytes", i->peak_live_bytes);
  am_json_add_u64(o, "peak_live_objects", i->peak_live_objects);
  am_json_add_u64(o, "end_live_bytes", i->end_live_bytes);
  am_json_add_u64(o, "end_live_objects", i->end_live_objects);
  cJSON_AddBoolToObject(o, "complete", i->complete);
  cJSON_AddBoolToObject(o, "timestamps", i->timestamps);
  am_json_add_u64(o, "orphan_frees", i->orphan_frees);
  am_json_add_u64(o, "orphan_reallocs", i->orphan_reallocs);
  am_json_add_u64(o, "repaired", i->repaired);
  am_json_add_u64(o, "failed_allocations", i->failed);
  am_json_add_u64(o, "chunks", i->chunks);
  am_json_add_u64(o, "stream_ops", i->stream_ops);
  am_json_add_hex64(o, "checksum", i->checksum);
  am_json_add_u64(o, "file_bytes", bytes);
  am_json_add_num(o, "bytes_per_op", i->ops ? (double)bytes / (double)i->ops : 0);
  cJSON *p = cJSON_AddObjectToObject(o, "program");
  cJSON_AddStringToObject(p, "executable", m->program);
  cJSON_AddStringToObject(p, "command_line", m->cmdline);
  am_json_add_u64(p, "pid", m->pid);
  am_json_add_u64(p, "ppid", m->ppid);
  am_json_add_u64(p, "start_unix_ns", m->start_unix_ns);
  cJSON_AddStringToObject(p, "libc", m->libc);
  cJSON_AddStringToObject(p, "clock", m->clock);
  cJSON_AddStringToObject(p, "source", m->source);
  const cJSON *s = am_trace_stats(t);
  if (s != NULL) {
    const cJSON *x;
    cJSON_ArrayForEach(x, s) cJSON_AddItemToObject(o, x->string, cJSON_Duplicate(x, 1));
  }
  return o;
}
