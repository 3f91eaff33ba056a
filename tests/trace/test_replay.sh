#!/usr/bin/env bash
# tests/trace/test_replay.sh — replay of recorded traces: `allocmark run TRACE -b all`
# on mtprog (cross-thread frees, three threads, a trace cut into many chunks) and on
# CPython (PYTHONMALLOC=malloc). Every backend must end ok, replay exactly the trace's
# ops of each kind (the sample's counts and the runner's decoded-stream checksum, equal
# to the trace's on every backend), with the recv-wait share reported. A corrupt trace
# is refused before anything runs (exit 2, no file). No timing is asserted.
# Usage: test_replay.sh BUILD_DIR MTPROG CORPUS_DIR
set -u
B=$1 P=$2 C=$3
A=$B/allocmark
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

check() { # trace results
  local tr=$1 res=$2 info want
  info=$("$A" trace-info --json "$tr")
  jq -e --argjson k "$(jq .ops_by_kind <<<"$info")" '[.benchmarks[].samples[].trace.replayed_ops_by_kind == $k] | all' "$res" >/dev/null ||
    fail "$tr: some replay did not perform exactly the trace's ops of each kind"
  want=$(jq -r '[.checksum, .stream_ops, (.ops_by_kind | .malloc + .calloc + .realloc + .aligned), .ops_by_kind.free] | @tsv' <<<"$info")
  jq -e '.pattern.kind == "trace" and (.benchmarks | length) >= 1' "$res" >/dev/null || fail "$tr: results lack pattern.kind or benchmarks"
  local bad
  bad=$(jq -r --arg w "$want" '.benchmarks[] | .backend as $b | .samples[] |
      select(.status != "ok" or .trace.ops_by_kind != .trace.replayed_ops_by_kind or ([.checksum, .total_ops, .alloc_ops, .free_ops] | @tsv) != $w or (.recv_wait_share | type) != "number") |
      "\($b): \(.status) \(.error) \([.checksum, .total_ops, .alloc_ops, .free_ops] | @tsv)"' "$res")
  [ -z "$bad" ] || fail "$tr: want $want; $bad"
  echo "ok $(basename "$tr"): $(jq -r '[.benchmarks[].backend] | join(" ")' "$res"): checksum ops allocs frees $want"
}

"$A" record --chunk-ops 100 -o "$T/m.amtrace" -- "$P" 60 >/dev/null 2>"$T/err" || fail "record: $(cat "$T/err")"
[ "$("$A" trace-info --json "$T/m.amtrace" | jq .chunks)" -gt 3 ] || fail "mtprog trace: expected several chunks"
"$A" run "$T/m.amtrace" -b all -r 1 --no-hw -o "$T/m.json" >/dev/null 2>"$T/err" || fail "run mtprog trace: $(tail -3 "$T/err")"
check "$T/m.amtrace" "$T/m.json"

py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
if [ -n "$py" ]; then
  PYTHONMALLOC=malloc "$A" record -o "$T/py.amtrace" -- "$py" -c 'import json; print(len(json.dumps([{"k": i} for i in range(3000)])))' \
    >/dev/null 2>"$T/err" || fail "record python: $(cat "$T/err")"
  "$A" run "$T/py.amtrace" -b all -r 1 --no-hw -o "$T/py.json" >/dev/null 2>"$T/err" || fail "run python trace: $(tail -3 "$T/err")"
  check "$T/py.amtrace" "$T/py.json"
fi

# trace-fit: a valid pattern and the side-by-side (no comparison runs here: CI time).
"$A" trace-fit "$T/m.amtrace" -o "$T/fit.json" --json "$T/side.json" >/dev/null 2>"$T/err" || fail "trace-fit: $(cat "$T/err")"
"$A" check "$T/fit.json" >/dev/null 2>&1 || fail "trace-fit wrote a pattern that allocmark check refuses"
jq -e '.size_tvd >= 0 and .size_tvd <= 1 and .pattern_ops > 0 and .trace_ops > 0' "$T/side.json" >/dev/null || fail "trace-fit side-by-side: $(cat "$T/side.json")"
jq -e '.threads == 3 and .phases[0].handoff.ratio > 0' "$T/fit.json" >/dev/null || fail "fitted pattern: expected 3 threads and a hand-off"
"$A" trace-fit "$C/truncated-1.amtrace" -o "$T/nofit.json" 2>/dev/null; [ $? = 2 ] && [ ! -e "$T/nofit.json" ] || fail "trace-fit of a corrupt trace: expected exit 2, no file"

# Bad input: refused before anything runs.
for f in block-flip.amtrace truncated-half.amtrace version-2.amtrace; do
  "$A" run "$C/$f" -b system -r 1 -o "$T/bad.json" >/dev/null 2>"$T/err"
  rc=$?
  [ $rc = 2 ] || fail "run $f: expected exit 2, got $rc"
  [ "$(wc -l <"$T/err")" = 1 ] && grep -q "$f: offset [0-9]*: " "$T/err" || fail "run $f: expected one line naming the file and offset, got: $(cat "$T/err")"
  [ ! -e "$T/bad.json" ] || fail "run $f wrote a results file"
done
"$A" run "$T/m.amtrace" -t 2 -b system 2>/dev/null; [ $? = 2 ] || fail "run TRACE -t 2: expected exit 2"
[ $fails = 0 ] && echo "all replay checks passed"
exit $((fails > 0))
