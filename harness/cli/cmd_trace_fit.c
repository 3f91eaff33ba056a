/* harness/cli/cmd_trace_fit.c — `allocmark trace-fit FILE -o PATTERN.json [--compare
 * [-b LIST] [-r N]]`: a synthetic pattern (patterns/README.md) that approximates a trace,
 * and a side-by-side of how close it comes.
 *
 * The fit, from the trace's footer and statistics (harness/trace/TRACE.md):
 *   threads   the trace's replay threads;
 *   allocs    the trace's objects (allocation ops, a realloc chain of 2 counted once)
 *             split evenly over the threads;
 *   size      a histogram distribution over the trace's log2 size buckets;
 *   mix       malloc / calloc / aligned / realloc weights from the recorded calls;
 *   lifetime  `ops`: a histogram of lifetimes in allocations of the thread, from the
 *             trace's lifetimes in events scaled by the trace's events per allocation
 *             and per thread; blocks never freed become `keep` (kept to the run's end);
 *   handoff   ratio = the trace's cross-thread share of frees, to any other thread.
 * Phases: when the trace's timeline has clear changes, one phase each (fitted the same
 * way from its windows, cmd_trace_phases.c). The side-by-side compares the trace with the
 * pattern's generated streams (built here, untimed): ops, peak live bytes, size and
 * lifetime distributions (total variation distance over log2 buckets). With --compare
 * both are also run (`allocmark run`, same backends and repetitions) and the backends'
 * ns/op order is compared. Bad input: one line, exit 2, nothing written. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cJSON.h>
#include "am_args.h"
#include "cli.h"
#include "pattern.h"
#include "results.h"
#include "trace.h"
#include "trace_fit.h"
#include "trace_profile.h"

static const char fit_help[] =
  "usage: allocmark trace-fit FILE -o PATTERN.json [--empirical] [--profile OUT.csv]\n"
  "                           [--compare [-b LIST] [-r N]] [--json FILE]\n"
  "       allocmark trace-fit --from-profile CSV -o PATTERN.json [--live-bytes B]\n"
  "                           [--allocs N] [-t N]\n"
  "  Writes a pattern approximating the trace FILE (sizes, lifetimes, threads, hand-off\n"
  "  share, operation mix) and prints a side-by-side of trace and pattern: ops, peak\n"
  "  live bytes, size and lifetime distributions (total variation distance).\n"
  "  --empirical  the pattern's sizes and lifetimes as the trace's empirical profile\n"
  "               (the `empirical` field) instead of size and lifetime histograms\n"
  "  --profile OUT.csv  also write the trace's empirical profile: one line per size,\n"
  "               \"size, alloc_rate, num_live\" (fleetbench's empirical-driver form;\n"
  "               rate per million recorded events, live time-averaged)\n"
  "  --compare    also run both (allocmark run, -b/-r as given; default -b all -r 3)\n"
  "               and compare the backends' ns/op order\n"
  "  --json FILE  the side-by-side as JSON too\n"
  "  --from-profile CSV  a pattern from a published profile instead of a trace:\n"
  "               one phase of --allocs N allocations per thread (default 1000000) on\n"
  "               -t N threads (default 1) holding --live-bytes B per thread (default\n"
  "               64 MiB) in its steady state\n"
  "exit: 0 ok, 1 a comparison run failed, 2 bad input (nothing written)\n";

#define NB AM_FIT_NB

cJSON *am_trace_info_json(const char *path, am_trace_t *t); /* cmd_trace_info.c */

#define fit_error(...) am_cli_error("trace-fit", __VA_ARGS__) /* cli.h: one line, returns 2 */

static double num(const cJSON *o, const char *k) {
  const cJSON *x = cJSON_GetObjectItem(o, k);
  return cJSON_IsNumber(x) ? x->valuedouble : 0;
}

