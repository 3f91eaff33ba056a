/* harness/trace/source_trace.c — recorded traces (.amtrace, TRACE.md) as a workload
 * source (harness/common/source.h), so the driver (`run`, `check`), the runner and the
 * results' `workload` block treat a trace as they treat a pattern file.
 *
 *   identify  the file's first 8 bytes are the trace magic; name: the file's stem;
 *             sha256: the file's bytes
 *   load      header and footer (trace_read.c); check: every chunk decoded and the
 *             streams' checksum compared with the footer's (the driver, once, before
 *             anything runs: a bad trace is one line naming the file and the offset)
 *   plan      one thread count, the trace's replay threads (-t other than that is bad
 *             input); no quick scale (--quick is bad input); no seed, no warm-up of its
 *             own; --paced only for a trace recorded with --timestamps
 *   describe  the trace-info JSON (am_trace_info_json): the results' workload.spec
 *   replay    the chunks straight from the file (trace_source.c), touch as the runner's
 *             --touch; each sample gets `workload_kind`, `replay` (paced or
 *             back-to-back) and a `trace` object: the recorded counts and checksum and
 *             `replayed_ops_by_kind`, what that replay executed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "results.h"
#include "sha256.h"
#include "source.h"
#include "trace_fmt.h"
#include "trace_source.h"

typedef struct tr_impl_s {
  char path[4096];
  char name[256];        /* the file's stem                                   */
  char sha[65];
  am_trace_info_t info;
} tr_impl_t;

static int tr_sniff(const char *path, const char *head, size_t n) {
  (void)path;
  return n >= 8 && memcmp(head, AM_TF_MAGIC, 8) == 0;
}

static int file_sha256(const char *path, char hex[65]) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return -1;
  am_sha256_t c;
  am_sha256_init(&c);
  unsigned char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) am_sha256_update(&c, buf, n);
  int bad = ferror(f);
  fclose(f);
  uint8_t d[32];
  am_sha256_final(&c, d);
  for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", d[i]);
  return bad ? -1 : 0;
}

static int tr_load(const char *path, void **impl, am_diag_t *d) {
  *impl = NULL;
  tr_impl_t *t = calloc(1, sizeof *t);
  if (t == NULL) return am_diag(d, AM_ENOMEM, "%s: out of memory", path);
  am_trace_t *tr = NULL;
  int rc = am_trace_open(path, &tr, d);
  if (rc != 0) { free(t); return rc; }
  t->info = *am_trace_info(tr);
  am_trace_close(tr);
  snprintf(t->path, sizeof t->path, "%s", path);
  const char *b = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
  snprintf(t->name, sizeof t->name, "%s", b);
  size_t l = strlen(t->name);
  if (l > 8 && strcmp(t->name + l - 8, ".amtrace") == 0) t->name[l - 8] = '\0';
  if (file_sha256(path, t->sha) != 0) { free(t); return am_diag(d, AM_EIO, "%s: cannot read", path); }
  *impl = t;
  return 0;
}

static void tr_free(void *impl) { free(impl); }
static const char *tr_name(const void *impl) { return ((const tr_impl_t *)impl)->name; }
static const char *tr_sha(const void *impl) { return ((const tr_impl_t *)impl)->sha; }
static size_t tr_threads(const void *impl, unsigned *out, size_t cap) {
  if (cap == 0) return 0;
  out[0] = ((const tr_impl_t *)impl)->info.threads;
  return 1;
}

static int tr_check(const void *impl, am_diag_t *d) {
  const tr_impl_t *t = impl;
  am_trace_t *tr = NULL;
  int rc = am_trace_open(t->path, &tr, d);
  if (rc == 0) rc = am_trace_check(tr, d); /* every chunk, before anything runs */
  am_trace_close(tr);
  return rc;
}

/* The plan's options against what a trace can replay: its own thread count, no quick
 * scale, pacing only with recorded gaps. */
static int tr_estimate(const void *impl, const am_gen_opts_t *o, uint64_t *ops, uint64_t *peak, am_diag_t *d) {
  const tr_impl_t *t = impl;
  if (o->threads != 0 && o->threads != t->info.threads)
    return am_diag(d, AM_EINVAL, "%s: -t %u: a trace replays with its %u recorded thread%s; drop -t", t->path, o->threads,
                   t->info.threads, t->info.threads == 1 ? "" : "s");
  if (o->quick) return am_diag(d, AM_EINVAL, "%s: --quick: a trace has no quick scale; record a smaller run instead", t->path);
  if (o->paced && (!t->info.timestamps || t->info.by_kind[AM_OP_PAUSE] == 0))
    return am_diag(d, AM_EINVAL, "%s: --paced needs a trace recorded with --timestamps (this one holds no recorded gaps)",
                   t->path);
  *ops = t->info.stream_ops;
  *peak = t->info.peak_live_bytes;
  return 0;
}

