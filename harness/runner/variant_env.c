/* harness/runner/variant_env.c — proof that a variant's environment is in effect.
 *
 * The driver runs a variant (`-b 'BASE+VAR=VALUE'`, or a file under
 * harness/backends/variants/) with its variables set and their names in AM_VARIANT_ENV
 * (comma-separated). Before the runner measures anything, each variable is read back:
 *   1. the backend's own env_check hook (am_backend_t.env_check, in the backend's file),
 *      where the allocator can report its settings through its own introspection: in
 *      effect, or an error naming what it holds instead;
 *   2. GLIBC_TUNABLES, in any runner: glibc's own parser, asked through
 *      `ld.so --list-tunables` run with this process's environment (glibc has no public
 *      call to read a tunable): every tunable must exist and hold the value given;
 *   3. any other variable: some loaded object must contain its name (allocators read
 *      their variables by literal name), or it is a typo that nothing reads: an error.
 *      Found, it is recorded as read by that object but not verified (null).
 * The result is an array of {name, value, read_back, verified, how} for info and every
 * sample; a variable not in effect makes the runner fail with one line saying why. */
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cJSON.h>
#include "runner.h"

extern char **environ;

/* ld.so's path: the object loaded at the interpreter's base address. */
static const char *loader_path(void) {
  Dl_info dl;
  void *base = (void *)getauxval(AT_BASE);
  return (base != NULL && dladdr(base, &dl) != 0 && dl.dli_fname != NULL) ? dl.dli_fname : NULL;
}

/* `ld.so --list-tunables` into out (NUL-terminated); 0 or -1. */
static int list_tunables(char *out, size_t cap) {
  const char *ld = loader_path();
  int fd[2];
  if (ld == NULL || pipe2(fd, O_CLOEXEC) != 0) return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
  char *argv[] = {(char *)ld, (char *)"--list-tunables", NULL};
  pid_t pid;
  int e = posix_spawn(&pid, ld, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fd[1]);
  size_t n = 0;
  ssize_t k;
  while (e == 0 && n + 1 < cap && (k = read(fd[0], out + n, cap - 1 - n)) > 0) n += (size_t)k;
  out[n] = '\0';
  close(fd[0]);
  int st = 0;
  if (e == 0) waitpid(pid, &st, 0);
  return (e == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && n > 0) ? 0 : -1;
}

/* GLIBC_TUNABLES=name=value:name=value: each tunable exists and holds its value. */
static int check_tunables(const char *value, char *got, size_t cap) {
  static char list[65536] = "\n"; /* a newline first: every line then starts with one */
  if (list_tunables(list + 1, sizeof list - 1) != 0) return snprintf(got, cap, "cannot run ld.so --list-tunables"), -1;
  char items[512];
  snprintf(items, sizeof items, "%s", value);
  size_t o = 0;
  got[0] = '\0';
  for (char *save = NULL, *it = strtok_r(items, ":", &save); it != NULL; it = strtok_r(NULL, ":", &save)) {
    char *eq = strchr(it, '=');
    if (eq == NULL) return snprintf(got, cap, "'%s' is not name=value", it), 0;
    *eq = '\0';
    char key[160];
    snprintf(key, sizeof key, "\n%s: ", it);
    const char *line = strstr(list, key);
    if (line == NULL) return snprintf(got, cap, "glibc has no tunable '%s' (ld.so --list-tunables)", it), 0;
    const char *v = line + strlen(key);
    char held[64];
    size_t hn = strcspn(v, " \n");
    snprintf(held, sizeof held, "%.*s", (int)(hn < sizeof held ? hn : sizeof held - 1), v);
    char *e1, *e2;
    unsigned long long want = strtoull(eq + 1, &e1, 0), have = strtoull(held, &e2, 0);
    int same = (*e1 == '\0' && eq[1] != '\0' && *e2 == '\0') ? want == have : strcmp(eq + 1, held) == 0;
    if (!same) return snprintf(got, cap, "glibc holds %s=%s, not %s (out of its range?)", it, held, eq + 1), 0;
    o += (size_t)snprintf(got + o, o < cap ? cap - o : 0, "%s%s=%s", o ? ":" : "", it, held);
  }
  return 1;
}

/* Which loaded object's file contains the bytes of `name`: its path into where; 0 none. */
typedef struct scan_s { const char *name; char where[256]; } scan_t;
static int file_has(const char *path, const char *name) {
  int fd = open(path, O_RDONLY | O_CLOEXEC), hit = 0;
  struct stat st;
  if (fd < 0) return 0;
  if (fstat(fd, &st) == 0 && st.st_size > 0) {
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m != MAP_FAILED) {
      hit = memmem(m, (size_t)st.st_size, name, strlen(name)) != NULL;
      munmap(m, (size_t)st.st_size);
    }
  }
  close(fd);
  return hit;
}
static int scan_one(struct dl_phdr_info *info, size_t size, void *arg) {
  scan_t *s = arg;
  (void)size;
  const char *path = (info->dlpi_name != NULL && info->dlpi_name[0] == '/') ? info->dlpi_name : NULL;
  if (path == NULL || !file_has(path, s->name)) return 0;
  snprintf(s->where, sizeof s->where, "%s", path);
  return 1;
}

/* One variable: 1 in effect, 0 not (why in got), -1 read by something that cannot say. */
static int check_one(const am_backend_t *b, const char *name, const char *value, char *got, size_t cap,
                     const char **how) {
  int rc = b->env_check != NULL ? b->env_check(name, value, got, cap) : -1;
  if (rc >= 0) { *how = "the allocator's own report"; return rc; }
  if (strcmp(name, "GLIBC_TUNABLES") == 0) {
    *how = "ld.so --list-tunables in this environment";
    rc = check_tunables(value, got, cap);
    if (rc >= 0) return rc;
  }
  scan_t s = {name, ""};
  dl_iterate_phdr(scan_one, &s);
  if (s.where[0] == '\0') return snprintf(got, cap, "no library in this process reads %s (a typo?)", name), 0;
  *how = "not reported by the allocator";
  snprintf(got, cap, "read by %s", s.where);
  return -1;
}

static cJSON *checked; /* the last check's array, for the samples */
const cJSON *am_variant_env_result(void) { return checked; }

int am_variant_env_check(const am_backend_t *b, cJSON **out, char *why, size_t cap) {
  const char *names = getenv("AM_VARIANT_ENV");
  *out = NULL;
  if (names == NULL || names[0] == '\0') return 0;
  char list[2048];
  snprintf(list, sizeof list, "%s", names);
  cJSON *arr = cJSON_CreateArray();
  for (char *save = NULL, *n = strtok_r(list, ",", &save); n != NULL; n = strtok_r(NULL, ",", &save)) {
    const char *value = getenv(n), *how = "";
    char got[512] = "";
    if (value == NULL) {
      snprintf(why, cap, "variant: %s is not set in the runner's environment", n);
      cJSON_Delete(arr);
      return -1;
    }
    int rc = check_one(b, n, value, got, sizeof got, &how);
    if (rc == 0) {
      snprintf(why, cap, "variant: %s=%s is not in effect: %s", n, value, got);
      cJSON_Delete(arr);
      return -1;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", n);
    cJSON_AddStringToObject(o, "value", value);
    cJSON_AddStringToObject(o, "read_back", got);
    if (rc == 1) cJSON_AddTrueToObject(o, "verified"); else cJSON_AddNullToObject(o, "verified");
    cJSON_AddStringToObject(o, "how", how);
    cJSON_AddItemToArray(arr, o);
  }
  *out = checked = arr;
  return 0;
}
