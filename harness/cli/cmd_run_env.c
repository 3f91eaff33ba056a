/* harness/cli/cmd_run_env.c — what around a run can bias it, recorded and warned about,
 * and the run options that control it (Mytkowicz et al., ASPLOS 2009; google/benchmark's
 * reducing_variance.md; BenchExec):
 *
 *   context.environment   governor and boost, SMT, ASLR, THP, VM, load average, CPU
 *                         steal and other processes' CPU use before the run (`before`),
 *                         and per results file over its pattern's runs (`during`), and
 *                         `warnings[]`: each condition that can move the figures, in words.
 *                         Warnings also go to stderr; `allocmark report` shows them.
 *   --pin CPUS            single-threaded repetitions pinned to the first CPU of the
 *                         list, multi-threaded ones given the whole list (sched_setaffinity
 *                         on the driver just before it execs the runner, which inherits it)
 *   --order random --order-seed N   each round's backend order a seeded permutation
 *                         instead of the rotation A B C, B C A, ...
 *   --schedule spread|grouped   rounds of all workloads interleaved (pass r runs round r
 *                         of each; default), or each workload's rounds back to back
 *   --aslr off|on         personality(ADDR_NO_RANDOMIZE) set or cleared for the runner
 *   --env-pad BYTES       AM_ENV_PAD=<BYTES x 'x'> in the runner's environment: moves its
 *                         stack, the layout bias Mytkowicz et al. measured
 *   --noise-floor         every backend twice, as NAME and NAME#2, interleaved: comparing
 *                         the two (allocmark compare R --backend NAME#2 --vs NAME) is the
 *                         noise floor of this machine now; printed at the end of the run */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <unistd.h>
#include <cJSON.h>
#include "am_args.h"
#include "cli.h"
#include "cmd_run.h"
#include "compare.h"
#include "results.h"
#include "rng.h"

/* ---- options ---- */

static int opt_error(const char *what, const char *v) {
  fprintf(stderr, "allocmark run: %s: bad value '%s' (try allocmark run --help)\n", what, v);
  return -1;
}

/* "0-3,6" into a mask; 0 or -1. */
static int parse_cpus(const char *s, cpu_set_t *set, unsigned *first, unsigned *count) {
  CPU_ZERO(set);
  *count = 0;
  *first = 0;
  const char *p = s;
  if (*p == '\0') return -1;
  while (*p) {
    char *end;
    long a = strtol(p, &end, 10), b = a;
    if (end == p || a < 0 || a >= CPU_SETSIZE) return -1;
    p = end;
    if (*p == '-') {
      b = strtol(p + 1, &end, 10);
      if (end == p + 1 || b < a || b >= CPU_SETSIZE) return -1;
      p = end;
    }
    for (long c = a; c <= b; c++) {
      if (!CPU_ISSET(c, set) && (*count)++ == 0) *first = (unsigned)c;
      CPU_SET(c, set);
    }
    if (*p == ',') p++;
    else if (*p != '\0') return -1;
  }
  return 0;
}

int am_env_parse_opt(int argc, char **argv, int *i, am_run_opts_t *o) {
  const char *v;
  if (strcmp(argv[*i], "--noise-floor") == 0) { o->noise_floor = 1; return 1; }
  if ((v = am_opt_value(argc, argv, i, "--pin", NULL)) != NULL) {
    cpu_set_t set, online;
    unsigned first, n;
    if (parse_cpus(v, &set, &first, &n) != 0) return opt_error("--pin", v);
    if (sched_getaffinity(0, sizeof online, &online) == 0)
      for (unsigned c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set) && !CPU_ISSET(c, &online)) return opt_error("--pin (CPU not available to this process)", v);
    o->pin = v;
    return 1;
  }
  if ((v = am_opt_value(argc, argv, i, "--order", NULL)) != NULL) {
    if (strcmp(v, "random") == 0) o->order_random = 1;
    else if (strcmp(v, "rotate") == 0) o->order_random = 0;
    else return opt_error("--order (random or rotate)", v);
    return 1;
  }
  if ((v = am_opt_value(argc, argv, i, "--schedule", NULL)) != NULL) {
    if (strcmp(v, "spread") == 0) o->schedule_grouped = 0;
    else if (strcmp(v, "grouped") == 0) o->schedule_grouped = 1;
    else return opt_error("--schedule (spread or grouped)", v);
    return 1;
  }
  if ((v = am_opt_value(argc, argv, i, "--order-seed", NULL)) != NULL) {
    if (am_parse_u64(v, UINT64_MAX, &o->order_seed) != 0) return opt_error("--order-seed", v);
    return 1;
  }
  if ((v = am_opt_value(argc, argv, i, "--aslr", NULL)) != NULL) {
    if (strcmp(v, "off") == 0) o->aslr = 1;
    else if (strcmp(v, "on") == 0) o->aslr = 2;
    else return opt_error("--aslr (off or on)", v);
    return 1;
  }
  if ((v = am_opt_value(argc, argv, i, "--env-pad", NULL)) != NULL) {
    uint64_t x;
    if (am_parse_u64(v, 1u << 20, &x) != 0) return opt_error("--env-pad (0..1048576 bytes)", v);
    o->env_pad = (size_t)x;
    return 1;
  }
  return 0;
}

