/* harness/cli/trace_profile.h — empirical profiles (rows of size, allocation rate, live
 * count) for trace-fit: from a trace's statistics, to and from fleetbench-style CSV, and
 * as the pattern field `empirical` (cmd_trace_profile.c; patterns/README.md). Rows are
 * cJSON arrays [[size, alloc_rate, num_live], ...]. */
#ifndef AM_TRACE_PROFILE_H
#define AM_TRACE_PROFILE_H

#include <stdint.h>
#include "am_error.h"

struct cJSON;
/* The trace-info JSON's size_profile as rows (rate per million events); NULL: none. */
struct cJSON *am_profile_from_info(const struct cJSON *info);
/* Σ size × num_live: the profile's average live bytes. */
double am_profile_live_bytes(const struct cJSON *rows);
/* Write rows as "size, alloc_rate, num_live" lines (temp file, then rename). */
int am_profile_write_csv(const char *path, const struct cJSON *rows, am_diag_t *d);
/* Read such a file ('#' comments and blank lines skipped): 0, or AM_E* with d filled
 * ("<file>: line N: ..."). */
int am_profile_read_csv(const char *path, struct cJSON **rows, am_diag_t *d);
/* The pattern field {"live_bytes": B, "rows": rows} (rows copied). */
struct cJSON *am_profile_field(const struct cJSON *rows, uint64_t live_bytes);

#endif /* AM_TRACE_PROFILE_H */
