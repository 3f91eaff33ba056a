/* harness/common/pattern_int.h — the parsed pattern as the parser builds it and the
 * generator reads it. Internal to harness/common/pattern*.c and gen*.c; everything
 * else goes through pattern.h. The limits below are the documented ones
 * (patterns/README.md, "Limits"); change both together. */
#ifndef AM_PATTERN_INT_H
#define AM_PATTERN_INT_H

#include <stddef.h>
#include <stdint.h>
#include "am_args.h"
#include "pattern.h"
#include "rng.h"

#define AM_PATTERN_FORMAT "allocmark-pattern/1"

/* Documented limits. */
#define AM_MAX_THREADS AM_LIMIT_THREADS      /* worker threads (am_args.h)             */
#define AM_MAX_SWEEP 64u                     /* entries in a thread-count sweep        */
#define AM_MAX_PHASES 64u                    /* phases per pattern                     */
#define AM_MAX_ROLES 16u                     /* roles per phase                        */
#define AM_MAX_BLOCK (1ull << 30)            /* bytes per block (1 GiB)                */
#define AM_MAX_ALLOCS 4294967295ull          /* allocations per thread per phase       */
#define AM_MAX_OPS (1ull << 36)              /* operations in one workload; over the
                                                runner's --chunk-ops it is generated
                                                in chunks (patterns/README.md)       */
#define AM_MAX_LIVE (1u << 24)               /* batch count, window size               */
#define AM_MAX_LIFETIME (1ull << 32)         /* lifetime in allocations                */
#define AM_MAX_BINS 1024u                    /* entries of a choice/histogram          */
#define AM_MAX_ALIGN_LOG2 21u                /* alignment up to 2 MiB                  */
#define AM_MAX_REALLOC_STEPS 64u
#define AM_MAX_WRITE_ROUNDS 1000000ull       /* store rounds per WRITE                 */
#define AM_MAX_ROUND 1048576u                /* allocations per hand-off round         */
#define AM_MAX_LAG 1024u
#define AM_MAX_HANDOFF_BATCH 65536u          /* objects per batch hand-off (arg is 16 bits) */
#define AM_MAX_BOUND (1u << 24)              /* messages in a shared queue             */
#define AM_MAX_FILL_CHURN 100u               /* main-thread replacements per filled object */
#define AM_MAX_REPETITIONS AM_LIMIT_REPETITIONS /* am_args.h                         */
#define AM_MAX_WARMUP AM_LIMIT_WARMUP        /* am_args.h                              */
#define AM_MAX_SEED AM_LIMIT_SEED            /* 2^53 - 1: exact in a JSON number       */
#define AM_PATTERN_FILE_MAX ((size_t)64 << 20) /* bytes of a pattern file (64 MiB) */
#define AM_MAX_PROFILE_ROWS 16384u          /* rows of an empirical profile           */
#define AM_MAX_EMP_LIVE (1ull << 40)         /* empirical live_bytes per thread (1 TiB) */
#define AM_NAME_MAX 64u
#define AM_PATH_MAX 192                     /* longest JSON path in a message          */

typedef enum am_dist_kind_e {
  AM_DIST_FIXED, AM_DIST_UNIFORM, AM_DIST_CHOICE, AM_DIST_HISTOGRAM, AM_DIST_LOGNORMAL, AM_DIST_PARETO
} am_dist_kind_t;

/* One entry of a choice (lo == hi) or histogram bin (uniform in [lo, hi]). */
typedef struct am_bin_s {
  uint64_t lo, hi;
  double weight;
  double cum;          /* running sum of weights up to and including this entry */
} am_bin_t;

/* A distribution of non-negative integers (sizes in bytes, lifetimes in allocations). */
typedef struct am_dist_s {
  am_dist_kind_t kind;
  uint64_t min, max;   /* bounds of every sample (fixed: min == max == the value)   */
  double median;       /* lognormal: exp(mu)                                         */
  double sigma;        /* lognormal: standard deviation of ln(x)                     */
  double alpha;        /* pareto: tail index                                         */
  size_t n_bins;       /* choice / histogram                                         */
  am_bin_t *bins;
} am_dist_t;

typedef enum am_order_e { AM_ORDER_FIFO, AM_ORDER_LIFO, AM_ORDER_RANDOM } am_order_t;

typedef enum am_life_kind_e {
  AM_LIFE_PAIR, AM_LIFE_BATCH, AM_LIFE_WINDOW, AM_LIFE_OPS, AM_LIFE_PHASE, AM_LIFE_RUN,
  AM_LIFE_EMPIRICAL  /* set by the `empirical` field, not a lifetime kind of its own */
} am_life_kind_t;

/* An empirical profile (pattern_emp.c): rows of size, allocation rate, live count. */
typedef struct am_emp_s {
  size_t n;                      /* rows                                          */
  uint64_t *size;                /* bytes                                         */
  double *rate, *live;           /* as given                                      */
  double *birth_cum, *live_cum;  /* running sums of rate and live, for sampling   */
  double *mean;                  /* mean lifetime in allocations at scale 1 (INFINITY: rate 0) */
  double birth_total, live_total, profile_bytes; /* sums; profile_bytes = Σ live × size */
  uint64_t live_bytes, quick_live_bytes; /* steady-state live bytes per thread    */
  int quick_set, prefill;
} am_emp_t;

