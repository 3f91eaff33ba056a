#!/usr/bin/env bash
# tests/compare/test_compare.sh — `allocmark compare` end to end.
#   1. fixtures (hand-written samples, known answers): verdicts, p-values, ratios, the
#      reasons for not comparing, --backend/--vs with a variant name, Markdown, -o
#   2. bad input: one line on stderr, exit 2, nothing written
#   3. a real run (pairs-small, --quick): compare R R is all `same` with p = 1, and
#      --backend pagepool --vs system gives a comparison per metric
# usage: test_compare.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$1 src=$2
am=$build/allocmark fx=$src/tests/compare/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
# q FILE JQ-EXPR EXPECTED
q() { local got; got=$(jq -r "$2" "$1" 2>&1); [ "$got" = "$3" ] || fail "$1: $2: expected '$3', got '$got'"; }

# 1. Fixtures: B relative to A.
"$am" compare "$fx/a.json" "$fx/b.json" --json -o "$tmp/ab.json" || fail "compare a b exited $?"
sel() { echo ".comparisons[] | select(.backend == \"$1\" and .metric == \"${2:-ns_per_op}\")"; }
q "$tmp/ab.json" "$(sel pagepool) | .verdict" faster
q "$tmp/ab.json" "$(sel pagepool) | .p_value < 0.008 and .p_value > 0.0079" true
q "$tmp/ab.json" "$(sel pagepool) | .ratio" 0.5
q "$tmp/ab.json" "$(sel pagepool) | .ci_low < 0.5 and .ci_high > 0.5 and .ci_high < 1" true
q "$tmp/ab.json" "$(sel system) | .verdict + \" \" + (.p_value|tostring) + \" \" + (.ratio|tostring)" "same 1 1"
q "$tmp/ab.json" "$(sel tcmalloc) | .verdict" slower
q "$tmp/ab.json" "$(sel tcmalloc) | .threads" 1
q "$tmp/ab.json" "$(sel system instructions_per_op) | .verdict" same
q "$tmp/ab.json" '.comparisons | length' 6
q "$tmp/ab.json" '.summary | "\(.faster) \(.slower) \(.same)"' "1 1 4"
q "$tmp/ab.json" '.not_compared[] | select(.backend == "jemalloc") | .reason' "not ok: A crashed, B ok"
q "$tmp/ab.json" '.not_compared[] | select(.backend == "mimalloc") | .reason' "only in B"
q "$tmp/ab.json" '[.not_compared[] | select(.backend == "pagepool+PAGEPOOL_LOOKUP=tree")][0].reason' "only in A"
q "$tmp/ab.json" '.comparisons[0] | has("workload") and has("backend") and has("threads") and has("metric")' true
# The same, reversed: the direction flips.
"$am" compare "$fx/b.json" "$fx/a.json" --json -o "$tmp/ba.json"
q "$tmp/ba.json" "$(sel pagepool) | \"\(.verdict) \(.ratio)\"" "slower 2"
# Minimum effect: a 2x difference is below a 150 % threshold.
"$am" compare "$fx/a.json" "$fx/b.json" --json --min-effect 1.5 -o "$tmp/eff.json"
q "$tmp/eff.json" "$(sel pagepool) | .verdict" same
# Throughput: higher is better, so a lower time is still `faster`.
"$am" compare "$fx/a.json" "$fx/b.json" --json --metric ops_per_s -o "$tmp/ops.json"
q "$tmp/ops.json" "$(sel pagepool ops_per_s) | \"\(.verdict) \(.ratio)\"" "faster 2"
# Different operation streams are not compared.
"$am" compare "$fx/a.json" "$fx/other-streams.json" --json -o "$tmp/os.json"
q "$tmp/os.json" '.not_compared[] | select(.backend == "system") | .reason | startswith("different operation streams")' true
# Within one file: a backend against a variant (X relative to Y).
"$am" compare "$fx/a.json" --backend pagepool --vs 'pagepool+PAGEPOOL_LOOKUP=tree' --json -o "$tmp/vs.json"
q "$tmp/vs.json" '.comparisons[] | select(.metric == "ns_per_op") | "\(.backend) \(.baseline_backend) \(.verdict)"' \
  "pagepool pagepool+PAGEPOOL_LOOKUP=tree faster"