size_t am_run_order(const am_run_opts_t *o, size_t j, unsigned r, size_t round) {
  size_t n = o->n_backends;
  if (!o->order_random) return (j + r) % n;
  size_t perm[AM_RUN_MAX_BACKENDS];
  for (size_t k = 0; k < n; k++) perm[k] = k;
  uint64_t x = o->order_seed ^ (0x9E3779B97F4A7C15ull * (round + 1));
  for (size_t k = n - 1; k > 0; k--) { /* Fisher-Yates, splitmix64 (rng.h) */
    size_t m = (size_t)(am_splitmix64(&x) % (k + 1));
    size_t t = perm[k]; perm[k] = perm[m]; perm[m] = t;
  }
  return perm[j];
}

/* ---- around one spawn ---- */

int am_env_spawn_begin(const am_run_opts_t *o, unsigned threads, am_spawn_env_t *s, cJSON *note) {
  memset(s, 0, sizeof s[0]);
  s->pers = -1;
  if (o->pin != NULL) {
    cpu_set_t set, one;
    unsigned first, n;
    parse_cpus(o->pin, &set, &first, &n);
    if (sched_getaffinity(0, sizeof s->saved, &s->saved) == 0) s->have_saved = 1;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    if (sched_setaffinity(0, sizeof set, threads == 1 ? &one : &set) != 0) return -errno;
    char buf[32];
    snprintf(buf, sizeof buf, "%u", first);
    cJSON_AddStringToObject(note, "cpus", threads == 1 ? buf : o->pin);
  }
  if (o->aslr) {
    int cur = personality(0xffffffff);
    if (cur != -1) {
      s->pers = cur;
      personality(o->aslr == 1 ? (unsigned long)(cur | ADDR_NO_RANDOMIZE) : (unsigned long)(cur & ~ADDR_NO_RANDOMIZE));
    }
    cJSON_AddStringToObject(note, "aslr", o->aslr == 1 ? "off" : "on");
  }
  if (o->env_pad) {
    s->pad = malloc(o->env_pad + sizeof "AM_ENV_PAD=");
    if (s->pad == NULL) return -ENOMEM;
    memcpy(s->pad, "AM_ENV_PAD=", 11);
    memset(s->pad + 11, 'x', o->env_pad);
    s->pad[11 + o->env_pad] = '\0';
    s->env[0] = s->pad;
    cJSON_AddNumberToObject(note, "env_pad_bytes", (double)o->env_pad);
  }
  return 0;
}

void am_env_spawn_end(am_spawn_env_t *s) {
  if (s->have_saved) sched_setaffinity(0, sizeof s->saved, &s->saved);
  if (s->pers != -1) personality((unsigned long)s->pers);
  free(s->pad);
  memset(s, 0, sizeof s[0]);
}

/* ---- probes ---- */

static int read_text(const char *path, char *buf, size_t cap) {
  FILE *f = fopen(path, "r");
  buf[0] = '\0';
  if (f == NULL) return -1;
  size_t n = fread(buf, 1, cap - 1, f);
  fclose(f);
  buf[n] = '\0';
  while (n > 0 && isspace((unsigned char)buf[n - 1])) buf[--n] = '\0';
  return 0;
}

/* The active choice of a "a [b] c" sysfs file. */
static const char *bracketed(const char *s, char *buf, size_t cap) {
  const char *a = strchr(s, '['), *b = a != NULL ? strchr(a, ']') : NULL;
  if (a == NULL || b == NULL) return s;
  snprintf(buf, cap, "%.*s", (int)(b - a - 1), a + 1);
  return buf;
}

