/* allocator/src/config.c — pagepool's knobs: defaults, PAGEPOOL_* environment, the API
 * (pp_configure, pp_get_config, pp_config_string) and the size-class tables they select.
 *
 * Knobs (environment, read once at start-up by scanning `environ` — no getenv, no stdio):
 *   PAGEPOOL_CLASSES=fit|fine|pow2  size-class spacing: `fine` is 16-byte steps to 128 then 4
 *                               per doubling (28 classes: a block wastes under 25 % of its
 *                               size, not 50 %); `fit` is fine with every class widened to
 *                               the largest size at its block count per pool and one class
 *                               per block count from 256 to 672 B (32 classes: pp_fit, less
 *                               memory on mixed sizes); `pow2` is powers of two 16..4096 (9
 *                               classes, the original design)               default fit
 *   PAGEPOOL_POOLS=N            pools per page, a power of two in 8..64    default 64
 *   PAGEPOOL_RETURN=0|1         give free pages' memory back to the OS (madvise) once more
 *                               than 16 MiB of free pages are kept hot      default 1
 *   PAGEPOOL_LOOKUP=fast|tree   pointer -> page: region range check + side table, or the
 *                               red-black tree under its lock on every free default fast
 *   PAGEPOOL_SITES=0|1          record the call site of every block (leak report) default 0
 *   PAGEPOOL_LISTS=0|1          research: the heaps' allocation lists; 0 = off: a refill
 *                               takes one pool's free list, every free goes to its pool
 *                               (the design before the lists)               default 1
 *   PAGEPOOL_GROW=0|1           research: allocation lists that cycle (empty, then full)
 *                               double their limit (heap.c, PP_BIN_GROW_BYTES); 0 = every
 *                               list keeps its first limit                  default 1
 *   PAGEPOOL_RUNS=0|1           research: a class whose blocks leave a large tail in one
 *                               pool (fit: 896, 1632, 1792, 2720, 3264 B) takes runs of 2 or 4
 *                               adjacent pools (pp_i_classes_build); 0 = one pool for every
 *                               class (the original design)                default 1
 *   PAGEPOOL_LARGE=own|system   blocks over 4096 B: pagepool's own spans (runs of OS pages
 *                               from mmap, freed ones cached for reuse: span.c) or the
 *                               original fall-back, the system allocator    default own
 *   PAGEPOOL_DECAY=MS           a span (block over 4 KiB) cached in the global span cache
 *                               and not taken again for MS milliseconds goes back to the
 *                               OS while the cache holds more than the spans handed out
 *                               (span.c, pp_span_decay: a purge delay); 0 = never: the
 *                               cache shrinks only past its limit (the design before the
 *                               decay). Needs PAGEPOOL_RETURN=1; 0..60000   default 20
 *   PAGEPOOL_HEAP_SPANS=KIB     research: each thread's heap keeps up to KIB KiB of the
 *                               medium spans (4-68 KiB) it frees, for its next medium
 *                               blocks, in front of the global cache and its lock
 *                               (large.c, pp_span_keep); 0 = none: every medium span is
 *                               shared through the global cache. 0..4896     default 2048
 *   PAGEPOOL_LEAKS=0|1          drop-in: print pp_leak_report(stderr) at exit  default 0
 *                               (read by override.c's constructor)
 *   PAGEPOOL_DUMP=FILE          drop-in: write pp_dump_json to FILE at exit (override.c)
 *   PAGEPOOL_REGION=MiB         size of the reserved region (testing: a small one forces
 *                               pages outside it, found through the tree; 0: no region,
 *                               every page is found through the tree)       default 32768
 *                               (capped at 1/8 of RLIMIT_AS: PP_REGION_AS_SHARE)
 *   PAGEPOOL_FAIL=N | N+        OOM injection (testing): the Nth memory request fails as if
 *                               the system were out of memory (N+: the Nth and every later
 *                               one). Requests, counted from 1 across threads: a page for a
 *                               heap (from the free-page list or new), a large block's
 *                               system malloc / calloc / realloc.             default off
 * A value that does not parse leaves the default; pp_config_string() shows what is in force.
 */
