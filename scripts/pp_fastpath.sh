#!/usr/bin/env bash
# scripts/pp_fastpath.sh — instructions in pagepool's malloc and free fast paths, counted by
# Valgrind's callgrind (a count, so it holds on a loaded machine), with the annotated
# listing of src/pp_fast.h.
#
#   scripts/pp_fastpath.sh [LIB]      LIB: a drop-in library (default build/libpagepool.so)
#
# A small C program (compiled into a temporary folder with cc -O2) is run with LIB
# preloaded: after a warm-up, `measured()` does ROUNDS rounds of 16 malloc calls (sizes 32
# and 40, two bins) and 16 free calls of the same blocks — the common case: allocation
# lists neither empty nor full most of the time. Only measured() is counted
# (--toggle-collect). Prints, per call, the instructions inside the `malloc` and `free`
# symbols themselves (the inline fast path), all of pagepool's code per pair (slow paths
# such as refills amortised), then the callgrind_annotate listing of pp_fast.h.
# Environment: ROUNDS (default 20000). Needs valgrind and cc (scripts/deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
lib=$(realpath "${1:-build/libpagepool.so}")
[ -r "$lib" ] || { echo "pp_fastpath.sh: $lib: no such library (build first)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "pp_fastpath.sh: valgrind missing: run scripts/deps.sh (apt-get install valgrind)" >&2; exit 2; }
rounds=${ROUNDS:-20000}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT; [ -n "${KEEP:-}" ] && trap - EXIT && echo "$tmp" >&2
cat >"$tmp/fp.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
static void *v[16];
__attribute__((noinline)) static unsigned long measured(int rounds) {
  unsigned long s = 0;
  for (int i = 0; i < rounds; i++) {
    for (int j = 0; j < 16; j++) s += (unsigned long)(v[j] = malloc(32 + (size_t)(j & 1) * 8));
    for (int j = 0; j < 16; j++) free(v[j]);
  }
  return s;
}
int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 20000;
  unsigned long s = measured(100); /* warm-up: heap, pools, lists */
  s += measured(rounds);
  printf("%lu\n", s & 1);
  return 0;
}
C
cc -O2 -g -o "$tmp/fp" "$tmp/fp.c"
LD_PRELOAD=$lib valgrind --tool=callgrind --toggle-collect=measured --callgrind-out-file="$tmp/cg.out" \
  "$tmp/fp" "$rounds" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
calls=$(( (rounds + 100) * 16 ))
callgrind_annotate --auto=yes --context=2 "$tmp/cg.out" >"$tmp/ann.txt" 2>/dev/null
# Function rows (before the annotated sources) of pagepool's files: "Ir (pct) file:fn [obj]".
sed '/Auto-annotated source/,$d' "$tmp/ann.txt" | grep 'allocator/src/' >"$tmp/rows.txt" || true
sum() { awk -v fn="$1" '{ gsub(",", "", $1); for (i = 2; i <= NF; i++) if ($i ~ /allocator\/src\//) { split($i, a, ":")
  if (fn == "" || a[2] == fn) s += $1 } } END { print s + 0 }' "$tmp/rows.txt"; }
m=$(sum malloc); f=$(sum free); all=$(sum "")
awk -v m="$m" -v f="$f" -v all="$all" -v c="$calls" 'BEGIN {
  printf "malloc: %6.2f instructions per call (the inline fast path: the malloc symbol itself)\n", m / c
  printf "free:   %6.2f instructions per call (the free symbol itself)\n", f / c
  printf "all pagepool code, slow paths included: %6.2f per malloc+free pair (%d pairs)\n", all / c, c }'
echo
echo "callgrind_annotate --auto=yes, the part for src/pp_fast.h (Ir per source line, all $calls calls):"
awk '/^-- Auto-annotated source:/ { on = ($0 ~ /pp_fast\.h/) } on' "$tmp/ann.txt"
