/* harness/backend.h — the allocator vtable every backend sits behind.
 *
 * Modelled on SQLite's sqlite3_mem_methods: each backend is one small file in
 * harness/backends/<name>.c whose functions are all `static` and which exports
 * exactly one `const am_backend_t am_backend_<name>`. The common rules
 * (free(NULL), realloc(NULL, n), calloc overflow, aligned_alloc argument checks,
 * size 0) live once in the front layer (harness/front.h), so backends stay tiny.
 *
 * The registry: a backend is named in its own file and in one line of
 * harness/CMakeLists.txt (am_add_backend) and nowhere else. Every list of backends
 * (`run -b all`, `list`, the report's order, the charts' colours, the isolation test)
 * is derived from the backends compiled in: the driver asks each runner's `info`,
 * which prints the fields below (name, caps, colour, malloc_from, dump).
 *
 * Isolation: linking a third-party allocator replaces malloc for the whole process. So a process holds exactly ONE backend: each backend is
 * compiled into its own runner executable (build/runners/am-runner-<name>) and
 * into its own conformance executable; the `allocmark` driver never links an
 * allocator and only exec's runners. See ARCHITECTURE.md.
 */
#ifndef AM_BACKEND_H
#define AM_BACKEND_H

#include <stddef.h>
#include <stdint.h>

/* Capability flags (am_backend_t.caps). */
enum {
  AM_CAP_USABLE_SIZE = 1u << 0, /* usable_size is meaningful                      */
  AM_CAP_FREE_SIZED  = 1u << 1, /* free_sized is a real sized free, not a wrapper  */
  AM_CAP_STATS       = 1u << 2, /* stats() reports at least one figure             */
  AM_CAP_THREADS     = 1u << 3, /* safe to call from several threads               */
  AM_CAP_OVERRIDES   = 1u << 4, /* the process's malloc IS this allocator          */
  AM_CAP_REAL_FREE   = 1u << 5, /* free returns memory for reuse (bump: no)        */
  AM_CAP_TEST_ONLY   = 1u << 6, /* not an allocator to compare (broken test hook)  */
  /* A harness baseline (bump): run only when named, never by `run -b all`. Backends
   * with AM_CAP_TEST_ONLY are not in `all` either, nor shown by `list` without --all. */
  AM_CAP_BASELINE    = 1u << 7
};
/* What a complete general-purpose allocator offers. */
#define AM_CAPS_FULL_ALLOCATOR (AM_CAP_USABLE_SIZE | AM_CAP_FREE_SIZED | AM_CAP_STATS | \
                                AM_CAP_THREADS | AM_CAP_OVERRIDES | AM_CAP_REAL_FREE)

/* What the allocator itself reports. Every field is -1 when the allocator
 * does not report it; the results JSON then writes null. */
typedef struct am_stats_s {
  int64_t allocated; /* bytes handed out to the program, as the allocator counts  */
  int64_t active;    /* bytes in pages/spans that hold at least one live block    */
  int64_t resident;  /* bytes the allocator believes are resident                 */
  int64_t mapped;    /* bytes mapped from the OS by the allocator                 */
} am_stats_t;

typedef struct am_backend_s {
  const char *name;                  /* the backend's name, [a-z0-9_]+             */
  const char *(*version)(void);      /* read from the library at run time          */
  const char *(*config)(void);       /* options in force, "" when none             */
  unsigned caps;                     /* AM_CAP_* */

  int  (*init)(void);                /* 0 on success; may be NULL                  */
  void (*shutdown)(void);            /* may be NULL                                */
  void (*thread_init)(void);         /* on each worker thread's start; may be NULL */
  void (*thread_exit)(void);         /* before each worker thread ends; may be NULL*/

  /* The core five. The front layer has already handled NULL, overflow and
   * invalid alignments; size may still be 0 (backends behave as glibc). */
  void *(*malloc)(size_t size);
  void  (*free)(void *p);            /* p != NULL */
  void *(*calloc)(size_t n, size_t size);       /* n*size does not overflow */
  void *(*realloc)(void *p, size_t size);       /* p != NULL, size != 0    */
  void *(*aligned_alloc)(size_t align, size_t size); /* align: power of 2, >= sizeof(void*) */

  size_t (*usable_size)(void *p);    /* optional (NULL); p != NULL                 */
  void   (*free_sized)(void *p, size_t size); /* optional (NULL); p != NULL        */
  int    (*stats)(am_stats_t *out);  /* optional (NULL); 0 on success; fields -1 if unknown */

  /* Registry facts and hooks, all optional (NULL). */
  const char *colour;      /* "#rrggbb" in every chart; NULL: derived from the name
                            * (am_backend_colour). Never red: red marks failures. */
  const char *malloc_from; /* the shared object this process's malloc must come from,
                            * as a substring of its path ("libjemalloc"); NULL: glibc,
                            * "libc.so". Checked by the isolation and identity tests. */
  /* Proof from the allocator's own introspection that a plain malloc() in this process
   * is served by it: 1 proven, 0 disproven (why: one line), -1 no introspection. */
  int (*identity)(char *why, size_t cap);
  /* Write the allocator's own map of its heap to path (any format; plots draw it with
   * plots/<name>_heatmap.gp after scripts/<name>_dump_tsv.sh when those exist):
   * 0 written, -1 failed. Asked by `allocmark run --dump-at` / the runner's --dump. */
  int (*dump)(const char *path);
} am_backend_t;

/* Fill every field of *s with -1 ("not reported"). */
static inline void am_stats_clear(am_stats_t *s) {
  s->allocated = s->active = s->resident = s->mapped = -1;
}

/* The one backend compiled into this process (runner or conformance test).
 * Defined by the per-backend selector that CMake generates. */
extern const am_backend_t *const am_this_backend;

#endif /* AM_BACKEND_H */