/* log2 histogram {le, count} array -> counts per bucket b (b: value <= 2^b - 1). */
static void hist_read(const cJSON *h, double *out) {
  memset(out, 0, NB * sizeof *out);
  const cJSON *e;
  cJSON_ArrayForEach(e, h) {
    double le = num(e, "le");
    unsigned b = le <= 0 ? 0 : (unsigned)llround(log2(le + 1));
    if (b < NB) out[b] += num(e, "count");
  }
}

static uint64_t b_lo(unsigned b) { return b == 0 ? 0 : (uint64_t)1 << (b - 1); }
static uint64_t b_hi(unsigned b) { return b == 0 ? 0 : ((uint64_t)1 << b) - 1; }

/* A histogram distribution from bucket weights, values scaled by f and clamped. */
cJSON *am_fit_hist_dist(const double *w, double f, uint64_t cap) {
  cJSON *d = cJSON_CreateObject();
  cJSON_AddStringToObject(d, "dist", "histogram");
  cJSON *bins = cJSON_AddArrayToObject(d, "bins");
  for (unsigned b = 0; b < NB; b++) {
    if (w[b] <= 0) continue;
    uint64_t lo = (uint64_t)floor((double)b_lo(b) * f), hi = (uint64_t)ceil((double)b_hi(b) * f);
    if (lo > cap) lo = cap;
    if (hi > cap) hi = cap;
    if (hi < lo) hi = lo;
    cJSON *x = cJSON_CreateObject();
    am_json_add_u64(x, "min", lo);
    am_json_add_u64(x, "max", hi);
    cJSON_AddNumberToObject(x, "weight", w[b]);
    cJSON_AddItemToArray(bins, x);
  }
  if (cJSON_GetArraySize(bins) == 0) { cJSON_Delete(d); return cJSON_CreateNumber(64); }
  return d;
}

static double tvd(const double *a, const double *b) {
  double sa = 0, sb = 0, d = 0;
  for (unsigned i = 0; i < NB; i++) { sa += a[i]; sb += b[i]; }
  if (sa <= 0 || sb <= 0) return sa == sb ? 0 : 1;
  for (unsigned i = 0; i < NB; i++) d += fabs(a[i] / sa - b[i] / sb);
  return d / 2;
}

static double quantile(const double *h, double q) { /* upper bound of the bucket holding q */
  double s = 0, c = 0;
  for (unsigned i = 0; i < NB; i++) s += h[i];
  for (unsigned i = 0; i < NB; i++) { c += h[i]; if (s > 0 && c >= q * s) return (double)b_hi(i); }
  return 0;
}

static unsigned bucket(uint64_t v) { unsigned b = v == 0 ? 0 : 64 - (unsigned)__builtin_clzll(v); return b < NB ? b : NB - 1; }

