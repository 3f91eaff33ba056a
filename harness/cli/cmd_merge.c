/* harness/cli/cmd_merge.c — `allocmark merge DIR... -o OUT`: shard folders of one plan
 * (`allocmark run --shard K/N`) into one run folder.
 *
 * Every shard folder holds the plan it ran (shard/plan.json: all cells of the matrix, plan.h) and
 * one results file per workload with the samples of its cells. Merge checks, before it
 * writes anything, that the folders are shards of one plan and one build: the same plan,
 * the same workload sha256 (plan and files), git commit and dirty flag, compiler, flags,
 * build type and sanitizers, and per backend the same version, config and library. A
 * mismatch is one line and exit 2. Machines (CPU model, cores, memory, kernel, libc) must
 * be alike too unless --allow-mixed-machines; then each machine gets its own run folder
 * OUT/machine-<i>/, never one average over machines.
 *
 * Samples are gathered per workload × backend × threads in repetition order and the
 * benchmark entries (status, aggregates, latency, timeline) are rebuilt from them by the
 * same code as `allocmark run` (am_run_benchmark), so no aggregate is copied. A cell seen
 * twice keeps its first copy (folders in the order given); missing and duplicate cells
 * are listed on stderr and in OUT/merge/merge.json, and the exit status is then 1. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cJSON.h>
#include "cli.h"
#include "cmd_run.h"
#include "plan.h"
#include "results.h"

static const char merge_help[] =
  "usage: allocmark merge DIR... -o OUT [--allow-mixed-machines]\n"
  "  Merges the folders that `allocmark run ... --shard K/N -o DIR/` wrote (one per\n"
  "  shard, in any order) into the run folder OUT: one results file per workload,\n"
  "  <workload>.json, whose aggregates are recomputed from the raw samples, and\n"
  "  merge/plan.json (the whole plan) and merge/merge.json (which shard and machine ran\n"
  "  how many cells; missing and duplicate cells). `allocmark report OUT` then reads it\n"
  "  like any run folder; the report says which machine ran what.\n"
  "  Refused (exit 2, nothing written): folders of different plans, workload files,\n"
  "  git commits, build flags or allocator versions; different machines unless\n"
  "  --allow-mixed-machines, which writes one run folder per machine under OUT.\n"
  "options:\n"
  "  -o, --output OUT          the merged run folder (created; must be empty)\n"
  "  --allow-mixed-machines    merge shards run on different kinds of machine\n"
  "exit: 0 merged, every cell once; 1 merged with missing or duplicate cells;\n"
  "      2 bad input (nothing written)\n";

#define MERGE_MAX_DIRS 4096

/* Context keys that must agree for results to be one run of one build. */
static const char *const build_keys[] = {"git_commit", "git_dirty", "compiler", "compiler_flags", "build_type",
                                         "sanitizers"};
/* Context keys that say what kind of machine ran a shard. */
static const char *const machine_keys[] = {"cpu_model", "cores_online", "memory_bytes", "kernel", "kernel_version", "libc",
                                           "arch"};

typedef struct shard_dir_s {
  const char *dir;
  cJSON *plan;
  cJSON **files; /* results documents */
  char **names;  /* their paths        */
  size_t n_files;
  int machine;   /* index into the machine list */
  const cJSON *context;
} shard_dir_t;

typedef struct merge_s {
  shard_dir_t *d;
  size_t n;
  cJSON *machines; /* array of machine fingerprints (objects) */
  cJSON *missing, *duplicates;
  int allow_mixed;
  const char *out;
} merge_t;

#define merge_error(...) am_cli_error("merge", __VA_ARGS__) /* cli.h: one line, returns 2 */

static const char *str_or(const cJSON *o, const char *key, const char *dflt) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : dflt;
}

