/* harness/common/source_pattern.c — pattern files (patterns/README.md) as a workload
 * source (source.h): the parser in pattern_*.c, the generator in gen*.c. A stream of
 * one chunk is the whole workload built at once (am_workload_build); a larger one is
 * the chunked generator (am_gen_*), each chunk generated while the timer is stopped. */
#include <stdlib.h>
#include <string.h>
#include "source.h"

static int pat_sniff(const char *path, const char *head, size_t n) {
  (void)path; (void)head; (void)n;
  return 1; /* the fallback kind: its parser gives the error for anything else */
}
static int pat_load(const char *path, void **impl, am_diag_t *d) {
  am_pattern_t *p = NULL;
  int rc = am_pattern_load(path, &p, d);
  *impl = p;
  return rc;
}
static void pat_free(void *impl) { am_pattern_free(impl); }
static const char *pat_name(const void *impl) { return am_pattern_name(impl); }
static const char *pat_sha(const void *impl) { return am_pattern_sha256(impl); }
static unsigned pat_reps(const void *impl) { return am_pattern_repetitions(impl); }
static uint64_t pat_seed(const void *impl) { return am_pattern_seed(impl); }
static unsigned pat_warmup(const void *impl) { return am_pattern_warmup(impl); }
static size_t pat_threads(const void *impl, unsigned *out, size_t cap) { return am_pattern_thread_counts(impl, out, cap); }
static int pat_phase(const void *impl, const char *phase) {
  for (size_t k = 0; k < am_pattern_phase_count(impl); k++)
    if (strcmp(am_pattern_phase_name(impl, k), phase) == 0) return (int)k;
  return -1;
}
static size_t pat_phases(const void *impl) { return am_pattern_phase_count(impl); }
static int pat_estimate(const void *impl, const am_gen_opts_t *o, uint64_t *ops, uint64_t *peak, am_diag_t *d) {
  return am_workload_estimate(impl, o, ops, peak, d);
}
static struct cJSON *pat_describe(const void *impl) { return am_pattern_spec_json(impl); }

/* ---- the stream: one whole workload, or the chunked generator ---- */
typedef struct pat_stream_s {
  am_chunks_t s;
  am_workload_t *whole; /* one chunk: built at open; next() hands it out once */
  int handed;
  am_gen_t *gen;        /* several chunks */
} pat_stream_t;

static int ps_next(am_chunks_t *s, am_diag_t *d) {
  pat_stream_t *p = s->impl;
  if (p->gen != NULL) return am_gen_next(p->gen, d);
  if (p->handed) return 0;
  p->handed = 1;
  return 1;
}
static int ps_rewind(am_chunks_t *s, am_diag_t *d) {
  pat_stream_t *p = s->impl;
  if (p->gen != NULL) return am_gen_rewind(p->gen, d);
  p->handed = 0;
  return 0;
}
static am_workload_t *ps_workload(am_chunks_t *s) {
  pat_stream_t *p = s->impl;
  return p->gen != NULL ? am_gen_workload(p->gen) : p->whole;
}
static uint64_t ps_chunks(const am_chunks_t *s) {
  const pat_stream_t *p = s->impl;
  return p->gen != NULL ? am_gen_chunks(p->gen) : 1;
}
static void ps_close(am_chunks_t *s) {
  pat_stream_t *p = s->impl;
  if (p->gen != NULL) am_gen_close(p->gen); /* owns its workload */
  else am_workload_free(p->whole);
  free(p);
}
static const am_chunks_ops_t pat_stream_ops = {ps_next, ps_rewind, ps_workload, ps_chunks, ps_close, NULL};

static int pat_open(const void *impl, const am_gen_opts_t *o, uint64_t max_ops, am_chunks_t **out, am_diag_t *d) {
  pat_stream_t *p = calloc(1, sizeof *p);
  if (p == NULL) return am_diag(d, AM_ENOMEM, "out of memory");
  /* A counting walk says how many chunks the workload takes; one: build it whole. */
  int rc = am_gen_open(impl, o, max_ops, &p->gen, d);
  if (rc == 0 && am_gen_chunks(p->gen) <= 1) {
    am_gen_close(p->gen);
    p->gen = NULL;
    rc = am_workload_build(impl, o, &p->whole, d);
  }
  if (rc != 0) {
    if (p->gen != NULL) am_gen_close(p->gen);
    free(p);
    return rc;
  }
  p->s.ops = &pat_stream_ops;
  p->s.impl = p;
  *out = &p->s;
  return 0;
}

const am_source_kind_t am_source_pattern = {
  .name = "pattern", .exec = AM_EXEC_REPLAY,
  .sniff = pat_sniff, .load = pat_load, .free = pat_free, .name_of = pat_name, .sha256 = pat_sha,
  .repetitions = pat_reps, .seed = pat_seed, .warmup = pat_warmup, .thread_counts = pat_threads,
  .phase_index = pat_phase, .phase_count = pat_phases, .estimate = pat_estimate, .describe = pat_describe, .open = pat_open,
};
