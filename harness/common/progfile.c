/* harness/common/progfile.c — the program-file reader (see progfile.h and
 * programs/README.md): strict validation with one-line diagnostics, placeholder
 * expansion, the figure regex and the output digest. Not on any timed path. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "pattern_json.h"
#include "progfile.h"
#include "sha256.h"

#define PROG_MAX_FILE (1u << 20)

static const char *const placeholders[] = {"n", "dir", "work", "port", NULL};

/* Placeholders in s: every {name} must be known, {port} only where allowed.
 * Returns 0 or the diagnostic's code. */
static int check_placeholders(am_pctx_t *c, const char *s, const char *path, int port_ok) {
  for (const char *p = s; *p; p++) {
    if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) { p++; continue; }
    if (*p == '}') return am_diag(c->d, AM_EINVAL, "%s: %s: unmatched '}' (write }} for a literal brace)", c->file, path);
    if (*p != '{') continue;
    const char *e = strchr(p, '}');
    if (e == NULL) return am_diag(c->d, AM_EINVAL, "%s: %s: unclosed '{' (write {{ for a literal brace)", c->file, path);
    size_t len = (size_t)(e - p - 1);
    int known = 0;
    for (size_t i = 0; placeholders[i]; i++)
      if (strlen(placeholders[i]) == len && strncmp(placeholders[i], p + 1, len) == 0) known = 1;
    if (!known)
      return am_diag(c->d, AM_EINVAL, "%s: %s: unknown placeholder {%.*s}; expected {n}, {dir}, {work} or {port}",
                     c->file, path, (int)(len > 40 ? 40 : len), p + 1);
    if (!port_ok && len == 4 && strncmp(p + 1, "port", 4) == 0)
      return am_diag(c->d, AM_EINVAL, "%s: %s: {port} is only defined when the program has a `server`", c->file, path);
    p = e;
  }
  return 0;
}

/* An argv: a non-empty array of strings (first one non-empty). */
static int parse_argv(am_pctx_t *c, const cJSON *v, const char *path, int port_ok, am_argv_t *out) {
  char want[96];
  snprintf(want, sizeof want, "an array of 1 to %d strings (the program and its arguments)", AM_PROG_MAX_ARGS);
  if (!cJSON_IsArray(v)) return am_j_bad(c, path, want, v, 0);
  int n = cJSON_GetArraySize(v);
  if (n < 1 || n > AM_PROG_MAX_ARGS) return am_j_bad(c, path, want, v, 1);
  size_t i = 0;
  for (const cJSON *e = v->child; e != NULL; e = e->next, i++) {
    char sub[AM_PATH_MAX];
    am_j_index(sub, path, i);
    if (!cJSON_IsString(e) || strlen(e->valuestring) > 4000) return am_j_bad(c, sub, "a string of at most 4000 bytes", e, 0);
    if (i == 0 && e->valuestring[0] == '\0') return am_j_bad(c, sub, "a program name or path", e, 0);
    int rc = check_placeholders(c, e->valuestring, sub, port_ok);
    if (rc != 0) return rc;
    out->v[i] = e->valuestring;
  }
  out->n = i;
  out->v[i] = NULL;
  return 0;
}

static int parse_regex(am_pctx_t *c, const cJSON *obj, const char *key, const char *parent, int need_group,
                       const char **out) {
  char path[AM_PATH_MAX];
  am_j_path(path, parent, key);
  int rc = am_j_string(c, obj, key, parent, 1000, 0, NULL, out);
  if (rc != 0 || *out == NULL) return rc;
  regex_t re;
  int e = regcomp(&re, *out, REG_EXTENDED | REG_NEWLINE);
  if (e != 0) {
    char msg[128];
    regerror(e, &re, msg, sizeof msg);
    return am_diag(c->d, AM_EINVAL, "%s: %s: expected a POSIX extended regular expression, got \"%.40s\" (%s)", c->file,
                   path, *out, msg);
  }
  size_t groups = re.re_nsub;
  regfree(&re);
  if (need_group && groups < 1)
    return am_diag(c->d, AM_EINVAL, "%s: %s: expected a regular expression with a (group) around the number", c->file, path);
  return 0;
}

