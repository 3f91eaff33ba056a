#!/usr/bin/env bash
# scripts/aa_check.sh — the A/A check of `allocmark compare`: run the same `allocmark run`
# command N times back to back, then compare every pair of runs. Nothing differs between
# them but time, so every verdict other than `same` is a false alarm; the share of `same`
# is the figure the README quotes (issue 14 asks for >= 95 % between two runs).
#
# usage: scripts/aa_check.sh [-n RUNS] [-o DIR] [--build DIR] [--grouped] -- RUN_ARGS...
#   -n RUNS      how many runs (default 2; >= 2)
#   -o DIR       where the runs go: DIR/run-1 ... DIR/run-N, DIR/pairs.tsv (created;
#                default: a new folder under results/aa-<UTC stamp>)
#   --build DIR  the build folder with allocmark (default: build)
#   --grouped    pass --schedule grouped to every run (the pre-spread order, to see
#                what spreading the repetitions buys)
#   RUN_ARGS     what follows `allocmark run` (patterns and options, no -o)
# Output: one line per pair, "run-i run-j <compare's summary line>", consecutive pairs
# first, and DIR/pairs.tsv (i, j, comparisons, same, percent). `uptime` before every
# run goes to DIR/uptime.txt: quote it with the figures. Exit 0, or 2 on bad usage.
# Example (a few minutes a run on the 2-core VM; the README's figures, under
# "Comparing runs", name the backends):
#   scripts/aa_check.sh -n 3 -- patterns/{pairs-small,window-mixed,glibc-simple}.json -r 5 -t 1
set -euo pipefail
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "aa_check.sh: $*" >&2; exit 2; }
n=2 out="" build=build grouped=()
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    -n) [ $# -ge 2 ] || die "-n needs a count"; n=$2; shift 2 ;;
    -o) [ $# -ge 2 ] || die "-o needs a folder"; out=$2; shift 2 ;;
    --build) [ $# -ge 2 ] || die "--build needs a folder"; build=$2; shift 2 ;;
    --grouped) grouped=(--schedule grouped); shift ;;
    --) shift; break ;;
    *) die "unknown option '$1' (try --help)" ;;
  esac
done
[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 2 ] || die "-n: '$n' is not a count >= 2"
[ $# -gt 0 ] || die "no allocmark run arguments after -- (try --help)"
for a in "$@"; do case $a in -o|--output|-o*|--output=*) die "RUN_ARGS: no -o (the script picks the folders)" ;; esac; done
am=$build/allocmark
[ -x "$am" ] || die "--build $build: no allocmark there (cmake --build $build)"
[ -n "$out" ] || out=results/aa-$(date -u +%Y%m%dT%H%M%SZ)
[ ! -e "$out" ] || [ -z "$(ls -A "$out")" ] || die "-o $out: exists and is not empty"
mkdir -p "$out"
for i in $(seq 1 "$n"); do
  uptime >> "$out/uptime.txt"
  echo "aa_check.sh: run $i of $n" >&2
  "$am" run "$@" "${grouped[@]}" -o "$out/run-$i/" > "$out/run-$i.log" 2>&1 ||
    echo "aa_check.sh: run $i exited $? (see $out/run-$i.log)" >&2
done
uptime >> "$out/uptime.txt"
printf 'i\tj\tcomparisons\tsame\tpercent\n' > "$out/pairs.tsv"
pair() {
  local line
  line=$("$am" compare "$out/run-$1" "$out/run-$2" | grep -m1 -E '^[0-9]+ comparisons: ')
  echo "run-$1 run-$2 $line"
  # "50 comparisons: 0 faster, 1 slower, 49 same (98.0 % same)..."
  awk -v i="$1" -v j="$2" '{ gsub(/[(,:]/, " "); print i "\t" j "\t" $1 "\t" $7 "\t" $9 }' <<< "$line" >> "$out/pairs.tsv"
}
for d in $(seq 1 $((n - 1))); do
  for i in $(seq 1 $((n - d))); do pair "$i" $((i + d)); done
done