/* The workload block: `workload` (schema 2), else `pattern` (schema 1). */
static const cJSON *workload_of(const cJSON *doc) {
  const cJSON *w = cJSON_GetObjectItemCaseSensitive(doc, "workload");
  return w ? w : cJSON_GetObjectItemCaseSensitive(doc, "pattern");
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Read DIR/plan.json and every other results file of DIR (sorted). 0, or 2 after a message. */
static int load_dir(shard_dir_t *sd) {
  char path[4096];
  am_diag_t dg;
  snprintf(path, sizeof path, "%s/shard/plan.json", sd->dir);
  if (am_json_read_file(path, &sd->plan, &dg) != 0)
    return merge_error("%s: no readable shard/plan.json (a folder written by `allocmark run --shard K/N -o DIR/`): %s",
                       sd->dir, dg.msg);
  if (am_plan_check(sd->plan, path, &dg) != 0) return merge_error("%s", dg.msg);
  DIR *dh = opendir(sd->dir);
  if (dh == NULL) return merge_error("%s: %s", sd->dir, strerror(errno));
  char **names = NULL;
  size_t n = 0, cap = 0;
  for (struct dirent *e; (e = readdir(dh)) != NULL;) {
    size_t l = strlen(e->d_name);
    if (e->d_name[0] == '.' || l < 6 || strcmp(e->d_name + l - 5, ".json") != 0) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      char **nn = realloc(names, cap * sizeof *nn);
      if (nn == NULL) { closedir(dh); return merge_error("out of memory"); }
      names = nn;
    }
    names[n] = malloc(strlen(sd->dir) + l + 2);
    if (names[n] == NULL) { closedir(dh); return merge_error("out of memory"); }
    sprintf(names[n], "%s/%s", sd->dir, e->d_name);
    n++;
  }
  closedir(dh);
  qsort(names, n, sizeof *names, cmp_str);
  sd->names = names;
  sd->files = calloc(n ? n : 1, sizeof *sd->files);
  if (sd->files == NULL) return merge_error("out of memory");
  for (size_t i = 0; i < n; i++) {
    if (am_results_load(names[i], &sd->files[i], &dg) != 0) { sd->n_files = i; return merge_error("%s", dg.msg); }
    sd->n_files = i + 1;
  }
  sd->context = n ? cJSON_GetObjectItemCaseSensitive(sd->files[0], "context") : NULL;
  return 0;
}

/* The two plans are of one matrix: same backends, workloads (with sha256) and shard count. */
static int same_plan(const shard_dir_t *a, const shard_dir_t *b) {
  const char *keys[] = {"backends", "workloads", "total_cells"};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
    if (!cJSON_Compare(cJSON_GetObjectItem(a->plan, keys[i]), cJSON_GetObjectItem(b->plan, keys[i]), 1))
      return merge_error("%s and %s: not shards of one plan (their plan.json `%s` differ)", a->dir, b->dir, keys[i]);
  const cJSON *sa = cJSON_GetObjectItem(a->plan, "shard"), *sb = cJSON_GetObjectItem(b->plan, "shard");
  if (!cJSON_Compare(cJSON_GetObjectItem(sa, "n"), cJSON_GetObjectItem(sb, "n"), 1))
    return merge_error("%s and %s: not shards of one plan (different shard counts)", a->dir, b->dir);
  return 0;
}

static cJSON *machine_of(const cJSON *ctx) {
  cJSON *m = cJSON_CreateObject();
  for (size_t i = 0; i < sizeof machine_keys / sizeof *machine_keys; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ctx, machine_keys[i]);
    cJSON_AddItemToObject(m, machine_keys[i], v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
  }
  return m;
}

