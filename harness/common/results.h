/* harness/common/results.h — helpers for the results JSON (schema in results/README.md):
 * numbers that become null when not finite, a NaN/Infinity scrubber, atomic file
 * writes (temp file in the same folder, fsync, rename) and a loader that checks the
 * schema version. Used by `allocmark run` (writer) and `allocmark report` (reader),
 * and by the runners for their one-sample documents. */
#ifndef AM_RESULTS_H
#define AM_RESULTS_H

#include <stdint.h>
#include "am_error.h"
#include "json_io.h"

struct cJSON;

/* Version of the results schema. Bump it on any incompatible change and describe the
 * change in results/README.md. Readers accept files whose version they know. */
#define AM_RESULTS_SCHEMA_VERSION 2 /* 2: `workload` block (with `kind`) replaces `pattern`; results/README.md */

/* A sample's memory_overhead is null (with memory_overhead_note) when the peak live
 * bytes it would divide by are below this: a few pages of RSS over a few hundred live
 * bytes measure page and allocator granularity, not overhead (results/README.md). */
#define AM_OVERHEAD_MIN_LIVE_BYTES 65536u

/* A number, or null when v is NaN or infinite. Return the new item (NULL: no memory). */
struct cJSON *am_json_num(double v);
struct cJSON *am_json_add_num(struct cJSON *obj, const char *key, double v);
/* Integers: exact up to 2^53; larger ones are written as numbers anyway (rounded). */
struct cJSON *am_json_add_u64(struct cJSON *obj, const char *key, uint64_t v);
/* A 64-bit value as a fixed 16-digit hex string (checksums: no rounding). */
struct cJSON *am_json_add_hex64(struct cJSON *obj, const char *key, uint64_t v);
/* Replace every NaN/Infinity number in the tree by null; returns how many. */
int am_json_scrub(struct cJSON *root);
/* 1 when the tree holds no NaN/Infinity number. */
int am_json_all_finite(const struct cJSON *root);

/* Write root (scrubbed first, then printed with a final newline) to path with
 * am_write_atomic (json_io.h: temp file, fsync, rename). 0, or a negative AM_E* code
 * with d filled ("<path>: <reason>"). Reading: am_json_read_file (json_io.h). */
int am_json_write_atomic(const char *path, struct cJSON *root, int pretty, am_diag_t *d);
/* Read a results file and check `schema_version` (1..AM_RESULTS_SCHEMA_VERSION) and
 * that `benchmarks` is an array. */
int am_results_load(const char *path, struct cJSON **out, am_diag_t *d);

#endif /* AM_RESULTS_H */
