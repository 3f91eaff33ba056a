#!/usr/bin/env bash
# scripts/trace_bench.sh — what recording costs (harness/trace/TRACE.md, "Overhead"):
#   1. per op, on a malloc-bound loop (build/tests/trace_mallocbench): ns/op without and
#      with the recorder (the loop times itself), and with --instructions the callgrind
#      instruction count per op of both (stable on a busy machine);
#   2. wall time on real programs, median of REPS runs without and with `allocmark
#      record`: a gcc -O2 compile (gcc, cc1 and as; --follow-exec), CPython with
#      PYTHONMALLOC=malloc, and z3 with smt.threads=2 (a thread pool per query); the trace's ops,
#      threads and bytes per op.
# Prints a Markdown table. Usage: scripts/trace_bench.sh [--instructions] [--reps N]
#   (run from the repository root after a Release build in build/). Numbers taken on a
#   machine others are using are noisy: say so next to them.
set -u
cd "$(dirname "$0")/.."
reps=3 instr=0
while [ $# -gt 0 ]; do
  case "$1" in
    --instructions) instr=1 ;;
    --reps) reps=$2; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "trace_bench.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done
A=$PWD/build/allocmark
MB=$PWD/build/tests/trace_mallocbench
[ -x "$A" ] && [ -x "$MB" ] || { echo "trace_bench.sh: build first (cmake --build build)" >&2; exit 2; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "## Recorder overhead ($(uname -n), $(nproc) CPUs, $(date -u +%FT%TZ))"
echo
n=2000000
plain=$(for i in $(seq "$reps"); do "$MB" $n | awk '{print $4}'; done | median)
rec=$(for i in $(seq "$reps"); do "$A" record -o "$W/mb.amtrace" -- "$MB" $n 2>/dev/null | awk '{print $4}'; done | median)
bpo=$("$A" trace-info --json "$W/mb.amtrace" | jq -r '.bytes_per_op * 100 | round | . / 100')
echo "| malloc-bound loop ($((2 * n)) ops) | plain ns/op | recorded ns/op | ratio | bytes/op |"
echo "|---|---|---|---|---|"
echo "| trace_mallocbench | $plain | $rec | $(awk -v a="$rec" -v b="$plain" 'BEGIN {printf "%.2fx", a / b}') | $bpo |"
if [ "$instr" = 1 ] && command -v valgrind >/dev/null; then
  # Marginal instructions per op: the counts of 3m and m rounds, their difference over
  # the 4m ops in between (start-up and the recorder's set-up cancel out). AMTRACE_GEN
  # stays unset: valgrind's launcher loads the shim too, and a generation it bumped
  # would make the program pass calls through unrecorded.
  m=100000
  ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | awk '/Collected/ {print $4}'; }
  mkdir -p "$W/raw"
  p1=$(ir "$MB" $m); p3=$(ir "$MB" $((3 * m)))
  r1=$(AMTRACE_DIR=$W/raw LD_PRELOAD=$PWD/build/libamtrace.so ir "$MB" $m)
  r3=$(AMTRACE_DIR=$W/raw LD_PRELOAD=$PWD/build/libamtrace.so ir "$MB" $((3 * m)))
  echo
  echo "callgrind, marginal over $((4 * m)) ops: $(awk -v a="$p1" -v b="$p3" -v n=$((4 * m)) 'BEGIN {printf "%.1f", (b - a) / n}')" \
       "instructions/op plain, $(awk -v a="$r1" -v b="$r3" -v n=$((4 * m)) 'BEGIN {printf "%.1f", (b - a) / n}') recorded"
fi
echo

# Real programs.
python3 programs/gen/make_c.py 150 "$W/big.c" >/dev/null 2>&1
python3 programs/gen/make_smt.py 40 "$W/p.smt2" >/dev/null 2>&1
py=/usr/bin/python3
run_case() { # name, record flags, command...
  local name=$1 flags=$2
  shift 2
  local t0 t1 plain rec prog
  plain=$(for i in $(seq "$reps"); do t0=$(now); "$@" >/dev/null 2>&1; t1=$(now); echo "$t1 - $t0" | bc -l; done | median)
  rec=$(for i in $(seq "$reps"); do rm -f "$W"/rec*.amtrace; t0=$(now); "$A" record $flags -o "$W/rec.amtrace" -- "$@" >/dev/null 2>"$W/rec.err"; t1=$(now); echo "$t1 - $t0" | bc -l; grep -o 'ran [0-9.]* s' "$W/rec.err" | awk '{print $2}' >>"$W/prog.s"; done | median)
  prog=$(median <"$W/prog.s"); rm -f "$W/prog.s"
  local ops=0 bytes=0 thr=0
  for f in "$W"/rec*.amtrace; do
    [ -e "$f" ] || continue
    ops=$((ops + $("$A" trace-info --json "$f" | jq .ops)))
    bytes=$((bytes + $(stat -c %s "$f")))
    t=$("$A" trace-info --json "$f" | jq .threads)
    [ "$t" -gt "$thr" ] && thr=$t
  done
  printf '| %s | %.3f | %.3f | %+.1f%% | %.3f | %s | %s | %s |\n' "$name" "$plain" "$prog" \
    "$(echo "($prog - $plain) / $plain * 100" | bc -l)" "$rec" "$ops" "$thr" "$(awk -v b=$bytes -v o=$ops 'BEGIN {printf "%.2f", o ? b / o : 0}')"
}
echo "| program | plain s (median of $reps) | under the recorder s | overhead | record + conversion s | ops | threads (most in one trace) | bytes/op |"
echo "|---|---|---|---|---|---|---|---|"
run_case "gcc -O2 -c (make_c.py 150; gcc, cc1, as)" "--follow-exec" gcc -O2 -c "$W/big.c" -o "$W/big.o"
export PYTHONMALLOC=malloc
run_case "CPython, PYTHONMALLOC=malloc (pywork.py 300)" "" "$py" programs/gen/pywork.py 300
unset PYTHONMALLOC
if command -v z3 >/dev/null; then
  run_case "z3 smt.threads=2 (make_smt.py 40)" "" z3 -smt2 smt.threads=2 "$W/p.smt2"
fi