#include <string.h>
#include <unistd.h>
#include "pp_internal.h"

static int pp_cfg_loaded;            /* under pp_i_lock */
static char pp_cfg_str[160];

static void pp_cfg_defaults(pp_config_t *c) {
  c->spacing = PP_CLASSES_FIT;
  c->pools_per_page = PP_MAX_POOLS;
  c->return_to_os = 1;
  c->lookup = PP_LOOKUP_FAST;
  c->track_sites = 0;
  c->large = PP_LARGE_OWN;
}

static int pp_cfg_valid(const pp_config_t *c) {
  unsigned n = c->pools_per_page;
  if (c->spacing != PP_CLASSES_POW2 && c->spacing != PP_CLASSES_FINE && c->spacing != PP_CLASSES_FIT) return 0;
  if (c->lookup != PP_LOOKUP_FAST && c->lookup != PP_LOOKUP_TREE) return 0;
  if (c->large != PP_LARGE_OWN && c->large != PP_LARGE_SYSTEM) return 0;
  if (n < PP_MIN_POOLS || n > PP_MAX_POOLS || (n & (n - 1)) != 0) return 0;
  if ((c->return_to_os != 0 && c->return_to_os != 1) || (c->track_sites != 0 && c->track_sites != 1))
    return 0;
  return 1;
}

/* Value of NAME in environ, or NULL. */
static const char *pp_env(const char *name) {
  size_t len = strlen(name);
  if (environ == NULL) return NULL;
  for (char **e = environ; *e != NULL; e++)
    if (strncmp(*e, name, len) == 0 && (*e)[len] == '=') return *e + len + 1;
  return NULL;
}

/* Decimal value of s, or -1 when s is not all digits (or too large). */
static long pp_num(const char *s) {
  long v = 0;
  if (s == NULL || *s == '\0') return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > 100000000L) return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

/* Numeric knob NAME: its value when it parses and is at most max, else dflt. */
static unsigned pp_num_knob(const char *name, unsigned max, unsigned dflt) {
  long n = pp_num(pp_env(name));
  return n >= 0 && n <= (long)max ? (unsigned)n : dflt;
}

static int pp_flag(const char *s, int dflt) {
  if (s == NULL) return dflt;
  if (strcmp(s, "1") == 0) return 1;
  if (strcmp(s, "0") == 0) return 0;
  return dflt;
}

/* PAGEPOOL_FAIL=N or N+ (N >= 1); anything else leaves injection off. */
static void pp_fail_knob(const char *s) {
  char digits[16];
  size_t len = s != NULL ? strlen(s) : 0;
  int sticky = len > 0 && s[len - 1] == '+';
  if (sticky) len--;
  if (len == 0 || len >= sizeof digits) return;
  memcpy(digits, s, len);
  digits[len] = '\0';
  long n = pp_num(digits);
  if (n <= 0) return;
  pp_i_g.fail_at = (uint64_t)n;
  pp_i_g.fail_sticky = sticky;
}

