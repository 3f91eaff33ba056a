/* harness/cli/cmd_run.h — the pieces of `allocmark run` (cmd_run*.c): options, one
 * spawned repetition, the results document and the console table. */
#ifndef AM_CMD_RUN_H
#define AM_CMD_RUN_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;

#define AM_RUN_MAX_BACKENDS 16
#define AM_RUN_MAX_THREADS 64

typedef struct am_run_opts_s {
  const char *backends[AM_RUN_MAX_BACKENDS];
  size_t n_backends;
  unsigned reps;            /* 0: the pattern's                            */
  unsigned threads[AM_RUN_MAX_THREADS];
  size_t n_threads;         /* 0: the pattern's list                       */
  int quick;
  unsigned latency;         /* 0 off, N: one op in N                       */
  int have_seed;
  uint64_t seed;
  double timeout_s;
  uint64_t max_memory;
  long warmup;              /* -1: the pattern's                           */
  int no_hw;
  long rss_interval_ms;     /* -1: the runner's default                    */
  uint64_t chunk_ops;       /* 0: the runner's default chunk size          */
  const char *out;          /* -o, or NULL                                 */
  int argc;
  char **argv;
} am_run_opts_t;

/* What `am-runner-X info` said (cmd_run_exec.c). */
typedef struct am_backend_info_s {
  char name[32];
  char version[64];
  char config[256];
  char malloc_from[256];
  int overrides_malloc;     /* capability "overrides_malloc": can be LD_PRELOADed */
} am_backend_info_t;
int am_run_backend_info(const char *name, am_backend_info_t *out);

/* One repetition: spawn the runner, classify the outcome. Always returns a sample
 * object with at least "status" ("ok" "crashed" "timeout" "oom" "error") and "error"
 * (null or text), "rep" and "runner_wall_s". */
struct cJSON *am_run_one(const char *backend, const char *pattern_path, unsigned threads, uint64_t seed,
                         unsigned rep, const am_run_opts_t *o);

/* The benchmark object for one backend x thread count from its samples (takes them). */
struct cJSON *am_run_benchmark(const am_backend_info_t *bi, unsigned threads, struct cJSON *samples);
/* The console table for one pattern's benchmarks (stdout). */
void am_run_print_table(const char *pattern, const struct cJSON *benchmarks, unsigned reps);

/* `allocmark run` on program files (cmd_run_prog.c): every argument a program file
 * (programs/README.md). Returns the exit status. */
int am_run_programs(const am_run_opts_t *o, const am_backend_info_t *info, const char *const *files, size_t nf);

/* The `context` object (cmd_run_context.c). */
struct cJSON *am_run_context(const am_run_opts_t *o);

#endif /* AM_CMD_RUN_H */
