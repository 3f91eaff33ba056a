/* harness/cli/variant.h — named variants: a backend plus environment, run as a backend of
 * its own (issue 11). Two ways to declare one:
 *
 *   on the command line   -b 'BASE+VAR=VALUE[+VAR=VALUE...]' (the examples per
 *                         allocator: harness/backends/variants/README.md)
 *                         The whole argument is one variant (VALUE may hold commas, as
 *                         MALLOC_CONF does; '+' always separates). Its name in results is
 *                         the spec as written.
 *   in a file             harness/backends/variants/NAME.json (or $ALLOCMARK_VARIANTS/),
 *                         run with -b NAME. Format (every key required, no other key):
 *                           {"name": "NAME",                 the file's name, [a-z0-9._-]+
 *                            "base": "BASE",                 a backend built in, or "so:/path"
 *                            "env": {"VAR": "VALUE"},        1..16 variables
 *                            "description": "what it is and why one would run it"}
 *
 * BASE is a backend built in or so:PATH. Variable names are [A-Za-z_][A-Za-z0-9_]* and may
 * not be LD_* (the loader's: so: is the way to preload) nor AM_* (the harness's own).
 * The runner reads each variable back from the allocator where it can (runner/variant_env.c)
 * and fails with status `error` when the allocator did not take it. */
#ifndef AM_VARIANT_H
#define AM_VARIANT_H

#include <stddef.h>
#include "am_error.h"

#define AM_VARIANT_MAX_ENV 16
#define AM_VARIANT_FILE_MAX 16384u /* bytes of a variant file */

typedef struct am_variant_s {
  char name[128];                      /* the name in results                    */
  char base[1024];                     /* a backend's name, or "so:/path/libx.so" */
  size_t n_env;
  char env_name[AM_VARIANT_MAX_ENV][64];
  char env_value[AM_VARIANT_MAX_ENV][512];
  char description[512];               /* "" for a command-line variant          */
  char file[1024];                     /* the variant file, "" for the command line */
} am_variant_t;

/* 1 when a -b argument is a command-line variant (it holds '+'). */
int am_variant_is_spec(const char *arg);
/* Parse 'BASE+VAR=VALUE[+...]' into v (base not checked against the registry here).
 * 0, or -1 with a one-line message in err. */
int am_variant_parse_spec(const char *spec, am_variant_t *v, char *err, size_t errcap);
/* Parse a variant file's text; path names it in messages and must end in NAME.json.
 * 0, or a negative AM_E* code with the one-line diagnostic in d. */
int am_variant_parse(const char *path, const char *text, size_t len, am_variant_t *v, am_diag_t *d);
/* Read and parse a variant file. */
int am_variant_load(const char *path, am_variant_t *v, am_diag_t *d);

/* The variants folder: $ALLOCMARK_VARIANTS, else the source tree's harness/backends/variants. */
const char *am_variants_dir(void);
/* Load variant NAME from the variants folder: 0; AM_ENOENT when there is no such file
 * (d says so); another negative code when the file is bad (d says why). */
int am_variant_find(const char *name, am_variant_t *v, am_diag_t *d);

#endif /* AM_VARIANT_H */
