#!/usr/bin/env bash
# tests/library/run_library.sh — runs every pattern of the library (patterns/*.json) at
# --quick scale on one backend, one repetition each, and asserts from the results files
# (schema: results/README.md) that every pattern produced a results file whose every
# benchmark (one per thread count) has status "ok".
#
# usage: run_library.sh ALLOCMARK PATTERN_DIR BACKEND
# exit: 0 all ok; 1 a failure (one line per failing pattern/benchmark); 77 skipped
# (the backend's runner is not built: ctest reports the test as skipped).
set -u
am=$1 dir=$2 be=$3

runner="$(dirname "$am")/runners/am-runner-$be"
if [ ! -x "$runner" ]; then
  echo "SKIP: backend '$be' has no runner ($runner is not built)"
  exit 77
fi
command -v jq >/dev/null || { echo "FAIL: jq not found (scripts/deps.sh installs it)"; exit 1; }

shopt -s nullglob
pats=("$dir"/*.json)
[ ${#pats[@]} -gt 0 ] || { echo "FAIL: no patterns in $dir"; exit 1; }

out=$(mktemp -d "${TMPDIR:-/tmp}/am-library.XXXXXX")
trap 'rm -rf "$out"' EXIT

"$am" run "${pats[@]}" -b "$be" -r 1 --quick --timeout 60 -o "$out/" >"$out/stdout.txt" 2>"$out/stderr.txt"
rc=$?
fail=0
if [ "$rc" -ne 0 ]; then
  echo "FAIL: allocmark run exited $rc on $be: $(tail -n 1 "$out/stderr.txt")"
  fail=1
fi

for p in "${pats[@]}"; do
  name=$(jq -r '.name // empty' "$p")
  [ -n "$name" ] || name=$(basename "$p" .json)
  res=$(jq -r --arg n "$name" 'select(.workload.name == $n) | input_filename' "$out"/*.json 2>/dev/null | head -n 1)
  if [ -z "$res" ]; then
    echo "FAIL: $p on $be: no results file"
    fail=1
    continue
  fi
  # Every benchmark (backend x thread count) must be there and ok.
  bad=$(jq -r --arg b "$be" '
      if (.benchmarks | length) == 0 then "no benchmarks"
      else .benchmarks[] | select(.backend != $b or .status != "ok")
           | "threads=\(.threads) backend=\(.backend) status=\(.status) error=\(.error)"
      end' "$res")
  if [ -n "$bad" ]; then
    echo "FAIL: $p on $be: $bad"
    fail=1
  else
    echo "ok   $p on $be: $(jq -r '[.benchmarks[] | "t=\(.threads) \(.aggregates.ns_per_op.median | floor) ns/op"] | join(", ")' "$res")"
  fi
done
exit $fail