static int parse_server(am_pctx_t *c, const cJSON *v, am_progfile_t *p) {
  static const char *const keys[] = {"command", "ready_timeout", "client_preload", NULL};
  int rc = am_j_object(c, v, "server", keys);
  if (rc != 0) return rc;
  if ((rc = parse_argv(c, am_j_get(v, "command"), "server.command", 1, &p->server)) != 0) return rc;
  int has_port = 0;
  for (size_t i = 0; i < p->server.n; i++) has_port |= strstr(p->server.v[i], "{port}") != NULL;
  if (!has_port)
    return am_diag(c->d, AM_EINVAL, "%s: server.command: expected {port} in some argument (the harness waits for "
                   "127.0.0.1:{port} to accept connections)", c->file);
  if ((rc = am_j_num(c, v, "ready_timeout", "server", 0, 600, 1, 0, 10, &p->server_ready_s)) != 0) return rc;
  const cJSON *cp = am_j_get(v, "client_preload");
  if (cp != NULL && !cJSON_IsBool(cp)) return am_j_bad(c, "server.client_preload", "true or false", cp, 0);
  p->client_preload = cJSON_IsTrue(cp);
  return 0;
}

static int parse_env(am_pctx_t *c, const cJSON *v, am_progfile_t *p, int port_ok) {
  char want[64];
  snprintf(want, sizeof want, "an object of at most %d NAME: \"value\" pairs", AM_PROG_MAX_ENV);
  if (!cJSON_IsObject(v)) return am_j_bad(c, "env", want, v, 0);
  for (const cJSON *m = v->child; m != NULL; m = m->next) {
    char path[AM_PATH_MAX];
    am_j_path(path, "env", m->string);
    const char *k = m->string;
    int ok = (k[0] == '_' || (k[0] >= 'A' && k[0] <= 'Z') || (k[0] >= 'a' && k[0] <= 'z')) && strlen(k) <= 128;
    for (const char *s = k; ok && *s; s++)
      ok = *s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9');
    if (!ok) return am_diag(c->d, AM_EINVAL, "%s: %s: expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*)", c->file, path);
    if (strcmp(k, "LD_PRELOAD") == 0 || strcmp(k, "LD_DEBUG") == 0 || strcmp(k, "LD_DEBUG_OUTPUT") == 0)
      return am_diag(c->d, AM_EINVAL, "%s: %s: set by the harness (it preloads the backend), not by a program file", c->file, path);
    for (const cJSON *o = v->child; o != m; o = o->next)
      if (strcmp(o->string, k) == 0) return am_diag(c->d, AM_EINVAL, "%s: %s: duplicate key", c->file, path);
    if (p->n_env == AM_PROG_MAX_ENV) return am_j_bad(c, "env", want, v, 1);
    if (!cJSON_IsString(m) || strlen(m->valuestring) > 4000) return am_j_bad(c, path, "a string of at most 4000 bytes", m, 0);
    int rc = check_placeholders(c, m->valuestring, path, port_ok);
    if (rc != 0) return rc;
    p->env_k[p->n_env] = k;
    p->env_v[p->n_env++] = m->valuestring;
  }
  return 0;
}

