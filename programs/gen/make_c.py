#!/usr/bin/env python3
"""programs/gen/make_c.py — writes the C file that programs/gcc.json compiles.

Usage: make_c.py N OUT.c. N functions with structs, switch statements, loops and
inlining opportunities, so gcc -O2 builds and frees large trees (GENERIC, GIMPLE, RTL)
and its garbage collector runs. Deterministic for a given N."""
import sys

n, out = int(sys.argv[1]), sys.argv[2]
with open(out, "w") as f:
    f.write("#include <stddef.h>\n#include <string.h>\n")
    f.write("struct rec { int a, b; double c; char name[16]; struct rec *next; };\n")
    for i in range(n):
        f.write("static inline int helper%d(int x) { return (x * %d) ^ (x >> %d); }\n" % (i, i * 2 + 1, i % 7 + 1))
        f.write("int fn%d(struct rec *r, int n) {\n  int acc = %d;\n" % (i, i))
        f.write("  for (int k = 0; k < n; k++) {\n    switch ((k + %d) %% 8) {\n" % i)
        for c in range(8):
            f.write("    case %d: acc += helper%d(r[k].a + %d) - r[k].b; r[k].c += acc * %d.5; break;\n"
                    % (c, i, c, c))
        f.write("    }\n    if (r[k].next && r[k].next->a > acc) acc -= (int)strlen(r[k].name);\n  }\n")
        f.write("  return acc;\n}\n")
    f.write("int all(struct rec *r, int n) { int s = 0;\n")
    for i in range(n):
        f.write("  s += fn%d(r, n);\n" % i)
    f.write("  return s; }\n")
