/* harness/progrun/progrun.h — am-progrun, the per-repetition measurer of a real program
 * (program files, harness/common/progfile.h). The driver starts one fresh am-progrun per
 * repetition; it starts the program's process tree (an optional server, then the
 * command) with the backend's library in LD_PRELOAD, samples the tree's RSS, waits,
 * and prints one sample JSON on stdout. It links no allocator of its own choosing:
 * only glibc and cJSON, like the driver. */
#ifndef AM_PROGRUN_H
#define AM_PROGRUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cJSON;

/* The tree sampler (progrun_tree.c): RSS of every live descendant of the roots. */
#define AM_TREE_MAX_ROOTS 2
#define AM_TREE_MAX_POINTS 60000 /* timeline points kept; later ones thin out by 2 */
typedef struct am_tree_s {
  pid_t roots[AM_TREE_MAX_ROOTS];
  size_t n_roots;
  uint64_t peak_bytes;          /* largest summed RSS seen                          */
  size_t max_procs;             /* most processes alive at once                     */
  double *t_ms;                 /* timeline (NULL when not kept)                    */
  uint64_t *rss;
  size_t n, cap, stride, skip;  /* points, capacity, keep one sample in stride      */
} am_tree_t;
int am_tree_init(am_tree_t *t, int keep_timeline);
void am_tree_free(am_tree_t *t);
/* Sum the RSS of the roots and all their descendants now; t_ms since the start. */
uint64_t am_tree_sample(am_tree_t *t, double t_ms);

/* LD_DEBUG=bindings evidence (progrun_bind.c): which objects the allocation symbols
 * of every process of the tree were bound to. expect: the backend's library (for
 * `system`, libc.so.6). Returns the "bindings" object of the sample; *in_effect is 1
 * when every allocation symbol bound went to expect (operator new/delete: expect or
 * libstdc++), at least one malloc-family binding was seen, and no allocating entry
 * point of another allocator was bound. */
struct cJSON *am_bindings_check(const char *prefix, const char *expect, int *in_effect, char *why, size_t why_cap);

#endif /* AM_PROGRUN_H */
