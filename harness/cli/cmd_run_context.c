/* harness/cli/cmd_run_context.c — the `context` block of a results file: where, when
 * and how the numbers were taken. Compiler, flags and build type come from CMake as
 * compile definitions (harness/CMakeLists.txt); the git commit and dirty flag are
 * read at run time with `git -C <source dir>` (so they describe the source tree now,
 * which matches the binary only if it was rebuilt after the last change). */
#include <gnu/libc-version.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <cJSON.h>
#include "cli.h"
#include "cmd_run.h"
#include "results.h"

#ifndef AM_C_COMPILER
#define AM_C_COMPILER "unknown"
#endif
#ifndef AM_C_FLAGS
#define AM_C_FLAGS "unknown"
#endif
#ifndef AM_BUILD_TYPE
#define AM_BUILD_TYPE "unknown"
#endif
#ifndef AM_SANITIZE_FLAGS
#define AM_SANITIZE_FLAGS ""
#endif

/* First line of a file, trimmed; "" when unreadable. */
static void read_line(const char *path, char *buf, size_t cap) {
  buf[0] = '\0';
  FILE *f = fopen(path, "r");
  if (f == NULL) return;
  if (fgets(buf, (int)cap, f) == NULL) buf[0] = '\0';
  fclose(f);
  buf[strcspn(buf, "\n")] = '\0';
}

/* Value of "key<spaces>: value" in a /proc file. */
static void proc_field(const char *path, const char *key, char *buf, size_t cap) {
  buf[0] = '\0';
  FILE *f = fopen(path, "r");
  if (f == NULL) return;
  char line[1024];
  size_t kl = strlen(key);
  while (fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, key, kl) != 0) continue;
    char *c = strchr(line + kl, ':');
    if (c == NULL) continue;
    c++;
    while (*c == ' ' || *c == '\t') c++;
    c[strcspn(c, "\n")] = '\0';
    snprintf(buf, cap, "%s", c);
    break;
  }
  fclose(f);
}

/* Output of a shell command, first line; -1 when it failed. */
static int run_cmd(const char *cmd, char *buf, size_t cap) {
  buf[0] = '\0';
  FILE *p = popen(cmd, "r");
  if (p == NULL) return -1;
  if (fgets(buf, (int)cap, p) == NULL) buf[0] = '\0';
  char sink[256];
  while (fgets(sink, sizeof sink, p) != NULL) {}
  int st = pclose(p);
  buf[strcspn(buf, "\n")] = '\0';
  return st == 0 ? 0 : -1;
}

static void add_str(cJSON *o, const char *k, const char *v) {
  if (v != NULL && v[0] != '\0') cJSON_AddStringToObject(o, k, v);
  else cJSON_AddNullToObject(o, k);
}

