/* harness/cli/backend_spec.c — parsing `-b` arguments into backend specs (backend_spec.h):
 * plain backends, `all`, so:PATH libraries and variants (variant.c). */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "backend_spec.h"
#include "registry.h"
#include "variant.h"

#define AM_SO_RUNNER "so" /* the runner that links no allocator (harness/backends/so.c) */

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, cap, fmt, ap);
  va_end(ap);
  return -1;
}

static int add(am_backend_spec_t *out, size_t cap, size_t *n, const am_backend_spec_t *s) {
  for (size_t i = 0; i < *n; i++) if (strcmp(out[i].name, s->name) == 0) return 0;
  if (*n == cap) return -1;
  out[(*n)++] = *s;
  return 0;
}

static int plain(am_backend_spec_t *s, const char *name) {
  memset(s, 0, sizeof *s);
  if (snprintf(s->name, sizeof s->name, "%s", name) >= (int)sizeof s->name) return -1;
  snprintf(s->runner, sizeof s->runner, "%.63s", name);
  return 0;
}

/* Append "K=V" to the spec's environment; -1 when it does not fit. */
static int env_put(am_backend_spec_t *s, const char *k, const char *v) {
  size_t used = 0;
  for (unsigned i = 0; i < s->n_env; i++) used += strlen(s->env + used) + 1;
  size_t need = strlen(k) + 1 + strlen(v) + 1;
  if (s->n_env == AM_SPEC_MAX_ENV || used + need > sizeof s->env) return -1;
  snprintf(s->env + used, sizeof s->env - used, "%s=%s", k, v);
  s->n_env++;
  return 0;
}

size_t am_backend_spec_env(const am_backend_spec_t *s, char **envv, size_t cap) {
  size_t n = 0, off = 0;
  for (unsigned i = 0; i < s->n_env && n < cap; i++) {
    envv[n++] = (char *)s->env + off;
    off += strlen(s->env + off) + 1;
  }
  if (n < cap) envv[n] = NULL;
  return n;
}

/* so:PATH or so:NAME=PATH (item; rest: the text after "so:") onto s: the so runner with
 * PATH preloaded. Messages start with `where` ("-b ITEM", or "FILE: base"). */
static int so_spec(const char *where, const char *item, const char *rest, am_backend_spec_t *s, char *err, size_t cap) {
  const char *eq = strchr(rest, '='), *path = rest;
  const char *slash = strchr(rest, '/');
  char name[128] = "";
  if (eq != NULL && (slash == NULL || eq < slash)) { /* so:NAME=PATH */
    size_t nl = (size_t)(eq - rest);
    for (size_t i = 0; i < nl; i++) {
      char c = rest[i];
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
        return fail(err, cap, "%s: a so: name is [A-Za-z0-9._-]+ (so:NAME=PATH)", where);
    }
    if (nl == 0 || nl >= sizeof name) return fail(err, cap, "%s: so:NAME=PATH needs a name of 1 to 63 characters", where);
    memcpy(name, rest, nl);
    name[nl] = '\0';
    path = eq + 1;
  }
  if (path[0] == '\0') return fail(err, cap, "%s: so:PATH needs a path to a malloc library (so:/path/libx.so)", where);
  char abs[PATH_MAX];
  struct stat st;
  if (realpath(path, abs) == NULL || stat(abs, &st) != 0)
    return fail(err, cap, "%s: %s: no such file", where, path);
  if (!S_ISREG(st.st_mode)) return fail(err, cap, "%s: %s is not a file", where, path);
  if (strpbrk(abs, " :\t\n") != NULL)
    return fail(err, cap, "%s: %s: LD_PRELOAD cannot hold a path with a space or ':'", where, abs);
  if (am_registry_index(AM_SO_RUNNER) < 0)
    return fail(err, cap, "%s: the so runner is not built in this build (a sanitizer build has none)", where);
  memset(s, 0, sizeof *s);
  if (snprintf(s->name, sizeof s->name, "%s", name[0] ? name : item) >= (int)sizeof s->name ||
      snprintf(s->library, sizeof s->library, "%s", abs) >= (int)sizeof s->library)
    return fail(err, cap, "%.80s: too long; name it: so:NAME=PATH", where);
  snprintf(s->runner, sizeof s->runner, "%s", AM_SO_RUNNER);
  if (env_put(s, "LD_PRELOAD", abs) != 0 || env_put(s, "AM_SO_PATH", abs) != 0)
    return fail(err, cap, "%s: path too long", where);
  return 0;
}

/* The base of a variant (a backend built in, or so:PATH) onto s. */
static int base_spec(const char *where, const char *base, am_backend_spec_t *s, char *err, size_t cap) {
  if (strncmp(base, "so:", 3) == 0) return so_spec(where, base, base + 3, s, err, cap);
  if (strcmp(base, AM_SO_RUNNER) == 0)
    return fail(err, cap, "%s: so:PATH needs a path to a malloc library (so:/path/libx.so)", where);
  if (strcmp(base, "all") == 0 || am_registry_index(base) < 0 || plain(s, base) != 0)
    return fail(err, cap, "%s: backend '%s' is not built in this build (see `allocmark list --all`)", where, base);
  return 0;
}

