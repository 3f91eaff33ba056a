/* tests/conform/case_identity.c — the isolation proof inside the conformance process:
 * the process's `malloc` is the allocator this executable claims to hold.
 *   1. dladdr of the resolved `malloc` names the expected shared object
 *      (cf_expect_malloc_from, generated per backend by tests/conform/CMakeLists.txt;
 *      under ASan or TSan, malloc is the sanitizer's interceptor and its runtime is
 *      accepted instead: such a build cannot prove isolation this way).
 *   2. Each third-party allocator's marker symbol is present exactly when it is the
 *      backend: mallctl (jemalloc), mi_malloc (mimalloc), tc_malloc (tcmalloc), pp_malloc
 *      (pagepool), scalable_malloc (tbbmalloc), malloc_iterate (Scudo). In
 *      system/bump/broken processes none of them may resolve.
 *   3. That allocator's own introspection says it owns a block from a plain malloc()
 *      (jemalloc: thread.allocated grows; tcmalloc: MallocExtension_GetOwnership;
 *      mimalloc: mi_is_in_heap_region; pagepool: pp_owns; tbbmalloc:
 *      __TBB_malloc_safer_msize without a fallback; Scudo: malloc_iterate finds the
 *      block) and from the backend table.
 * Everything is looked up with dlsym, so this source links against no allocator. */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "conform.h"

/* A plain malloc()/free() the compiler cannot see through or elide. */
static void *(*volatile plain_malloc)(size_t) = malloc;
static void (*volatile plain_free)(void *) = free;

typedef int (*owns_fn)(const void *p, int *verdict); /* 0 ok; *verdict: 1 owned, 0 not */

/* Function pointer from dlsym without an object-to-function pointer cast (POSIX idiom). */
#define CF_DLSYM(fp, name) do { void *s_ = dlsym(RTLD_DEFAULT, name); memcpy(&(fp), &s_, sizeof(fp)); } while (0)

static int tc_owns(const void *p, int *verdict) {
  int (*own)(const void *);
  CF_DLSYM(own, "MallocExtension_GetOwnership");
  if (own == NULL) return -1;
  *verdict = own(p) == 1; /* MallocExtension_kOwned */
  return 0;
}

static int mi_owns(const void *p, int *verdict) {
  bool (*in_heap)(const void *);
  CF_DLSYM(in_heap, "mi_is_in_heap_region");
  if (in_heap == NULL) return -1;
  *verdict = in_heap(p);
  return 0;
}

static int pp_owns_probe(const void *p, int *verdict) {
  int (*owns)(const void *);
  CF_DLSYM(owns, "pp_owns");
  if (owns == NULL) return -1;
  *verdict = owns(p) == 1;
  return 0;
}

/* tbbmalloc's "safer" msize returns 0 for a block it does not recognise when given no
 * fallback for foreign blocks. */
static int tbb_owns(const void *p, int *verdict) {
  size_t (*msize)(const void *, size_t (*)(const void *));
  CF_DLSYM(msize, "__TBB_malloc_safer_msize");
  if (msize == NULL) return -1;
  *verdict = msize(p, NULL) > 0;
  return 0;
}

/* Scudo (as Android's bionic) walks its live chunks with malloc_iterate, between
 * malloc_disable and malloc_enable. It matches a chunk by the start of its block (the
 * header before the pointer), so the range starts a page early and the callback looks
 * for the pointer itself. */
typedef struct cf_sc_probe_s { uintptr_t want; int found; } cf_sc_probe_t;
static void sc_found(uintptr_t base, size_t size, void *arg) {
  cf_sc_probe_t *pr = arg;
  (void)size;
  if (base == pr->want) pr->found = 1;
}
static int sc_owns(const void *p, int *verdict) {
  int (*iterate)(uintptr_t, size_t, void (*)(uintptr_t, size_t, void *), void *);
  void (*disable)(void), (*enable)(void);
  CF_DLSYM(iterate, "malloc_iterate");
  CF_DLSYM(disable, "malloc_disable");
  CF_DLSYM(enable, "malloc_enable");
  if (iterate == NULL || disable == NULL || enable == NULL) return -1;
  cf_sc_probe_t pr = {(uintptr_t)p, 0};
  uintptr_t from = pr.want > 4096 ? pr.want - 4096 : 0;
  disable();
  iterate(from, pr.want - from + 1, sc_found, &pr);
  enable();
  *verdict = pr.found;
  return 0;
}