void am_env_snap(am_env_snap_t *s) {
  char buf[512];
  memset(s, 0, sizeof *s);
  s->t = am_now_s();
  if (read_text("/proc/stat", buf, sizeof buf) == 0) {
    unsigned long long v[10] = {0};
    if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
               &v[6], &v[7]) == 8) {
      for (int i = 0; i < 8; i++) s->total += v[i];
      s->idle = v[3] + v[4];
      s->steal = v[7];
      s->ok = 1;
    }
  }
  struct rusage ru, rc;
  getrusage(RUSAGE_SELF, &ru);
  getrusage(RUSAGE_CHILDREN, &rc);
  s->ours_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec + (double)rc.ru_utime.tv_sec +
              (double)rc.ru_stime.tv_sec + 1e-6 * (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec +
                                                        rc.ru_utime.tv_usec + rc.ru_stime.tv_usec);
  if (read_text("/proc/loadavg", buf, sizeof buf) == 0) s->load1 = strtod(buf, NULL);
}

/* Other processes' CPU use over [a, b] as a fraction of every CPU, and steal. */
static void busy_between(const am_env_snap_t *a, const am_env_snap_t *b, double *other, double *steal) {
  double tick = (double)sysconf(_SC_CLK_TCK), cores = (double)sysconf(_SC_NPROCESSORS_ONLN);
  double total = (double)(b->total - a->total);
  *other = *steal = -1;
  if (!a->ok || !b->ok || total <= 0) return;
  double busy_s = (total - (double)(b->idle - a->idle) - (double)(b->steal - a->steal)) / tick;
  double wall = b->t - a->t;
  *other = (busy_s - (b->ours_s - a->ours_s)) / (wall * cores);
  if (*other < 0) *other = 0;
  *steal = (double)(b->steal - a->steal) / total;
}

/* Processes other than this one using over 20 % of a CPU during a short look. */
typedef struct proc_s { int pid; char comm[32]; unsigned long long t; } proc_t;
static size_t scan_procs(proc_t *p, size_t cap) {
  DIR *d = opendir("/proc");
  size_t n = 0;
  struct dirent *e;
  while (d != NULL && (e = readdir(d)) != NULL && n < cap) {
    if (!isdigit((unsigned char)e->d_name[0])) continue;
    char path[300], buf[1024];
    snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
    if (read_text(path, buf, sizeof buf) != 0) continue;
    char *l = strchr(buf, '('), *r = strrchr(buf, ')');
    unsigned long long ut = 0, st = 0;
    if (l == NULL || r == NULL || sscanf(r + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
      continue;
    p[n].pid = atoi(e->d_name);
    snprintf(p[n].comm, sizeof p[n].comm, "%.*s", (int)(r - l - 1), l + 1);
    p[n].t = ut + st;
    n++;
  }
  if (d != NULL) closedir(d);
  return n;
}

static void busy_processes(cJSON *arr, char *text, size_t cap) {
  enum { CAP = 4096 };
  proc_t *a = malloc(CAP * sizeof *a), *b = malloc(CAP * sizeof *b);
  text[0] = '\0';
  if (a == NULL || b == NULL) { free(a); free(b); return; }
  size_t na = scan_procs(a, CAP);
  double t0 = am_now_s();
  usleep(100000); /* 100 ms: long enough to see a busy process, short for CI */
  size_t nb = scan_procs(b, CAP);
  double dt = am_now_s() - t0, tick = (double)sysconf(_SC_CLK_TCK);
  size_t used = 0;
  for (size_t i = 0; i < nb; i++) {
    if (b[i].pid == getpid()) continue;
    for (size_t k = 0; k < na; k++) {
      if (a[k].pid != b[i].pid) continue;
      double frac = (double)(b[i].t - a[k].t) / tick / dt;
      if (frac >= 0.2) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "pid", b[i].pid);
        cJSON_AddStringToObject(o, "comm", b[i].comm);
        am_json_add_num(o, "cpu_fraction", frac);
        cJSON_AddItemToArray(arr, o);
        int w = snprintf(text + used, cap - used, "%s%s (%.0f %%)", used ? ", " : "", b[i].comm, 100 * frac);
        if (w > 0 && (size_t)w < cap - used) used += (size_t)w;
      }
      break;
    }
  }
  free(a);
  free(b);
}