/* Same build everywhere; machines listed; mixed machines only when allowed. */
static int check_contexts(merge_t *m, const char *ref_name, const cJSON *ref) {
  for (size_t i = 0; i < m->n; i++) {
    shard_dir_t *sd = &m->d[i];
    for (size_t f = 0; f < sd->n_files; f++) {
      const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(sd->files[f], "context");
      for (size_t k = 0; k < sizeof build_keys / sizeof *build_keys; k++)
        if (!cJSON_Compare(cJSON_GetObjectItem(ctx, build_keys[k]), cJSON_GetObjectItem(ref, build_keys[k]), 1)) {
          char *a = cJSON_PrintUnformatted(cJSON_GetObjectItem(ref, build_keys[k]));
          char *b = cJSON_PrintUnformatted(cJSON_GetObjectItem(ctx, build_keys[k]));
          merge_error("%s: context.%s %s differs from %s's %s: results of different builds are not merged",
                      sd->names[f], build_keys[k], b ? b : "?", ref_name, a ? a : "?");
          free(a), free(b);
          return 2;
        }
    }
    if (sd->context == NULL) { sd->machine = -1; continue; }
    cJSON *fp = machine_of(sd->context);
    int found = -1, idx = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, m->machines) {
      if (cJSON_Compare(e, fp, 1)) { found = idx; break; }
      idx++;
    }
    if (found < 0) {
      found = cJSON_GetArraySize(m->machines);
      if (found > 0 && !m->allow_mixed) {
        cJSON_Delete(fp);
        return merge_error("%s: ran on a different kind of machine (%s, %s) than %s; merging machines needs "
                           "--allow-mixed-machines (then reported per machine)",
                           sd->dir, str_or(sd->context, "cpu_model", "?"), str_or(sd->context, "kernel_version", "?"),
                           ref_name);
      }
      cJSON_AddItemToArray(m->machines, fp);
    } else {
      cJSON_Delete(fp);
    }
    sd->machine = found;
  }
  return 0;
}

/* Per workload: the same sha256 as the plan; per backend: one version, config, library. */
static int check_files(merge_t *m) {
  cJSON *seen = cJSON_CreateObject(); /* backend -> its first benchmark (borrowed fields copied) */
  int rc = 0;
  for (size_t i = 0; i < m->n && rc == 0; i++) {
    const cJSON *wls = cJSON_GetObjectItem(m->d[i].plan, "workloads");
    for (size_t f = 0; f < m->d[i].n_files && rc == 0; f++) {
      const cJSON *doc = m->d[i].files[f], *w = workload_of(doc), *pw, *bm;
      const char *name = str_or(w, "name", ""), *sha = str_or(w, "sha256", "");
      int in_plan = 0;
      cJSON_ArrayForEach(pw, wls) if (strcmp(str_or(pw, "name", ""), name) == 0) {
        in_plan = 1;
        if (strcmp(str_or(pw, "sha256", ""), sha) != 0)
          rc = merge_error("%s: workload '%s' has sha256 %.12s..., the plan's is %.12s...: different workload files",
                           m->d[i].names[f], name, sha, str_or(pw, "sha256", ""));
      }
      if (!in_plan && rc == 0) rc = merge_error("%s: workload '%s' is not in the plan", m->d[i].names[f], name);
      cJSON_ArrayForEach(bm, cJSON_GetObjectItem(doc, "benchmarks")) {
        if (rc) break;
        const char *b = str_or(bm, "backend", "?");
        const cJSON *first = cJSON_GetObjectItem(seen, b);
        if (first == NULL) {
          cJSON *c = cJSON_CreateObject();
          cJSON_AddStringToObject(c, "file", m->d[i].names[f]);
          const char *keys[] = {"backend_version", "backend_config", "malloc_from"};
          for (size_t k = 0; k < 3; k++) cJSON_AddStringToObject(c, keys[k], str_or(bm, keys[k], ""));
          cJSON_AddItemToObject(seen, b, c);
          continue;
        }
        const char *keys[] = {"backend_version", "backend_config", "malloc_from"};
        for (size_t k = 0; k < 3 && rc == 0; k++)
          if (strcmp(str_or(first, keys[k], ""), str_or(bm, keys[k], "")) != 0)
            rc = merge_error("%s: backend %s has %s '%s', %s has '%s': different allocator builds are not merged",
                             m->d[i].names[f], b, keys[k], str_or(bm, keys[k], ""), str_or(first, "file", "?"),
                             str_or(first, keys[k], ""));
      }
    }
  }
  cJSON_Delete(seen);
  return rc;
}

