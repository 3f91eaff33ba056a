/* allocator/src/rbtree.c — pagepool's intrusive red-black tree of address ranges.
 *
 * Implements allocator/src/rbtree.h. Classic CLRS red-black tree with NULL leaves (no
 * sentinel), parent pointers, and the insert/delete fixups written iteratively, so
 * nothing here recurses and nothing allocates. Ranges are [key, key + len) with
 * len >= 1 and key + len - 1 <= UINTPTR_MAX (a range may end exactly at the top of the
 * address space); all range arithmetic is written so it cannot overflow.
 *
 * pp_rb_insert returns -1 (and leaves the tree untouched) when the new range overlaps a
 * node's, and also when the range itself is invalid (len 0, or it wraps past the top).
 * Not thread-safe; the caller serialises. pp_rb_check and pp_rb_dump are debugging aids
 * (O(n)); pp_rb_dump uses stdio, so never call it while the allocator starts up.
 */
#include "rbtree.h"

#include <inttypes.h>

/* Last byte of n's range (inclusive); cannot overflow for a valid range. */
static inline uintptr_t rb_last(const pp_rb_node_t *n) { return n->key + (n->len - 1); }

static inline int rb_is_red(const pp_rb_node_t *n) { return n != NULL && n->red; }

static inline int rb_contains(const pp_rb_node_t *n, uintptr_t addr) {
  return addr >= n->key && addr - n->key < n->len;
}

void pp_rb_init(pp_rb_tree_t *t) {
  t->root = NULL;
  t->count = 0;
}

/* Put v where u hangs (in u's parent, or as the root). u's own links are untouched. */
static void rb_replace(pp_rb_tree_t *t, pp_rb_node_t *u, pp_rb_node_t *v) {
  pp_rb_node_t *p = u->parent;
  if (p == NULL)
    t->root = v;
  else if (p->left == u)
    p->left = v;
  else
    p->right = v;
  if (v != NULL) v->parent = p;
}

static void rb_rotate_left(pp_rb_tree_t *t, pp_rb_node_t *x) {
  pp_rb_node_t *y = x->right;
  x->right = y->left;
  if (y->left != NULL) y->left->parent = x;
  rb_replace(t, x, y);
  y->left = x;
  x->parent = y;
}

static void rb_rotate_right(pp_rb_tree_t *t, pp_rb_node_t *x) {
  pp_rb_node_t *y = x->left;
  x->left = y->right;
  if (y->right != NULL) y->right->parent = x;
  rb_replace(t, x, y);
  y->right = x;
  x->parent = y;
}

static void rb_insert_fixup(pp_rb_tree_t *t, pp_rb_node_t *n) {
  pp_rb_node_t *p;
  while ((p = n->parent) != NULL && p->red) {
    pp_rb_node_t *g = p->parent; /* exists: a red node is never the root */
    if (p == g->left) {
      pp_rb_node_t *u = g->right;
      if (rb_is_red(u)) { /* case 1: recolour, move the problem up */
        p->red = 0;
        u->red = 0;
        g->red = 1;
        n = g;
        continue;
      }
      if (n == p->right) { /* case 2: turn into case 3 */
        rb_rotate_left(t, p);
        n = p;
        p = n->parent;
      }
      p->red = 0; /* case 3 */
      g->red = 1;
      rb_rotate_right(t, g);
    } else {
      pp_rb_node_t *u = g->left;
      if (rb_is_red(u)) {
        p->red = 0;
        u->red = 0;
        g->red = 1;
        n = g;
        continue;
      }
      if (n == p->left) {
        rb_rotate_right(t, p);
        n = p;
        p = n->parent;
      }
      p->red = 0;
      g->red = 1;
      rb_rotate_left(t, g);
    }
  }
  t->root->red = 0;
}

int pp_rb_insert(pp_rb_tree_t *t, pp_rb_node_t *n) {
  if (n->len == 0 || n->len - 1 > UINTPTR_MAX - n->key) return -1;
  uintptr_t last = rb_last(n);
  pp_rb_node_t *parent = NULL, **link = &t->root;
  /* The in-order neighbours of the insertion point are all on this path, so checking
   * each visited node is enough to reject any overlap. */
  while (*link != NULL) {
    parent = *link;
    if (last < parent->key)
      link = &parent->left;
    else if (n->key > rb_last(parent))
      link = &parent->right;
    else
      return -1;
  }
  n->parent = parent;
  n->left = n->right = NULL;
  n->red = 1;
  *link = n;
  t->count++;
  rb_insert_fixup(t, n);
  return 0;
}