void pp_i_config_load(void) {
  if (pp_cfg_loaded) return;
  pp_config_t c;
  pp_cfg_defaults(&c);
  const char *s = pp_env("PAGEPOOL_CLASSES");
  if (s != NULL && strcmp(s, "fit") == 0) c.spacing = PP_CLASSES_FIT;
  if (s != NULL && strcmp(s, "fine") == 0) c.spacing = PP_CLASSES_FINE;
  if (s != NULL && strcmp(s, "pow2") == 0) c.spacing = PP_CLASSES_POW2;
  long n = pp_num(pp_env("PAGEPOOL_POOLS"));
  if (n >= PP_MIN_POOLS && n <= PP_MAX_POOLS && (n & (n - 1)) == 0) c.pools_per_page = (unsigned)n;
  c.return_to_os = pp_flag(pp_env("PAGEPOOL_RETURN"), c.return_to_os);
  s = pp_env("PAGEPOOL_LOOKUP");
  if (s != NULL && strcmp(s, "tree") == 0) c.lookup = PP_LOOKUP_TREE;
  c.track_sites = pp_flag(pp_env("PAGEPOOL_SITES"), 0);
  s = pp_env("PAGEPOOL_LARGE");
  if (s != NULL && strcmp(s, "system") == 0) c.large = PP_LARGE_SYSTEM;
  pp_i_g.lists_off = !pp_flag(pp_env("PAGEPOOL_LISTS"), 1);
  pp_i_g.grow_off = !pp_flag(pp_env("PAGEPOOL_GROW"), 1);
  pp_i_g.runs_off = !pp_flag(pp_env("PAGEPOOL_RUNS"), 1);
  pp_i_g.decay_ms = pp_num_knob("PAGEPOOL_DECAY", PP_DECAY_MAX_MS, PP_DECAY_MS);
  pp_i_g.heap_span_bytes = (size_t)pp_num_knob("PAGEPOOL_HEAP_SPANS", PP_HEAP_SPAN_MAX_KIB, PP_HEAP_SPAN_KIB) << 10;
  n = pp_num(pp_env("PAGEPOOL_REGION"));
  if (n >= 0) {
    pp_i_g.region_set = 1;
    pp_i_g.region_request = (size_t)n << 20;
  }
  pp_fail_knob(pp_env("PAGEPOOL_FAIL"));
  pp_i_g.cfg = c;
  pp_cfg_loaded = 1;
}

/* Pools in a run of blocks of `size`: 1 unless one pool leaves an eighth of itself or more
 * unused; then the fewest (2 or 4) that leave the smallest share unused, a longer run only
 * when it wastes under half the share of a shorter one — a run is threaded (touched) whole
 * when a class takes it, so a class with few live blocks holds a whole run. Fit classes:
 * 896 B: 2 pools (9 blocks, 2 % unused, not 12 %), 1632 B: 2 (5, 0.4 % not 20 %), 1792 B: 4
 * (9, 2 % not 12 %), 2720 B: 2 (3, 0.4 % not 34 %), 3264 B: 4 (5, 0.4 % not 20 %); fine's
 * 1536, 2560 and 3072 B take runs of 2, 2 and 4 as well. */
static unsigned pp_run_pools(size_t size) {
  unsigned best = 1;
  size_t best_waste = PP_POOL_SIZE % size; /* per PP_POOL_SIZE * best bytes */
  if (pp_i_g.runs_off || best_waste * 8 < PP_POOL_SIZE) return 1;
  for (unsigned k = 2; k <= PP_RUN_MAX; k *= 2) {
    size_t waste = (k * PP_POOL_SIZE) % size;
    if (2 * waste * best < best_waste * k) { /* waste / k < (best_waste / best) / 2 */
      best = k;
      best_waste = waste;
    }
  }
  return best;
}

/* The `fit` classes (PAGEPOOL_CLASSES=fit). A pool (run) of `fine`'s 320 B holds 12 blocks,
 * as many as one of 336 B would: a request of 321-336 B then takes a class of 384 B, whose
 * 10 blocks a pool of 400 B would hold as well. So each class here is the largest multiple
 * of 16 at its number of blocks per pool or run (fine's 320, 384, 640, 768, 1280, 1536, 2560
 * and 3072 become 336, 400, 672, 816, 1360, 1632, 2720 and 3264; 3584, whose run holds 4
 * blocks as 4 pools of 4096 do, goes), and from 256 to 672 B, where mixed sizes are dense,
 * there is one class per block count, 16 down to 6 (272, 288, 304, 368 and 576 added). 1792
 * stays: 1808 would hold 9 blocks in a run of 4 as well, but it leaves under an eighth of
 * one pool unused, so it takes no run (pp_run_pools). For sizes spread evenly over 16-512 B
 * a block's share of its pool is 1.07x its size on average, against fine's 1.11x (1.11x
 * against 1.15x over 256-4096 B). The fast paths do not change: a request still indexes
 * class_of[]. PP_MAX_CLASSES bounds the table (pp_heap_t.cycled has a bit per class). */