/* The first benchmark entry found for workload × backend × threads (any shard). */
static const cJSON *find_bench(const merge_t *m, const char *wl, const char *backend, int threads, int machine) {
  for (size_t i = 0; i < m->n; i++) {
    if (machine >= 0 && m->d[i].machine != machine) continue;
    for (size_t f = 0; f < m->d[i].n_files; f++) {
      if (strcmp(str_or(workload_of(m->d[i].files[f]), "name", ""), wl) != 0) continue;
      const cJSON *bm;
      cJSON_ArrayForEach(bm, cJSON_GetObjectItem(m->d[i].files[f], "benchmarks"))
        if (strcmp(str_or(bm, "backend", ""), backend) == 0 &&
            cJSON_GetObjectItem(bm, "threads") && cJSON_GetObjectItem(bm, "threads")->valueint == threads)
          return bm;
    }
  }
  return NULL;
}

/* The copy of cell `id` from the first shard (of `machine`, or any) that has it; counts copies. */
static const cJSON *find_sample(const merge_t *m, const char *wl, const char *backend, int threads, int rep,
                                int machine, const char *id, size_t *copies, const char **dir) {
  const cJSON *first = NULL;
  *copies = 0;
  for (size_t i = 0; i < m->n; i++) {
    if (machine >= 0 && m->d[i].machine != machine) continue;
    for (size_t f = 0; f < m->d[i].n_files; f++) {
      if (strcmp(str_or(workload_of(m->d[i].files[f]), "name", ""), wl) != 0) continue;
      const cJSON *bm, *s;
      cJSON_ArrayForEach(bm, cJSON_GetObjectItem(m->d[i].files[f], "benchmarks")) {
        if (strcmp(str_or(bm, "backend", ""), backend) != 0 || !cJSON_GetObjectItem(bm, "threads") ||
            cJSON_GetObjectItem(bm, "threads")->valueint != threads)
          continue;
        cJSON_ArrayForEach(s, cJSON_GetObjectItem(bm, "samples")) {
          const char *cid = str_or(s, "cell", NULL);
          const cJSON *r = cJSON_GetObjectItem(s, "rep");
          int match = cid ? strcmp(cid, id) == 0 : (cJSON_IsNumber(r) && r->valueint == rep);
          if (!match) continue;
          if ((*copies)++ == 0) { first = s; *dir = m->d[i].dir; }
        }
      }
    }
  }
  return first;
}

static void note_cell(cJSON *list, const char *id, const char *extra) {
  cJSON *c = cJSON_CreateObject();
  cJSON_AddStringToObject(c, "cell", id);
  if (extra) cJSON_AddStringToObject(c, "note", extra);
  cJSON_AddItemToArray(list, c);
}

