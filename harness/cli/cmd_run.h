/* harness/cli/cmd_run.h — the pieces of `allocmark run` (cmd_run*.c): options, one
 * spawned repetition, the results document and the console table. */
#ifndef AM_CMD_RUN_H
#define AM_CMD_RUN_H

#include <stddef.h>
#include <stdint.h>
#include "plan.h"

#include "backend_spec.h"

struct cJSON;

#define AM_RUN_MAX_BACKENDS 16
#define AM_RUN_MAX_THREADS 64
#define AM_RUN_MAX_PATTERNS 256

typedef struct am_run_opts_s {
  am_backend_spec_t backends[AM_RUN_MAX_BACKENDS]; /* -b, parsed (backend_spec.h) */
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
  int measure_instructions; /* --measure instructions: under callgrind      */
  int measure_cache;        /* --measure cache: callgrind's cache simulator */
  const char *pin;          /* --pin CPUS, or NULL (cmd_run_env.c)         */
  int order_random;         /* --order random                              */
  uint64_t order_seed;      /* --order-seed                                */
  int schedule_grouped;     /* --schedule grouped: each workload's rounds back to
                             * back; 0 (spread, default): pass r runs round r of every
                             * workload, so each benchmark's samples span the run */
  int aslr;                 /* --aslr: 0 as the system, 1 off, 2 on        */
  size_t env_pad;           /* --env-pad BYTES                             */
  int noise_floor;          /* --noise-floor: each backend also as NAME#2  */
  int paced;                /* --paced: traces only, the recorded gaps kept */
  const char *out;          /* -o, or NULL                                 */
  const char *dump_at;      /* --dump-at PHASE|end, or NULL                */
  const char *dump_dir;     /* --dump-dir DIR (default: beside the results) */
  am_shard_t shard;         /* --shard K/N; n == 0: every cell             */
  int plan_only;            /* `allocmark plan`: print the cells, run none */
  int plan_json;            /* ... as JSON (--json)                        */
  int argc;
  char **argv;
} am_run_opts_t;

/* Parse run's argv (argv[0] "run") into o (defaults set by the caller) and the pattern
 * list pats[AM_RUN_MAX_PATTERNS]: 0; -1 after printing --help; 2 after printing the
 * one-line error. Touches nothing else (tests/fuzz/fuzz_args.c fuzzes it). */
int am_run_parse_args(int argc, char **argv, am_run_opts_t *o, const char **pats, size_t *np);

/* What `am-runner-X info` said (cmd_run_exec.c). */
typedef struct am_backend_info_s {
  char name[128];
  char version[64];
  char config[640];
  char malloc_from[640];
  char colour[16];          /* "#rrggbb" (colour.h)                        */
  int overrides_malloc;     /* capability "overrides_malloc": can be LD_PRELOADed */
  int valgrind_marks;       /* the runner marks its timed region (vgmark.h) */
  const am_backend_spec_t *spec; /* what -b asked for (recorded as backend_spec)   */
  char read_back[2048];     /* a variant's variables read back: the runner's
                             * variant_env array as JSON text, "" for none          */
  char error[768];          /* a spec with an environment (so:, variants) whose
                             * runner refused it: why; its repetitions will fail    */
} am_backend_info_t;
/* From the registry's cached runner info (registry.h); -1 when the runner failed. A spec
 * with an environment (so:PATH, a variant) asks its own runner with that environment:
 * 1 when that runner refused it (out->error says why; the run goes on and records it). */
int am_run_backend_info(const am_backend_spec_t *be, am_backend_info_t *out);

/* One repetition: spawn the runner, classify the outcome. Always returns a sample
 * object with at least "status" ("ok" "crashed" "timeout" "oom" "error") and "error"
 * (null or text), "rep" and "runner_wall_s". */
struct cJSON *am_run_one(const am_backend_spec_t *be, const char *workload_path, const char *sha256,
                         unsigned threads, uint64_t seed, unsigned rep, const am_run_opts_t *o);
/* The same with extra runner arguments (NULL-terminated; may be NULL). */
struct cJSON *am_run_one_with(const am_backend_spec_t *be, const char *workload_path, const char *sha256,
                              unsigned threads, uint64_t seed, unsigned rep, const am_run_opts_t *o,
                              char *const *extra);
/* --dump-at: one extra replay per backend with a dump hook, its sample not kept, writing
 * the heap map to DUMP_DIR/<backend>/<pattern>[.at-<phase>].json. phase: the phase's
 * index, -1 for the end. Returns how many dumps failed (each said on stderr). */
