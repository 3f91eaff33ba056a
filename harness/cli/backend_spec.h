/* harness/cli/backend_spec.h — `-b LIST`: what the user asked to run, parsed once.
 *
 * `-b` may be given several times; each argument adds to the list. An argument that
 * holds '+' is exactly one variant (below; its values may hold commas); any other is a
 * comma-separated list of items:
 *   all            every backend built in whose runner says "in_all" (registry.h), in
 *                  registration order; test-only and baseline backends run only when named
 *   NAME           a backend built in (`allocmark list --all`), else a variant file
 *                  NAME.json in the variants folder (variant.h)
 *   so:PATH        any malloc library by path, preloaded into the `so` runner, which
 *                  links none (harness/backends/so.c); named "so:PATH" in results
 *   so:NAME=PATH   the same, named NAME
 *   BASE+VAR=VALUE[+VAR=VALUE...]   a variant: BASE (a backend or so:PATH) run with
 *                  those variables, named as written (variant.h)
 * A spec names the runner to exec, the name results carry, and the environment the
 * runner gets (the library to preload, the variant's variables). */
#ifndef AM_BACKEND_SPEC_H
#define AM_BACKEND_SPEC_H

#include <stddef.h>

#define AM_SPEC_MAX_ENV 24

typedef struct am_backend_spec_s {
  char name[128];  /* the name in results, reports and charts      */
  char runner[64]; /* the registry backend whose runner is exec'd  */
  char library[512];     /* so:PATH: the library's absolute path, else ""            */
  char env[3072];        /* the runner's extra environment: n_env "K=V" strings, each
                          * NUL-terminated; the variant's own n_user come first    */
  unsigned n_env, n_user;
  char file[1024];       /* the variant file it came from, else ""                  */
  char description[512]; /* the variant file's description, else ""                */
} am_backend_spec_t;

/* Pointers to the spec's "K=V" entries into envv[0..cap) (NULL-terminated when room);
 * returns how many. */
size_t am_backend_spec_env(const am_backend_spec_t *s, char **envv, size_t cap);

/* Add one -b argument (see above) to out[0..*n): duplicates dropped, order kept.
 * 0, or -1 with a one-line message in err naming the bad item. */
int am_backend_spec_add_arg(const char *arg, am_backend_spec_t *out, size_t cap, size_t *n,
                            char *err, size_t errcap);

/* Parse one -b argument into out[0..*n), replacing what was there. 0, or -1 with err. */
int am_backend_spec_parse(const char *list, am_backend_spec_t *out, size_t cap, size_t *n,
                          char *err, size_t errcap);

#endif /* AM_BACKEND_SPEC_H */