/* One workload's merged results document for `machine` (-1: all). NULL when it has no cell there. */
static cJSON *merge_workload(merge_t *m, const cJSON *pw, int machine, const cJSON *shards_json) {
  const char *wl = str_or(pw, "name", "");
  const cJSON *proto = NULL;
  for (size_t i = 0; i < m->n && proto == NULL; i++)
    if (machine < 0 || m->d[i].machine == machine)
      for (size_t f = 0; f < m->d[i].n_files && proto == NULL; f++)
        if (strcmp(str_or(workload_of(m->d[i].files[f]), "name", ""), wl) == 0) proto = m->d[i].files[f];
  if (proto == NULL) return NULL;
  const cJSON *tcs = cJSON_GetObjectItem(pw, "thread_counts"), *tc, *be;
  int reps = cJSON_GetObjectItem(pw, "repetitions") ? cJSON_GetObjectItem(pw, "repetitions")->valueint : 0;
  cJSON *benchmarks = cJSON_CreateArray();
  cJSON_ArrayForEach(tc, tcs) {
    cJSON_ArrayForEach(be, cJSON_GetObjectItem(m->d[0].plan, "backends")) {
      const char *b = be->valuestring;
      const cJSON *bm = find_bench(m, wl, b, tc->valueint, machine);
      if (bm == NULL) continue;
      cJSON *samples = cJSON_CreateArray();
      for (int r = 0; r < reps; r++) {
        char id[512];
        size_t copies;
        const char *dir = NULL;
        am_cell_id(id, sizeof id, wl, (unsigned)tc->valueint, (unsigned)r, b);
        const cJSON *s = find_sample(m, wl, b, tc->valueint, r, machine, id, &copies, &dir);
        if (s == NULL) continue;
        cJSON *c = cJSON_Duplicate(s, 1);
        if (!cJSON_GetObjectItem(c, "cell")) cJSON_AddStringToObject(c, "cell", id);
        if (!cJSON_GetObjectItem(c, "shard_dir")) cJSON_AddStringToObject(c, "shard_dir", dir);
        cJSON_AddItemToArray(samples, c);
      }
      am_backend_info_t bi;
      memset(&bi, 0, sizeof bi);
      snprintf(bi.name, sizeof bi.name, "%s", b);
      snprintf(bi.version, sizeof bi.version, "%s", str_or(bm, "backend_version", ""));
      snprintf(bi.config, sizeof bi.config, "%s", str_or(bm, "backend_config", ""));
      snprintf(bi.malloc_from, sizeof bi.malloc_from, "%s", str_or(bm, "malloc_from", ""));
      cJSON_AddItemToArray(benchmarks, am_run_benchmark(&bi, (unsigned)tc->valueint, samples));
    }
  }
  cJSON *doc = cJSON_CreateObject();
  cJSON_AddItemToObject(doc, "schema_version", cJSON_Duplicate(cJSON_GetObjectItem(proto, "schema_version"), 1));
  cJSON_AddStringToObject(doc, "generator", "allocmark merge");
  cJSON *ctx = cJSON_Duplicate(cJSON_GetObjectItem(proto, "context"), 1);
  cJSON *mj = cJSON_AddObjectToObject(ctx, "merge");
  cJSON_AddItemToObject(mj, "shards", cJSON_Duplicate(shards_json, 1));
  cJSON_AddItemToObject(mj, "machines", cJSON_Duplicate(m->machines, 1));
  if (machine >= 0) cJSON_AddNumberToObject(mj, "machine", machine);
  cJSON_AddItemToObject(doc, "context", ctx);
  const cJSON *w = cJSON_GetObjectItem(proto, "workload");
  cJSON_AddItemToObject(doc, w ? "workload" : "pattern", cJSON_Duplicate(workload_of(proto), 1));
  cJSON_AddItemToObject(doc, "benchmarks", benchmarks);
  return doc;
}

/* Every cell of the plan: missing (no folder has it) or duplicate (several have it). */
static void account_cells(merge_t *m) {
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(m->d[0].plan, "cells")) {
    const char *id = str_or(c, "id", "?");
    size_t copies;
    const char *dir = NULL;
    find_sample(m, str_or(c, "workload", ""), str_or(c, "backend", ""), cJSON_GetObjectItem(c, "threads")->valueint,
                cJSON_GetObjectItem(c, "rep")->valueint, -1, id, &copies, &dir);
    if (copies == 0) note_cell(m->missing, id, NULL);
    else if (copies > 1) note_cell(m->duplicates, id, "kept the copy of the first folder given");
  }
}

/* merge.json's `shards`: per folder its shard, host, start and how many cells it held. */
static cJSON *shards_summary(const merge_t *m) {
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; i < m->n; i++) {
    const shard_dir_t *sd = &m->d[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "dir", sd->dir);
    const cJSON *sh = cJSON_GetObjectItem(sd->plan, "shard");
    cJSON_AddItemToObject(o, "shard", cJSON_Duplicate(cJSON_GetObjectItem(sh, "k"), 1));
    cJSON_AddItemToObject(o, "of", cJSON_Duplicate(cJSON_GetObjectItem(sh, "n"), 1));
    cJSON_AddStringToObject(o, "host", str_or(sd->context, "host", "?"));
    cJSON_AddStringToObject(o, "date_utc", str_or(sd->context, "date_utc", "?"));
    cJSON_AddNumberToObject(o, "machine", sd->machine);
    size_t cells = 0;
    for (size_t f = 0; f < sd->n_files; f++) {
      const cJSON *bm;
      cJSON_ArrayForEach(bm, cJSON_GetObjectItem(sd->files[f], "benchmarks"))
        cells += (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(bm, "samples"));
    }
    cJSON_AddNumberToObject(o, "cells", (double)cells);
    cJSON_AddItemToArray(arr, o);
  }
  return arr;
}

