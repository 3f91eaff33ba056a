/* harness/common/am_args.h — command-line helpers shared by the driver and the runners:
 * strict number parsing and "--name VALUE" / "--name=VALUE" / "-n VALUE" options. */
#ifndef AM_ARGS_H
#define AM_ARGS_H

#include <stdint.h>

/* The limits every command accepts alike (driver, runner, report): one place.
 *   AM_LIMIT_THREADS  worker threads of one repetition (patterns' `threads`, -t, the
 *                     runner's --threads, a results file's `threads`)
 *   AM_LIMIT_SEED     the largest seed: 2^53 - 1, so that a seed survives a JSON number
 *                     (results store it as a number; cJSON reads doubles) exactly */
#define AM_LIMIT_THREADS 256u
#define AM_LIMIT_SEED 9007199254740991ull

/* Digits only (no sign, no spaces, no suffix), at most max. 0, or -1 when s is not that. */
int am_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* If argv[*i] is the option `lng` (as "--x VALUE" or "--x=VALUE") or its short form `shrt`
 * (as "-x VALUE"; may be NULL), return its value, advancing *i past a separate value; ""
 * when the value is missing. NULL when argv[*i] is another argument. */
const char *am_opt_value(int argc, char **argv, int *i, const char *lng, const char *shrt);

#endif /* AM_ARGS_H */
