#!/usr/bin/env python3
"""programs/gen/make_ps.py — writes the PostScript input of programs/ghostscript.json.

Usage: make_ps.py N OUT.ps. N pages, each with a few hundred filled and stroked
Bezier paths, text in three fonts, and a PostScript procedure that builds and drops
arrays, strings and dictionaries (ghostscript's VM allocator, which sits on malloc).
Deterministic: the same N gives the same file."""
import sys

n, out = int(sys.argv[1]), sys.argv[2]
seed = 12345
def rnd(m):
    global seed
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % m

with open(out, "w") as f:
    f.write("%!PS-Adobe-3.0\n%%Pages: {}\n".format(n))
    f.write("/churn { 0 1 200 { dup 3 string cvs exch array pop 20 dict begin /k exch def end } for } bind def\n")
    for p in range(1, n + 1):
        f.write("%%Page: {0} {0}\n".format(p))
        for i in range(300):
            x, y = rnd(560) + 20, rnd(800) + 20
            f.write("newpath {} {} moveto {} {} {} {} {} {} curveto closepath ".format(
                x, y, rnd(600), rnd(840), rnd(600), rnd(840), rnd(600), rnd(840)))
            f.write("{:.3f} setgray {} ".format(rnd(1000) / 1000.0, "fill" if i % 2 else "stroke"))
            if i % 10 == 0:
                font = ("Times-Roman", "Helvetica", "Courier")[i % 3]
                f.write("/{} findfont {} scalefont setfont {} {} moveto (page {} item {}) show ".format(
                    font, 6 + rnd(30), rnd(500), rnd(800), p, i))
            f.write("\n")
        f.write("churn showpage\n")
    f.write("%%EOF\n")
