"""programs/gen/pywork.py — CPython workload of programs/python.json (run with
PYTHONMALLOC=malloc so every object goes to malloc, not pymalloc's arenas).

Usage: python3 pywork.py N. Builds and drops dictionaries of strings, formats and
splits strings, round-trips nested structures through json, sorts records. Prints a
deterministic summary."""
import json
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
h = 0
for rnd in range(n):
    d = {}
    for i in range(200):
        k = "k%d_%d" % (rnd, i * 7 % 201)
        d[k] = {"id": i, "name": "item-" + str(i) * (i % 5 + 1), "tags": [str(j) for j in range(i % 7)]}
    s = json.dumps(d, sort_keys=True)
    back = json.loads(s)
    words = s.replace('"', " ").split()
    words.sort()
    h = (h * 131 + len(back) + len(words) + len(set(words))) % 1000000007
    if rnd % 50 == 0:
        big = [("%08d" % (x * 2654435761 % 100000000), x) for x in range(2000)]
        big.sort()
        h = (h + big[0][1]) % 1000000007
print("rounds", n, "hash", h)
