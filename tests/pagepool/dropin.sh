#!/usr/bin/env bash
# tests/pagepool/dropin.sh — run a real program with and without LD_PRELOAD=libpagepool.so.
# Usage: dropin.sh LIB CASE [PROG]   CASE: python3 gcc sort perl git prog (PROG: the path of
#        the 4-thread test program for CASE=prog)
# Runs the case twice — plain, then with LD_PRELOAD=LIB — and requires the same stdout,
# byte for byte, and the same exit status. Proves the preloaded run really allocated from
# pagepool: PAGEPOOL_LEAKS=1 makes pagepool print its leak report at exit (only it can),
# and python3 / the test program also ask pp_owns() about a fresh malloc block. The test
# program's run also checks PAGEPOOL_DUMP=FILE (the JSON page/pool map written at exit).
# Exit 0 pass, 1 fail, 77 skip (program not installed).
set -u
lib=$1 case=$2 prog=${3:-}
[ -f "$lib" ] || { echo "dropin: $lib not found" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || { echo "dropin: SKIP: $1 is not installed"; exit 77; }; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

case "$case" in
  python3) need python3
    cat > work.py <<'PY'
import hashlib, json, random
random.seed(7)
d = {}
for i in range(200000):
    d["k%d" % i] = [i] * (i % 9) + ["x" * (i % 50)]
blob = json.dumps(sorted(d.items())[:5000])
objs = [{"a": i, "b": str(i) * 3, "c": list(range(i % 20))} for i in range(100000)]
s = sum(len(json.dumps(o)) for o in objs[::10])
words = sorted({"".join(random.choice("abcdefgh") for _ in range(random.randint(1, 12))) for _ in range(50000)})
print(len(d), len(blob), s, len(words), hashlib.sha256(("".join(words)).encode()).hexdigest())
PY
    run() { python3 work.py; } ;;
  gcc) need gcc
    cat > small.c <<'C'
#include <stdio.h>
struct pt { int x, y; };
static int area(struct pt a, struct pt b) { return (b.x - a.x) * (b.y - a.y); }
int main(void) { struct pt a = {1, 2}, b = {7, 9}; printf("%d\n", area(a, b)); return 0; }
C
    run() { gcc -O2 -S -o - small.c && gcc -O2 -o small small.c && ./small; } ;;
  sort) need sort; need awk
    awk 'BEGIN { x = 1; for (i = 0; i < 200000; i++) { x = (x * 1103515245 + 12345) % 2147483648; print x % 100000, "line" i } }' > in.txt
    run() { LC_ALL=C sort -k1,1n -k2 in.txt | md5sum; LC_ALL=C sort -u -k1,1n in.txt | tail -5; } ;;
  perl) need perl
    run() { perl -e 'my %h; for my $i (1..200000) { $h{"k$i"} = [($i) x ($i % 7)]; } my @k = sort keys %h;
                     my $s = 0; $s += scalar(@{$h{$_}}) for @k; my $t = join(",", @k[0..50]);
                     print scalar(@k), " $s ", length($t), "\n"; delete $h{$_} for @k[0..99999]; print scalar(keys %h), "\n";'; } ;;
  git) need git
    run() {
      rm -rf repo && git init -q repo && cd repo || return 1
      export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
      export GIT_AUTHOR_DATE="2020-01-01T00:00:00Z" GIT_COMMITTER_DATE="2020-01-01T00:00:00Z"
      git config commit.gpgsign false
      for i in 1 2 3 4 5; do seq 1 $((i * 1000)) > f$i.txt; git add f$i.txt; git commit -q -m "commit $i"; done
      git --version; git log --stat; git rev-parse HEAD; cd ..
    } ;;
  prog) [ -x "$prog" ] || { echo "dropin: test program $prog missing" >&2; exit 1; }
    run() { "$prog"; } ;;
  *) echo "dropin: unknown case '$case'" >&2; exit 2 ;;
esac

dump=
[ "$case" = prog ] && dump=$tmp/exit_dump.json # one process: PAGEPOOL_DUMP at exit too
run > plain.out 2> plain.err; plain_rc=$?
LD_PRELOAD=$lib PAGEPOOL_LEAKS=1 PAGEPOOL_DUMP=$dump PP_EXPECT_PAGEPOOL=1 run > pp.out 2> pp.err; pp_rc=$?
fail=0
if [ "$plain_rc" != "$pp_rc" ]; then
  echo "dropin $case: exit status $plain_rc plain, $pp_rc under pagepool"; fail=1
fi
if ! cmp -s plain.out pp.out; then
  echo "dropin $case: stdout differs under pagepool:"; diff plain.out pp.out | head -20; fail=1
fi
if ! grep -q '^pagepool leak report:' pp.err; then
  echo "dropin $case: no pagepool leak report at exit: pagepool did not serve this process"; fail=1
fi
if [ -n "$dump" ] && command -v jq >/dev/null; then
  jq -e '.allocator == "pagepool" and (.pages | length) > 0' "$dump" >/dev/null ||
    { echo "dropin $case: PAGEPOOL_DUMP=$dump did not leave a page/pool map"; fail=1; }
fi
if [ "$case" = python3 ]; then
  owns=$(LD_PRELOAD=$lib python3 -c 'import ctypes; l = ctypes.CDLL(None); l.malloc.restype = ctypes.c_void_p
p = l.malloc(40); print(l.pp_owns(ctypes.c_void_p(p)))')
  [ "$owns" = 1 ] || { echo "dropin python3: pp_owns(malloc(40)) = '$owns', want 1"; fail=1; }
fi
[ "$fail" = 0 ] || { echo "--- stderr under pagepool (head):"; head -20 pp.err; exit 1; }
echo "dropin $case: same output ($(wc -c < plain.out) bytes, status $plain_rc) with and without pagepool"
