#!/usr/bin/env bash
# tests/compare/test_instructions.sh — `allocmark run --measure instructions`: every
# repetition under callgrind, counting only the timed region. Checks that the samples
# and the aggregate carry instructions_per_op, that two repetitions agree within 0.1 %
# (single thread: instruction counts do not depend on the machine's load), that
# `--measure cache` adds the simulated misses, that the RSS sampler was off, and that
# a bad --measure value is refused. Also AnonHugePages per sample.
# usage: test_instructions.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$1 src=$2 am=$1/allocmark
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
if ! command -v valgrind > /dev/null; then echo "SKIP: valgrind not installed (scripts/deps.sh installs it)"; exit 0; fi
"$am" run "$src/patterns/pairs-small.json" --quick -r 2 -b system,pagepool --measure instructions \
  -o "$tmp/i.json" > /dev/null 2> "$tmp/err" || { cat "$tmp/err" >&2; fail "run --measure instructions exited $?"; }
for be in system pagepool; do
  spread=$(jq -r --arg b "$be" '.benchmarks[] | select(.backend == $b) | [.samples[].instructions_per_op] |
            (max - min) / min' "$tmp/i.json")
  awk -v s="$spread" 'BEGIN { exit !(s >= 0 && s <= 0.001) }' || fail "$be: instructions_per_op spread $spread > 0.1 %"
  n=$(jq -r --arg b "$be" '.benchmarks[] | select(.backend == $b) | .aggregates.instructions_per_op.n' "$tmp/i.json")
  [ "$n" = 2 ] || fail "$be: aggregates.instructions_per_op.n = $n"
  ir=$(jq -r --arg b "$be" '.benchmarks[] | select(.backend == $b) | .samples[0].valgrind.events.Ir > 0' "$tmp/i.json")
  [ "$ir" = true ] || fail "$be: no valgrind.events.Ir"
done
# The engine's loop costs instructions too, but far fewer than the allocator's 100s.
ok=$(jq '[.benchmarks[].aggregates.instructions_per_op.median] | all(. > 5 and . < 2000)' "$tmp/i.json")
[ "$ok" = true ] || fail "instructions_per_op out of any plausible range"
[ "$(jq '.benchmarks[0].samples[0].rss_timeline' "$tmp/i.json")" = null ] || fail "RSS sampler ran under callgrind"
[ "$(jq -r '.context.options.measure' "$tmp/i.json")" = "time,instructions" ] || fail "context.options.measure"
jq -e '.benchmarks[0].samples[0] | has("anon_huge_pages_bytes")' "$tmp/i.json" > /dev/null || fail "no anon_huge_pages_bytes"
"$am" run "$src/patterns/pairs-small.json" --quick -r 1 -b system --measure cache -o "$tmp/c.json" > /dev/null 2>&1 ||
  fail "run --measure cache"
jq -e '.benchmarks[0].samples[0].sim_d1_misses_per_op >= 0 and .benchmarks[0].aggregates.sim_ll_misses_per_op.n == 1' \
  "$tmp/c.json" > /dev/null || fail "--measure cache: no simulated misses"
"$am" run "$src/patterns/pairs-small.json" --measure bogus -o "$tmp/x.json" > /dev/null 2> "$tmp/err"
[ $? = 2 ] && [ ! -e "$tmp/x.json" ] && [ "$(wc -l < "$tmp/err")" = 1 ] || fail "--measure bogus: expected exit 2, one line"
[ "$fails" = 0 ] && echo "instructions: all checks passed"
exit $((fails != 0))