static const uint16_t pp_fit[] = {
  16, 32, 48, 64, 80, 96, 112, 128,           /* 256 .. 32 blocks per pool, as fine */
  160, 192, 224, 256,                         /* 25, 21, 18, 16                     */
  272, 288, 304, 336, 368, 400, 448, 512,     /* 15, 14, 13, 12, 11, 10, 9, 8       */
  576, 672, 816, 896, 1024,                   /* 7, 6, 5, 9 per run of 2, 4         */
  1360, 1632, 1792, 2048,                     /* 3, 5 per run of 2, 9 per run of 4, 2 */
  2720, 3264, 4096,                           /* 3 per run of 2, 5 per run of 4, 1  */
};
_Static_assert(sizeof pp_fit / sizeof pp_fit[0] <= PP_MAX_CLASSES, "pp_fit: at most PP_MAX_CLASSES");

/* Size classes for the configured spacing, and the request -> class table. */
void pp_i_classes_build(void) {
  unsigned k = 0;
  if (pp_i_g.cfg.spacing == PP_CLASSES_FIT) {
    for (unsigned i = 0; i < sizeof pp_fit / sizeof pp_fit[0]; i++) pp_i_g.class_size[k++] = pp_fit[i];
  } else if (pp_i_g.cfg.spacing == PP_CLASSES_FINE) {
    for (unsigned s = 16; s <= 128; s += 16) pp_i_g.class_size[k++] = (uint16_t)s;
    for (unsigned b = 128; b < PP_SMALL_MAX; b *= 2)
      for (unsigned q = 1; q <= 4; q++) pp_i_g.class_size[k++] = (uint16_t)(b + q * b / 4);
  } else {
    for (unsigned s = PP_MIN_BLOCK; s <= PP_SMALL_MAX; s *= 2) pp_i_g.class_size[k++] = (uint16_t)s;
  }
  pp_i_g.nclasses = k;
  for (unsigned i = 0; i < k; i++) {
    pp_i_g.class_pools[i] = (uint8_t)pp_run_pools(pp_i_g.class_size[i]);
    pp_i_g.class_cap[i] = (uint16_t)(pp_i_g.class_pools[i] * PP_POOL_SIZE / pp_i_g.class_size[i]);
    pp_i_g.class_want[i] = (uint32_t)(PP_LIST_BYTES / pp_i_g.class_size[i]);
    if (pp_i_g.class_want[i] == 0) pp_i_g.class_want[i] = 1;
    pp_i_g.class_limit[i] = 2 * pp_i_g.class_want[i];
    if (pp_i_g.lists_off) { /* a refill takes one pool's list; no free stays on the bin */
      pp_i_g.class_want[i] = 1;
      pp_i_g.class_limit[i] = 0;
    }
  }
  unsigned c = 0;
  for (unsigned i = 0; i < PP_CLASS_SLOTS; i++) {
    while (pp_i_g.class_size[c] < i * PP_MIN_BLOCK) c++;
    pp_i_g.class_of[i] = (uint8_t)c;
  }
}

int pp_i_aligned_class(size_t n, size_t align) {
  /* Blocks of a class whose size is a multiple of align (a power of two) are aligned to it
   * (pools are aligned to 4 KiB). Start at the class of n rounded up to align — no smaller
   * class can qualify — and step with a mask, not a division: an aligned allocation costs
   * about a malloc, not a loop of divisions over every class. */
  size_t m = ((n == 0 ? 1 : n) + align - 1) & ~(align - 1);
  if (m > PP_SMALL_MAX) return -1;
  for (unsigned c = pp_i_g.class_of[(m + PP_MIN_BLOCK - 1) / PP_MIN_BLOCK]; c < pp_i_g.nclasses; c++)
    if ((pp_i_g.class_size[c] & (align - 1)) == 0) return (int)c;
  return -1;
}

