#!/usr/bin/env python3
"""programs/gen/make_smt.py — writes the SMT-LIB 2 problem of programs/z3.json.

Usage: make_smt.py N OUT.smt2. N independent check-sat queries (push/pop), each a
random linear-integer and bit-vector problem over 30 variables with 60 constraints,
so z3 builds and frees many terms, clauses and lemmas. Deterministic for a given N."""
import sys

n, out = int(sys.argv[1]), sys.argv[2]
seed = 4242
def rnd(m):
    global seed
    seed = (seed * 6364136223846793005 + 1442695040888963407) % (1 << 64)
    return (seed >> 33) % m

V = 30
with open(out, "w") as f:
    f.write("(set-option :produce-models false)\n")
    for v in range(V):
        f.write("(declare-const x{} Int)\n(declare-const b{} (_ BitVec 16))\n".format(v, v))
    for q in range(n):
        f.write("(push 1)\n")
        for c in range(60):
            a, b, d = rnd(V), rnd(V), rnd(V)
            k1, k2, k3 = rnd(19) - 9, rnd(19) - 9, rnd(200) - 100
            f.write("(assert (or (<= (+ (* {} x{}) (* {} x{})) {}) (> x{} {})))\n".format(k1, a, k2, b, k3, d, rnd(50)))
            if c % 3 == 0:
                f.write("(assert (not (= (bvadd b{} (bvmul b{} #x{:04x})) #x{:04x})))\n".format(a, b, rnd(65536), rnd(65536)))
        f.write("(check-sat)\n(pop 1)\n")
