/* harness/cli/backend_spec.c — parsing `-b LIST` into backend specs (backend_spec.h). */
#include <stdio.h>
#include <string.h>
#include "backend_spec.h"
#include "registry.h"

static int add(am_backend_spec_t *out, size_t cap, size_t *n, const am_backend_spec_t *s) {
  for (size_t i = 0; i < *n; i++) if (strcmp(out[i].name, s->name) == 0) return 0;
  if (*n == cap) return -1;
  out[(*n)++] = *s;
  return 0;
}

static int plain(am_backend_spec_t *s, const char *name) {
  if (snprintf(s->name, sizeof s->name, "%s", name) >= (int)sizeof s->name) return -1;
  snprintf(s->runner, sizeof s->runner, "%s", name);
  return 0;
}

/* One item of the list; 0 or -1 with err set. */
static int am_backend_spec_item(const char *tok, am_backend_spec_t *out, size_t cap, size_t *n,
                                char *err, size_t errcap) {
  am_backend_spec_t s;
  if (strcmp(tok, "all") == 0) {
    for (size_t i = 0; i < am_registry_count(); i++) {
      const char *name = am_registry_name(i);
      if (!am_registry_in_all(name)) continue;
      plain(&s, name);
      if (add(out, cap, n, &s) != 0) return snprintf(err, errcap, "-b: too many backends"), -1;
    }
    return 0;
  }
  if (am_registry_index(tok) < 0 || plain(&s, tok) != 0)
    return snprintf(err, errcap, "-b: backend '%s' is not built in this build (see `allocmark list --all`)", tok), -1;
  if (add(out, cap, n, &s) != 0) return snprintf(err, errcap, "-b: too many backends"), -1;
  return 0;
}

int am_backend_spec_parse(const char *list, am_backend_spec_t *out, size_t cap, size_t *n,
                          char *err, size_t errcap) {
  char copy[1024];
  *n = 0;
  if (list == NULL || list[0] == '\0' || strlen(list) >= sizeof copy)
    return snprintf(err, errcap, "-b: bad backend list '%s'", list ? list : ""), -1;
  snprintf(copy, sizeof copy, "%s", list);
  for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
    if (am_backend_spec_item(tok, out, cap, n, err, errcap) != 0) return -1;
  if (*n == 0) return snprintf(err, errcap, "-b: no backend selected from '%s'", list), -1;
  return 0;
}