static void warn(cJSON *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(cJSON *w, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  cJSON_AddItemToArray(w, cJSON_CreateString(buf));
}

static void static_facts(cJSON *env, cJSON *w, const am_run_opts_t *o) {
  char buf[1024], act[64];
  /* Frequency scaling: every CPU's governor, boost / turbo. */
  char gov[256] = "";
  long ncpu = sysconf(_SC_NPROCESSORS_CONF);
  for (long c = 0; c < ncpu && c < 1024; c++) {
    char path[128];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%ld/cpufreq/scaling_governor", c);
    if (read_text(path, buf, sizeof buf) != 0) continue;
    if (strstr(gov, buf) == NULL) snprintf(gov + strlen(gov), sizeof gov - strlen(gov), "%s%.32s", gov[0] ? "," : "", buf);
  }
  if (gov[0]) {
    cJSON_AddStringToObject(env, "cpu_governors", gov);
    if (strcmp(gov, "performance") != 0) warn(w, "CPU frequency governor '%s', not 'performance': clock speed varies with load", gov);
  } else cJSON_AddNullToObject(env, "cpu_governors");
  if (read_text("/sys/devices/system/cpu/cpufreq/boost", buf, sizeof buf) == 0) {
    cJSON_AddBoolToObject(env, "turbo_boost", strcmp(buf, "1") == 0);
    if (strcmp(buf, "1") == 0) warn(w, "CPU boost is on (cpufreq/boost = 1): clock speed depends on temperature and load");
  } else if (read_text("/sys/devices/system/cpu/intel_pstate/no_turbo", buf, sizeof buf) == 0) {
    cJSON_AddBoolToObject(env, "turbo_boost", strcmp(buf, "0") == 0);
    if (strcmp(buf, "0") == 0) warn(w, "Intel turbo is on (intel_pstate/no_turbo = 0): clock speed depends on temperature and load");
  } else cJSON_AddNullToObject(env, "turbo_boost");
  /* SMT */
  if (read_text("/sys/devices/system/cpu/smt/active", buf, sizeof buf) == 0) {
    cJSON_AddBoolToObject(env, "smt_active", strcmp(buf, "1") == 0);
    if (strcmp(buf, "1") == 0) warn(w, "SMT is on: threads on sibling hyperthreads share a core (see --pin)");
  } else cJSON_AddNullToObject(env, "smt_active");
  if (read_text("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list", buf, sizeof buf) == 0)
    cJSON_AddStringToObject(env, "cpu0_siblings", buf);
  /* ASLR */
  if (read_text("/proc/sys/kernel/randomize_va_space", buf, sizeof buf) == 0) {
    cJSON_AddNumberToObject(env, "randomize_va_space", atoi(buf));
    if (atoi(buf) != 0 && o->aslr != 1)
      warn(w, "ASLR is on (randomize_va_space = %s): addresses, and so cache and TLB placement, differ per run (--aslr off)", buf);
  }
  cJSON_AddStringToObject(env, "aslr_runner", o->aslr == 1 ? "off" : o->aslr == 2 ? "on" : "as the system");
  /* THP */
  if (read_text("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof buf) == 0) {
    const char *m = bracketed(buf, act, sizeof act);
    cJSON_AddStringToObject(env, "thp_mode", m);
    if (strcmp(m, "always") == 0)
      warn(w, "transparent huge pages 'always': RSS and TLB misses depend on how each allocator maps memory");
  }
  /* VM */
  int hyper = 0;
  FILE *f = fopen("/proc/cpuinfo", "r");
  while (f != NULL && fgets(buf, sizeof buf, f) != NULL)
    if (strncmp(buf, "flags", 5) == 0) { hyper = strstr(buf, " hypervisor") != NULL; break; }
  if (f != NULL) fclose(f);
  char vendor[128] = "";
  if (read_text("/sys/class/dmi/id/sys_vendor", vendor, sizeof vendor) != 0) vendor[0] = '\0';
  if (read_text("/sys/class/dmi/id/product_name", buf, sizeof buf) == 0 && vendor[0])
    snprintf(vendor + strlen(vendor), sizeof vendor - strlen(vendor), " %.60s", buf);
  cJSON_AddBoolToObject(env, "virtual_machine", hyper);
  if (vendor[0]) cJSON_AddStringToObject(env, "dmi_system", vendor);
  if (hyper)
    warn(w, "virtual machine%s%s%s: CPU steal and neighbours' load can move the figures",
         vendor[0] ? " (" : "", vendor, vendor[0] ? ")" : "");
}

cJSON *am_env_probe(const am_run_opts_t *o) {
  cJSON *env = cJSON_CreateObject(), *w = cJSON_CreateArray();
  static_facts(env, w, o);
  cJSON *before = cJSON_AddObjectToObject(env, "before");
  am_env_snap_t a, b;
  char busy[512];
  am_env_snap(&a);
  cJSON *procs = cJSON_AddArrayToObject(before, "busy_processes");
  busy_processes(procs, busy, sizeof busy); /* 100 ms */
  am_env_snap(&b);
  double other, steal, cores = (double)sysconf(_SC_NPROCESSORS_ONLN);
  busy_between(&a, &b, &other, &steal);
  am_json_add_num(before, "load_average_1m", b.load1);
  am_json_add_num(before, "other_cpu_fraction", other >= 0 ? other : NAN);
  am_json_add_num(before, "steal_fraction", steal >= 0 ? steal : NAN);
  if (b.load1 > 0.25 * cores) warn(w, "load average %.2f on %.0f cores before the run", b.load1, cores);
  if (busy[0]) warn(w, "busy processes before the run: %s", busy);
  if (steal > 0.01) warn(w, "CPU steal %.1f %% before the run (the hypervisor ran others on our CPUs)", 100 * steal);
  cJSON_AddItemToObject(env, "warnings", w);
  if (o->pin != NULL) cJSON_AddStringToObject(env, "pin", o->pin);
  for (int i = 0; i < cJSON_GetArraySize(w); i++)
    fprintf(stderr, "allocmark run: warning: %s\n", cJSON_GetArrayItem(w, i)->valuestring);
  return env;
}

void am_env_during(cJSON *context, const am_env_snap_t *since) {
  cJSON *env = cJSON_GetObjectItem(context, "environment");
  if (env == NULL) return;
  am_env_snap_t now;
  am_env_snap(&now);
  double other, steal, cores = (double)sysconf(_SC_NPROCESSORS_ONLN);
  busy_between(since, &now, &other, &steal);
  cJSON *d = cJSON_AddObjectToObject(env, "during");
  am_json_add_num(d, "seconds", now.t - since->t);
  am_json_add_num(d, "load_average_1m_end", now.load1);
  am_json_add_num(d, "other_cpu_fraction", other >= 0 ? other : NAN);
  am_json_add_num(d, "steal_fraction", steal >= 0 ? steal : NAN);
  cJSON *w = cJSON_GetObjectItem(env, "warnings");
  if (w == NULL) return;
  int before = cJSON_GetArraySize(w);
  if (other > 0.1)
    warn(w, "other processes used %.0f %% of the %.0f CPUs during this pattern's runs", 100 * other, cores);
  if (steal > 0.01) warn(w, "CPU steal %.1f %% during this pattern's runs", 100 * steal);
  for (int i = before; i < cJSON_GetArraySize(w); i++)
    fprintf(stderr, "allocmark run: warning: %s\n", cJSON_GetArrayItem(w, i)->valuestring);
}

/* ---- --noise-floor ---- */

const char *am_run_base_backend(const char *name, char *buf, size_t cap) {
  size_t l = strlen(name), sl = strlen(AM_NOISE_SUFFIX);
  if (l <= sl || strcmp(name + l - sl, AM_NOISE_SUFFIX) != 0) return name;
  snprintf(buf, cap, "%.*s", (int)(l - sl), name);
  return buf;
}

void am_run_print_noise_floor(const char *path, const am_run_opts_t *o) {
  am_report_t r;
  am_diag_t d;
  char *paths[1] = {(char *)path};
  if (am_report_load(&r, paths, 1, NULL, &d) != 0) {
    fprintf(stderr, "allocmark run: --noise-floor: %s\n", d.msg);
    am_report_free(&r);
    return;
  }
  am_cmp_opts_t co;
  am_cmp_opts_default(&co);
  printf("noise floor (each backend against itself, interleaved):\n");
  for (size_t b = 0; b < o->n_backends; b++) {
    char base[64];
    const char *name = o->backends[b].name;
    if (am_run_base_backend(name, base, sizeof base) == name) continue; /* not a twin */
    am_cmp_list_t l;
    if (am_compare_backends(&r, name, base, &co, &l, &d) == 0) am_cmp_write(&l, AM_CMP_TEXT, stdout);
    else fprintf(stderr, "allocmark run: --noise-floor: %s\n", d.msg);
    am_cmp_list_free(&l);
  }
  am_report_free(&r);
}
