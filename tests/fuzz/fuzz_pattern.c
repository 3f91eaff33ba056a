/* tests/fuzz/fuzz_pattern.c — fuzz target: pattern files (patterns/README.md).
 *
 * Parses the input as a pattern, then reads everything the driver reads from it (name,
 * thread counts, phases, the spec JSON) and, when the workload is small (a cheap bound
 * on its quick-scale ops below AM_FUZZ_MAX_OPS), generates its streams: every
 * accepted pattern must generate without a crash, leak or undefined behaviour, and a
 * rejected one must fill the diagnostic.
 */
// fuzz-seeds: patterns/*.json tests/patterns/good/*.json tests/patterns/bad/*.json
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "pattern_int.h"

/* Generate only workloads bounded by this many ops (quick scale, first thread count):
 * larger ones would spend the fuzzer's time on one input. */
#define AM_FUZZ_MAX_OPS 20000u

static uint64_t ops_bound(const am_pattern_t *p, unsigned threads) {
  uint64_t total = 0;
  for (size_t i = 0; i < p->n_phases; i++)
    for (size_t r = 0; r < p->phases[i].n_roles; r++) {
      const am_program_t *g = &p->phases[i].roles[r].prog;
      uint64_t per = g->quick_allocs * (3u + g->realloc_steps);
      if (g->quick_allocs > AM_FUZZ_MAX_OPS || per > AM_FUZZ_MAX_OPS) return UINT64_MAX;
      total += per * threads + 2u * threads;
      if (total > AM_FUZZ_MAX_OPS) return UINT64_MAX;
    }
  return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  am_pattern_t *p = NULL;
  am_diag_t d;
  d.msg[0] = '\0';
  int rc = am_pattern_parse("fuzz.json", (const char *)data, size, &p, &d);
  if (rc != 0) {
    if (p != NULL || d.msg[0] == '\0') abort(); /* an error must name itself, leave nothing */
    return 0;
  }
  (void)am_pattern_name(p);
  (void)am_pattern_description(p);
  (void)am_pattern_sha256(p);
  (void)am_pattern_repetitions(p);
  (void)am_pattern_warmup(p);
  unsigned th[AM_MAX_SWEEP];
  size_t nt = am_pattern_thread_counts(p, th, AM_MAX_SWEEP);
  if (nt == 0) abort();
  for (size_t i = 0; i < am_pattern_phase_count(p); i++)
    if (am_pattern_phase_name(p, i) == NULL) abort();
  cJSON *spec = am_pattern_spec_json(p);
  char *txt = spec != NULL ? cJSON_PrintUnformatted(spec) : NULL;
  free(txt);
  cJSON_Delete(spec);
  if (ops_bound(p, th[0]) <= AM_FUZZ_MAX_OPS) {
    am_gen_opts_t o = {.seed = 0, .threads = th[0], .quick = 1};
    am_workload_t *w = NULL;
    uint64_t ops = 0, peak = 0;
    if (am_workload_estimate(p, &o, &ops, &peak, &d) == 0 && am_workload_build(p, &o, &w, &d) == 0)
      am_workload_free(w);
  }
  am_pattern_free(p);
  return 0;
}