/* x (possibly NULL) carries an extra black; xp is its parent. */
static void rb_remove_fixup(pp_rb_tree_t *t, pp_rb_node_t *x, pp_rb_node_t *xp) {
  while (x != t->root && !rb_is_red(x)) {
    if (x == xp->left) {
      pp_rb_node_t *w = xp->right; /* non-NULL: xp's right side has black height >= 1 */
      if (w->red) {                /* case 1: make the sibling black */
        w->red = 0;
        xp->red = 1;
        rb_rotate_left(t, xp);
        w = xp->right;
      }
      if (!rb_is_red(w->left) && !rb_is_red(w->right)) { /* case 2: push the black up */
        w->red = 1;
        x = xp;
        xp = x->parent;
      } else {
        if (!rb_is_red(w->right)) { /* case 3: turn into case 4 */
          w->left->red = 0;
          w->red = 1;
          rb_rotate_right(t, w);
          w = xp->right;
        }
        w->red = xp->red; /* case 4: absorb the extra black, done */
        xp->red = 0;
        w->right->red = 0;
        rb_rotate_left(t, xp);
        x = t->root;
        break;
      }
    } else {
      pp_rb_node_t *w = xp->left;
      if (w->red) {
        w->red = 0;
        xp->red = 1;
        rb_rotate_right(t, xp);
        w = xp->left;
      }
      if (!rb_is_red(w->left) && !rb_is_red(w->right)) {
        w->red = 1;
        x = xp;
        xp = x->parent;
      } else {
        if (!rb_is_red(w->left)) {
          w->right->red = 0;
          w->red = 1;
          rb_rotate_left(t, w);
          w = xp->left;
        }
        w->red = xp->red;
        xp->red = 0;
        w->left->red = 0;
        rb_rotate_right(t, xp);
        x = t->root;
        break;
      }
    }
  }
  if (x != NULL) x->red = 0;
}

void pp_rb_remove(pp_rb_tree_t *t, pp_rb_node_t *z) {
  pp_rb_node_t *x, *xp;
  int removed_red;
  if (z->left == NULL) {
    x = z->right;
    xp = z->parent;
    removed_red = z->red;
    rb_replace(t, z, x);
  } else if (z->right == NULL) {
    x = z->left;
    xp = z->parent;
    removed_red = z->red;
    rb_replace(t, z, x);
  } else {
    /* Two children: z's successor y (leftmost of z->right) takes z's place and colour. */
    pp_rb_node_t *y = z->right;
    while (y->left != NULL) y = y->left;
    removed_red = y->red;
    x = y->right;
    if (y->parent == z) {
      xp = y;
    } else {
      xp = y->parent;
      rb_replace(t, y, x);
      y->right = z->right;
      y->right->parent = y;
    }
    rb_replace(t, z, y);
    y->left = z->left;
    y->left->parent = y;
    y->red = z->red;
  }
  t->count--;
  z->left = z->right = z->parent = NULL;
  if (!removed_red) rb_remove_fixup(t, x, xp);
}

pp_rb_node_t *pp_rb_find(const pp_rb_tree_t *t, uintptr_t addr) {
  pp_rb_node_t *n = t->root;
  while (n != NULL) {
    if (addr < n->key)
      n = n->left;
    else if (addr - n->key < n->len)
      return n;
    else
      n = n->right;
  }
  return NULL;
}

pp_rb_node_t *pp_rb_first(const pp_rb_tree_t *t) {
  pp_rb_node_t *n = t->root;
  if (n == NULL) return NULL;
  while (n->left != NULL) n = n->left;
  return n;
}

pp_rb_node_t *pp_rb_next(const pp_rb_node_t *n) {
  if (n->right != NULL) {
    n = n->right;
    while (n->left != NULL) n = n->left;
    return (pp_rb_node_t *)n;
  }
  while (n->parent != NULL && n == n->parent->right) n = n->parent;
  return n->parent;
}

/* In-order walk that also tracks the depth (root = 1) of the current node. */
static const pp_rb_node_t *rb_leftmost(const pp_rb_node_t *n, unsigned *depth) {
  while (n->left != NULL) {
    n = n->left;
    ++*depth;
  }
  return n;
}

static const pp_rb_node_t *rb_next_depth(const pp_rb_node_t *n, unsigned *depth) {
  if (n->right != NULL) {
    ++*depth;
    return rb_leftmost(n->right, depth);
  }
  while (n->parent != NULL && n == n->parent->right) {
    n = n->parent;
    --*depth;
  }
  --*depth;
  return n->parent;
}

unsigned pp_rb_depth(const pp_rb_tree_t *t) {
  unsigned depth = 1, max = 0;
  if (t->root == NULL) return 0;
  for (const pp_rb_node_t *n = rb_leftmost(t->root, &depth); n != NULL;
       n = rb_next_depth(n, &depth))
    if (depth > max) max = depth;
  return max;
}

