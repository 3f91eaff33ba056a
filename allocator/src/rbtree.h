/* allocator/src/rbtree.h — pagepool's red-black tree of address ranges (internal).
 *
 * The registry that answers "which page owns this pointer": an intrusive tree of
 * non-overlapping ranges [key, key + len), ordered by key. Nodes are embedded in the
 * caller's structures (page descriptors); the tree never allocates. Not thread-safe:
 * the caller serialises updates and lookups (pagepool guards it with a lock).
 */
#ifndef PP_RBTREE_H
#define PP_RBTREE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct pp_rb_node_s {
  struct pp_rb_node_s *left, *right, *parent;
  uintptr_t key;   /* first address of the range    */
  size_t len;      /* bytes in the range (>= 1)      */
  int red;         /* 1 red, 0 black                 */
} pp_rb_node_t;

typedef struct pp_rb_tree_s {
  pp_rb_node_t *root;
  size_t count;
} pp_rb_tree_t;

void pp_rb_init(pp_rb_tree_t *t);
/* Insert n (key/len set by the caller). 0, or -1 when its range overlaps a node's. */
int pp_rb_insert(pp_rb_tree_t *t, pp_rb_node_t *n);
/* Remove n, which must be in t. */
void pp_rb_remove(pp_rb_tree_t *t, pp_rb_node_t *n);
/* The node whose range contains addr, or NULL. O(log n). */
pp_rb_node_t *pp_rb_find(const pp_rb_tree_t *t, uintptr_t addr);
/* In-order iteration: first node, and the node after n (NULL at the end). */
pp_rb_node_t *pp_rb_first(const pp_rb_tree_t *t);
pp_rb_node_t *pp_rb_next(const pp_rb_node_t *n);
/* Height of the tree in nodes (0 for an empty tree). */
unsigned pp_rb_depth(const pp_rb_tree_t *t);
/* Check every invariant: root black, no red node with a red child, equal black height
 * on every path, keys strictly ordered and ranges disjoint, parent links, count.
 * 0 when all hold, else -1 with a description in why (if non-NULL). */
int pp_rb_check(const pp_rb_tree_t *t, char *why, size_t why_cap);
/* Text dump for debugging: one line per node, indented by depth, in order. */
void pp_rb_dump(const pp_rb_tree_t *t, FILE *out);

#endif /* PP_RBTREE_H */