typedef struct am_life_s {
  am_life_kind_t kind;
  uint32_t count;      /* batch: objects per batch; window: live objects             */
  int replace_oldest;  /* window: 0 random victim, 1 oldest                          */
  int alloc_first;     /* window: 1 the new object is allocated before the victim ends */
  int fill_main;       /* window: 1 the first `count` objects come from the main
                          thread's set-up (first phase only)                         */
  uint32_t fill_churn; /* fill_main: random replacements per filled object, also by
                          the main thread                                            */
  am_order_t order;    /* batch frees; frees at the phase end                        */
  double keep;         /* fraction of objects live at the phase end kept to the end  */
  am_dist_t allocs;    /* ops: lifetime in allocations                               */
} am_life_t;

typedef enum am_mix_e { AM_MIX_MALLOC, AM_MIX_CALLOC, AM_MIX_ALIGNED, AM_MIX_REALLOC, AM_MIX_N } am_mix_t;
typedef enum am_to_e { AM_TO_ANY, AM_TO_NEXT, AM_TO_ROLE } am_to_t;

/* What one thread does in one phase. Phase-level fields give the defaults of its roles. */
typedef struct am_program_s {
  uint64_t allocs, quick_allocs;
  am_dist_t size;
  double mix[AM_MIX_N];          /* weights; cum[] below for sampling           */
  double mix_cum[AM_MIX_N];
  int mix_only;                  /* the one kind with weight > 0, else -1       */
  size_t n_aligns;
  uint8_t align_log2[16];        /* chosen uniformly                            */
  uint32_t realloc_steps;
  double realloc_factor;
  uint64_t large_from;           /* > 0: objects of at least this size use large_mix */
  double large_mix[AM_MIX_N], large_mix_cum[AM_MIX_N];
  int large_mix_only;            /* as mix_only, for large_mix                  */
  am_touch_t touch;              /* the kind-independent touch (or "none")      */
  am_touch_t touch_kind[AM_MIX_N]; /* touch per creation kind                   */
  am_life_t life;
  am_emp_t *emp;                 /* `empirical`: sizes and lifetimes from a profile (life.kind EMPIRICAL) */
  double handoff_ratio;
  am_to_t handoff_to;
  int handoff_role;              /* AM_TO_ROLE: role index in the phase          */
  uint32_t handoff_batch;        /* objects per hand-off message (1: no carrier) */
  int handoff_shared;            /* 1: one shared queue per target role          */
  int handoff_lifo;              /* shared: newest message first                 */
  uint32_t handoff_bound;        /* shared: most messages queued; 0 unbounded    */
  uint64_t write_rounds;
  uint64_t respawn;              /* RESPAWN after every N allocations; 0 never  */
  int respawn_rounds;            /* 1: `respawn` counts hand-off rounds, not allocations */
  char handoff_path[AM_PATH_MAX]; /* JSON path of handoff.to, for messages      */
} am_program_t;

typedef enum am_sel_e { AM_SEL_COUNT, AM_SEL_PERCENT, AM_SEL_REST } am_sel_t;

typedef struct am_role_s {
  char name[AM_NAME_MAX + 1];
  am_sel_t sel;
  unsigned sel_value;            /* COUNT: threads; PERCENT: percent             */
  am_program_t prog;
} am_role_t;

typedef struct am_phase_s {
  char name[AM_NAME_MAX + 1];
  uint32_t round, lag;
  int free_kept;                 /* -1: no; else am_order_t: free kept objects at the start */
  int roles_given;               /* 0: one implicit role "all"                   */
  size_t n_roles;
  am_role_t *roles;
} am_phase_t;

/* Thread-count entry before "ncpu" is resolved. */
typedef struct am_tspec_s { unsigned n; int ncpu; } am_tspec_t;

struct am_pattern_s {
  char *path, *name, *description;
  char sha256[65];
  uint64_t seed;
  unsigned repetitions, warmup;
  double quick_scale;
  int threads_form;              /* 0 number, 1 "ncpu", 2 list, 3 range object  */
  size_t n_tspec;
  am_tspec_t tspec[AM_MAX_SWEEP];
  unsigned range_from, range_step; int range_to_ncpu, range_double; unsigned range_to;
  size_t n_threads;              /* resolved, duplicates removed                 */
  unsigned threads[AM_MAX_SWEEP];
  size_t n_phases;
  am_phase_t *phases;
  void *arena;                   /* every allocation above, freed at once        */
};

/* pattern_dist.c */
uint64_t am_dist_sample(const am_dist_t *d, am_rng_t *r);
double am_dist_mean(const am_dist_t *d); /* analytic mean (clamping ignored for lognormal) */

/* pattern_emp.c */
struct am_pctx_s;
int am_emp_parse(struct am_pctx_s *c, const struct cJSON *v, const char *path, am_emp_t **out);
void am_emp_finish(am_emp_t *e, double quick_scale);  /* quick_live_bytes default        */
size_t am_emp_pick(const double *cum, size_t n, double x);
struct cJSON *am_emp_json(const am_emp_t *e);

/* pattern_alloc.c helper: arena allocation (zeroed), NULL on failure. */
void *am_arena_alloc(void **arena, size_t n);
void am_arena_free(void **arena);

/* Thread assignment of one phase for T threads: role index per thread (-1 idle).
 * 0, or AM_EINVAL with d filled (the file, the path of the offending field). */
int am_phase_assign(const am_pattern_t *p, size_t phase, unsigned T, int *role_of, am_diag_t *d);

#endif /* AM_PATTERN_INT_H */
