#!/usr/bin/env bash
# tests/programs/test_run.sh — `allocmark run` on program files, end to end, with
# programs every Debian machine has (sort, sh):
#   sort.json     system + pagepool: ok, same output, proof in effect with malloc bound to
#                 the expected object, metrics present, `allocmark report` reads the file
#   minimal.json  the smallest file programs/README.md allows runs
#   env-echo      output differs by backend -> wrong-output (exit 1)
#   crash         killed by SIGSEGV -> crashed;  exit3: exit status 3 -> error
#   missing       command not installed -> error naming the package, nothing run
#   own-alloc     (when built) a jemalloc-linked program calling mallocx: excluded as
#                 foreign-allocator on pagepool, ok on jemalloc
# Usage: test_run.sh ALLOCMARK SOURCE_DIR [OWN_ALLOC_JSON]
set -u
am=${1:?}; src=${2:?}; own=${3:-}
good="$src/tests/programs/good"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export TMPDIR="$tmp"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
q() { jq -r "$1" "$2"; }

"$am" run "$good/sort.json" -b system,pagepool -r 2 -o "$tmp/sort.json" >"$tmp/log" 2>&1 || { cat "$tmp/log"; fail "sort: exit $?"; }
r="$tmp/sort.json"
[ "$(q '[.benchmarks[].status] | join(",")' "$r")" = "ok,ok" ] || fail "sort: statuses $(q '[.benchmarks[].status]|join(",")' "$r")"
[ "$(q '[.benchmarks[].samples[].output_sha256] | unique | length' "$r")" = 1 ] || fail "sort: outputs differ"
[ "$(q '[.benchmarks[].proof.bindings.in_effect] | all' "$r")" = true ] || fail "sort: proof not in effect"
q '.benchmarks[] | select(.backend=="pagepool") | .proof.bindings.allocation_symbols_bound_to | keys[]' "$r" | grep -q 'libpagepool\.so$' \
  || fail "sort: pagepool proof does not show malloc bound to libpagepool.so"
q '.benchmarks[] | select(.backend=="system") | .proof.bindings.allocation_symbols_bound_to | keys[]' "$r" | grep -q 'libc\.so' \
  || fail "sort: system proof does not show malloc bound to libc"
[ "$(q '[.benchmarks[].samples[] | (.wall_s > 0 and .peak_rss_bytes > 0 and .cpu_user_s >= 0 and (.minor_faults|type)=="number")] | all' "$r")" = true ] \
  || fail "sort: metrics missing"
[ "$(q '.benchmarks[0].aggregates.figure.median' "$r")" != null ] || fail "sort: no figure"
[ "$(q '.workload.kind' "$r")" = program ] || fail "sort: workload.kind"
[ "$(q '.benchmarks[0].samples | length' "$r")" = 2 ] || fail "sort: repetitions"
mkdir "$tmp/rep" && cp "$r" "$tmp/rep/"
"$am" report "$tmp/rep" >"$tmp/report.md" 2>"$tmp/report.err" || { cat "$tmp/report.err"; fail "report: exit $?"; }
grep -q 'sort-test' "$tmp/report.md" || fail "report: no sort-test"

"$am" run "$good/minimal.json" -b system -r 1 --quick -o "$tmp/min.json" >"$tmp/log" 2>&1 || { cat "$tmp/log"; fail "minimal: exit $?"; }
[ "$(q '.benchmarks[0].status' "$tmp/min.json")" = ok ] || fail "minimal: not ok"
[ "$(q '.context.options.schedule' "$tmp/min.json")" = grouped ] || fail "minimal: context.options.schedule is not grouped (programs run one after another)"

"$am" run "$good/env-echo.json" -b system,pagepool -o "$tmp/env.json" >"$tmp/log" 2>&1; rc=$?
[ "$rc" = 1 ] || fail "env-echo: exit $rc, expected 1"
[ "$(q '.benchmarks[] | select(.backend=="pagepool") | .samples[0].status' "$tmp/env.json")" = wrong-output ] || fail "env-echo: pagepool not wrong-output"
[ "$(q '.benchmarks[] | select(.backend=="system") | .samples[0].status' "$tmp/env.json")" = ok ] || fail "env-echo: system not ok"

"$am" run "$good/crash.json" -b system -o "$tmp/crash.json" >"$tmp/log" 2>&1
[ "$(q '.benchmarks[0].samples[0].status' "$tmp/crash.json")" = crashed ] || fail "crash: not crashed"
"$am" run "$good/exit3.json" -b system -o "$tmp/exit3.json" >"$tmp/log" 2>&1
q '.benchmarks[0].samples[0].error' "$tmp/exit3.json" | grep -q 'exit status 3, expected 0' || fail "exit3: no exit status error"
"$am" run "$good/missing.json" -b system -o "$tmp/missing.json" >"$tmp/log" 2>&1
q '.benchmarks[0].error' "$tmp/missing.json" | grep -q 'not installed.*no-such-package' || fail "missing: no reason"

if [ -n "$own" ]; then
  "$am" run "$own" -b jemalloc,pagepool -o "$tmp/own.json" >"$tmp/log" 2>&1
  [ "$(q '.benchmarks[] | select(.backend=="pagepool") | .status' "$tmp/own.json")" = foreign-allocator ] || fail "own-alloc: pagepool not excluded"
  q '.benchmarks[] | select(.backend=="pagepool") | .error' "$tmp/own.json" | grep -q 'mallocx' || fail "own-alloc: reason does not name mallocx"
  [ "$(q '.benchmarks[] | select(.backend=="jemalloc") | .status' "$tmp/own.json")" = ok ] || fail "own-alloc: jemalloc not ok"
fi
[ "$fails" = 0 ] && echo "program runs: all checks passed"
[ "$fails" = 0 ]