/* The fitted pattern as JSON. lf: allocation units per trace event (lifetimes). */
static cJSON *fit(const cJSON *info, const char *name, const cJSON *emp_rows, double *lf_out, cJSON *side) {
  const cJSON *k = cJSON_GetObjectItem(info, "ops_by_kind"), *calls = cJSON_GetObjectItem(info, "calls");
  double threads = num(info, "replay_threads");
  if (threads < 1) threads = 1;
  double realloc_chains = num(k, "realloc") / 2;
  double objects = num(k, "malloc") + num(k, "calloc") + num(k, "aligned") + realloc_chains;
  double size_w[NB], life_w[NB];
  hist_read(cJSON_GetObjectItem(info, "size_histogram"), size_w);
  hist_read(cJSON_GetObjectItem(info, "lifetime_events_histogram"), life_w);
  /* events per allocation of one thread: a lifetime of E events is E / that allocations */
  double events = num(info, "events"), allocs = num(k, "malloc") + num(k, "calloc") + num(k, "aligned") + num(k, "realloc");
  double lf = allocs > 0 && events > 0 ? allocs / events / threads : 0.5;
  *lf_out = lf;
  cJSON *p = cJSON_CreateObject();
  cJSON_AddStringToObject(p, "format", "allocmark-pattern/1");
  cJSON_AddStringToObject(p, "name", name);
  char desc[512];
  snprintf(desc, sizeof desc, "fitted by allocmark trace-fit to the trace of `%.300s`: size mix, lifetimes, threads and hand-off share",
           cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(info, "program"), "command_line")));
  cJSON_AddStringToObject(p, "description", desc);
  cJSON_AddNumberToObject(p, "threads", threads);
  cJSON_AddNumberToObject(p, "repetitions", 3);
  cJSON *ph = cJSON_CreateObject();
  cJSON_AddStringToObject(ph, "name", "fitted");
  double per = ceil(objects / threads);
  cJSON_AddNumberToObject(ph, "allocs", per < 1 ? 1 : per);
  if (emp_rows == NULL) cJSON_AddItemToObject(ph, "size", am_fit_hist_dist(size_w, 1, 1u << 30));
  cJSON *mix = cJSON_CreateObject();
  double wm = num(k, "malloc"), wc = num(k, "calloc"), wa = num(k, "aligned");
  if (wm > 0) cJSON_AddNumberToObject(mix, "malloc", wm);
  if (wc > 0) cJSON_AddNumberToObject(mix, "calloc", wc);
  if (wa > 0) cJSON_AddNumberToObject(mix, "aligned", wa);
  if (realloc_chains >= 1) cJSON_AddNumberToObject(mix, "realloc", realloc_chains);
  if (cJSON_GetArraySize(mix) == 0) cJSON_AddNumberToObject(mix, "malloc", 1);
  cJSON_AddItemToObject(ph, "mix", mix);
  if (realloc_chains >= 1) {
    cJSON *r = cJSON_AddObjectToObject(ph, "realloc");
    cJSON_AddNumberToObject(r, "steps", 2);
    cJSON_AddNumberToObject(r, "factor", 2.0);
  }
  (void)calls;
  double freed = num(k, "free"), keep = objects > 0 ? 1 - freed / (objects > freed ? objects : freed) : 0;
  if (emp_rows != NULL) { /* the profile: live bytes per thread as averaged over the trace */
    cJSON_AddItemToObject(ph, "empirical", am_profile_field(emp_rows, (uint64_t)(am_profile_live_bytes(emp_rows) / threads + 0.5)));
  } else {
    cJSON *lt = cJSON_CreateObject();
    cJSON_AddStringToObject(lt, "kind", "ops");
    cJSON_AddItemToObject(lt, "allocs", am_fit_hist_dist(life_w, lf, 1ull << 32));
    if (keep > 0.0005) cJSON_AddNumberToObject(lt, "keep", keep > 1 ? 1 : round(keep * 1000) / 1000);
    cJSON_AddItemToObject(ph, "lifetime", lt);
  }
  double share = num(info, "cross_thread_share");
  if (threads > 1 && share > 0.0005) {
    cJSON *h = cJSON_AddObjectToObject(ph, "handoff");
    cJSON_AddNumberToObject(h, "ratio", round(share * 1000) / 1000);
  }
  cJSON *phases = cJSON_AddArrayToObject(p, "phases");
  if (emp_rows == NULL && am_fit_phases(info, ph, threads, phases, side) > 1) cJSON_Delete(ph);
  else cJSON_AddItemToArray(phases, ph);
  return p;
}

/* Size and lifetime histograms of the pattern's streams (lifetime: allocations of the
 * thread between an object's allocation and its free). */
static void stream_hists(const am_workload_t *w, double *sz, double *life) {
  memset(sz, 0, NB * sizeof *sz);
  memset(life, 0, NB * sizeof *life);
  for (unsigned t = 0; t < w->n_threads; t++) {
    const am_stream_t *s = &w->streams[t];
    uint64_t *born = calloc((size_t)s->n_slots + 1, sizeof *born), n = 0;
    if (born == NULL) continue;
    for (size_t i = 0; i < s->n_ops; i++) {
      const am_op_t *o = &s->ops[i];
      switch (o->kind) {
      case AM_OP_MALLOC: case AM_OP_CALLOC: case AM_OP_ALIGNED: case AM_OP_REALLOC:
        sz[bucket(o->size)]++;
        born[o->slot] = n++;
        break;
      case AM_OP_FREE: life[bucket(n - born[o->slot])]++; break;
      case AM_OP_RECV: born[o->slot] = n; break;
      default: break;
      }
    }
    free(born);
  }
}

