#!/usr/bin/env bash
# tests/engine/test_run_cli.sh — `allocmark run` end to end, with the broken backend as
# the fault injector. Usage: test_run_cli.sh BUILD_DIR SOURCE_DIR SCRATCH_DIR
#   bad input   each bad flag / pattern / size / output path: exit 2, exactly one line on
#               stderr, no results file written
#   faults      AM_BROKEN=crash / hang (short --timeout) / null / overlap+verify: the run
#               is recorded as crashed / timeout / oom / error, the other backend is ok,
#               the file is still written, exit 1
#   results     a good run: schema_version, context, pattern, every aggregate with
#               median mean stddev cv min max ci95_low ci95_high, latency, no NaN,
#               peak_rss_growth_bytes = max(0, peak_rss_bytes - rss_baseline_bytes) per sample
# Asserts behaviour only; never a time.
set -u
build=$(cd "$1" && pwd); src=$(cd "$2" && pwd); scratch=$3
am="$build/allocmark"
pat="$src/patterns/pairs-small.json"
verify_pat="$src/tests/patterns/good/web-sizes.json"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

rm -rf "$scratch"; mkdir -p "$scratch/out"
cd "$scratch" || exit 1

# ---- bad input: exit 2, one line, nothing written ----
bad() {
  local err="$scratch/err.txt"
  "$am" run "$@" >/dev/null 2>"$err"
  local rc=$? lines
  lines=$(wc -l <"$err")
  [ "$rc" = 2 ] || fail "run $* -> exit $rc, want 2"
  [ "$lines" = 1 ] || fail "run $* -> $lines stderr lines, want 1: $(cat "$err")"
  if [ -n "$(ls -A "$scratch/out")" ] || [ -e "$scratch/results" ]; then
    fail "run $* wrote something"; rm -rf "$scratch/out"/* "$scratch/results"
  fi
}
o=(-o "$scratch/out/r.json" --quick -r 1 -b system)
bad
bad "$pat" "${o[@]}" -b nosuch
bad "$pat" "${o[@]}" -b
bad "$pat" "${o[@]}" -r 0
bad "$pat" "${o[@]}" -r x
bad "$pat" "${o[@]}" -t 0
bad "$pat" "${o[@]}" -t 1,x
bad "$pat" "${o[@]}" --bogus
bad "$pat" "${o[@]}" --timeout -1
bad "$pat" "${o[@]}" --timeout
bad "$pat" "${o[@]}" --latency=0
bad "$pat" "${o[@]}" --seed -3
bad "$pat" "${o[@]}" --max-memory 12Q
bad "$pat" "${o[@]}" --max-memory 64
bad "$scratch/nonexistent.json" "${o[@]}"
bad "$src/tests/patterns/bad/align-not-pow2.json" "${o[@]}"
bad "$pat" "$verify_pat" --quick -o "$scratch/out/one.json"
bad "$pat" --quick -o "$scratch/no/such/dir/r.json"
bad "$pat" --quick -o ""
[ -z "$(ls -A "$scratch/out")" ] || fail "bad input left files in out/"
"$am" run --help | grep -q "usage: allocmark run" || fail "run --help"

# ---- helpers over a results file ----
json_ok() { # no NaN/Infinity anywhere (python's parser would accept them: refuse them)
  python3 - "$1" <<'PY' || return 1
import json, sys
def bad(c): raise ValueError("non-finite number " + c)
json.load(open(sys.argv[1]), parse_constant=bad)
PY
}
status_of() { jq -r --arg b "$2" '.benchmarks[] | select(.backend == $b) | .status' "$1"; }

# ---- faults: recorded, the rest still runs, file written, exit 1 ----
fault() { # mode extra-args... ; want status
  local mode=$1 want=$2; shift 2
  local f="$scratch/out/$mode.json"
  AM_BROKEN=$mode AM_BROKEN_AFTER=100 "$am" run "$@" -b system,broken -r 2 -t 1 --quick -o "$f" >/dev/null 2>"$scratch/err.txt"
  local rc=$?
  [ "$rc" = 1 ] || fail "$mode: exit $rc, want 1"
  [ -f "$f" ] || { fail "$mode: no results file"; return; }
  json_ok "$f" || fail "$mode: results hold NaN/Infinity or bad JSON"
  [ "$(status_of "$f" broken)" = "$want" ] || fail "$mode: broken status $(status_of "$f" broken), want $want"
  [ "$(status_of "$f" system)" = ok ] || fail "$mode: system status $(status_of "$f" system), want ok"
  [ "$(jq '[.benchmarks[] | select(.backend == "broken") | .samples[]] | length' "$f")" = 2 ] || fail "$mode: want 2 broken samples"
  jq -e '.benchmarks[] | select(.backend == "broken") | .error | type == "string"' "$f" >/dev/null || fail "$mode: no error text"
  jq -e '.benchmarks[] | select(.backend == "broken") | .samples[0].error | type == "string"' "$f" >/dev/null || fail "$mode: sample has no error text"
  ls "$scratch/out" | grep -q '\.tmp\.' && fail "$mode: temp file left behind"
}
fault crash crashed "$pat"
fault null oom "$pat"
fault hang timeout "$pat" --timeout 1
fault overlap error "$verify_pat"
jq -r '.benchmarks[] | select(.backend == "broken") | .error' "$scratch/out/overlap.json" | grep -q corruption ||
  fail "overlap: error does not say corruption"
jq -r '.benchmarks[] | select(.backend == "broken") | .error' "$scratch/out/crash.json" | grep -q signal ||
  fail "crash: error does not name the signal"

# ---- a good run ----
f="$scratch/out/good.json"
"$am" run "$pat" -b system -r 2 --quick --latency=3 -t 1 -o "$f" >"$scratch/table.txt" 2>"$scratch/progress.txt"
rc=$?
[ "$rc" = 0 ] || fail "good run: exit $rc: $(tail -2 "$scratch/progress.txt")"
json_ok "$f" || fail "good run: NaN/Infinity or bad JSON"
jq -e '.schema_version == 2' "$f" >/dev/null || fail "schema_version"
for k in date_utc host cpu_model cores_online kernel libc compiler compiler_flags build_type git_commit git_dirty \
         thp_enabled overcommit_memory command_line; do
  jq -e --arg k "$k" '.context | has($k)' "$f" >/dev/null || fail "context.$k missing"
done
jq -e '.workload.kind == "pattern" and .workload.name == "pairs-small" and (.workload.sha256 | length) == 64 and (.workload.spec | type) == "object"' "$f" >/dev/null ||
  fail "workload block"
jq -e '.benchmarks | length == 1' "$f" >/dev/null || fail "one benchmark expected"
for m in ns_per_op ops_per_s peak_rss_bytes rss_baseline_bytes peak_rss_growth_bytes peak_live_bytes memory_overhead minor_faults; do
  for s in median mean stddev cv min max ci95_low ci95_high; do
    jq -e --arg m "$m" --arg s "$s" '.benchmarks[0].aggregates[$m] | has($s)' "$f" >/dev/null || fail "aggregates.$m.$s missing"
  done
  [ "$m" = memory_overhead ] && continue # pairs-small: 128 B live, below the threshold (below)
  jq -e --arg m "$m" '.benchmarks[0].aggregates[$m].median | type == "number"' "$f" >/dev/null || fail "aggregates.$m.median not a number"
done
# Peak live bytes: one thread uses the generator's exact figure; 128 B is too few for an overhead.
jq -e '.benchmarks[0].samples[0] | .peak_live_bytes == 128 and .peak_live_bytes_planned == 128 and
       .peak_live_bytes_source == "planned" and (.peak_live_bytes_observed | type == "number") and
       .peak_live_bytes_observed <= 128 and .memory_overhead == null and
       (.memory_overhead_note | test("below 65536"))' "$f" >/dev/null || fail "pairs-small: peak live bytes / overhead note"
jq -e '.benchmarks[0].aggregates.memory_overhead | .median == null and .n == 0' "$f" >/dev/null ||
  fail "pairs-small: memory_overhead aggregate should be null"
grep -E "^system .* n/a +ok" "$scratch/table.txt" >/dev/null || fail "console table: overhead should read n/a"
# Peak RSS growth: per ok sample max(0, peak - baseline), and its aggregate over them.
growth_ok() {
  jq -e '[.benchmarks[] | .samples[] | select(.status == "ok") |
          (.peak_rss_growth_bytes | type == "number") and
          .peak_rss_growth_bytes == ([0, .peak_rss_bytes - .rss_baseline_bytes] | max)] |
         length > 0 and all' "$1" >/dev/null &&
  jq -e '.benchmarks[] | .aggregates.peak_rss_growth_bytes as $g |
         [.samples[] | select(.status == "ok") | .peak_rss_growth_bytes] as $x |
         $g.n == ($x | length) and $g.min == ($x | min) and $g.max == ($x | max)' "$1" >/dev/null
}
growth_ok "$f" || fail "pairs-small: peak_rss_growth_bytes != max(0, peak_rss_bytes - rss_baseline_bytes) or its aggregate"
jq -e '.benchmarks[0].samples[0].rss_timeline | (.live_bytes | length) == (.t_ms | length)' "$f" >/dev/null ||
  fail "rss_timeline.live_bytes"

# Several threads: the peak observed at run time is used (producer-consumer, quick).
fpc="$scratch/out/pc.json"
"$am" run "$src/patterns/producer-consumer.json" -b system -r 1 --quick -o "$fpc" >/dev/null 2>&1 || fail "producer-consumer run"
jq -e '.benchmarks[0].samples[0] | .peak_live_bytes_source == "observed" and
       .peak_live_bytes == .peak_live_bytes_observed and .peak_live_bytes_observed > 0 and
       (.peak_live_bytes_planned | type == "number") and (.live_end_bytes | type == "number") and
       ((.memory_overhead | type == "number") == (.peak_live_bytes >= 65536)) and
       ((.memory_overhead_note == null) == (.peak_live_bytes >= 65536))' "$fpc" >/dev/null ||
  fail "producer-consumer: observed peak live bytes / overhead"
growth_ok "$fpc" || fail "producer-consumer: peak_rss_growth_bytes"

jq -e '.benchmarks[0] | .status == "ok" and .backend_version != "" and .threads == 1 and (.samples | length) == 2' "$f" >/dev/null ||
  fail "benchmark fields"
jq -e '.benchmarks[0].latency.ops.malloc | has("p50") and has("p99_99") and has("max")' "$f" >/dev/null || fail "latency percentiles"
jq -e '.benchmarks[0].samples[0] | (.rss_timeline.t_ms | length) >= 1 and (.phases | length) == 4 and (.checksum | length) == 16' "$f" >/dev/null ||
  fail "sample fields"
jq -e '[.benchmarks[0].samples[].checksum] | unique | length == 1' "$f" >/dev/null || fail "checksum differs between repetitions"
grep -q "^system" "$scratch/table.txt" || fail "console table has no system row"
grep -q "\[2/2\]" "$scratch/progress.txt" || fail "progress lines"

# ---- several patterns into a folder: one file each ----
mkdir -p "$scratch/multi"
"$am" run "$pat" "$src/patterns/window-mixed.json" -b system -r 1 --quick -o "$scratch/multi/" >/dev/null 2>&1 ||
  fail "multi-pattern run"
[ "$(ls "$scratch/multi" | wc -l)" = 2 ] || fail "multi-pattern: want 2 files, got $(ls "$scratch/multi")"

# ---- the same seed gives the same streams on every backend ----
f="$scratch/out/two.json"
"$am" run "$src/patterns/window-mixed.json" -b system,bump -r 1 --quick -o "$f" >/dev/null 2>&1 || fail "two-backend run"
jq -e '[.benchmarks[].samples[].checksum] | unique | length == 1' "$f" >/dev/null || fail "checksum differs between backends"

# ---- --seed 0 is a seed: recorded and used (not the pattern's); 2^53 and above refused ----
rm -rf "$scratch/out"/*
bad "$pat" -b system --seed 9007199254740992
spat="$src/patterns/window-mixed.json"
f="$scratch/out/seed0.json"
"$am" run "$spat" -b system -r 1 --quick --seed 0 -o "$f" >/dev/null 2>&1 || fail "--seed 0 run"
jq -e '.workload.seed == 0 and ([.benchmarks[].samples[].seed] | unique) == [0]' "$f" >/dev/null ||
  fail "--seed 0: recorded $(jq -c '[.workload.seed, [.benchmarks[].samples[].seed]]' "$f"), want 0 everywhere"
f2="$scratch/out/seedp.json"
"$am" run "$spat" -b system -r 1 --quick -o "$f2" >/dev/null 2>&1 || fail "default-seed run"
[ "$(jq '.benchmarks[0].samples[0].checksum' "$f")" != "$(jq '.benchmarks[0].samples[0].checksum' "$f2")" ] ||
  fail "--seed 0 replayed the pattern's seed (same checksum)"
"$am" run "$pat" -b system -r 1 --quick --seed 9007199254740991 -o "$scratch/out/seedmax.json" >/dev/null 2>&1 ||
  fail "--seed 2^53-1 run"
jq -e '.workload.seed == 9007199254740991' "$scratch/out/seedmax.json" >/dev/null || fail "--seed 2^53-1 not stored exactly"

# ---- the runner replays only the workload the driver planned (sha256) ----
"$build/runners/am-runner-system" run --workload "$pat" --quick --sha256 "$(printf '0%.0s' $(seq 64))" \
  >/dev/null 2>"$scratch/changed.txt"
rc=$?
[ "$rc" = 5 ] || fail "runner with another sha256: exit $rc, want 5"
grep -q "planned with" "$scratch/changed.txt" || fail "runner with another sha256: no clear message: $(cat "$scratch/changed.txt")"
good=$(sha256sum "$pat" | cut -d' ' -f1)
"$build/runners/am-runner-system" run --workload "$pat" --quick --sha256 "$good" >/dev/null 2>&1 ||
  fail "runner with the file's own sha256 failed"

if [ "$fails" != 0 ]; then echo "test_run_cli: $fails failures" >&2; exit 1; fi
echo "test_run_cli: ok"
