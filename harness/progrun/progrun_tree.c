/* harness/progrun/progrun_tree.c — RSS of a process tree: the roots and every
 * descendant found through /proc/<pid>/task/<tid>/children, summed from
 * /proc/<pid>/statm (resident pages). Cheap enough for a 10 ms period: it reads
 * only the tree's own files, never the whole of /proc. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "progrun.h"

#define TREE_MAX_PROCS 4096

int am_tree_init(am_tree_t *t, int keep_timeline) {
  memset(t, 0, sizeof *t);
  t->stride = 1;
  if (!keep_timeline) return 0;
  t->cap = AM_TREE_MAX_POINTS;
  t->t_ms = malloc(t->cap * sizeof *t->t_ms);
  t->rss = malloc(t->cap * sizeof *t->rss);
  return t->t_ms && t->rss ? 0 : -1;
}

void am_tree_free(am_tree_t *t) {
  free(t->t_ms);
  free(t->rss);
  t->t_ms = NULL;
  t->rss = NULL;
}

static uint64_t rss_of(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
  FILE *f = fopen(path, "r");
  if (f == NULL) return 0;
  unsigned long long size = 0, res = 0;
  int ok = fscanf(f, "%llu %llu", &size, &res) == 2;
  fclose(f);
  return ok ? res * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

/* Append the children of pid (all its threads) to list. */
static void children_of(pid_t pid, pid_t *list, size_t *n) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
  DIR *d = opendir(path);
  if (d == NULL) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL && *n < TREE_MAX_PROCS) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    char cp[96];
    snprintf(cp, sizeof cp, "/proc/%d/task/%.16s/children", (int)pid, e->d_name);
    FILE *f = fopen(cp, "r");
    if (f == NULL) continue;
    int c;
    while (*n < TREE_MAX_PROCS && fscanf(f, "%d", &c) == 1) list[(*n)++] = (pid_t)c;
    fclose(f);
  }
  closedir(d);
}

uint64_t am_tree_sample(am_tree_t *t, double t_ms) {
  static pid_t list[TREE_MAX_PROCS];
  size_t n = 0;
  for (size_t i = 0; i < t->n_roots; i++) if (t->roots[i] > 0) list[n++] = t->roots[i];
  for (size_t i = 0; i < n; i++) children_of(list[i], list, &n);
  uint64_t sum = 0;
  for (size_t i = 0; i < n; i++) sum += rss_of(list[i]);
  if (sum > t->peak_bytes) t->peak_bytes = sum;
  if (n > t->max_procs) t->max_procs = n;
  if (t->cap == 0) return sum;
  if (t->skip++ % t->stride != 0) return sum;
  if (t->n == t->cap) { /* keep every other point, sample half as often from now on */
    for (size_t i = 0; i < t->n / 2; i++) { t->t_ms[i] = t->t_ms[2 * i]; t->rss[i] = t->rss[2 * i]; }
    t->n /= 2;
    t->stride *= 2;
  }
  t->t_ms[t->n] = t_ms;
  t->rss[t->n++] = sum;
  return sum;
}
