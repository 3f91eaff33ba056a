#!/usr/bin/env bash
# scripts/pp_cachesim.sh — per-operation instructions, simulated cache misses and branch
# mispredictions of backends on a pattern: Valgrind's callgrind with its cache and branch
# simulators (--cache-sim=yes --branch-sim=yes; the same model as cachegrind), counting only
# the engine's worker threads (am_engine_worker_main: the replay loop and the allocator).
# Counts, so they hold on a loaded machine where ns/op does not.
#
#   scripts/pp_cachesim.sh [--full] PATTERN.json BACKEND...
#
# Prints per backend: Ir (instructions), D1mr / D1mw (L1 data read / write misses), LLm
# (last-level misses, read + write), Bcm / Bim (mispredicted conditional / indirect
# branches), all per op (with KEEP=1, then the callgrind output file, for callgrind_annotate). The
# pattern's quick scale unless --full. Environment: BUILD (default build); PP_LIBDIR, a
# folder holding another libpagepool.so, put first on LD_LIBRARY_PATH (before the
# runner's RUNPATH) for a before/after count of pagepool.
# The simulated caches are the host's L1 and a direct-mapped LL: prefetch instructions
# are counted but not simulated. Needs valgrind and python3 (scripts/deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
scale=--quick
if [ "${1:-}" = --full ]; then scale=""; shift; fi
[ $# -ge 2 ] || { echo "pp_cachesim.sh: usage: pp_cachesim.sh [--full] PATTERN BACKEND... (try --help)" >&2; exit 2; }
pat=$1; shift
[ -r "$pat" ] || { echo "pp_cachesim.sh: $pat: cannot read the pattern" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "pp_cachesim.sh: valgrind missing: run scripts/deps.sh (apt-get install valgrind)" >&2; exit 2; }
build=${BUILD:-build}
export AM_BUMP_GIB=${AM_BUMP_GIB:-2}
for be in "$@"; do
  runner=$build/runners/am-runner-$be
  [ -x "$runner" ] || { echo "pp_cachesim.sh: $runner: no such runner (backend '$be' not built)" >&2; exit 2; }
  t=$(mktemp -d)
  env ${PP_LIBDIR:+LD_LIBRARY_PATH=$PP_LIBDIR} valgrind --tool=callgrind --cache-sim=yes --branch-sim=yes \
    --toggle-collect=am_engine_worker_main --callgrind-out-file="$t/cg.out" "$runner" run --pattern "$pat" $scale \
    --warmup 0 --rss-interval-ms 0 --no-hw >"$t/sample.json" 2>"$t/err" ||
    { echo "pp_cachesim.sh: $be: runner failed:" >&2; tail -5 "$t/err" >&2; exit 1; }
  python3 - "$t" "$(basename "$pat" .json)" "$be" "${KEEP:-}" <<'PY'
import json, sys
t, pat, be, keep = sys.argv[1:]
ev = tot = None
for line in open(t + "/cg.out"):
    if line.startswith("events:"): ev = line.split()[1:]
    elif line.startswith("totals:"): tot = [int(x) for x in line.split()[1:]]
ops = json.load(open(t + "/sample.json"))["total_ops"]
d = dict(zip(ev, tot))
print("%-20s %-10s Ir %6.1f  D1mr %5.2f  D1mw %5.2f  LLm %5.3f  Bcm %5.2f  Bim %5.2f  per op (%d ops)%s" % (
    pat, be, d["Ir"] / ops, d["D1mr"] / ops, d["D1mw"] / ops, (d["DLmr"] + d["DLmw"]) / ops,
    d["Bcm"] / ops, d["Bim"] / ops, ops, "  " + t + "/cg.out" if keep else ""))
PY
  [ -n "${KEEP:-}" ] || rm -rf "$t"
done
