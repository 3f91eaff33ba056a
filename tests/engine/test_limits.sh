#!/usr/bin/env bash
# tests/engine/test_limits.sh — the options module's limits (harness/common/am_args.h)
# are the same in the driver, the runner and the report: for each AM_LIMIT_*, every
# command that takes it accepts the limit itself and refuses one past it, with exit 2.
# The values are read from am_args.h, so the test follows the header.
# Usage: test_limits.sh BUILD_DIR SOURCE_DIR
set -u
build=$(cd "$1" && pwd); src=$(cd "$2" && pwd)
am="$build/allocmark"; runner="$build/runners/am-runner-system"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
limit() { sed -nE "s/^#define AM_LIMIT_$1 ([0-9]+)u?l*( .*)?$/\1/p" "$src/harness/common/am_args.h"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# A tiny pattern: estimating it at the thread limit takes no time.
pat="$tmp/tiny.json"
cat >"$pat" <<'JSON'
{"format": "allocmark-pattern/1", "name": "tiny", "seed": 1, "threads": 1,
 "phases": [{"name": "a", "allocs": 16, "size": 16, "lifetime": "pair"}]}
JSON

threads=$(limit THREADS); seed=$(limit SEED); reps=$(limit REPETITIONS); warm=$(limit WARMUP); rss=$(limit RSS_MS)
for v in threads seed reps warm rss; do [ -n "${!v}" ] || fail "AM_LIMIT for $v not found in am_args.h"; done
[ "$threads" = 256 ] && [ "$seed" = 9007199254740991 ] || fail "unexpected limits: threads $threads seed $seed"

# ok CMD...: exit 0 (or, for the runner, no complaint about the option: it stops later,
# at the missing workload). refused CMD...: exit 2 with one line naming the option.
ok() { "$@" >/dev/null 2>"$tmp/err" || fail "$* -> exit $?: $(head -c 300 "$tmp/err")"; }
refused() {
  local opt=$1; shift
  "$@" >/dev/null 2>"$tmp/err"; local rc=$?
  [ "$rc" = 2 ] || fail "$* -> exit $rc, want 2"
  [ "$(wc -l <"$tmp/err")" = 1 ] || fail "$*: not one line: $(cat "$tmp/err")"
  grep -q -- "$opt" "$tmp/err" || fail "$*: does not name $opt: $(cat "$tmp/err")"
}
runner_ok() { # the option is taken: the runner goes on to the workload, which is missing
  "$runner" run "$@" --workload "$tmp/none.json" >/dev/null 2>"$tmp/err"
  grep -q "none.json" "$tmp/err" || fail "runner $*: refused before the workload: $(cat "$tmp/err")"
}

# ---- threads: run/plan -t, runner --threads, report/compare --threads, a results file ----
ok "$am" plan "$pat" -b system -t "$threads"
refused -t "$am" plan "$pat" -b system -t $((threads + 1))
runner_ok --threads "$threads"
refused --threads "$runner" run --threads $((threads + 1)) --workload "$pat"
jq ".benchmarks |= map(.threads = $threads)" "$src/tests/report/fixtures/seed-perf-test.json" >"$tmp/at.json"
jq ".benchmarks |= map(.threads = $((threads + 1)))" "$src/tests/report/fixtures/seed-perf-test.json" >"$tmp/past.json"
ok "$am" report "$tmp/at.json" -o "$tmp/r.md"
refused threads "$am" report "$tmp/past.json" -o "$tmp/r.md"
ok "$am" report --threads "$threads" "$tmp/at.json" -o "$tmp/r.md"
refused --threads "$am" report --threads $((threads + 1)) "$tmp/at.json" -o "$tmp/r.md"
ok "$am" compare "$tmp/at.json" "$tmp/at.json" --threads "$threads"
refused --threads "$am" compare "$tmp/at.json" "$tmp/at.json" --threads $((threads + 1))
ok "$am" check -t "$threads" "$pat"
refused --threads "$am" check --threads $((threads + 1)) "$pat"
# a pattern's own thread count
jq ".threads = [$threads]" "$pat" >"$tmp/p-at.json"; jq ".threads = [$((threads + 1))]" "$pat" >"$tmp/p-past.json"
ok "$am" plan "$tmp/p-at.json" -b system
refused threads "$am" plan "$tmp/p-past.json" -b system

# ---- seed: 2^53 - 1 survives a JSON number; 2^53 is refused everywhere ----
ok "$am" plan "$pat" -b system --seed "$seed"
refused --seed "$am" plan "$pat" -b system --seed $((seed + 1))
runner_ok --seed "$seed"
ok "$am" check --seed "$seed" "$pat"
ok "$am" check --seed 0 "$pat"
refused --seed "$am" check --seed $((seed + 1)) "$pat"
refused --seed "$runner" run --seed $((seed + 1)) --workload "$pat"
jq ".seed = $seed" "$pat" >"$tmp/s-at.json"; jq ".seed = $((seed + 1))" "$pat" >"$tmp/s-past.json"
ok "$am" plan "$tmp/s-at.json" -b system
refused seed "$am" plan "$tmp/s-past.json" -b system

# ---- repetitions, warm-up, RSS interval ----
ok "$am" plan "$pat" -b system -r "$reps"
refused -r "$am" plan "$pat" -b system -r $((reps + 1))
jq ".repetitions = $((reps + 1))" "$pat" >"$tmp/r-past.json"
refused repetitions "$am" plan "$tmp/r-past.json" -b system
ok "$am" plan "$pat" -b system --warmup "$warm"
refused --warmup "$am" plan "$pat" -b system --warmup $((warm + 1))
runner_ok --warmup "$warm"
refused --warmup "$runner" run --warmup $((warm + 1)) --workload "$pat"
jq ".warmup = $((warm + 1))" "$pat" >"$tmp/w-past.json"
refused warmup "$am" plan "$tmp/w-past.json" -b system
ok "$am" plan "$pat" -b system --rss-interval-ms "$rss"
refused --rss-interval-ms "$am" plan "$pat" -b system --rss-interval-ms $((rss + 1))
runner_ok --rss-interval-ms "$rss"
refused --rss-interval-ms "$runner" run --rss-interval-ms $((rss + 1)) --workload "$pat"

[ "$fails" = 0 ] && echo "test_limits: ok" || { echo "test_limits: $fails failures" >&2; exit 1; }