static cJSON *tr_describe(const void *impl) {
  const tr_impl_t *t = impl;
  am_diag_t d;
  am_trace_t *tr = NULL;
  if (am_trace_open(t->path, &tr, &d) != 0) return NULL;
  cJSON *j = am_trace_info_json(t->path, tr);
  am_trace_close(tr);
  return j;
}

/* ---- the replay: chunks from the file ---- */

typedef struct tr_chunks_s {
  am_chunks_t c;
  am_trace_src_t *s;
  int paced;
} tr_chunks_t;

static int trc_next(am_chunks_t *c, am_diag_t *d) { return am_trace_src_next(((tr_chunks_t *)c->impl)->s, d); }
static int trc_rewind(am_chunks_t *c, am_diag_t *d) { return am_trace_src_rewind(((tr_chunks_t *)c->impl)->s, d); }
static am_workload_t *trc_workload(am_chunks_t *c) { return am_trace_src_workload(((tr_chunks_t *)c->impl)->s); }
static uint64_t trc_chunks(const am_chunks_t *c) { return am_trace_src_chunks(((const tr_chunks_t *)c->impl)->s); }
static void trc_close(am_chunks_t *c) {
  tr_chunks_t *t = c->impl;
  am_trace_src_close(t->s);
  free(t);
}

/* The sample's kind, replay and `trace` object: the recorded counts the replay must
 * match, and what it executed. */
static void trc_annotate(const am_chunks_t *c, cJSON *sample) {
  const tr_chunks_t *t = c->impl;
  const am_trace_info_t *i = am_trace_info(am_trace_src_trace(t->s));
  static const char *const kinds[] = {NULL, "malloc", "calloc", "realloc", "aligned", "free", "send", "recv"};
  cJSON *o = cJSON_CreateObject();
  am_json_add_u64(o, "ops", i->ops);
  cJSON *k = cJSON_AddObjectToObject(o, "ops_by_kind");
  for (unsigned j = 1; j < 8; j++) am_json_add_u64(k, kinds[j], i->by_kind[j]);
  am_json_add_u64(o, "recorded_threads", i->recorded_threads);
  am_json_add_u64(o, "peak_live_bytes", i->peak_live_bytes);
  am_json_add_u64(o, "orphan_frees", i->orphan_frees);
  cJSON_AddBoolToObject(o, "complete", i->complete);
  am_json_add_hex64(o, "recorded_checksum", i->checksum);
  const uint64_t *fed = am_trace_src_fed(t->s);
  cJSON *rk = cJSON_AddObjectToObject(o, "replayed_ops_by_kind");
  for (unsigned j = 1; j < 8; j++) am_json_add_u64(rk, kinds[j], fed[j]);
  cJSON_AddStringToObject(sample, "workload_kind", "trace");
  cJSON_AddStringToObject(sample, "replay", t->paced ? "paced" : "back-to-back");
  cJSON_AddItemToObject(sample, "trace", o);
}

static const am_chunks_ops_t trc_ops = {trc_next, trc_rewind, trc_workload, trc_chunks, trc_close, trc_annotate};

static int tr_open(const void *impl, const am_gen_opts_t *o, uint64_t max_ops, am_chunks_t **out, am_diag_t *d) {
  (void)max_ops; /* a trace's chunks are the ones it was recorded in (TRACE.md) */
  const tr_impl_t *t = impl;
  *out = NULL;
  tr_chunks_t *c = calloc(1, sizeof *c);
  if (c == NULL) return am_diag(d, AM_ENOMEM, "%s: out of memory", t->path);
  int rc = am_trace_src_open(t->path, o->touch, &c->s, d);
  if (rc != 0) { free(c); return rc; }
  /* am_trace_src_open loaded chunk 0; the interface hands it out at the first next(). */
  rc = am_trace_src_rewind(c->s, d);
  if (rc != 0) { am_trace_src_close(c->s); free(c); return rc; }
  c->paced = o->paced;
  c->c.ops = &trc_ops;
  c->c.impl = c;
  *out = &c->c;
  return 0;
}

const am_source_kind_t am_source_trace = {
  .name = "trace",
  .exec = AM_EXEC_REPLAY,
  .sniff = tr_sniff,
  .load = tr_load,
  .free = tr_free,
  .flags = AM_SOURCE_PACEABLE,
  .name_of = tr_name,
  .sha256 = tr_sha,
  .thread_counts = tr_threads,
  .estimate = tr_estimate,
  .describe = tr_describe,
  .open = tr_open,
  .check = tr_check,
};
