/* harness/cli/cmd_run_exec.c — one repetition of `allocmark run`: exec the backend's
 * runner (`am-runner-<backend> run ...`) under a time limit, read its one JSON sample,
 * and turn whatever happened into a sample with a status:
 *   ok       exit 0 and a valid sample
 *   oom      exit 3: the allocator returned NULL
 *   crashed  killed by a signal (the signal and the end of stderr are kept)
 *   timeout  still running after --timeout seconds: killed (whole process group)
 *   changed  exit 5: the workload file is not the one planned (its sha256 changed)
 *   error    anything else: bad exit, VERIFY corruption, no valid JSON, spawn failure */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cJSON.h>
#include "cli.h"
#include "cmd_run.h"
#include "registry.h"
#include "results.h"

/* `runner info` in the spec's environment (registry.h's one spawn); the parsed object,
 * or NULL with why in err. */
static cJSON *spec_info(const am_backend_spec_t *be, char *err, size_t cap) {
  char *envv[AM_SPEC_MAX_ENV + 1];
  am_backend_spec_env(be, envv, AM_SPEC_MAX_ENV + 1);
  return am_runner_info(be->runner, envv, err, cap);
}

int am_run_backend_info(const am_backend_spec_t *be, am_backend_info_t *out) {
  memset(out, 0, sizeof *out);
  snprintf(out->name, sizeof out->name, "%s", be->name);
  out->spec = be;
  cJSON *own = NULL;
  const cJSON *o;
  if (be->n_env > 0) {
    if ((o = own = spec_info(be, out->error, sizeof out->error)) == NULL) {
      snprintf(out->version, sizeof out->version, "-");
      snprintf(out->config, sizeof out->config, "-");
      snprintf(out->colour, sizeof out->colour, "%s", am_registry_colour(be->name));
      return 1;
    }
  } else if ((o = am_registry_info(be->runner)) == NULL) {
    return -1;
  }
  const cJSON *v;
  if (cJSON_IsString(v = cJSON_GetObjectItem(o, "version"))) snprintf(out->version, sizeof out->version, "%s", v->valuestring);
  if (cJSON_IsString(v = cJSON_GetObjectItem(o, "config"))) snprintf(out->config, sizeof out->config, "%s", v->valuestring);
  if (cJSON_IsString(v = cJSON_GetObjectItem(o, "malloc_from"))) snprintf(out->malloc_from, sizeof out->malloc_from, "%s", v->valuestring);
  snprintf(out->colour, sizeof out->colour, "%s", am_registry_colour(be->runner));
  cJSON_ArrayForEach(v, cJSON_GetObjectItem(o, "capabilities"))
    if (cJSON_IsString(v) && strcmp(v->valuestring, "overrides_malloc") == 0) out->overrides_malloc = 1;
  out->valgrind_marks = cJSON_IsTrue(cJSON_GetObjectItem(o, "valgrind_marks"));
  if (be->n_env > 0) { /* a variant or library: its own colour, from its name */
    snprintf(out->colour, sizeof out->colour, "%s", am_registry_colour(be->name));
    char *rb = cJSON_IsArray(v = cJSON_GetObjectItem(o, "variant_env")) ? cJSON_PrintUnformatted(v) : NULL;
    if (rb != NULL && strlen(rb) < sizeof out->read_back) snprintf(out->read_back, sizeof out->read_back, "%s", rb);
    cJSON_free(rb);
  }
  cJSON_Delete(own);
  return 0;
}

/* The last non-empty line of s (stderr tail), trimmed. */
static void last_line(const char *s, char *buf, size_t cap) {
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ')) n--;
  size_t b = n;
  while (b > 0 && s[b - 1] != '\n') b--;
  snprintf(buf, cap, "%.*s", (int)(n - b), s + b);
}

/* Set (in place when present, so they stay first) the sample's status and error. */
static void set_item(cJSON *o, const char *key, cJSON *v) {
  if (cJSON_GetObjectItem(o, key) != NULL) cJSON_ReplaceItemInObject(o, key, v);
  else cJSON_AddItemToObject(o, key, v);
}
static void set_status(cJSON *o, const char *status, const char *error) {
  set_item(o, "status", cJSON_CreateString(status));
  set_item(o, "error", error != NULL ? cJSON_CreateString(error) : cJSON_CreateNull());
}

cJSON *am_run_one(const am_backend_spec_t *be, const char *workload_path, const char *sha256, unsigned threads,
                  uint64_t seed, unsigned rep, const am_run_opts_t *o) {
  return am_run_one_with(be, workload_path, sha256, threads, seed, rep, o, NULL);
}