/* A variant onto s: its base's runner and environment, then its own variables. */
static int variant_spec(const char *item, const am_variant_t *v, am_backend_spec_t *s, char *err, size_t cap) {
  char where[1100];
  if (v->file[0]) snprintf(where, sizeof where, "%s: base", v->file);
  else snprintf(where, sizeof where, "-b %s", item);
  if (!v->file[0] && strchr(v->base, ',') != NULL) /* -b a,b+VAR=V: the '+' took the list */
    return fail(err, cap, "%s: a list cannot hold a variant (its value may hold commas): give BASE+VAR=VALUE its own -b", where);
  if (base_spec(where, v->base, s, err, cap) != 0) return -1;
  snprintf(s->name, sizeof s->name, "%s", v->name);
  snprintf(s->file, sizeof s->file, "%s", v->file);
  snprintf(s->description, sizeof s->description, "%s", v->description);
  /* the variant's variables first (n_user), then the base's (LD_PRELOAD ...), then the list */
  am_backend_spec_t b = *s;
  s->n_env = 0;
  s->env[0] = '\0';
  char names[1100] = "";
  size_t o = 0;
  for (size_t i = 0; i < v->n_env; i++) {
    if (env_put(s, v->env_name[i], v->env_value[i]) != 0) return fail(err, cap, "-b %s: variables too long", item);
    o += (size_t)snprintf(names + o, sizeof names - o, "%s%s", o ? "," : "", v->env_name[i]);
  }
  s->n_user = (unsigned)v->n_env;
  char *be[AM_SPEC_MAX_ENV + 1];
  size_t nb = am_backend_spec_env(&b, be, AM_SPEC_MAX_ENV + 1);
  for (size_t i = 0; i < nb; i++) {
    char k[64];
    const char *eq = strchr(be[i], '=');
    snprintf(k, sizeof k, "%.*s", (int)(eq - be[i]), be[i]);
    if (env_put(s, k, eq + 1) != 0) return fail(err, cap, "-b %s: variables too long", item);
  }
  if (env_put(s, "AM_VARIANT_ENV", names) != 0) return fail(err, cap, "-b %s: variables too long", item);
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
      if (add(out, cap, n, &s) != 0) return fail(err, errcap, "-b: too many backends");
    }
    return 0;
  }
  if (strncmp(tok, "so:", 3) == 0 || strcmp(tok, AM_SO_RUNNER) == 0) {
    char where[1100];
    snprintf(where, sizeof where, "-b %s", tok);
    if (so_spec(where, tok, tok[2] == ':' ? tok + 3 : "", &s, err, errcap) != 0) return -1;
  } else if (am_registry_index(tok) >= 0) {
    if (plain(&s, tok) != 0) return fail(err, errcap, "-b: bad backend '%s'", tok);
  } else {
    am_variant_t v;
    am_diag_t d;
    int rc = am_variant_find(tok, &v, &d);
    if (rc == AM_ENOENT)
      return fail(err, errcap, "-b %s: not a backend built in this build nor a variant in %s (see `allocmark list --all`)",
                  tok, am_variants_dir());
    if (rc != 0) return fail(err, errcap, "%s", d.msg);
    if (variant_spec(tok, &v, &s, err, errcap) != 0) return -1;
  }
  if (add(out, cap, n, &s) != 0) return fail(err, errcap, "-b: too many backends");
  return 0;
}

int am_backend_spec_add_arg(const char *arg, am_backend_spec_t *out, size_t cap, size_t *n,
                            char *err, size_t errcap) {
  if (arg == NULL || arg[0] == '\0') return fail(err, errcap, "-b: bad backend list ''");
  if (am_variant_is_spec(arg)) { /* exactly one variant: its values may hold commas */
    am_variant_t v;
    am_backend_spec_t s;
    if (am_variant_parse_spec(arg, &v, err, errcap) != 0 || variant_spec(arg, &v, &s, err, errcap) != 0) return -1;
    if (add(out, cap, n, &s) != 0) return fail(err, errcap, "-b: too many backends");
    return 0;
  }
  char copy[1024];
  if (strlen(arg) >= sizeof copy) return fail(err, errcap, "-b: bad backend list '%.60s...' (too long)", arg);
  snprintf(copy, sizeof copy, "%s", arg);
  size_t before = *n;
  for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
    if (am_backend_spec_item(tok, out, cap, n, err, errcap) != 0) return -1;
  if (*n == before && strchr(arg, ',') == NULL && strcmp(arg, "all") != 0)
    return fail(err, errcap, "-b: no backend selected from '%s'", arg);
  return 0;
}

int am_backend_spec_parse(const char *list, am_backend_spec_t *out, size_t cap, size_t *n,
                          char *err, size_t errcap) {
  *n = 0;
  if (am_backend_spec_add_arg(list, out, cap, n, err, errcap) != 0) return -1;
  if (*n == 0) return fail(err, errcap, "-b: no backend selected from '%s'", list);
  return 0;
}
