/* harness/common/pattern_dist.h — parsing of a distribution object (sizes in bytes,
 * lifetimes in allocations) and its canonical JSON form. Sampling is declared in
 * pattern_int.h. Internal to harness/common/pattern*.c. */
#ifndef AM_PATTERN_DIST_H
#define AM_PATTERN_DIST_H

#include "pattern_int.h"
#include "pattern_json.h"

/* Parse v (a number: fixed; or an object with "dist") at `path` into *out; every
 * bound must lie within [lo, hi]. */
int am_dist_parse(am_pctx_t *c, const cJSON *v, const char *path, uint64_t lo, uint64_t hi, am_dist_t *out);
/* The canonical object form with every default filled in. */
cJSON *am_dist_json(const am_dist_t *d);
/* A fixed distribution. */
void am_dist_fixed(am_dist_t *d, uint64_t value);

#endif /* AM_PATTERN_DIST_H */
