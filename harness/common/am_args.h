/* harness/common/am_args.h — the options module shared by the driver, the runners and
 * the report: the limits every command accepts alike, strict number parsing and
 * "--name VALUE" / "--name=VALUE" / "-n VALUE" options. A limit is defined here once;
 * the pattern parser, `allocmark run`, `am-runner run`, `allocmark report` / `compare`
 * and the trace reader use these names, and tests/engine/test_limits.sh checks that
 * each command accepts the limit and refuses one past it. */
#ifndef AM_ARGS_H
#define AM_ARGS_H

#include <stdint.h>

/* The limits every command accepts alike (driver, runner, report): one place.
 *   AM_LIMIT_THREADS      worker threads of one repetition (patterns' `threads`, -t, the
 *                         runner's --threads, a trace's replay threads, a results
 *                         file's `threads`, report/compare --threads)
 *   AM_LIMIT_SEED         the largest seed: 2^53 - 1, so that a seed survives a JSON
 *                         number (results store it as a number; cJSON reads doubles)
 *   AM_LIMIT_REPETITIONS  measured repetitions per cell (patterns' `repetitions`, -r)
 *   AM_LIMIT_WARMUP       untimed replays before the timed one (patterns' `warmup`,
 *                         run's and the runner's --warmup)
 *   AM_LIMIT_LATENCY      --latency N: time one op in at most N
 *   AM_LIMIT_RSS_MS       --rss-interval-ms: the RSS timeline's longest interval
 *   AM_LIMIT_TIMEOUT_S    --timeout: the longest a repetition may run (a week) */
#define AM_LIMIT_THREADS 256u
#define AM_LIMIT_SEED 9007199254740991ull
#define AM_LIMIT_REPETITIONS 1000u
#define AM_LIMIT_WARMUP 100u
#define AM_LIMIT_LATENCY (1u << 30)
#define AM_LIMIT_RSS_MS 60000u
#define AM_LIMIT_TIMEOUT_S (7 * 86400)

/* Digits only (no sign, no spaces, no suffix), at most max. 0, or -1 when s is not that. */
int am_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* If argv[*i] is the option `lng` (as "--x VALUE" or "--x=VALUE") or its short form `shrt`
 * (as "-x VALUE"; may be NULL), return its value, advancing *i past a separate value; ""
 * when the value is missing. NULL when argv[*i] is another argument. */
const char *am_opt_value(int argc, char **argv, int *i, const char *lng, const char *shrt);

#endif /* AM_ARGS_H */