static int parse_packages(am_pctx_t *c, const cJSON *v, am_progfile_t *p) {
  char want[96];
  snprintf(want, sizeof want, "an array of at most %d Debian package names", AM_PROG_MAX_PACKAGES);
  if (v == NULL) return 0;
  if (!cJSON_IsArray(v)) return am_j_bad(c, "packages", want, v, 0);
  if (cJSON_GetArraySize(v) > AM_PROG_MAX_PACKAGES) return am_j_bad(c, "packages", want, v, 1);
  size_t i = 0;
  for (const cJSON *e = v->child; e != NULL; e = e->next, i++) {
    char sub[AM_PATH_MAX];
    am_j_index(sub, "packages", i);
    int ok = cJSON_IsString(e) && e->valuestring[0] >= 'a' && e->valuestring[0] <= 'z' && strlen(e->valuestring) <= 100;
    for (const char *s = ok ? e->valuestring : ""; ok && *s; s++)
      ok = (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' || *s == '+' || *s == '-';
    if (!ok) return am_j_bad(c, sub, "a Debian package name (a-z 0-9 . + -, starting with a letter)", e, 0);
    p->packages[p->n_packages++] = e->valuestring;
  }
  return 0;
}

static int parse_check(am_pctx_t *c, const cJSON *v, am_progfile_t *p) {
  static const char *const keys[] = {"stdout", "ignore", "exit", "contains", NULL};
  static const char *const modes[] = {"identical", "ignore", NULL};
  p->check_stdout = 1;
  if (v == NULL) return 0;
  int rc = am_j_object(c, v, "check", keys), mode;
  if (rc != 0) return rc;
  if ((rc = am_j_enum(c, v, "stdout", "check", modes, 0, 0, &mode)) != 0) return rc;
  p->check_stdout = mode == 0;
  if ((rc = parse_regex(c, v, "ignore", "check", 0, &p->check_ignore)) != 0) return rc;
  uint64_t x;
  if ((rc = am_j_uint(c, v, "exit", "check", 0, 255, 0, 0, &x)) != 0) return rc;
  p->check_exit = (int)x;
  return am_j_string(c, v, "contains", "check", 1000, 0, NULL, &p->check_contains);
}

static int parse_figure(am_pctx_t *c, const cJSON *v, am_progfile_t *p) {
  static const char *const keys[] = {"regex", "unit", "better", "combine", NULL};
  static const char *const better[] = {"higher", "lower", NULL};
  static const char *const combine[] = {"mean", "sum", "first", "last", NULL};
  if (v == NULL) return 0;
  int rc = am_j_object(c, v, "figure", keys), b, cb;
  if (rc != 0) return rc;
  if ((rc = parse_regex(c, v, "regex", "figure", 1, &p->fig_regex)) != 0) return rc;
  if (p->fig_regex == NULL) return am_j_bad(c, "figure.regex", "a regular expression with a (group) around the number", NULL, 0);
  if ((rc = am_j_string(c, v, "unit", "figure", 40, 0, "", &p->fig_unit)) != 0) return rc;
  if ((rc = am_j_enum(c, v, "better", "figure", better, 0, 0, &b)) != 0) return rc;
  p->fig_higher_better = b == 0;
  if ((rc = am_j_enum(c, v, "combine", "figure", combine, 0, 0, &cb)) != 0) return rc;
  p->fig_combine = (am_fig_combine_t)cb;
  return 0;
}

static int parse_root(am_pctx_t *c, const cJSON *root, am_progfile_t *p) {
  static const char *const keys[] = {"format", "name", "description", "packages", "command", "setup", "server",
                                     "env", "stdin", "n", "quick", "repetitions", "timeout", "check", "figure", NULL};
  int rc = am_j_object(c, root, "", keys);
  if (rc != 0) return rc;
  const cJSON *f = am_j_get(root, "format");
  if (!cJSON_IsString(f) || strcmp(f->valuestring, AM_PROGRAM_FORMAT) != 0)
    return am_j_bad(c, "format", "\"" AM_PROGRAM_FORMAT "\"", f, 0);
  if (am_j_get(root, "name") == NULL) return am_j_bad(c, "name", "a name of 1 to 64 characters from A-Z a-z 0-9 . _ -", NULL, 0);
  if ((rc = am_j_string(c, root, "name", "", 64, 1, NULL, &p->name)) != 0) return rc;
  if ((rc = am_j_string(c, root, "description", "", 4096, 0, "", &p->description)) != 0) return rc;
  if ((rc = parse_packages(c, am_j_get(root, "packages"), p)) != 0) return rc;
  const cJSON *server = am_j_get(root, "server");
  int port_ok = server != NULL;
  if ((rc = parse_argv(c, am_j_get(root, "command"), "command", port_ok, &p->command)) != 0) return rc;
  const cJSON *v;
  if ((v = am_j_get(root, "setup")) != NULL && (rc = parse_argv(c, v, "setup", 0, &p->setup)) != 0) return rc;
  if (server != NULL && (rc = parse_server(c, server, p)) != 0) return rc;
  if ((v = am_j_get(root, "env")) != NULL && (rc = parse_env(c, v, p, port_ok)) != 0) return rc;
  if ((rc = am_j_string(c, root, "stdin", "", 4000, 0, NULL, &p->stdin_file)) != 0) return rc;
  if (p->stdin_file != NULL) {
    if (p->stdin_file[0] == '\0') return am_j_bad(c, "stdin", "a file path (relative to {work})", am_j_get(root, "stdin"), 0);
    if ((rc = check_placeholders(c, p->stdin_file, "stdin", port_ok)) != 0) return rc;
  }
  if ((rc = am_j_uint(c, root, "n", "", 1, AM_PROG_MAX_N, 0, 1, &p->n)) != 0) return rc;
  if ((rc = am_j_num(c, root, "quick", "", 0, 1, 1, 0, 0.1, &p->quick)) != 0) return rc;
  uint64_t x;
  if ((rc = am_j_uint(c, root, "repetitions", "", 1, 1000, 0, 5, &x)) != 0) return rc;
  p->repetitions = (unsigned)x;
  if ((rc = am_j_num(c, root, "timeout", "", 0, 86400, 1, 0, 120, &p->timeout_s)) != 0) return rc;
  if ((rc = parse_check(c, am_j_get(root, "check"), p)) != 0) return rc;
  return parse_figure(c, am_j_get(root, "figure"), p);
}

static int read_file(const char *path, char **buf, size_t *len, am_diag_t *d) {
  return am_file_read(path, PROG_MAX_FILE, buf, len, d);
}

int am_progfile_parse(const char *path, const char *text, size_t len, am_progfile_t **out, am_diag_t *d) {
  *out = NULL;
  am_progfile_t *p = calloc(1, sizeof *p);
  if (p == NULL) return am_diag(d, AM_ENOMEM, "%s: out of memory", path);
  snprintf(p->path, sizeof p->path, "%s", path);
  am_sha256_hex(text, len, p->sha256);
  char abs[PATH_MAX];
  if (realpath(path, abs) == NULL) snprintf(abs, sizeof abs, "%s", path);
  char *slash = strrchr(abs, '/');
  if (slash != NULL) *slash = '\0';
  snprintf(p->dir, sizeof p->dir, "%s", slash == NULL ? "." : abs[0] ? abs : "/");
  am_pctx_t c = {path, d, NULL};
  int rc = am_json_parse(path, text, len, &p->root, d); /* json_io.h: line:col errors */
  if (rc == 0) rc = parse_root(&c, p->root, p);
  if (rc != 0) { am_progfile_free(p); return rc; }
  *out = p;
  return 0;
}

int am_progfile_load(const char *path, am_progfile_t **out, am_diag_t *d) {
  *out = NULL;
  char *text;
  size_t len;
  int rc = read_file(path, &text, &len, d);
  if (rc != 0) return rc;
  rc = am_progfile_parse(path, text, len, out, d);
  free(text);
  return rc;
}

void am_progfile_free(am_progfile_t *p) {
  if (p == NULL) return;
  cJSON_Delete(p->root);
  free(p);
}

int am_progfile_sniff(const char *path) {
  char *text;
  size_t len;
  am_diag_t d;
  if (read_file(path, &text, &len, &d) != 0) return 0;
  cJSON *root = cJSON_ParseWithLength(text, len);
  free(text);
  const cJSON *f = cJSON_GetObjectItemCaseSensitive(root, "format");
  int yes = cJSON_IsString(f) && strncmp(f->valuestring, "allocmark-program", 17) == 0;
  cJSON_Delete(root);
  return yes;
}

uint64_t am_progfile_n(const am_progfile_t *p, int quick) {
  if (!quick) return p->n;
  double q = round((double)p->n * p->quick);
  return q < 1 ? 1 : (uint64_t)q;
}

int am_progfile_expand(const char *s, const am_prog_vars_t *v, char *buf, size_t cap) {
  size_t o = 0;
  for (const char *p = s; *p; p++) {
    char tmp[32];
    const char *ins = NULL;
    if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) { tmp[0] = *p; tmp[1] = '\0'; ins = tmp; p++; }
    else if (strncmp(p, "{n}", 3) == 0) { snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v->n); ins = tmp; p += 2; }
    else if (strncmp(p, "{dir}", 5) == 0) { ins = v->dir ? v->dir : "."; p += 4; }
    else if (strncmp(p, "{work}", 6) == 0) { ins = v->work ? v->work : "."; p += 5; }
    else if (strncmp(p, "{port}", 6) == 0) { snprintf(tmp, sizeof tmp, "%u", v->port); ins = tmp; p += 5; }
    if (ins == NULL) {
      if (o + 1 >= cap) return -1;
      buf[o++] = *p;
      continue;
    }
    size_t l = strlen(ins);
    if (o + l >= cap) return -1;
    memcpy(buf + o, ins, l);
    o += l;
  }
  if (o >= cap) return -1;
  buf[o] = '\0';
  return 0;
}

