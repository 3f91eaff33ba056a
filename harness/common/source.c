/* harness/common/source.c — the table of workload kinds and the dispatch of the
 * workload-source interface (source.h). A new kind: its file and one line below. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "source.h"

const am_source_kind_t *const am_source_kinds[] = {
  &am_source_program,
  &am_source_trace,   /* recorded traces: the magic in the first 8 bytes */
  &am_source_pattern, /* last: the fallback for any other file */
  NULL,
};

const am_source_kind_t *am_source_sniff(const char *path, am_diag_t *d) {
  char head[AM_SOURCE_SNIFF_BYTES];
  FILE *f = fopen(path, "rb");
  if (f == NULL) return am_diag(d, AM_EIO, "%s: cannot open: %s", path, strerror(errno)), NULL;
  size_t n = fread(head, 1, sizeof head, f);
  fclose(f);
  for (size_t i = 0; am_source_kinds[i] != NULL; i++)
    if (am_source_kinds[i]->sniff(path, head, n)) return am_source_kinds[i];
  return am_diag(d, AM_EINVAL, "%s: not a workload file of any kind this build knows", path), NULL;
}

int am_source_load(const char *path, am_source_t **out, am_diag_t *d) {
  *out = NULL;
  const am_source_kind_t *k = am_source_sniff(path, d);
  if (k == NULL) return AM_EINVAL;
  am_source_t *s = calloc(1, sizeof *s);
  if (s == NULL) return am_diag(d, AM_ENOMEM, "%s: out of memory", path);
  s->kind = k;
  snprintf(s->path, sizeof s->path, "%s", path);
  int rc = k->load(path, &s->impl, d);
  if (rc != 0) { free(s); return rc; }
  *out = s;
  return 0;
}

void am_source_free(am_source_t *s) {
  if (s == NULL) return;
  if (s->impl != NULL) s->kind->free(s->impl);
  free(s);
}

const char *am_source_name(const am_source_t *s) { return s->kind->name_of(s->impl); }
const char *am_source_sha256(const am_source_t *s) { return s->kind->sha256(s->impl); }
unsigned am_source_repetitions(const am_source_t *s) {
  return s->kind->repetitions ? s->kind->repetitions(s->impl) : 0;
}
uint64_t am_source_seed(const am_source_t *s) { return s->kind->seed ? s->kind->seed(s->impl) : 0; }
unsigned am_source_warmup(const am_source_t *s) { return s->kind->warmup ? s->kind->warmup(s->impl) : 0; }
size_t am_source_thread_counts(const am_source_t *s, unsigned *out, size_t cap) {
  return s->kind->thread_counts ? s->kind->thread_counts(s->impl, out, cap) : 0;
}
int am_source_phase_index(const am_source_t *s, const char *phase) {
  return s->kind->phase_index ? s->kind->phase_index(s->impl, phase) : -1;
}
int am_source_estimate(const am_source_t *s, const am_gen_opts_t *o, uint64_t *ops, uint64_t *peak, am_diag_t *d) {
  *ops = *peak = 0;
  return s->kind->estimate ? s->kind->estimate(s->impl, o, ops, peak, d) : 0;
}
size_t am_source_phase_count(const am_source_t *s) {
  return s->kind->phase_count ? s->kind->phase_count(s->impl) : 0;
}
int am_source_check(const am_source_t *s, am_diag_t *d) {
  return s->kind->check ? s->kind->check(s->impl, d) : 0;
}
struct cJSON *am_source_describe(const am_source_t *s) {
  return s->kind->describe ? s->kind->describe(s->impl) : NULL;
}
int am_source_open(const am_source_t *s, const am_gen_opts_t *o, uint64_t max_ops, am_chunks_t **out, am_diag_t *d) {
  *out = NULL;
  if (s->kind->exec != AM_EXEC_REPLAY || s->kind->open == NULL)
    return am_diag(d, AM_EINVAL, "%s: a %s is not replayed by the engine", s->path, s->kind->name);
  return s->kind->open(s->impl, o, max_ops, out, d);
}
