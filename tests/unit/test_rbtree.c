/* tests/unit/test_rbtree.c — unit test of pagepool's red-black tree (allocator/src/rbtree.c).
 *
 * Edge cases by hand, then long random insert/remove/find runs against a reference
 * (a sorted array of ranges) with pp_rb_check after every step, and finally proof that
 * pp_rb_check does fail on deliberately corrupted trees. Deterministic seeds; prints the
 * first failures and exits 1 if any check failed, 0 otherwise.
 * Usage: test_rbtree [steps-per-seed]   (default 30000)
 */
#include "rbtree.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                                  \
  do {                                                                    \
    if (!(cond)) {                                                        \
      if (++failures <= 20) {                                             \
        fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
        fprintf(stderr, __VA_ARGS__);                                     \
        fputc('\n', stderr);                                              \
      }                                                                   \
    }                                                                     \
  } while (0)

/* pp_rb_check passes; on failure report why and dump the tree once. */
static void check_valid(const pp_rb_tree_t *t, const char *where) {
  char why[256];
  if (pp_rb_check(t, why, sizeof why) != 0) {
    CHECK(0, "%s: pp_rb_check: %s", where, why);
    if (failures == 1) pp_rb_dump(t, stderr);
  }
}

/* Depth bound of a red-black tree: depth <= 2*log2(n+1), i.e. 2^depth <= (n+1)^2. */
static int depth_ok(unsigned depth, size_t n) {
  if (depth >= 64) return 0;
  unsigned long long lhs = 1ull << depth, np1 = (unsigned long long)n + 1;
  return lhs <= np1 * np1;
}