cJSON *am_run_one_with(const am_backend_spec_t *be, const char *workload_path, const char *sha256, unsigned threads,
                       uint64_t seed, unsigned rep, const am_run_opts_t *o, char *const *extra) {
  char path[4096], th[16], sd[32], lat[24], wu[24], rss[24], ch[24];
  char *argv[40 + AM_VG_ARGS], vg[4096], vgout[4200], vgbuf[4400];
  int a = 0;
  cJSON *s = NULL;
  if (am_runner_path(be->runner, path, sizeof path) != 0) {
    s = cJSON_CreateObject();
    set_status(s, "error", "runner executable not found");
    cJSON_AddNumberToObject(s, "rep", rep);
    return s;
  }
  snprintf(th, sizeof th, "%u", threads);
  snprintf(sd, sizeof sd, "%llu", (unsigned long long)seed);
  argv[a++] = path; argv[a++] = "run";
  argv[a++] = "--workload"; argv[a++] = (char *)workload_path;
  if (sha256 != NULL) { argv[a++] = "--sha256"; argv[a++] = (char *)sha256; }
  argv[a++] = "--threads"; argv[a++] = th;
  argv[a++] = "--seed"; argv[a++] = sd;
  if (o->quick) argv[a++] = "--quick";
  if (o->latency) { snprintf(lat, sizeof lat, "%u", o->latency); argv[a++] = "--latency"; argv[a++] = lat; }
  if (o->warmup >= 0) { snprintf(wu, sizeof wu, "%ld", o->warmup); argv[a++] = "--warmup"; argv[a++] = wu; }
  if (o->rss_interval_ms >= 0) { snprintf(rss, sizeof rss, "%ld", o->rss_interval_ms); argv[a++] = "--rss-interval-ms"; argv[a++] = rss; }
  if (o->no_hw) argv[a++] = "--no-hw";
  if (o->paced) argv[a++] = "--paced";
  if (o->chunk_ops) { snprintf(ch, sizeof ch, "%llu", (unsigned long long)o->chunk_ops); argv[a++] = "--chunk-ops"; argv[a++] = ch; }
  for (size_t i = 0; extra != NULL && extra[i] != NULL && a < 39; i++) argv[a++] = extra[i];
  argv[a] = NULL;
  if (o->measure_instructions) {
    /* cmd_run checked that valgrind exists; the out file is per process and rep. */
    am_vg_find(vg, sizeof vg);
    snprintf(vgout, sizeof vgout, "%s/am-callgrind.%ld.%u.out", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (long)getpid(), rep);
    a = am_vg_wrap(argv, a, vg, vgout, o->measure_cache, vgbuf, sizeof vgbuf);
  }

  am_spawn_result_t r;
  char msg[1024], tail[600];
  am_spawn_env_t se; /* --pin, --aslr, --env-pad (cmd_run_env.c) */
  cJSON *note = cJSON_CreateObject();
  int se_rc = am_env_spawn_begin(o, threads, &se, note);
  /* the spec's environment (so: library, variant variables), then --env-pad's */
  char *envv[AM_SPEC_MAX_ENV + 4];
  size_t ne = am_backend_spec_env(be, envv, AM_SPEC_MAX_ENV + 1);
  for (size_t i = 0; i < 2 && se.env[i] != NULL; i++) envv[ne++] = se.env[i];
  envv[ne] = NULL;
  int sp_rc = se_rc == 0 ? am_spawn(argv, ne > 0 ? envv : NULL, o->timeout_s, &r) : -1;
  am_env_spawn_end(&se);
  if (sp_rc != 0) {
    cJSON_Delete(note);
    s = cJSON_CreateObject();
    set_status(s, "error", se_rc != 0 ? "could not apply --pin/--env-pad before starting the runner"
                                      : "could not start the runner (fork/pipe failed)");
    cJSON_AddNumberToObject(s, "rep", rep);
    return s;
  }
  last_line(r.err_tail, tail, sizeof tail);
  s = r.out_len > 0 ? cJSON_Parse(r.out) : NULL;
  if (s != NULL && !cJSON_IsObject(s)) { cJSON_Delete(s); s = NULL; }
  int parsed = s != NULL;
  if (s == NULL) s = cJSON_CreateObject();
  const cJSON *e = cJSON_GetObjectItem(s, "error");
  const char *runner_err = cJSON_IsString(e) ? e->valuestring : tail[0] ? tail : NULL;
  switch (r.kind) {
    case AM_EXIT_OK:
      if (r.out_truncated) set_status(s, "error", "the runner wrote more on stdout than a sample can be (output dropped)");
      else if (!parsed) set_status(s, "error", "the runner exited 0 without printing a valid JSON sample");
      else if (!cJSON_IsNumber(cJSON_GetObjectItem(s, "ns_per_op")) || !isfinite(cJSON_GetObjectItem(s, "ns_per_op")->valuedouble))
        set_status(s, "error", "the runner's sample has no finite ns_per_op");
      else set_status(s, "ok", NULL);
      break;
    case AM_EXIT_FAILED:
      snprintf(msg, sizeof msg, "%s (runner exit status %d)", runner_err ? runner_err : "runner failed", r.exit_code);
      set_status(s, r.exit_code == 3 ? "oom" : r.exit_code == 5 ? "changed" : "error", msg);
      cJSON_AddNumberToObject(s, "exit_code", r.exit_code);
      break;
    case AM_EXIT_CRASHED:
      snprintf(msg, sizeof msg, "killed by signal %d (%s)%s%s", r.signal, strsignal(r.signal),
               tail[0] ? ": " : "", tail);
      set_status(s, "crashed", msg);
      cJSON_AddNumberToObject(s, "signal", r.signal);
      break;
    case AM_EXIT_TIMEOUT:
      snprintf(msg, sizeof msg, "no result after %g s: killed", o->timeout_s);
      set_status(s, "timeout", msg);
      break;
    default:
      snprintf(msg, sizeof msg, "could not execute %.900s", path);
      set_status(s, "error", msg);
      break;
  }
  if (r.err_tail[0] && r.kind != AM_EXIT_OK) cJSON_AddStringToObject(s, "stderr_tail", r.err_tail);
  if (o->measure_instructions) am_vg_annotate(s, vgout, o->measure_cache);
  for (cJSON *it = note->child; it != NULL; it = it->next) cJSON_AddItemToObject(s, it->string, cJSON_Duplicate(it, 1));
  cJSON_Delete(note);
  cJSON_AddNumberToObject(s, "rep", rep);
  am_json_add_num(s, "runner_wall_s", r.wall_s);
  am_spawn_result_free(&r);
  return s;
}