size_t am_run_dumps(const char *pattern_path, const char *sha256, const char *pattern_name, const char *phase_name, int phase,
                    unsigned threads, uint64_t seed, const char *dump_dir, const am_run_opts_t *o);

/* The benchmark's backend_spec object: runner, library {path, sha256, size} or null, env,
 * env_read_back, file, description, refused (results/README.md). */
struct cJSON *am_run_spec_json(const am_backend_info_t *bi);
/* The benchmark object for one backend x thread count from its samples (takes them). */
struct cJSON *am_run_benchmark(const am_backend_info_t *bi, unsigned threads, struct cJSON *samples);
/* The console table for one pattern's benchmarks (stdout). */
void am_run_print_table(const char *pattern, const struct cJSON *benchmarks, unsigned reps);

/* `allocmark run` on program files (cmd_run_prog.c): every argument a program file
 * (programs/README.md). Returns the exit status. */
int am_run_programs(const am_run_opts_t *o, const am_backend_info_t *info, const char *const *files, size_t nf);
struct am_progfile_s;
/* A program's `setup` (untimed, no preload) with {n} = n in the folder work. 0, or -1
 * with the reason in why. */
int am_prog_setup(const struct am_progfile_s *p, uint64_t n, const char *work, double timeout_s, char *why, size_t cap);
/* --measure instructions (cmd_run_valgrind.c). The valgrind executable found on
 * PATH into buf: 0, or -1 when there is none. */
int am_vg_find(char *buf, size_t cap);
/* Put `valgrind --tool=callgrind ... --callgrind-out-file=OUT --` before the runner's
 * argv (argv[0..n)) in place; vg: valgrind's path; out: the file callgrind writes.
 * Returns the new argument count. argv must have room for AM_VG_ARGS more. */
#define AM_VG_ARGS 8
int am_vg_wrap(char **argv, int n, const char *vg, const char *out, int cache, char *buf, size_t cap);
/* Read callgrind's totals from OUT and add instructions_per_op (and the simulated
 * cache misses per op) to an ok sample; removes OUT. A sample whose file cannot be
 * read becomes an error. */
void am_vg_annotate(struct cJSON *sample, const char *out, int cache);

/* Environment checks and the options that control the environment (cmd_run_env.c). */
#include <sched.h>
/* One run option of cmd_run_env.c at argv[*i]: 1 consumed, 0 not one of them, -1 bad
 * (message printed). */
int am_env_parse_opt(int argc, char **argv, int *i, am_run_opts_t *o);
/* Index of the backend that runs j-th in round `round` (repetition r). */
size_t am_run_order(const am_run_opts_t *o, size_t j, unsigned r, size_t round);
/* The driver's affinity / personality around one spawn, and the runner's extra env. */
typedef struct am_spawn_env_s {
  cpu_set_t saved;
  int have_saved, pers;
  char *pad;
  char *env[2];             /* extra environment for am_spawn, NULL-terminated */
} am_spawn_env_t;
/* Notes what was applied into `note` (the sample): cpus, aslr, env_pad_bytes. */
int am_env_spawn_begin(const am_run_opts_t *o, unsigned threads, am_spawn_env_t *s, struct cJSON *note);
void am_env_spawn_end(am_spawn_env_t *s);
typedef struct am_env_snap_s {
  double t, load1, ours_s;
  unsigned long long total, idle, steal;
  int ok;
} am_env_snap_t;
void am_env_snap(am_env_snap_t *s);
/* context.environment (static facts, `before`, warnings, printed to stderr). Each
 * results file's `during` starts at its workload's first round (am_env_during). */
struct cJSON *am_env_probe(const am_run_opts_t *o);
/* Adds environment.during (since `since`) and its warnings to a file's context. */
void am_env_during(struct cJSON *context, const am_env_snap_t *since);
/* The twin of a backend under --noise-floor ("NAME#2"), and a name's runner backend
 * (the name without "#2"). */
#define AM_NOISE_SUFFIX "#2"
const char *am_run_base_backend(const char *name, char *buf, size_t cap);
/* --noise-floor: NAME#2 against NAME for each backend of the results file at path. */
void am_run_print_noise_floor(const char *path, const am_run_opts_t *o);

/* "allocmark run: <message>" on stderr for bad input; returns 2 (the exit status). One
 * printer for cmd_run*.c. */
int am_run_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The `context` object (cmd_run_context.c). */
struct cJSON *am_run_context(const am_run_opts_t *o);

#endif /* AM_CMD_RUN_H */