static uint64_t rng_state;
static uint64_t rng(void) { /* splitmix64 */
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static size_t rng_below(size_t n) { return (size_t)(rng() % n); }

static pp_rb_node_t mk(uintptr_t key, size_t len) {
  pp_rb_node_t n;
  memset(&n, 0, sizeof n);
  n.key = key;
  n.len = len;
  return n;
}

/* ---- edge cases ---------------------------------------------------------------- */

static void test_empty(void) {
  pp_rb_tree_t t;
  pp_rb_init(&t);
  CHECK(t.root == NULL && t.count == 0, "init");
  CHECK(pp_rb_find(&t, 0) == NULL, "find in empty tree");
  CHECK(pp_rb_find(&t, 0x1000) == NULL, "find in empty tree");
  CHECK(pp_rb_first(&t) == NULL, "first of empty tree");
  CHECK(pp_rb_depth(&t) == 0, "depth of empty tree");
  check_valid(&t, "empty");
}

static void test_find_edges(void) {
  pp_rb_tree_t t;
  pp_rb_node_t a = mk(0x1000, 0x1000), b = mk(0x3000, 0x10), c = mk(0x3010, 1);
  pp_rb_init(&t);
  CHECK(pp_rb_insert(&t, &b) == 0, "insert b");
  CHECK(pp_rb_insert(&t, &a) == 0, "insert a");
  CHECK(pp_rb_insert(&t, &c) == 0, "insert c (adjacent to b)");
  check_valid(&t, "find_edges");
  CHECK(t.count == 3, "count %zu", t.count);
  CHECK(pp_rb_find(&t, 0) == NULL, "below first");
  CHECK(pp_rb_find(&t, 0xfff) == NULL, "just below first");
  CHECK(pp_rb_find(&t, 0x1000) == &a, "first byte of a");
  CHECK(pp_rb_find(&t, 0x1800) == &a, "middle of a");
  CHECK(pp_rb_find(&t, 0x1fff) == &a, "last byte of a");
  CHECK(pp_rb_find(&t, 0x2000) == NULL, "one past a (gap)");
  CHECK(pp_rb_find(&t, 0x2fff) == NULL, "end of gap");
  CHECK(pp_rb_find(&t, 0x3000) == &b, "first byte of b");
  CHECK(pp_rb_find(&t, 0x300f) == &b, "last byte of b");
  CHECK(pp_rb_find(&t, 0x3010) == &c, "c right after b");
  CHECK(pp_rb_find(&t, 0x3011) == NULL, "after last");
  CHECK(pp_rb_find(&t, UINTPTR_MAX) == NULL, "top of memory");
  CHECK(pp_rb_first(&t) == &a && pp_rb_next(&a) == &b && pp_rb_next(&b) == &c &&
            pp_rb_next(&c) == NULL, "in-order iteration");
}

static void test_insert_rejects(void) {
  pp_rb_tree_t t;
  pp_rb_node_t a = mk(0x1000, 0x100), b = mk(0x2000, 0x100);
  pp_rb_init(&t);
  CHECK(pp_rb_insert(&t, &a) == 0 && pp_rb_insert(&t, &b) == 0, "setup");
  struct { uintptr_t key; size_t len; const char *what; } bad[] = {
      {0x1000, 0x100, "identical range"},
      {0x0f00, 0x101, "overlaps a's first byte"},
      {0x10ff, 1, "a's last byte"},
      {0x1080, 0x10, "inside a"},
      {0x0f00, 0x1000, "covers a whole"},
      {0x10ff, 0xf02, "spans the gap, touching a and b"},
      {0x1100, 0xf01, "fills the gap plus b's first byte"},
      {0x1500, 0, "empty range"},
      {UINTPTR_MAX - 0xf, 0x11, "wraps past the top"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    pp_rb_node_t n = mk(bad[i].key, bad[i].len);
    CHECK(pp_rb_insert(&t, &n) == -1, "insert should be rejected: %s", bad[i].what);
    CHECK(t.count == 2, "count changed after a rejected insert (%s)", bad[i].what);
    check_valid(&t, bad[i].what);
  }
  pp_rb_node_t gap = mk(0x1100, 0xf00), top = mk(UINTPTR_MAX - 0xf, 0x10);
  CHECK(pp_rb_insert(&t, &gap) == 0, "exactly filling the gap is allowed");
  CHECK(pp_rb_insert(&t, &top) == 0, "range ending at the top of memory is allowed");
  CHECK(pp_rb_find(&t, UINTPTR_MAX) == &top, "find top byte");
  CHECK(pp_rb_find(&t, 0x10ff) == &a && pp_rb_find(&t, 0x1100) == &gap &&
            pp_rb_find(&t, 0x1fff) == &gap && pp_rb_find(&t, 0x2000) == &b,
        "find across touching ranges");
  check_valid(&t, "after filling gap");
}

/* Remove the root, a leaf and a node with two children from a 15-node tree. */
static void test_remove_shapes(void) {
  pp_rb_tree_t t;
  pp_rb_node_t n[15];
  pp_rb_init(&t);
  for (int i = 0; i < 15; i++) {
    n[i] = mk((uintptr_t)(i + 1) * 0x100, 0x80);
    CHECK(pp_rb_insert(&t, &n[i]) == 0, "insert %d", i);
  }
  check_valid(&t, "15 nodes");
  CHECK(pp_rb_depth(&t) <= 8 && depth_ok(pp_rb_depth(&t), t.count), "depth %u", pp_rb_depth(&t));

  pp_rb_node_t *root = t.root;
  uintptr_t root_key = root->key;
  pp_rb_remove(&t, root);
  check_valid(&t, "after removing root");
  CHECK(t.root != root && pp_rb_find(&t, root_key) == NULL, "root gone");

  pp_rb_node_t *leaf = NULL;
  for (pp_rb_node_t *x = pp_rb_first(&t); x != NULL; x = pp_rb_next(x))
    if (x->left == NULL && x->right == NULL) leaf = x;
  CHECK(leaf != NULL, "a leaf exists");
  if (leaf != NULL) {
    uintptr_t k = leaf->key;
    pp_rb_remove(&t, leaf);
    check_valid(&t, "after removing a leaf");
    CHECK(pp_rb_find(&t, k) == NULL, "leaf gone");
  }

  pp_rb_node_t *two = NULL;
  for (pp_rb_node_t *x = pp_rb_first(&t); x != NULL; x = pp_rb_next(x))
    if (x->left != NULL && x->right != NULL && x != t.root) two = x;
  CHECK(two != NULL, "a non-root node with two children exists");
  if (two != NULL) {
    uintptr_t k = two->key;
    pp_rb_remove(&t, two);
    check_valid(&t, "after removing a node with two children");
    CHECK(pp_rb_find(&t, k) == NULL, "two-child node gone");
  }
  CHECK(t.count == 12, "count %zu", t.count);
  /* the survivors are still found, and all removals drain the tree to empty */
  while (t.root != NULL) {
    pp_rb_node_t *x = t.root;
    CHECK(pp_rb_find(&t, x->key + 0x7f) == x, "survivor found");
    pp_rb_remove(&t, x);
    check_valid(&t, "draining");
  }
  CHECK(t.count == 0 && pp_rb_first(&t) == NULL, "drained");
}

/* Sequential inserts (the worst case for an unbalanced tree) stay within the bound. */
static void test_sequential_depth(void) {
  enum { N = 4096 };
  static pp_rb_node_t n[N];
  pp_rb_tree_t t;
  pp_rb_init(&t);
  for (int i = 0; i < N; i++) {
    n[i] = mk((uintptr_t)i * 4096, 4096);
    CHECK(pp_rb_insert(&t, &n[i]) == 0, "insert %d", i);
  }
  check_valid(&t, "sequential");
  CHECK(depth_ok(pp_rb_depth(&t), N), "depth %u for %d nodes", pp_rb_depth(&t), N);
  for (int i = N - 1; i >= 0; i -= 2) pp_rb_remove(&t, &n[i]);
  check_valid(&t, "sequential, odd ones removed");
  CHECK(t.count == N / 2 && depth_ok(pp_rb_depth(&t), t.count), "depth %u", pp_rb_depth(&t));
}

/* ---- random runs against a reference ---------------------------------------------- */

enum { POOL = 1000, SLOTS = 3000 };

typedef struct ref_s { /* sorted by key */
  pp_rb_node_t *node[POOL];
  size_t n;
} ref_t;

/* Index of the first entry whose key is > addr. */
static size_t ref_upper(const ref_t *r, uintptr_t addr) {
  size_t lo = 0, hi = r->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (r->node[mid]->key <= addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static pp_rb_node_t *ref_find(const ref_t *r, uintptr_t addr) {
  size_t i = ref_upper(r, addr);
  if (i == 0) return NULL;
  pp_rb_node_t *c = r->node[i - 1];
  return addr - c->key < c->len ? c : NULL;
}

/* Would [key, key+len) fit? (len >= 1, no wrap in the test's small addresses) */
static int ref_fits(const ref_t *r, uintptr_t key, size_t len) {
  size_t i = ref_upper(r, key);
  if (i > 0 && r->node[i - 1]->key + r->node[i - 1]->len > key) return 0;
  if (i < r->n && key + len > r->node[i]->key) return 0;
  return 1;
}

static void ref_add(ref_t *r, pp_rb_node_t *x) {
  size_t i = ref_upper(r, x->key);
  memmove(&r->node[i + 1], &r->node[i], (r->n - i) * sizeof r->node[0]);
  r->node[i] = x;
  r->n++;
}

static void ref_del(ref_t *r, pp_rb_node_t *x) {
  size_t i = ref_upper(r, x->key) - 1;
  CHECK(r->node[i] == x, "reference corrupted");
  memmove(&r->node[i], &r->node[i + 1], (r->n - i - 1) * sizeof r->node[0]);
  r->n--;
}

static void compare_inorder(const pp_rb_tree_t *t, const ref_t *r, uint64_t seed, long step) {
  size_t i = 0;
  for (pp_rb_node_t *x = pp_rb_first(t); x != NULL; x = pp_rb_next(x), i++)
    if (i >= r->n || x != r->node[i]) {
      CHECK(0, "seed %" PRIu64 " step %ld: in-order node %zu differs", seed, step, i);
      return;
    }
  CHECK(i == r->n, "seed %" PRIu64 " step %ld: iteration saw %zu of %zu", seed, step, i, r->n);
}

/* One random run: phases that mostly grow, mostly shrink (down to empty) or churn. */
static void random_run(uint64_t seed, long steps) {
  static pp_rb_node_t pool[POOL];
  static int in_tree[POOL];
  static ref_t ref;
  pp_rb_tree_t t;
  long inserted = 0, rejected = 0, removed = 0, hits = 0;
  size_t max_n = 0, checks = 0;
  rng_state = seed;
  pp_rb_init(&t);
  memset(in_tree, 0, sizeof in_tree);
  ref.n = 0;
  int insert_pct = 70;
  for (long step = 0; step < steps && failures == 0; step++) {
    if (step % 3000 == 0) insert_pct = (int[]){95, 85, 60, 15, 5}[rng_below(5)];
    unsigned op = (unsigned)rng_below(100);
    if (op < 40) { /* lookup: addresses across and around the occupied span */
      uintptr_t addr = (uintptr_t)rng_below(SLOTS * 16 + 64);
      pp_rb_node_t *got = pp_rb_find(&t, addr), *want = ref_find(&ref, addr);
      CHECK(got == want, "seed %" PRIu64 " step %ld: find(%#" PRIxPTR ") = %p, want %p", seed,
            step, addr, (void *)got, (void *)want);
      hits += got != NULL;
      continue; /* a lookup does not change the tree */
    }
    if ((int)(op - 40) < insert_pct * 60 / 100) {
      if (ref.n == POOL) continue;
      size_t k = rng_below(POOL);
      while (in_tree[k]) k = (k + 1) % POOL; /* first free node from a random start */
      /* Ranges on a 16-byte grid with ragged starts and lengths up to 40 bytes, so
       * about half the attempts overlap a neighbour or touch it exactly. */
      uintptr_t key = (uintptr_t)(16 + rng_below(SLOTS) * 16 + rng_below(8));
      size_t len = 1 + rng_below(40);
      int fits = ref_fits(&ref, key, len);
      pool[k] = mk(key, len);
      pool[k].red = 7; /* garbage the tree must overwrite */
      int rc = pp_rb_insert(&t, &pool[k]);
      CHECK(rc == (fits ? 0 : -1), "seed %" PRIu64 " step %ld: insert [%#" PRIxPTR ", +%zu) = %d",
            seed, step, key, len, rc);
      if (rc == 0) {
        in_tree[k] = 1;
        ref_add(&ref, &pool[k]);
        inserted++;
      } else {
        rejected++;
      }
    } else {
      if (ref.n == 0) continue;
      pp_rb_node_t *x = ref.node[rng_below(ref.n)];
      pp_rb_remove(&t, x);
      ref_del(&ref, x);
      in_tree[x - pool] = 0;
      removed++;
    }
    char why[256];
    checks++;
    if (pp_rb_check(&t, why, sizeof why) != 0)
      CHECK(0, "seed %" PRIu64 " step %ld: pp_rb_check: %s", seed, step, why);
    if (ref.n > max_n) max_n = ref.n;
    CHECK(t.count == ref.n, "seed %" PRIu64 " step %ld: count %zu, want %zu", seed, step,
          t.count, ref.n);
    if (step % 97 == 0 || ref.n < 4) {
      compare_inorder(&t, &ref, seed, step);
      CHECK(depth_ok(pp_rb_depth(&t), t.count), "seed %" PRIu64 " step %ld: depth %u, n %zu",
            seed, step, pp_rb_depth(&t), t.count);
    }
  }
  compare_inorder(&t, &ref, seed, steps);
  printf("seed %#" PRIx64 ": %ld steps, %ld inserted, %ld rejected, %ld removed, %ld hits, "
         "up to %zu nodes, %zu full checks\n", seed, steps, inserted, rejected, removed, hits,
         max_n, checks);
  /* the run must have exercised both outcomes of insert and of find */
  CHECK(inserted > steps / 20 && rejected > steps / 50 && removed > steps / 20 && hits > 0,
        "seed %" PRIu64 ": run did not exercise the tree", seed);
}

/* ---- pp_rb_check must catch corruption -------------------------------------------- */

static void expect_broken(const pp_rb_tree_t *t, const char *what, const char *needle) {
  char why[256] = "";
  int rc = pp_rb_check(t, why, sizeof why);
  CHECK(rc == -1, "corruption not detected: %s", what);
  CHECK(strstr(why, needle) != NULL, "%s: why = \"%s\", expected it to mention \"%s\"", what,
        why, needle);
}

static void test_check_detects(void) {
  enum { N = 63 };
  static pp_rb_node_t n[N];
  pp_rb_tree_t t;
  pp_rb_init(&t);
  for (int i = 0; i < N; i++) {
    n[i] = mk((uintptr_t)(i + 1) * 0x100, 0x100);
    CHECK(pp_rb_insert(&t, &n[i]) == 0, "insert %d", i);
  }
  check_valid(&t, "before corruption");

  t.root->red = 1;
  expect_broken(&t, "red root", "root is red");
  t.root->red = 0;
  check_valid(&t, "root restored");

  /* Recolour a black leaf red... or a red one black: either breaks an invariant. */
  pp_rb_node_t *leaf = pp_rb_first(&t);
  leaf->red = !leaf->red;
  {
    char why[256] = "";
    CHECK(pp_rb_check(&t, why, sizeof why) == -1 &&
              (strstr(why, "black height") != NULL || strstr(why, "red child") != NULL),
          "recoloured leaf: why = \"%s\"", why);
  }
  leaf->red = !leaf->red;

  /* A black non-root node turned red: black height (or red-red) must be reported. */
  pp_rb_node_t *b = NULL;
  for (pp_rb_node_t *x = pp_rb_first(&t); x != NULL; x = pp_rb_next(x))
    if (!x->red && x != t.root && x->left != NULL) b = x;
  CHECK(b != NULL, "a black inner node exists");
  if (b != NULL) {
    b->red = 1;
    char why[256];
    CHECK(pp_rb_check(&t, why, sizeof why) == -1, "black inner node turned red not detected");
    b->red = 0;
  }

  /* A red node with a red child. */
  pp_rb_node_t *r = NULL;
  for (pp_rb_node_t *x = pp_rb_first(&t); x != NULL; x = pp_rb_next(x))
    if (x->red && x->left != NULL) r = x;
  if (r != NULL) { /* with 63 sequential inserts there are red inner nodes */
    int old = r->left->red;
    r->left->red = 1;
    expect_broken(&t, "red-red", "red child");
    r->left->red = old;
  }
  check_valid(&t, "colours restored");

  /* Swap the keys of two neighbours. */
  pp_rb_node_t *p = pp_rb_first(&t), *q = pp_rb_next(p);
  uintptr_t k = p->key;
  p->key = q->key;
  q->key = k;
  expect_broken(&t, "swapped keys", "order");
  q->key = p->key;
  p->key = k;
  check_valid(&t, "keys restored");

  /* Grow a range into its successor's. */
  pp_rb_node_t *m = pp_rb_next(pp_rb_next(pp_rb_first(&t)));
  m->len += 1;
  expect_broken(&t, "overlapping ranges", "overlaps");
  m->len -= 1;

  /* A broken parent link. */
  pp_rb_node_t *c = t.root->left, *old_parent = c->parent;
  c->parent = c;
  expect_broken(&t, "parent link", "parent link");
  c->parent = old_parent;

  /* A child link that makes a cycle (child points back to the root). */
  pp_rb_node_t *deep = pp_rb_first(&t), *old_left = deep->left;
  deep->left = t.root;
  {
    char why[256];
    CHECK(pp_rb_check(&t, why, sizeof why) == -1, "cycle not detected");
  }
  deep->left = old_left;

  /* Count too high and too low. */
  t.count++;
  expect_broken(&t, "count too high", "count");
  t.count -= 2;
  expect_broken(&t, "count too low", "count");
  t.count++;

  /* Zero-length range. */
  size_t len = leaf->len;
  leaf->len = 0;
  expect_broken(&t, "len 0", "len 0");
  leaf->len = len;
  check_valid(&t, "all restored");

  /* why may be NULL or tiny; the return value still says it failed. */
  t.root->red = 1;
  char tiny[4] = "xyz";
  CHECK(pp_rb_check(&t, NULL, 0) == -1, "check without why");
  CHECK(pp_rb_check(&t, tiny, sizeof tiny) == -1 && strlen(tiny) == 3, "why truncated");
  t.root->red = 0;

  pp_rb_tree_t e;
  pp_rb_init(&e);
  e.count = 1;
  expect_broken(&e, "count on an empty tree", "count");
}

static void test_dump(void) {
  pp_rb_tree_t t;
  pp_rb_node_t a = mk(0x1000, 0x10), b = mk(0x2000, 0x10), c = mk(0x3000, 0x10);
  char buf[1024] = "";
  FILE *f = fmemopen(buf, sizeof buf - 1, "w");
  CHECK(f != NULL, "fmemopen");
  if (f == NULL) return;
  pp_rb_init(&t);
  pp_rb_dump(&t, f);
  pp_rb_insert(&t, &a);
  pp_rb_insert(&t, &b);
  pp_rb_insert(&t, &c);
  pp_rb_dump(&t, f);
  fclose(f);
  const char *want = "(empty tree)\n"
                     "  [0x1000, 0x100f] red len=16 depth=2\n"
                     "[0x2000, 0x200f] black len=16 depth=1\n"
                     "  [0x3000, 0x300f] red len=16 depth=2\n";
  CHECK(strcmp(buf, want) == 0, "dump was:\n%s", buf);
}

int main(int argc, char **argv) {
  long steps = 30000;
  if (argc > 1) {
    char *end;
    steps = strtol(argv[1], &end, 10);
    if (*end != '\0' || steps < 1) {
      fprintf(stderr, "usage: test_rbtree [steps-per-seed > 0]\n");
      return 2;
    }
  }
  test_empty();
  test_find_edges();
  test_insert_rejects();
  test_remove_shapes();
  test_sequential_depth();
  test_dump();
  test_check_detects();
  const uint64_t seeds[] = {1, 0x5eed, 0xdeadbeefcafe};
  for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) random_run(seeds[i], steps);
  if (failures) {
    fprintf(stderr, "test_rbtree: %d check(s) failed\n", failures);
    return 1;
  }
  printf("test_rbtree: all checks passed\n");
  return 0;
}