q "$tmp/vs.json" '.mode' backends
# Console and Markdown.
"$am" compare "$fx/a.json" "$fx/b.json" > "$tmp/ab.txt" || fail "console table exited $?"
grep -q '^fx .* pagepool .* faster$' "$tmp/ab.txt" || fail "console table: no pagepool faster row"
grep -q 'comparisons: 1 faster, 1 slower, 4 same' "$tmp/ab.txt" || fail "console table: no summary"
"$am" compare "$fx/a.json" "$fx/b.json" --format md > "$tmp/ab.md"
grep -q '^| fx | 1 | pagepool | ns_per_op | .* | \*\*faster\*\* |$' "$tmp/ab.md" || fail "markdown: no pagepool row"
# A run folder works as well as a file.
mkdir "$tmp/runA" && cp "$fx/a.json" "$tmp/runA/"
"$am" compare "$tmp/runA" "$fx/b.json" --json -o "$tmp/dir.json" && q "$tmp/dir.json" "$(sel pagepool) | .verdict" faster

# 2. Bad input: exit 2, one line, no output file.
bad() {
  local out="$tmp/bad.out"; rm -f "$out"
  "$am" compare "$@" -o "$out" 2> "$tmp/err"; local rc=$?
  [ "$rc" = 2 ] || fail "compare $*: exit $rc, expected 2"
  [ "$(wc -l < "$tmp/err")" = 1 ] || fail "compare $*: expected one line on stderr, got: $(cat "$tmp/err")"
  [ ! -e "$out" ] || fail "compare $*: wrote output on bad input"
}
bad "$fx/a.json"
bad "$fx/a.json" "$fx/b.json" "$fx/b.json"
bad "$fx/a.json" "$tmp/missing.json"
printf '{"schema_version": 1, "benchmarks": [' > "$tmp/trunc.json"; bad "$fx/a.json" "$tmp/trunc.json"
bad "$fx/a.json" --backend pagepool
bad "$fx/a.json" --backend nosuch --vs pagepool
bad "$fx/a.json" --backend pagepool --vs nosuch
bad "$fx/a.json" "$fx/b.json" --metric nosuch
bad "$fx/a.json" "$fx/b.json" --alpha 2
bad "$fx/a.json" "$fx/b.json" --bogus
bad "$fx/a.json" "$fx/b.json" --pattern nosuch
"$am" compare "$fx/a.json" --backend pagepool --vs nosuch 2> "$tmp/err"
grep -q "a.json: benchmarks: expected backend 'nosuch' (--vs)" "$tmp/err" ||
  fail "unknown --vs backend: message does not name the file and field"
"$am" compare --help | grep -q -- '--backend X --vs Y' || fail "--help"

# 3. A real run.
if "$am" run "$src/patterns/pairs-small.json" --quick -r 3 -b system,pagepool -o "$tmp/real.json" > /dev/null 2>&1; then
  "$am" compare "$tmp/real.json" "$tmp/real.json" --json -o "$tmp/aa.json" || fail "compare R R exited $?"
  q "$tmp/aa.json" '[.comparisons[] | .verdict == "same" and .p_value == 1] | all' true
  q "$tmp/aa.json" '.comparisons | length >= 2' true
  "$am" compare "$tmp/real.json" --backend pagepool --vs system --json -o "$tmp/real-vs.json" || fail "--vs on a real run"
  q "$tmp/real-vs.json" '.comparisons[] | select(.metric == "ns_per_op") | "\(.workload) \(.backend) \(.n) \(.n_baseline)"' \
    "pairs-small pagepool 3 3"
  q "$tmp/real-vs.json" '.comparisons[] | select(.metric == "ns_per_op") | .p_value >= 0.1' true # 3+3: never below 0.1
else
  fail "allocmark run pairs-small failed"
fi
[ "$fails" = 0 ] && echo "compare: all checks passed"
exit $((fails != 0))