double am_progfile_figure(const am_progfile_t *p, const char *text) {
  if (p->fig_regex == NULL || text == NULL) return NAN;
  regex_t re;
  if (regcomp(&re, p->fig_regex, REG_EXTENDED | REG_NEWLINE) != 0) return NAN;
  double acc = 0, last = NAN, first = NAN;
  size_t n = 0;
  regmatch_t m[2];
  const char *s = text;
  while (regexec(&re, s, 2, m, s == text ? 0 : REG_NOTBOL) == 0) {
    if (m[1].rm_so >= 0) {
      char num[64];
      size_t l = (size_t)(m[1].rm_eo - m[1].rm_so);
      snprintf(num, sizeof num, "%.*s", (int)(l < 63 ? l : 63), s + m[1].rm_so);
      char *end;
      double x = strtod(num, &end);
      if (end != num && isfinite(x)) {
        if (n == 0) first = x;
        last = x;
        acc += x;
        n++;
      }
    }
    if (m[0].rm_eo == 0) { if (*s == '\0') break; s++; } else s += m[0].rm_eo;
  }
  regfree(&re);
  if (n == 0) return NAN;
  switch (p->fig_combine) {
    case AM_FIG_SUM: return acc;
    case AM_FIG_FIRST: return first;
    case AM_FIG_LAST: return last;
    default: return acc / (double)n;
  }
}

void am_progfile_output_sha256(const am_progfile_t *p, const char *text, size_t len, char hex[65]) {
  regex_t re;
  int have = p->check_ignore != NULL && regcomp(&re, p->check_ignore, REG_EXTENDED | REG_NOSUB) == 0;
  am_sha256_t c;
  am_sha256_init(&c);
  size_t i = 0;
  while (i < len) {
    const char *nl = memchr(text + i, '\n', len - i);
    size_t e = nl ? (size_t)(nl - text) + 1 : len;
    int drop = 0;
    if (have) {
      char line[4096];
      size_t l = e - i;
      snprintf(line, sizeof line, "%.*s", (int)(l < sizeof line - 1 ? l : sizeof line - 1), text + i);
      line[strcspn(line, "\n")] = '\0';
      drop = regexec(&re, line, 0, NULL, 0) == 0;
    }
    if (!drop) am_sha256_update(&c, text + i, e - i);
    i = e;
  }
  if (have) regfree(&re);
  uint8_t dg[32];
  am_sha256_final(&c, dg);
  for (int k = 0; k < 32; k++) snprintf(hex + 2 * k, 3, "%02x", dg[k]);
}
