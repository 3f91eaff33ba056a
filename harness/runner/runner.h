/* harness/runner/runner.h — the runner process: one backend, one job, then exit.
 *
 * A runner is build/runners/am-runner-<backend>. The driver exec's it; its stdout
 * carries one JSON document back. Sub-commands:
 *   info               backend name, version, config, capabilities, and which shared
 *                      object the process's `malloc` resolves to (the isolation proof)
 *   run [options]      one measured repetition of a pattern (runner/run.c)
 *   selftest [options] engine vs a hand-written malloc/free loop (runner/selftest.c)
 * Exit codes (the driver maps them to a result status):
 *   0 ok, 2 bad input, 3 the allocator returned NULL ("oom"), 4 other error,
 *   5 the workload file is not the one planned ("changed"). */
#ifndef AM_RUNNER_H
#define AM_RUNNER_H

#include "backend.h"

enum { AM_RUNNER_OK = 0, AM_RUNNER_BADINPUT = 2, AM_RUNNER_OOM = 3, AM_RUNNER_ERROR = 4,
       AM_RUNNER_CHANGED = 5 /* the workload's sha256 is not the one the driver planned */ };

/* `run` sub-command; argv[0] is "run". Returns an AM_RUNNER_* exit code. */
int am_runner_run(const am_backend_t *b, int argc, char **argv);
/* `selftest` sub-command; argv[0] is "selftest". */
int am_runner_selftest(const am_backend_t *b, int argc, char **argv);

/* A variant's environment read back (variant_env.c): the variables AM_VARIANT_ENV names.
 * 0 with *out the array of {name, value, read_back, verified, how} (NULL: no variant;
 * owned by variant_env.c, also returned by am_variant_env_result), or -1 with the
 * one-line reason in why when a variable is not in effect. */
struct cJSON;
int am_variant_env_check(const am_backend_t *b, struct cJSON **out, char *why, size_t cap);
const struct cJSON *am_variant_env_result(void);
/* "none" "first" "all" "verify" -> am_touch_t, else -1 (run.c; --touch). */
int am_touch_parse(const char *s);

/* Path of the shared object that defines the process's `malloc` ("" if unknown). */
const char *am_runner_malloc_origin(void);
/* Append the path of every shared object loaded in this process to a cJSON array. */
struct cJSON;
void am_runner_loaded_objects(struct cJSON *arr);

#endif /* AM_RUNNER_H */