/* jemalloc has no "owns"; its per-thread byte counter must grow by a plain malloc. */
static int je_counts(cf_result_t *r) {
  int (*ctl)(const char *, void *, size_t *, void *, size_t);
  CF_DLSYM(ctl, "mallctl");
  uint64_t before = 0, after = 0;
  size_t sz = sizeof before;
  if (ctl == NULL || ctl("thread.allocated", &before, &sz, NULL, 0) != 0)
    return cf_fail(r, "mallctl(\"thread.allocated\") failed");
  void *p = plain_malloc(4096);
  sz = sizeof after;
  int e = ctl("thread.allocated", &after, &sz, NULL, 0);
  plain_free(p);
  if (e != 0 || after < before + 4096)
    return cf_fail(r, "jemalloc's thread.allocated went %llu -> %llu over a plain malloc(4096): "
                      "malloc is not jemalloc", (unsigned long long)before, (unsigned long long)after);
  return 0;
}

static const struct {
  const char *owner, *marker;
  owns_fn owns; /* NULL: the owner is checked another way (jemalloc) */
} probes[] = {
  {"jemalloc", "mallctl", NULL},
  {"mimalloc", "mi_malloc", mi_owns},
  {"tcmalloc", "tc_malloc", tc_owns},
  {"pagepool", "pp_malloc", pp_owns_probe},
  {"tbbmalloc", "scalable_malloc", tbb_owns},
  {"scudo", "malloc_iterate", sc_owns},
};

static int check_owner(const am_backend_t *b, owns_fn owns, cf_result_t *r) {
  if (owns == NULL) return je_counts(r);
  int stack_var = 0, v_plain = 0, v_table = 0, v_stack = 1;
  void *p = plain_malloc(100), *q = am_malloc(b, 100);
  int e = owns(p, &v_plain) | owns(q, &v_table) | owns(&stack_var, &v_stack);
  plain_free(p);
  am_free(b, q);
  if (e != 0) return cf_fail(r, "%s's introspection function is missing", b->name);
  if (!v_plain) return cf_fail(r, "%s does not own a block from plain malloc(): malloc is not %s", b->name, b->name);
  if (!v_table) return cf_fail(r, "%s does not own a block from its own backend table", b->name);
  if (v_stack) return cf_fail(r, "%s claims to own a stack address: its introspection proves nothing", b->name);
  return 0;
}

int cf_case_identity(const am_backend_t *b, cf_result_t *r) {
  Dl_info info;
  void *m = dlsym(RTLD_DEFAULT, "malloc");
  const char *from = (m != NULL && dladdr(m, &info) != 0 && info.dli_fname) ? info.dli_fname : "";
  const char *san = cf_sanitizer_malloc();
  if (strstr(from, cf_expect_malloc_from) == NULL && !(san != NULL && strstr(from, san) != NULL))
    return cf_fail(r, "malloc resolves to '%s', expected %s", from, cf_expect_malloc_from);
  const char *checked = "no allocator introspection (none expected)";
  for (size_t i = 0; i < sizeof probes / sizeof *probes; i++) {
    int mine = strcmp(b->name, probes[i].owner) == 0;
    int present = dlsym(RTLD_DEFAULT, probes[i].marker) != NULL;
    if (present && !mine)
      return cf_fail(r, "%s's symbol %s is loaded into the %s process: two allocators in one process",
                     probes[i].owner, probes[i].marker, b->name);
    if (mine && !present) return cf_fail(r, "%s's symbol %s is not loaded", b->name, probes[i].marker);
    if (mine) {
      int rc = check_owner(b, probes[i].owns, r);
      if (rc) return rc;
      checked = probes[i].owns ? "owns plain malloc() blocks" : "thread.allocated counts plain malloc()";
    }
  }
  return cf_note(r, "malloc from %s%s; %s", from, san ? " (sanitizer build)" : "", checked);
}