/* `allocmark run FILE -b LIST -r N -o OUT`: the median ns/op per backend into names/ns. */
static int run_and_rank(const char *file, const char *bl, const char *reps, const char *out, char names[][32], double *ns, int *n) {
  char exe[4096];
  snprintf(exe, sizeof exe, "%sallocmark", am_exe_dir());
  char *argv[] = {exe, "run", (char *)file, "-b", (char *)bl, "-r", (char *)reps, "--no-hw", "-o", (char *)out, NULL};
  am_spawn_result_t r;
  if (am_spawn(argv, NULL, 3600, &r) != 0) return -1;
  int ok = r.kind == AM_EXIT_OK && r.exit_code == 0;
  am_spawn_result_free(&r);
  if (!ok) return -1;
  cJSON *root = NULL;
  am_diag_t d;
  if (am_json_read_file(out, &root, &d) != 0) return -1;
  *n = 0;
  const cJSON *b;
  cJSON_ArrayForEach(b, cJSON_GetObjectItem(root, "benchmarks")) {
    if (*n >= 16) break;
    snprintf(names[*n], 32, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(b, "backend")));
    ns[*n] = num(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "aggregates"), "ns_per_op"), "median");
    (*n)++;
  }
  cJSON_Delete(root);
  return 0;
}

static double kendall(const double *a, const double *b, int n) {
  int c = 0, dsc = 0;
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++) {
      double x = (a[i] - a[j]) * (b[i] - b[j]);
      if (x > 0) c++;
      else if (x < 0) dsc++;
    }
  return c + dsc ? (double)(c - dsc) / (c + dsc) : 1;
}

static int compare(const char *trace, const char *pat, const char *bl, const char *reps, cJSON *side) {
  char tmp[] = "/tmp/am-fit.XXXXXX"; /* mkdtemp: a fresh folder per call */
  if (mkdtemp(tmp) == NULL) return -1;
  char o1[64], o2[64], n1[16][32], n2[16][32];
  double ns1[16], ns2[16];
  int k1 = 0, k2 = 0;
  snprintf(o1, sizeof o1, "%s/trace.json", tmp);
  snprintf(o2, sizeof o2, "%s/pattern.json", tmp);
  fprintf(stderr, "trace-fit: running the trace and the pattern on %s (%s repetitions each)...\n", bl, reps);
  int rc = run_and_rank(trace, bl, reps, o1, n1, ns1, &k1);
  if (rc == 0) rc = run_and_rank(pat, bl, reps, o2, n2, ns2, &k2);
  unlink(o1); unlink(o2); rmdir(tmp);
  if (rc != 0 || k1 != k2) return -1;
  printf("\n%-10s %14s %14s\n", "backend", "trace ns/op", "pattern ns/op");
  cJSON *arr = cJSON_AddArrayToObject(side, "ns_per_op");
  for (int i = 0; i < k1; i++) {
    printf("%-10s %14.2f %14.2f\n", n1[i], ns1[i], ns2[i]);
    cJSON *x = cJSON_CreateObject();
    cJSON_AddStringToObject(x, "backend", n1[i]);
    am_json_add_num(x, "trace", ns1[i]);
    am_json_add_num(x, "pattern", ns2[i]);
    cJSON_AddItemToArray(arr, x);
  }
  double tau = kendall(ns1, ns2, k1);
  printf("ranking agreement (Kendall's tau of ns/op over backends): %.2f\n", tau);
  am_json_add_num(side, "kendall_tau", tau);
  return 0;
}

/* A name for the pattern from a file name: its stem, [A-Za-z0-9._-] only, + "-fit". */
static void pattern_name(const char *file, const char *ext, char *name, size_t cap) {
  const char *base = file == NULL ? "trace" : strrchr(file, '/') != NULL ? strrchr(file, '/') + 1 : file;
  snprintf(name, cap, "%.50s", base);
  char *dot = strstr(name, ext);
  if (dot != NULL) *dot = '\0';
  for (char *c = name; *c; c++) if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-')) *c = '_';
  if (*name == '\0') snprintf(name, cap, "profile");
  strcat(name, "-fit");
}

