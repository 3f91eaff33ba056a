/* tests/patterns/streamcheck.h — an independent checker of generated workloads, shared
 * by the pattern tests: replays the streams symbolically (no allocator) and verifies
 * the ops.h contract: slots used correctly, channels balanced, counts, checksum, every
 * slot empty at the end, and no deadlock under a round-robin scheduler. */
#ifndef AM_TEST_STREAMCHECK_H
#define AM_TEST_STREAMCHECK_H

#include <stdint.h>
#include "ops.h"

/* 0 when w is well-formed; else 1 with a message in err. */
int am_streamcheck(const am_workload_t *w, char *err, size_t cap);
/* The stream checksum (am_ops_hash, ops.h) over every stream in thread order. */
uint64_t am_streamcheck_fnv(const am_workload_t *w);

#endif /* AM_TEST_STREAMCHECK_H */
