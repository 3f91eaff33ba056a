/* harness/runner/sample.h — the one JSON document a runner prints for one repetition
 * (a "sample"); the driver copies it into the results file's samples[] (schema in
 * results/README.md). Built after the timed replay, with the backend's own malloc. */
#ifndef AM_SAMPLE_H
#define AM_SAMPLE_H

#include <stdint.h>
#include "engine.h"

struct cJSON;

typedef struct am_sample_info_s {
  const char *pattern_name;   /* may be NULL (selftest) */
  const char *pattern_sha256; /* may be NULL            */
  unsigned threads;
  uint64_t seed;
  int quick;
  uint64_t chunk_ops;         /* the runner's --chunk-ops (0: not given, selftest) */
} am_sample_info_t;

struct cJSON *am_sample_json(const am_backend_t *b, const am_workload_t *w, const am_engine_opts_t *o,
                             const am_sample_info_t *info, const am_engine_result_t *r);

#endif /* AM_SAMPLE_H */