cJSON *am_run_context(const am_run_opts_t *opt) {
  cJSON *c = cJSON_CreateObject();
  char buf[1024], cmd[4300];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  cJSON_AddStringToObject(c, "date_utc", buf);
  struct utsname u;
  if (uname(&u) == 0) {
    cJSON_AddStringToObject(c, "host", u.nodename);
    cJSON_AddStringToObject(c, "kernel", u.release);
    cJSON_AddStringToObject(c, "kernel_version", u.version);
    cJSON_AddStringToObject(c, "arch", u.machine);
  }
  proc_field("/proc/cpuinfo", "model name", buf, sizeof buf);
  add_str(c, "cpu_model", buf);
  cJSON_AddNumberToObject(c, "cores_online", (double)sysconf(_SC_NPROCESSORS_ONLN));
  cJSON_AddNumberToObject(c, "cores_configured", (double)sysconf(_SC_NPROCESSORS_CONF));
  am_json_add_num(c, "memory_bytes", (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE));
  snprintf(buf, sizeof buf, "glibc %s", gnu_get_libc_version());
  cJSON_AddStringToObject(c, "libc", buf);
  cJSON_AddStringToObject(c, "compiler", AM_C_COMPILER);
  cJSON_AddStringToObject(c, "compiler_flags", AM_C_FLAGS);
  cJSON_AddStringToObject(c, "build_type", AM_BUILD_TYPE);
  add_str(c, "sanitizers", AM_SANITIZE_FLAGS);
  snprintf(cmd, sizeof cmd, "git -C '%s' rev-parse HEAD 2>/dev/null", AM_SOURCE_DIR);
  if (run_cmd(cmd, buf, sizeof buf) == 0 && buf[0]) {
    cJSON_AddStringToObject(c, "git_commit", buf);
    snprintf(cmd, sizeof cmd, "git -C '%s' status --porcelain --untracked-files=no 2>/dev/null", AM_SOURCE_DIR);
    int ok = run_cmd(cmd, buf, sizeof buf) == 0;
    if (ok) cJSON_AddBoolToObject(c, "git_dirty", buf[0] != '\0');
    else cJSON_AddNullToObject(c, "git_dirty");
  } else {
    cJSON_AddNullToObject(c, "git_commit");
    cJSON_AddNullToObject(c, "git_dirty");
  }
  cJSON_AddStringToObject(c, "git_source", "read at run time: git -C <source dir> rev-parse HEAD / status --porcelain");
  cJSON_AddStringToObject(c, "source_dir", AM_SOURCE_DIR);
  read_line("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof buf);
  add_str(c, "thp_enabled", buf);
  read_line("/sys/kernel/mm/transparent_hugepage/defrag", buf, sizeof buf);
  add_str(c, "thp_defrag", buf);
  read_line("/proc/sys/vm/overcommit_memory", buf, sizeof buf);
  add_str(c, "overcommit_memory", buf);
  read_line("/proc/sys/kernel/perf_event_paranoid", buf, sizeof buf);
  add_str(c, "perf_event_paranoid", buf);
  read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", buf, sizeof buf);
  add_str(c, "cpu_governor", buf);
  cJSON *cl = cJSON_AddArrayToObject(c, "command_line");
  for (int i = 0; i < opt->argc; i++) cJSON_AddItemToArray(cl, cJSON_CreateString(opt->argv[i]));
  cJSON *o = cJSON_AddObjectToObject(c, "options");
  cJSON_AddBoolToObject(o, "quick", opt->quick);
  if (opt->latency) cJSON_AddNumberToObject(o, "latency_every", opt->latency);
  else cJSON_AddNullToObject(o, "latency_every");
  am_json_add_num(o, "timeout_s", opt->timeout_s);
  am_json_add_num(o, "max_memory_bytes", (double)opt->max_memory);
  if (opt->warmup >= 0) cJSON_AddNumberToObject(o, "warmup", (double)opt->warmup);
  else cJSON_AddNullToObject(o, "warmup");
  cJSON_AddBoolToObject(o, "hw_counters", !opt->no_hw);
  if (opt->chunk_ops) am_json_add_u64(o, "chunk_ops", opt->chunk_ops);
  else cJSON_AddNullToObject(o, "chunk_ops");
  cJSON_AddStringToObject(o, "order", opt->order_random ? "repetitions interleaved across backends, a seeded random order each round"
                                                         : "repetitions interleaved across backends, rotated each repetition");
  if (opt->order_random) am_json_add_u64(o, "order_seed", opt->order_seed);
  cJSON_AddStringToObject(o, "schedule", opt->schedule_grouped ? "grouped" : "spread");
  add_str(o, "pin", opt->pin);
  cJSON_AddStringToObject(o, "aslr", opt->aslr == 1 ? "off" : opt->aslr == 2 ? "on" : "as the system");
  cJSON_AddNumberToObject(o, "env_pad_bytes", (double)opt->env_pad);
  cJSON_AddBoolToObject(o, "noise_floor", opt->noise_floor);
  cJSON_AddStringToObject(o, "measure", opt->measure_cache ? "time,instructions,cache"
                                        : opt->measure_instructions ? "time,instructions" : "time");
  return c;
}
