/* harness/common/source_program.c — program files (format allocmark-program/1,
 * programs/README.md) as a workload source (source.h). A program is not replayed: the
 * driver runs it per repetition under each backend's LD_PRELOAD (cmd_run_prog.c), so
 * this kind has no stream, only identity, plan defaults and its description. */
#include <string.h>
#include <cJSON.h>
#include "progfile.h"
#include "source.h"

static int prog_sniff(const char *path, const char *head, size_t n) {
  (void)head; (void)n;
  return am_progfile_sniff(path);
}
static int prog_load(const char *path, void **impl, am_diag_t *d) {
  am_progfile_t *p = NULL;
  int rc = am_progfile_load(path, &p, d);
  *impl = p;
  return rc;
}
static void prog_free(void *impl) { am_progfile_free(impl); }
static const char *prog_name(const void *impl) { return ((const am_progfile_t *)impl)->name; }
static const char *prog_sha(const void *impl) { return ((const am_progfile_t *)impl)->sha256; }
static unsigned prog_reps(const void *impl) { return ((const am_progfile_t *)impl)->repetitions; }
static size_t prog_threads(const void *impl, unsigned *out, size_t cap) {
  (void)impl;
  if (cap == 0) return 0;
  out[0] = 1; /* the program decides its threads; results record 1 */
  return 1;
}
static struct cJSON *prog_describe(const void *impl) {
  const am_progfile_t *p = impl;
  return p->root != NULL ? cJSON_Duplicate(p->root, 1) : NULL;
}

const am_source_kind_t am_source_program = {
  .name = "program", .exec = AM_EXEC_PROGRAM,
  .sniff = prog_sniff, .load = prog_load, .free = prog_free, .name_of = prog_name, .sha256 = prog_sha,
  .repetitions = prog_reps, .thread_counts = prog_threads, .describe = prog_describe,
};