static int ensure_empty_dir(const char *dir) {
  struct stat st;
  if (stat(dir, &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return merge_error("-o %s: exists and is not a folder", dir);
    DIR *dh = opendir(dir);
    if (dh == NULL) return merge_error("-o %s: %s", dir, strerror(errno));
    for (struct dirent *e; (e = readdir(dh)) != NULL;)
      if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
        closedir(dh);
        return merge_error("-o %s: folder is not empty (merge writes a fresh run folder)", dir);
      }
    closedir(dh);
  } else if (mkdir(dir, 0755) != 0) {
    return merge_error("-o %s: cannot create: %s", dir, strerror(errno));
  }
  if (access(dir, W_OK) != 0) return merge_error("-o %s: folder is not writable", dir);
  return 0;
}

/* Write every merged document (per machine when mixed), plan.json and merge.json. */
static int write_all(merge_t *m) {
  cJSON *shards = shards_summary(m);
  int n_mach = cJSON_GetArraySize(m->machines), rc = 0;
  int per_machine = n_mach > 1;
  am_diag_t dg;
  for (int mi = per_machine ? 0 : -1; mi < (per_machine ? n_mach : 0) && rc == 0; mi++) {
    char dir[4096];
    if (per_machine) {
      snprintf(dir, sizeof dir, "%s/machine-%d", m->out, mi);
      if (mkdir(dir, 0755) != 0 && errno != EEXIST) { rc = merge_error("%s: %s", dir, strerror(errno)); break; }
    } else {
      snprintf(dir, sizeof dir, "%s", m->out);
    }
    const cJSON *pw;
    cJSON_ArrayForEach(pw, cJSON_GetObjectItem(m->d[0].plan, "workloads")) {
      cJSON *doc = merge_workload(m, pw, mi, shards);
      if (doc == NULL) continue;
      char path[4200];
      snprintf(path, sizeof path, "%s/%s.json", dir, str_or(pw, "name", "workload"));
      if (am_json_write_atomic(path, doc, 1, &dg) != 0) rc = merge_error("%s", dg.msg);
      cJSON_Delete(doc);
      if (rc) break;
    }
  }
  if (rc == 0) {
    cJSON *plan = cJSON_Duplicate(m->d[0].plan, 1);
    cJSON_ReplaceItemInObject(plan, "shard", cJSON_CreateNull());
    char path[4200];
    snprintf(path, sizeof path, "%s/merge", m->out);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) rc = merge_error("%s: %s", path, strerror(errno));
    snprintf(path, sizeof path, "%s/merge/plan.json", m->out);
    if (am_json_write_atomic(path, plan, 1, &dg) != 0) rc = merge_error("%s", dg.msg);
    cJSON_Delete(plan);
    cJSON *sum = cJSON_CreateObject();
    cJSON_AddStringToObject(sum, "format", "allocmark-merge/1");
    cJSON_AddItemToObject(sum, "shards", shards);
    shards = NULL;
    cJSON_AddItemToObject(sum, "machines", cJSON_Duplicate(m->machines, 1));
    cJSON_AddItemToObject(sum, "missing", cJSON_Duplicate(m->missing, 1));
    cJSON_AddItemToObject(sum, "duplicates", cJSON_Duplicate(m->duplicates, 1));
    snprintf(path, sizeof path, "%s/merge/merge.json", m->out);
    if (rc == 0 && am_json_write_atomic(path, sum, 1, &dg) != 0) rc = merge_error("%s", dg.msg);
    cJSON_Delete(sum);
  }
  cJSON_Delete(shards);
  return rc;
}

