#!/usr/bin/env bash
# tests/compare/test_aa_check.sh — scripts/aa_check.sh: N runs of one command, every pair
# compared (consecutive pairs first), pairs.tsv and uptime.txt; bad usage exits 2 and
# runs nothing.
# usage: test_aa_check.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$1 aa=$2/scripts/aa_check.sh p=$2/patterns/pairs-small.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
bash "$aa" -n 3 --build "$build" -o "$tmp/aa" -- "$p" --quick -r 3 -b system,bump > "$tmp/out" 2> "$tmp/err" ||
  fail "aa_check.sh exited $? ($(tail -1 "$tmp/err"))"
[ "$(cut -d' ' -f1,2 "$tmp/out" | tr '\n' ';')" = "run-1 run-2;run-2 run-3;run-1 run-3;" ] || fail "pairs: $(cat "$tmp/out")"
grep -q '^run-1 run-2 2 comparisons: .* same (' "$tmp/out" || fail "no compare summary: $(head -1 "$tmp/out")"
[ "$(wc -l < "$tmp/aa/pairs.tsv")" = 4 ] || fail "pairs.tsv: $(cat "$tmp/aa/pairs.tsv")"
awk -F'\t' 'NR > 1 && !($3 == 2 && $4 >= 0 && $4 <= 2 && $5 >= 0 && $5 <= 100) { exit 1 }' "$tmp/aa/pairs.tsv" ||
  fail "pairs.tsv fields: $(cat "$tmp/aa/pairs.tsv")"
[ "$(wc -l < "$tmp/aa/uptime.txt")" = 4 ] || fail "uptime.txt: $(wc -l < "$tmp/aa/uptime.txt") lines, want 4"
jq -e '.context.options.schedule == "spread"' "$tmp"/aa/run-1/*.json > /dev/null || fail "run-1 not spread"
bash "$aa" -n 2 --grouped --build "$build" -o "$tmp/gr" -- "$p" --quick -r 2 -b bump > /dev/null 2>&1 &&
  jq -e '.context.options.schedule == "grouped"' "$tmp"/gr/run-1/*.json > /dev/null || fail "--grouped not passed on"
for bad in "-n 1 -- $p" "-n x -- $p" "--" "-- $p -o $tmp/x.json" "--frob -- $p"; do
  # shellcheck disable=SC2086
  bash "$aa" --build "$build" -o "$tmp/bad" $bad > /dev/null 2> "$tmp/err"; rc=$?
  [ "$rc" = 2 ] && [ ! -e "$tmp/bad" ] && [ "$(wc -l < "$tmp/err")" = 1 ] || fail "'$bad': exit $rc, expected 2, one line, nothing run"
done
[ "$fails" = 0 ] && echo "aa_check: all checks passed"
exit $((fails != 0))