/* Parse the pattern (it must be valid) and write it atomically. */
static int write_pattern(const char *out, cJSON *pat, am_pattern_t **pp) {
  char *text = cJSON_Print(pat);
  am_diag_t d = {{0}};
  int rc = am_pattern_parse(out, text, strlen(text), pp, &d);
  cJSON_free(text);
  if (rc != 0) { fprintf(stderr, "allocmark trace-fit: internal error, the fitted pattern does not parse: %s\n", d.msg); return 1; }
  if (am_json_write_atomic(out, pat, 1, &d) != 0) {
    fprintf(stderr, "allocmark trace-fit: %s\n", d.msg);
    am_pattern_free(*pp);
    *pp = NULL;
    return 2;
  }
  return 0;
}

/* --from-profile: a one-phase pattern replaying a published empirical profile. */
static int from_profile(const char *csv, const char *out, uint64_t live, uint64_t allocs, uint64_t threads) {
  cJSON *rows = NULL;
  am_diag_t d = {{0}};
  if (am_profile_read_csv(csv, &rows, &d) != 0) { fprintf(stderr, "%s\n", d.msg); return 2; }
  char name[80], desc[600];
  pattern_name(csv, ".csv", name, sizeof name);
  cJSON *p = cJSON_CreateObject();
  cJSON_AddStringToObject(p, "format", "allocmark-pattern/1");
  cJSON_AddStringToObject(p, "name", name);
  snprintf(desc, sizeof desc, "the empirical profile %.400s (%d sizes) replayed by allocmark's empirical phase, %llu live bytes per thread",
           csv, cJSON_GetArraySize(rows), (unsigned long long)live);
  cJSON_AddStringToObject(p, "description", desc);
  am_json_add_u64(p, "threads", threads);
  cJSON *ph = cJSON_CreateObject();
  cJSON_AddStringToObject(ph, "name", "empirical");
  am_json_add_u64(ph, "allocs", allocs);
  cJSON_AddItemToObject(ph, "empirical", am_profile_field(rows, live));
  cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "phases"), ph);
  am_pattern_t *pp = NULL;
  int rc = write_pattern(out, p, &pp);
  if (rc == 0) {
    uint64_t ops = 0, peak = 0;
    am_gen_opts_t g = {0};
    if (am_workload_estimate(pp, &g, &ops, &peak, &d) == 0)
      printf("profile %s: %d rows, %.0f live bytes in the profile's own counts; pattern %s: %llu ops, peak live %llu B\n", csv,
             cJSON_GetArraySize(rows), am_profile_live_bytes(rows), out, (unsigned long long)ops, (unsigned long long)peak);
  }
  am_pattern_free(pp);
  cJSON_Delete(p);
  cJSON_Delete(rows);
  return rc;
}

/* Side by side: the phases found, then the pattern's generated streams (built here,
 * untimed) against the trace; the figures also into side (--json). */
