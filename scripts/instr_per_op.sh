#!/usr/bin/env bash
# scripts/instr_per_op.sh — instructions per operation of each backend on a pattern, counted
# by Valgrind's callgrind: a figure that does not move with the machine's load (2 shared
# cores here), beside the noisy ns/op of `allocmark run`.
#
#   scripts/instr_per_op.sh [--full] [--cache] PATTERN.json BACKEND...
#
# For each backend, one runner (build/runners/am-runner-BACKEND) replays the pattern once
# (its quick scale unless --full; no warm-up, no RSS timeline, no counters) under callgrind,
# counting only inside the engine's worker threads (am_engine_worker_main: the replay loop and the
# allocator it calls, not stream generation); prints "pattern backend instr/op ops".
# --cache adds callgrind's cache and branch simulators (--cache-sim=yes --branch-sim=yes;
# the same model as cachegrind: the host's L1 and a direct-mapped LL; prefetch
# instructions are counted but not simulated) and prints per op, instead: Ir
# (instructions), D1mr / D1mw (L1 data read / write misses), LLm (last-level misses, read
# + write), Bcm / Bim (mispredicted conditional / indirect branches); this is what
# scripts/pp_cachesim.sh runs. The harness's own share is the `bump` backend's figure.
# Environment: BUILD (default build); AM_INSTR_PRELOAD (a library to LD_PRELOAD into the
# runner); PP_LIBDIR (a folder holding another libpagepool.so, put first on
# LD_LIBRARY_PATH, before the runner's RUNPATH) — either gives a before/after count of
# pagepool; KEEP=1 keeps each callgrind output file (its path is printed) for
# callgrind_annotate. Needs valgrind and python3 (scripts/deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
me=${AM_SCRIPT_NAME:-instr_per_op.sh} # the name in messages (pp_cachesim.sh sets its own)
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
scale=--quick cache=""
while [ "${1:-}" = --full ] || [ "${1:-}" = --cache ]; do
  if [ "$1" = --full ]; then scale=""; else cache=1; fi
  shift
done
[ $# -ge 2 ] || { echo "$me: usage: $me [--full] PATTERN BACKEND... (try --help)" >&2; exit 2; }
pat=$1; shift
[ -r "$pat" ] || { echo "$me: $pat: cannot read the pattern" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "$me: valgrind missing: run scripts/deps.sh (apt-get install valgrind)" >&2; exit 2; }
build=${BUILD:-build}
export AM_BUMP_GIB=${AM_BUMP_GIB:-2} # valgrind cannot map bump's default 64 GiB
sim=()
[ -z "$cache" ] || sim=(--cache-sim=yes --branch-sim=yes)
tmps=() # each backend's folder: removed at exit, whatever the exit, unless KEEP is set
trap '[ -n "${KEEP:-}" ] || [ ${#tmps[@]} -eq 0 ] || rm -rf "${tmps[@]}"' EXIT
for be in "$@"; do
  runner=$build/runners/am-runner-$be
  [ -x "$runner" ] || { echo "$me: $runner: no such runner (backend '$be' not built)" >&2; exit 2; }
  t=$(mktemp -d)
  tmps+=("$t")
  env ${AM_INSTR_PRELOAD:+LD_PRELOAD=$AM_INSTR_PRELOAD} ${PP_LIBDIR:+LD_LIBRARY_PATH=$PP_LIBDIR} \
    valgrind --tool=callgrind "${sim[@]}" --toggle-collect=am_engine_worker_main \
    --callgrind-out-file="$t/cg.out" "$runner" run --pattern "$pat" $scale --warmup 0 \
    --rss-interval-ms 0 --no-hw >"$t/sample.json" 2>"$t/err" ||
    { echo "$me: $be: runner failed:" >&2; tail -5 "$t/err" >&2; exit 1; }
  keep=""
  [ -z "${KEEP:-}" ] || keep="  $t/cg.out"
  # One reader for both forms: the event totals of callgrind's output file, per op.
  python3 - "$t" "$(basename "$pat" .json)" "$be" "$keep" "$cache" <<'PY'
import json, sys
t, pat, be, keep, cache = sys.argv[1:]
ev = tot = None
for line in open(t + "/cg.out"):
    if line.startswith("events:"): ev = line.split()[1:]
    elif line.startswith("totals:"): tot = [int(x) for x in line.split()[1:]]
ops = json.load(open(t + "/sample.json"))["total_ops"]
d = dict(zip(ev, tot))
if not cache:
    print("%-22s %-10s %8.1f instr/op  %d ops%s" % (pat, be, d["Ir"] / ops, ops, keep))
else:
    print("%-20s %-10s Ir %6.1f  D1mr %5.2f  D1mw %5.2f  LLm %5.3f  Bcm %5.2f  Bim %5.2f  per op (%d ops)%s" % (
        pat, be, d["Ir"] / ops, d["D1mr"] / ops, d["D1mw"] / ops, (d["DLmr"] + d["DLmw"]) / ops,
        d["Bcm"] / ops, d["Bim"] / ops, ops, keep))
PY
done
