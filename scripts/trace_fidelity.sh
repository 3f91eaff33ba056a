#!/usr/bin/env bash
# scripts/trace_fidelity.sh — the time-in-malloc fidelity target (harness/trace/TRACE.md,
# "Overhead and fidelity"): a replay on `system` of a program's trace should take no
# more than the time the program itself spent in malloc/free. For each program: record
# it with --timestamps (every call's time inside the real function, less one clock
# read each: trace-info's call_time_ns.estimate_ns), then replay the trace on system
# (`allocmark run TRACE -b system -r REPS`, median wall time of the timed replay) and
# print both and their ratio. Programs: CPython (PYTHONMALLOC=malloc, pywork.py 100) and
# z3 (smt.threads=2, make_smt.py 40) when installed; or the command given after --.
# Prints a Markdown table. Usage: scripts/trace_fidelity.sh [--reps N] [-- CMD ARGS]
#   (from the repository root after a Release build in build/). Noisy on a shared machine:
#   say so next to the numbers.
set -u
cd "$(dirname "$0")/.."
reps=3
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps=$2; shift ;;
    --) shift; break ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "trace_fidelity.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done
A=$PWD/build/allocmark
[ -x "$A" ] || { echo "trace_fidelity.sh: build first (cmake --build build)" >&2; exit 2; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

echo "## Time in malloc vs replay on system ($(uname -n), $(nproc) CPUs, $(date -u +%FT%TZ); load: $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| program | ops | in malloc/free, measured ms | estimate ms (less clock reads) | replay on system ms (median of $reps) | replay / estimate |"
echo "|---|---|---|---|---|---|"
case_row() { # NAME ENV CMD...
  local name=$1 envs=$2; shift 2
  if ! env $envs "$A" record --timestamps -o "$W/t.amtrace" -- "$@" >/dev/null 2>"$W/rec.err"; then
    echo "| $name | record failed: $(tail -1 "$W/rec.err") | | | | |"; return
  fi
  "$A" trace-info --json "$W/t.amtrace" >"$W/info.json"
  "$A" run "$W/t.amtrace" -b system -r "$reps" --no-hw -o "$W/r.json" >/dev/null 2>&1 ||
    { echo "| $name | replay failed | | | | |"; return; }
  jq -r --arg name "$name" --slurpfile r "$W/r.json" '
    ($r[0].benchmarks[0].aggregates.wall_s.median * 1000) as $rep |
    "| \($name) | \(.ops) | \(.call_time_ns.measured_ns / 1e6 * 10 | round / 10) | \(.call_time_ns.estimate_ns / 1e6 * 10 | round / 10) | \($rep * 10 | round / 10) | \($rep / (.call_time_ns.estimate_ns / 1e6) * 100 | round / 100) |"' "$W/info.json"
}
if [ $# -gt 0 ]; then
  case_row "$*" "" "$@"
else
  py=/usr/bin/python3; [ -x "$py" ] || py=$(command -v python3)
  case_row "CPython, PYTHONMALLOC=malloc (pywork.py 100)" "PYTHONMALLOC=malloc" "$py" programs/gen/pywork.py 100
  if command -v z3 >/dev/null; then
    python3 programs/gen/make_smt.py 40 "$W/p.smt2" >/dev/null 2>&1
    case_row "z3 smt.threads=2 (make_smt.py 40)" "" z3 -smt2 smt.threads=2 "$W/p.smt2"
  fi
fi
