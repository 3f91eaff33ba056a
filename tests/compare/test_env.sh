#!/usr/bin/env bash
# tests/compare/test_env.sh — environment checks and the options that control the
# environment: context.environment (facts, before/during, warnings) and the warnings on
# stderr and in the report; --pin, --aslr, --env-pad recorded per sample; --order random
# reproducible from its seed; --schedule spread (default: repetition r of every pattern
# before r+1, same cells as grouped) and grouped, recorded; --noise-floor's twins and
# printed comparison; bad values.
# usage: test_env.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$1 src=$2 am=$1/allocmark p=$2/patterns/pairs-small.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
"$am" run "$p" --quick -r 3 -b system --pin 0 --aslr off --env-pad 64 --noise-floor -o "$tmp/e.json" \
  > "$tmp/out" 2> "$tmp/err" || fail "run with environment options exited $?"
jq -e '.context.environment | (.virtual_machine | type == "boolean") and (.before.load_average_1m | type == "number")
       and (.warnings | type == "array") and (.during.seconds > 0) and (.thp_mode | type == "string")
       and (.randomize_va_space | type == "number")' "$tmp/e.json" > /dev/null || fail "context.environment incomplete"
jq -e '[.benchmarks[].samples[] | .cpus == "0" and .aslr == "off" and .env_pad_bytes == 64] | all' "$tmp/e.json" \
  > /dev/null || fail "samples do not record --pin/--aslr/--env-pad"
jq -e '.context.options | .pin == "0" and .aslr == "off" and .env_pad_bytes == 64 and .noise_floor' "$tmp/e.json" \
  > /dev/null || fail "context.options"
[ "$(jq -r '[.benchmarks[].backend] | join(" ")' "$tmp/e.json")" = "system system#2" ] || fail "--noise-floor twins"
grep -q '^pairs-small .* system#2 .* ns_per_op' "$tmp/out" || fail "--noise-floor: no comparison printed"
# Every warning recorded was also printed, and the report shows them.
jq -r '.context.environment.warnings[]' "$tmp/e.json" | while read -r w; do
  grep -qF "warning: $w" "$tmp/err" || echo "missing on stderr: $w"
done > "$tmp/miss"
[ -s "$tmp/miss" ] && fail "$(cat "$tmp/miss")"
"$am" report "$tmp/e.json" > "$tmp/r.md" || fail "report"
n=$(jq '.context.environment.warnings | length' "$tmp/e.json")
[ "$n" = 0 ] || grep -q 'Environment warnings' "$tmp/r.md" || fail "report: no environment warnings"
# Random order: the same seed gives the same order, recorded in the context.
order() { "$am" run "$p" --quick -r 3 -b system,pagepool --order random --order-seed "$1" -o "$tmp/o$1.json" 2>&1 >/dev/null |
          sed -n 's/.* rep \([0-9]*\)\/3 \([a-z]*\) .*/\1\2/p' | tr '\n' ' '; }
a=$(order 7); b=$(order 7)
[ -n "$a" ] && [ "$a" = "$b" ] || fail "--order random --order-seed 7 not reproducible: '$a' / '$b'"
jq -e '.context.options.order_seed == 7' "$tmp/o7.json" > /dev/null || fail "order_seed not recorded"
# Schedules: the (pattern, rep) sequence of the progress lines, and the cells written.
q=$src/patterns/window-mixed.json
sched() { "$am" run "$p" "$q" --quick -r 2 -b system,bump "$@" 2>&1 >/dev/null |
          sed -n 's/^\[[0-9]*\/[0-9]*\] \([a-z-]*\) t=1 rep \([0-9]\)\/2 .*/\1:\2/p' | uniq | tr '\n' ' '; }
mkdir -p "$tmp/sp" "$tmp/gr"
s=$(sched -o "$tmp/sp/"); g=$(sched --schedule grouped -o "$tmp/gr/")
[ "$s" = "pairs-small:1 window-mixed:1 pairs-small:2 window-mixed:2 " ] || fail "spread order: '$s'"
[ "$g" = "pairs-small:1 pairs-small:2 window-mixed:1 window-mixed:2 " ] || fail "grouped order: '$g'"
cells() { jq -r '.benchmarks[].samples[] | .cell + " " + .checksum' "$1"/*.json | sort; }
[ "$(cells "$tmp/sp")" = "$(cells "$tmp/gr")" ] && [ "$(cells "$tmp/sp" | wc -l)" = 8 ] || fail "spread and grouped wrote different cells"
jq -e '.context.options.schedule == "spread"' "$tmp"/sp/pairs-small-*.json > /dev/null || fail "schedule spread not recorded"
jq -e '.context.options.schedule == "grouped"' "$tmp"/gr/pairs-small-*.json > /dev/null || fail "schedule grouped not recorded"
for bad in "--pin x" "--pin 99999" "--aslr maybe" "--order sideways" "--env-pad -1" "--order-seed z" "--schedule later"; do
  # shellcheck disable=SC2086
  "$am" run "$p" --quick -r 1 -b system $bad -o "$tmp/bad.json" > /dev/null 2> "$tmp/err"; rc=$?
  [ "$rc" = 2 ] && [ ! -e "$tmp/bad.json" ] && [ "$(wc -l < "$tmp/err")" = 1 ] || fail "$bad: exit $rc, expected 2 and one line"
done
[ "$fails" = 0 ] && echo "env: all checks passed"
exit $((fails != 0))