void pp_rb_dump(const pp_rb_tree_t *t, FILE *out) {
  unsigned depth = 1;
  if (t->root == NULL) {
    fprintf(out, "(empty tree)\n");
    return;
  }
  for (const pp_rb_node_t *n = rb_leftmost(t->root, &depth); n != NULL;
       n = rb_next_depth(n, &depth))
    fprintf(out, "%*s[%#" PRIxPTR ", %#" PRIxPTR "] %s len=%zu depth=%u\n",
            (int)(2 * (depth - 1)), "", n->key, rb_last(n), n->red ? "red" : "black",
            n->len, depth);
}

/* pp_rb_check --------------------------------------------------------------------- */

/* No red-black tree in a 64-bit address space is deeper than 2*64 nodes; deeper means
 * a cycle or garbage links. Bounds the walk so a corrupted tree cannot hang it. */
#define RB_CHECK_MAX_DEPTH 130u

static int rb_fail(char *why, size_t cap, const pp_rb_node_t *n, const char *what) {
  if (why != NULL && cap > 0) {
    if (n != NULL)
      snprintf(why, cap, "node [%#" PRIxPTR ", +%zu): %s", n->key, n->len, what);
    else
      snprintf(why, cap, "%s", what);
  }
  return -1;
}

/* Per-node checks that need only the node and its children. */
static const char *rb_check_node(const pp_rb_node_t *n) {
  if (n->len == 0) return "empty range (len 0)";
  if (n->len - 1 > UINTPTR_MAX - n->key) return "range wraps past the top of memory";
  if (n->red != 0 && n->red != 1) return "colour is neither 0 (black) nor 1 (red)";
  if (n->red && (rb_is_red(n->left) || rb_is_red(n->right))) return "red node has a red child";
  if (n->left != NULL && n->left->parent != n) return "left child's parent link is wrong";
  if (n->right != NULL && n->right->parent != n) return "right child's parent link is wrong";
  return NULL;
}

int pp_rb_check(const pp_rb_tree_t *t, char *why, size_t why_cap) {
  const pp_rb_node_t *n = t->root, *prev = NULL;
  unsigned depth = 1, blacks;
  long leaf_blacks = -1; /* black nodes on every root-to-NULL path, once known */
  size_t seen = 0;
  const char *bad;

  if (n == NULL)
    return t->count == 0 ? 0 : rb_fail(why, why_cap, NULL, "count is non-zero but root is NULL");
  if (n->parent != NULL) return rb_fail(why, why_cap, n, "root has a parent");
  if (n->red) return rb_fail(why, why_cap, n, "root is red");

  /* Iterative in-order walk tracking depth and black nodes on the path to n (n
   * included). A child is entered only after its node passed rb_check_node, so its
   * parent link is verified and climbing back up is safe. */
  blacks = 1;
  for (;;) {
    /* descend to the leftmost node of the subtree at n */
    for (;;) {
      if ((bad = rb_check_node(n)) != NULL) return rb_fail(why, why_cap, n, bad);
      if (n->left == NULL) break;
      if (depth >= RB_CHECK_MAX_DEPTH)
        return rb_fail(why, why_cap, n, "tree deeper than any red-black tree (cycle?)");
      n = n->left;
      depth++;
      blacks += !n->red;
    }
    for (;;) {
      /* visit n: order, disjointness, count, black height at its NULL children */
      if (++seen > t->count) return rb_fail(why, why_cap, n, "more nodes than count (or a cycle)");
      if (prev != NULL && n->key <= prev->key)
        return rb_fail(why, why_cap, n, "key order violated (not greater than predecessor's)");
      if (prev != NULL && n->key <= rb_last(prev))
        return rb_fail(why, why_cap, n, "range overlaps its predecessor's");
      if (n->left == NULL || n->right == NULL) {
        if (leaf_blacks < 0)
          leaf_blacks = blacks;
        else if ((long)blacks != leaf_blacks)
          return rb_fail(why, why_cap, n, "black height differs between paths");
      }
      prev = n;
      if (n->right != NULL) {
        if (depth >= RB_CHECK_MAX_DEPTH)
          return rb_fail(why, why_cap, n, "tree deeper than any red-black tree (cycle?)");
        n = n->right;
        depth++;
        blacks += !n->red;
        break; /* descend into the right subtree */
      }
      /* climb while coming from a right child */
      for (;;) {
        const pp_rb_node_t *p = n->parent;
        if (p == NULL) {
          if (seen != t->count)
            return rb_fail(why, why_cap, NULL, "count is larger than the number of nodes");
          return 0;
        }
        blacks -= !n->red;
        depth--;
        if (n == p->left) {
          n = p;
          break;
        }
        n = p;
      }
    }
  }
}