static void side_by_side(const cJSON *info, const am_pattern_t *p, double lf, int emp, cJSON *side) {
  am_workload_t *w = NULL;
  am_diag_t d = {{0}};
  am_gen_opts_t g = {0};
  const cJSON *phr = cJSON_GetObjectItem(side, "phases");
  if (phr != NULL) {
    printf("phases: %d found in the trace's timeline (window_events %.0f):\n", cJSON_GetArraySize(phr),
           num(cJSON_GetObjectItem(info, "timeline"), "window_events"));
    const cJSON *x;
    cJSON_ArrayForEach(x, phr)
      printf("  windows %2.0f-%-2.0f  %12.0f events %12.0f allocations %12.0f frees\n", num(x, "first_window"),
             num(x, "last_window"), num(x, "events"), num(x, "allocs"), num(x, "frees"));
  } else {
    printf("phases: 1 (no clear change in the trace's timeline)%s\n", emp ? " (--empirical: one phase)" : "");
  }
  double ts[NB], tl[NB], ps[NB], pl[NB];
  hist_read(cJSON_GetObjectItem(info, "size_histogram"), ts);
  hist_read(cJSON_GetObjectItem(info, "lifetime_events_histogram"), tl);
  double tla[NB] = {0}; /* trace lifetimes in allocations of the thread */
  for (unsigned b = 0; b < NB; b++) if (tl[b] > 0) tla[bucket((uint64_t)((double)(b_lo(b) + b_hi(b)) / 2 * lf))] += tl[b];
  if (am_workload_build(p, &g, &w, &d) == 0) {
    stream_hists(w, ps, pl);
    printf("%-34s %16s %16s\n", "", "trace", "pattern");
    printf("%-34s %16.0f %16llu\n", "threads", num(info, "replay_threads"), (unsigned long long)w->n_threads);
    printf("%-34s %16.0f %16llu\n", "ops (allocation and free)", num(info, "ops"), (unsigned long long)(w->alloc_ops + w->free_ops));
    printf("%-34s %16.0f %16llu\n", "peak live bytes", num(info, "peak_live_bytes"), (unsigned long long)w->peak_live_bytes);
    printf("%-34s %16.0f %16.0f\n", "size median (log2 bucket top, B)", quantile(ts, 0.5), quantile(ps, 0.5));
    printf("%-34s %16.0f %16.0f\n", "size p90", quantile(ts, 0.9), quantile(ps, 0.9));
    printf("%-34s %16.0f %16.0f\n", "lifetime median (allocations)", quantile(tla, 0.5), quantile(pl, 0.5));
    printf("%-34s %16.0f %16.0f\n", "lifetime p90 (allocations)", quantile(tla, 0.9), quantile(pl, 0.9));
    printf("size distribution distance (TVD over log2 buckets): %.3f\n", tvd(ts, ps));
    printf("lifetime distribution distance (TVD):               %.3f\n", tvd(tla, pl));
    am_json_add_u64(side, "trace_ops", (uint64_t)num(info, "ops"));
    am_json_add_u64(side, "pattern_ops", w->alloc_ops + w->free_ops);
    am_json_add_u64(side, "trace_peak_live_bytes", (uint64_t)num(info, "peak_live_bytes"));
    am_json_add_u64(side, "pattern_peak_live_bytes", w->peak_live_bytes);
    am_json_add_num(side, "size_tvd", tvd(ts, ps));
    am_json_add_num(side, "lifetime_tvd", tvd(tla, pl));
    am_workload_free(w);
  } else {
    fprintf(stderr, "allocmark trace-fit: the pattern could not be generated for the side-by-side: %s\n", d.msg);
  }
}

