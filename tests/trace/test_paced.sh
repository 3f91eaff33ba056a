#!/usr/bin/env bash
# tests/trace/test_paced.sh — thread creation points and paced replay, on
# tests/trace/threadprog.c recorded with --timestamps: 300 threads started one after
# another (sleeping 200 us before each), each freeing a block the main thread made.
#   - 301 recorded threads on 256 replay threads: 255 thread starts become gates (the
#     first op of each waits for the event before its start), the 44 threads that reuse
#     a replay thread after its earlier thread ended become RESPAWNs;
#   - the main thread's sleeps are recorded gaps: at least 300 x 200 us of PAUSEs;
#   - back-to-back replay on two backends: ok, exact ops by kind, "replay": "back-to-back";
#   - paced replay: ok, "replay": "paced", its wall time at least the main thread's
#     sleeps (a lower bound the busy-wait guarantees, not a speed target);
#   - --paced on a trace without timestamps, or on a pattern: one line, exit 2.
# Usage: test_paced.sh BUILD_DIR THREADPROG
set -u
B=$1 P=$2
A=$B/allocmark
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

"$A" record --timestamps -o "$T/th.amtrace" -- "$P" 300 4 200 >"$T/out" 2>"$T/rec.err" || fail "record: $(cat "$T/rec.err")"
grep -q "^300 threads$" "$T/out" || fail "threadprog's output changed: $(cat "$T/out")"
"$A" trace-info --json --check "$T/th.amtrace" >"$T/info.json" || fail "trace-info --check"
jq -e '.threads == 301 and .replay_threads == 256 and .replay.thread_gates == 255 and .replay.respawns == 44
       and .replay.pauses > 0 and .replay.paused_ns >= 60000000 and .cross_thread_frees == 300' "$T/info.json" >/dev/null ||
  fail "trace: $(jq -c '{threads, replay_threads, replay, cross_thread_frees}' "$T/info.json")"
"$A" run "$T/th.amtrace" -b system,pagepool -r 1 --no-hw -o "$T/r.json" >/dev/null 2>"$T/run.err" || fail "replay: $(tail -2 "$T/run.err")"
jq -e --slurpfile i "$T/info.json" '.workload.replay == "back-to-back" and ([.benchmarks[].samples[] | .status == "ok"
       and .replay == "back-to-back" and .trace.replayed_ops_by_kind == $i[0].ops_by_kind] | all)' "$T/r.json" >/dev/null ||
  fail "back-to-back replay: $(jq -c '[.benchmarks[].samples[] | {status, error, replay}]' "$T/r.json")"
"$A" run "$T/th.amtrace" --paced -b system -r 1 --no-hw -o "$T/p.json" >/dev/null 2>"$T/paced.err" || fail "paced: $(tail -2 "$T/paced.err")"
jq -e '.workload.replay == "paced" and .workload.name == "th-paced" and .benchmarks[0].samples[0].status == "ok"
       and .benchmarks[0].samples[0].replay == "paced" and .benchmarks[0].samples[0].wall_s >= 0.06' "$T/p.json" >/dev/null ||
  fail "paced replay: $(jq -c '{w: .workload.replay, s: [.benchmarks[0].samples[0] | {status, replay, wall_s, error}]}' "$T/p.json")"

# --paced without recorded gaps, or on a pattern: exit 2, nothing written.
"$A" record -o "$T/plain.amtrace" -- "$P" 3 1 0 >/dev/null 2>&1 || fail "record without timestamps"
msg=$("$A" run "$T/plain.amtrace" --paced -b system -r 1 -o "$T/x.json" 2>&1 >/dev/null); rc=$?
[ "$rc" = 2 ] && [ ! -e "$T/x.json" ] && grep -q -- "--paced needs a trace recorded with --timestamps" <<<"$msg" ||
  fail "--paced without timestamps: exit $rc, '$msg'"
printf '{"format": "allocmark-pattern/1", "phases": [{"allocs": 10}]}\n' >"$T/pat.json"
msg=$("$A" run "$T/pat.json" --paced -b system -r 1 -o "$T/y.json" 2>&1 >/dev/null); rc=$?
[ "$rc" = 2 ] && [ ! -e "$T/y.json" ] || fail "--paced on a pattern: exit $rc, '$msg'"
[ "$fails" = 0 ] && echo "ok paced: $(jq -c .replay "$T/info.json")"
exit $((fails > 0))
