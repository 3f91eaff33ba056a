#!/usr/bin/env bash
# scripts/instr_per_op.sh — instructions per operation of each backend on a pattern, counted
# by Valgrind's callgrind: a figure that does not move with the machine's load (2 shared
# cores here), beside the noisy ns/op of `allocmark run`.
#
#   scripts/instr_per_op.sh [--full] PATTERN.json BACKEND...
#
# For each backend, one runner (build/runners/am-runner-BACKEND) replays the pattern once
# (its quick scale unless --full; no warm-up, no RSS timeline, no counters) under callgrind,
# counting only inside the engine's worker threads (am_engine_worker_main: the replay loop and the
# allocator it calls, not stream generation); prints "pattern backend instr/op ops".
# The harness's own share is the `bump` backend's figure. Environment: BUILD (default
# build), AM_INSTR_PRELOAD (a library to LD_PRELOAD into the runner, e.g. an older
# libpagepool.so for a before/after count). Needs valgrind (scripts/deps.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
scale=--quick
if [ "${1:-}" = --full ]; then scale=""; shift; fi
[ $# -ge 2 ] || { echo "instr_per_op.sh: usage: instr_per_op.sh [--full] PATTERN BACKEND... (try --help)" >&2; exit 2; }
pat=$1; shift
[ -r "$pat" ] || { echo "instr_per_op.sh: $pat: cannot read the pattern" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "instr_per_op.sh: valgrind missing: run scripts/deps.sh (apt-get install valgrind)" >&2; exit 2; }
build=${BUILD:-build}
export AM_BUMP_GIB=${AM_BUMP_GIB:-2} # valgrind cannot map bump's default 64 GiB
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for be in "$@"; do
  runner=$build/runners/am-runner-$be
  [ -x "$runner" ] || { echo "instr_per_op.sh: $runner: no such runner (backend '$be' not built)" >&2; exit 2; }
  env ${AM_INSTR_PRELOAD:+LD_PRELOAD=$AM_INSTR_PRELOAD} valgrind --tool=callgrind --toggle-collect=am_engine_worker_main \
    --callgrind-out-file="$tmp/cg.out" "$runner" run --pattern "$pat" $scale --warmup 0 \
    --rss-interval-ms 0 --no-hw >"$tmp/sample.json" 2>"$tmp/err" ||
    { echo "instr_per_op.sh: $be: runner failed:" >&2; tail -5 "$tmp/err" >&2; exit 1; }
  ir=$(sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' "$tmp/err" | tr -d ,)
  ops=$(grep -o '"total_ops":[0-9]*' "$tmp/sample.json" | head -1 | cut -d: -f2)
  awk -v p="$(basename "$pat" .json)" -v b="$be" -v ir="$ir" -v ops="$ops" \
    'BEGIN { printf "%-22s %-10s %8.1f instr/op  %d ops\n", p, b, ir / ops, ops }'
done