int am_cmd_trace_fit(int argc, char **argv) {
  const char *file = NULL, *out = NULL, *json = NULL, *bl = "all", *reps = "3", *v, *prof = NULL, *from = NULL;
  int cmp = 0, emp = 0;
  uint64_t live = 64ull << 20, allocs = 1000000, threads = 1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { fputs(fit_help, stdout); return 0; }
    else if (strcmp(argv[i], "--compare") == 0) cmp = 1;
    else if (strcmp(argv[i], "--empirical") == 0) emp = 1;
    else if ((v = am_opt_value(argc, argv, &i, "--profile", NULL)) != NULL) { if (!*v) return fit_error("--profile: needs a path"); prof = v; }
    else if ((v = am_opt_value(argc, argv, &i, "--from-profile", NULL)) != NULL) { if (!*v) return fit_error("--from-profile: needs a path"); from = v; }
    else if ((v = am_opt_value(argc, argv, &i, "--live-bytes", NULL)) != NULL) {
      if (am_parse_u64(v, 1ull << 40, &live) != 0 || live == 0) return fit_error("--live-bytes: '%s' is not 1..2^40", v);
    } else if ((v = am_opt_value(argc, argv, &i, "--allocs", NULL)) != NULL) {
      if (am_parse_u64(v, 4294967295ull, &allocs) != 0) return fit_error("--allocs: '%s' is not 0..4294967295", v);
    } else if ((v = am_opt_value(argc, argv, &i, "--threads", "-t")) != NULL) {
      if (am_parse_u64(v, 256, &threads) != 0 || threads == 0) return fit_error("-t: '%s' is not 1..256", v);
    }
    else if ((v = am_opt_value(argc, argv, &i, "--output", "-o")) != NULL) { if (!*v) return fit_error("-o: needs a path"); out = v; }
    else if ((v = am_opt_value(argc, argv, &i, "--json", NULL)) != NULL) { if (!*v) return fit_error("--json: needs a path"); json = v; }
    else if ((v = am_opt_value(argc, argv, &i, "--backends", "-b")) != NULL) { if (!*v) return fit_error("-b: needs a list"); bl = v; }
    else if ((v = am_opt_value(argc, argv, &i, "--repetitions", "-r")) != NULL) {
      uint64_t x;
      if (am_parse_u64(v, 1000, &x) != 0 || x == 0) return fit_error("-r: '%s' is not 1..1000", v);
      reps = v;
    } else if (argv[i][0] == '-' && argv[i][1]) return fit_error("unknown option '%s' (try --help)", argv[i]);
    else if (file == NULL) file = argv[i];
    else return fit_error("one trace at a time ('%s' and '%s')", file, argv[i]);
  }
  if (from != NULL) {
    if (file != NULL || out == NULL) return fit_error("usage: allocmark trace-fit --from-profile CSV -o PATTERN.json (try --help)");
    return from_profile(from, out, live, allocs, threads);
  }
  if (file == NULL || out == NULL) return fit_error("usage: allocmark trace-fit FILE -o PATTERN.json (try --help)");
  am_diag_t d = {{0}};
  am_trace_t *t = NULL;
  if (am_trace_open(file, &t, &d) != 0) { fprintf(stderr, "%s\n", d.msg); return 2; }
  cJSON *info = am_trace_info_json(file, t);
  am_trace_close(t);
  char name[80];
  pattern_name(file, ".amtrace", name, sizeof name);
  cJSON *rows = am_profile_from_info(info);
  if ((emp || prof != NULL) && rows == NULL) {
    cJSON_Delete(info);
    return fit_error("%s: the trace has no size profile (converted before allocmark had one: record it again)", file);
  }
  if (prof != NULL && am_profile_write_csv(prof, rows, &d) != 0) {
    fprintf(stderr, "allocmark trace-fit: %s\n", d.msg);
    cJSON_Delete(rows); cJSON_Delete(info);
    return 2;
  }
  double lf;
  cJSON *side = cJSON_CreateObject();
  cJSON *pat = fit(info, name, emp ? rows : NULL, &lf, side);
  am_pattern_t *p = NULL;
  int rc = write_pattern(out, pat, &p);
  if (rc != 0) {
    if (prof != NULL) unlink(prof);
    cJSON_Delete(rows); cJSON_Delete(pat); cJSON_Delete(info); cJSON_Delete(side);
    return rc;
  }
  if (prof != NULL)
    printf("profile: %s (%d sizes, %.0f live bytes on average; rate per million events)\n", prof, cJSON_GetArraySize(rows),
           am_profile_live_bytes(rows));
  side_by_side(info, p, lf, emp, side);
  rc = 0;
  if (cmp && compare(file, out, bl, reps, side) != 0) {
    fprintf(stderr, "allocmark trace-fit: the comparison runs failed\n");
    rc = 1;
  }
  if (json != NULL && am_json_write_atomic(json, side, 1, &d) != 0) { fprintf(stderr, "allocmark trace-fit: %s\n", d.msg); rc = 1; }
  printf("pattern: %s\n", out);
  am_pattern_free(p);
  cJSON_Delete(side);
  cJSON_Delete(pat);
  cJSON_Delete(rows);
  cJSON_Delete(info);
  return rc;
}