int pp_configure(const pp_config_t *cfg) {
  if (cfg == NULL || !pp_cfg_valid(cfg)) return PP_EINVAL;
  int rc = PP_OK;
  pthread_mutex_lock(&pp_i_lock);
  if (atomic_load(&pp_i_started)) {
    rc = PP_EBUSY;
  } else {
    pp_i_config_load(); /* still picks up PAGEPOOL_LEAKS / PAGEPOOL_REGION */
    pp_i_g.cfg = *cfg;
  }
  pthread_mutex_unlock(&pp_i_lock);
  return rc;
}

void pp_get_config(pp_config_t *out) {
  pthread_mutex_lock(&pp_i_lock);
  pp_i_config_load();
  *out = pp_i_g.cfg;
  pthread_mutex_unlock(&pp_i_lock);
}

/* Append s to the buffer at *pos (bounded). */
static void pp_cat(size_t *pos, const char *s) {
  while (*s && *pos + 1 < sizeof pp_cfg_str) pp_cfg_str[(*pos)++] = *s++;
  pp_cfg_str[*pos] = '\0';
}

/* Append v in decimal (no stdio: this runs inside malloc's start-up). */
static void pp_cat_uint(size_t *pos, unsigned v) {
  char num[12], *d = num + sizeof num;
  *--d = '\0';
  do *--d = (char)('0' + v % 10); while ((v /= 10) != 0);
  pp_cat(pos, d);
}

const char *pp_config_string(void) {
  pp_config_t c;
  pp_get_config(&c);
  pthread_mutex_lock(&pp_i_lock);
  size_t pos = 0;
  pp_cat(&pos, c.spacing == PP_CLASSES_FIT ? "classes=fit" : c.spacing == PP_CLASSES_FINE ? "classes=fine" : "classes=pow2");
  pp_cat(&pos, " pools=");
  pp_cat_uint(&pos, c.pools_per_page);
  pp_cat(&pos, c.return_to_os ? " return=1" : " return=0");
  pp_cat(&pos, c.lookup == PP_LOOKUP_TREE ? " lookup=tree" : " lookup=fast");
  pp_cat(&pos, c.track_sites ? " sites=1" : " sites=0");
  pp_cat(&pos, PP_DEBUG ? " debug=1" : " debug=0");
  pp_cat(&pos, c.large == PP_LARGE_SYSTEM ? " large=system" : " large=own");
  pp_cat(&pos, pp_i_g.lists_off ? " lists=0" : " lists=1");
  pp_cat(&pos, pp_i_g.grow_off ? " grow=0" : " grow=1");
  pp_cat(&pos, pp_i_g.runs_off ? " runs=0" : " runs=1");
  pp_cat(&pos, " decay=");
  pp_cat_uint(&pos, pp_i_g.decay_ms);
  pp_cat(&pos, " heap_spans=");
  pp_cat_uint(&pos, (unsigned)(pp_i_g.heap_span_bytes >> 10));
  pthread_mutex_unlock(&pp_i_lock);
  return pp_cfg_str;
}

const char *pp_version(void) {
#define PP_STR2(x) #x
#define PP_STR(x) PP_STR2(x)
  return PP_STR(PP_VERSION_MAJOR) "." PP_STR(PP_VERSION_MINOR) "." PP_STR(PP_VERSION_PATCH);
}

const char *pp_strerror(int err) {
  switch (err) {
#define PP_ERR_CASE(name, val, msg) case val: return msg;
    PP_ERRNO_MAP(PP_ERR_CASE)
#undef PP_ERR_CASE
    case PP_OK: return "success";
    default: return "unknown pagepool error";
  }
}