static int parse_merge_args(int argc, char **argv, merge_t *m) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { fputs(merge_help, stdout); return -1; }
    if (strcmp(a, "--allow-mixed-machines") == 0) m->allow_mixed = 1;
    else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
      if (i + 1 >= argc || argv[i + 1][0] == '\0') return merge_error("%s: needs a folder", a);
      m->out = argv[++i];
    } else if (strncmp(a, "--output=", 9) == 0 && a[9] != '\0') m->out = a + 9;
    else if (a[0] == '-' && a[1] != '\0') return merge_error("unknown option '%s' (try allocmark merge --help)", a);
    else {
      if (m->n == MERGE_MAX_DIRS) return merge_error("more than %d folders", MERGE_MAX_DIRS);
      m->d[m->n++].dir = a;
    }
  }
  if (m->n == 0) return merge_error("no shard folder given (try allocmark merge --help)");
  if (m->out == NULL) return merge_error("-o OUT is required");
  return 0;
}

static void merge_free(merge_t *m) {
  for (size_t i = 0; i < m->n; i++) {
    cJSON_Delete(m->d[i].plan);
    for (size_t f = 0; f < m->d[i].n_files; f++) cJSON_Delete(m->d[i].files[f]), free(m->d[i].names[f]);
    free(m->d[i].files), free(m->d[i].names);
  }
  free(m->d);
  cJSON_Delete(m->machines), cJSON_Delete(m->missing), cJSON_Delete(m->duplicates);
}

static void print_cells(const char *what, const cJSON *list) {
  const cJSON *c;
  cJSON_ArrayForEach(c, list) fprintf(stderr, "allocmark merge: %s cell %s\n", what, str_or(c, "cell", "?"));
}

int am_cmd_merge(int argc, char **argv) {
  merge_t m;
  memset(&m, 0, sizeof m);
  m.d = calloc(MERGE_MAX_DIRS, sizeof *m.d);
  m.machines = cJSON_CreateArray(), m.missing = cJSON_CreateArray(), m.duplicates = cJSON_CreateArray();
  if (m.d == NULL) return merge_error("out of memory");
  int rc = parse_merge_args(argc, argv, &m);
  for (size_t i = 0; rc == 0 && i < m.n; i++) rc = load_dir(&m.d[i]);
  for (size_t i = 1; rc == 0 && i < m.n; i++) rc = same_plan(&m.d[0], &m.d[i]);
  const cJSON *ref = NULL;
  const char *ref_name = NULL;
  for (size_t i = 0; rc == 0 && i < m.n && ref == NULL; i++)
    if (m.d[i].n_files) ref = m.d[i].context, ref_name = m.d[i].names[0];
  if (rc == 0 && ref == NULL) rc = merge_error("no results file in any of the folders given");
  if (rc == 0) rc = check_contexts(&m, ref_name, ref);
  if (rc == 0) rc = check_files(&m);
  if (rc == 0) rc = ensure_empty_dir(m.out);
  if (rc == 0) account_cells(&m);
  if (rc == 0) rc = write_all(&m);
  if (rc == 0) {
    print_cells("missing", m.missing);
    print_cells("duplicate", m.duplicates);
    int nm = cJSON_GetArraySize(m.missing), nd = cJSON_GetArraySize(m.duplicates);
    const cJSON *tot = cJSON_GetObjectItem(m.d[0].plan, "total_cells");
    printf("merged %zu folder%s (%d machine%s) into %s: %.0f cells planned, %d missing, %d duplicate\n", m.n,
           m.n == 1 ? "" : "s", cJSON_GetArraySize(m.machines), cJSON_GetArraySize(m.machines) == 1 ? "" : "s", m.out,
           cJSON_IsNumber(tot) ? tot->valuedouble : 0.0, nm, nd);
    rc = (nm || nd) ? 1 : 0;
  }
  merge_free(&m);
  return rc < 0 ? 0 : rc;
}
