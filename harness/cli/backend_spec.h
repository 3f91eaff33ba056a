/* harness/cli/backend_spec.h — `-b LIST`: what the user asked to run, parsed once.
 *
 * A spec is one comma-separated item of the list. Today an item is
 *   all        every backend built in whose runner says "in_all" (registry.h), in
 *              registration order; test-only and baseline backends run only when named
 *   NAME       a backend built in (`allocmark list --all`)
 * A spec names the runner to exec and the name results carry; they are the same today.
 * New item forms (a shared object `so:PATH`, a variant `BASE+VAR=V`) are parsed by
 * adding a case to am_backend_spec_item() in backend_spec.c and fields here. */
#ifndef AM_BACKEND_SPEC_H
#define AM_BACKEND_SPEC_H

#include <stddef.h>

typedef struct am_backend_spec_s {
  char name[128];  /* the name in results, reports and charts      */
  char runner[64]; /* the registry backend whose runner is exec'd  */
} am_backend_spec_t;

/* Parse LIST into out[0..*n) (duplicates dropped, order kept). 0, or -1 with a one-line
 * message in err naming the bad item. */
int am_backend_spec_parse(const char *list, am_backend_spec_t *out, size_t cap, size_t *n,
                          char *err, size_t errcap);

#endif /* AM_BACKEND_SPEC_H */
