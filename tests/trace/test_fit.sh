#!/usr/bin/env bash
# tests/trace/test_fit.sh — what a trace's statistics give trace-fit and trace-info, on
# tests/trace/mtprog.c recorded with --timestamps:
#   - call_time_ns: one timed call per recorded call (allocation, realloc, free);
#   - size_profile: its rows' allocations add up to the trace's allocation ops;
#   - timeline: its windows' events add up to the trace's events, frees to its frees;
#   - trace-fit --profile writes one "size, alloc_rate, num_live" line per row; the CSV
#     read back with --from-profile is a valid pattern with an empirical phase that
#     replays (system, --quick); --empirical fits a valid empirical pattern;
#   - a malformed profile CSV: one line naming the file and line, exit 2, nothing written.
# No test asserts a time.
#   - phases: phaseprog.c (a fill of 32 B blocks, a 4 KiB churn, a teardown) fits as
#     three phases, the second of 4 KiB sizes, the last freeing what the first kept;
#     its steady variant (the churn alone) as one.
# Usage: test_fit.sh BUILD_DIR MTPROG PHASEPROG
set -u
B=$1 P=$2 PH=$3
A=$B/allocmark
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

"$A" record --timestamps -o "$T/m.amtrace" -- "$P" 30 >/dev/null 2>"$T/rec.err" || fail "record: $(cat "$T/rec.err")"
"$A" trace-info --json "$T/m.amtrace" >"$T/info.json" || fail "trace-info"
# Every allocation op and free is one timed call; failed calls are timed too (none here).
jq -e '.timestamps and .call_time_ns.calls == (.calls | del(.malloc_usable_size) | add) + .failed_allocations
       and .call_time_ns.measured_ns > 0' \
  "$T/info.json" >/dev/null || fail "call_time_ns: $(jq -c '{call_time_ns, ops_by_kind}' "$T/info.json")"
jq -e '([.size_profile.rows[][1]] | add) == .ops_by_kind.malloc + .ops_by_kind.calloc + .ops_by_kind.aligned + .ops_by_kind.realloc' \
  "$T/info.json" >/dev/null || fail "size_profile allocations: $(jq -c '[.size_profile.rows[][1]] | add' "$T/info.json")"
jq -e '([.timeline.windows[].events] | add) == .events and ([.timeline.windows[].frees] | add) == .ops_by_kind.free
       and ([.timeline.windows[].born_freed] | add) == .ops_by_kind.free' \
  "$T/info.json" >/dev/null || fail "timeline: $(jq -c '.timeline.window_events' "$T/info.json")"
"$A" trace-info "$T/m.amtrace" | grep -q "time in malloc/free: .* ms in [0-9]* calls" || fail "trace-info text: no time in malloc/free"

# The empirical profile and the patterns made from it.
"$A" trace-fit "$T/m.amtrace" -o "$T/fit.json" --profile "$T/p.csv" >"$T/fit.out" 2>&1 || fail "trace-fit --profile: $(cat "$T/fit.out")"
[ "$(wc -l <"$T/p.csv")" = "$(jq '.size_profile.rows | length' "$T/info.json")" ] || fail "profile CSV: $(wc -l <"$T/p.csv") lines"
grep -Eqv '^[0-9]+, [0-9.e+-]+, [0-9.e+-]+$' "$T/p.csv" && fail "profile CSV lines: $(grep -Ev '^[0-9]+, [0-9.e+-]+, [0-9.e+-]+$' "$T/p.csv" | head -2)"
"$A" trace-fit --from-profile "$T/p.csv" -o "$T/emp.json" --allocs 20000 --live-bytes 100000 -t 2 >/dev/null || fail "--from-profile"
jq -e '.threads == 2 and .phases[0].empirical.live_bytes == 100000 and (.phases[0].empirical.rows | length) > 3' "$T/emp.json" \
  >/dev/null || fail "--from-profile pattern: $(jq -c '.phases[0] | del(.empirical.rows)' "$T/emp.json")"
"$A" run "$T/emp.json" --quick -b system -r 1 -o "$T/emp-run.json" >/dev/null 2>&1 || fail "run of the --from-profile pattern"
jq -e '.benchmarks[0].samples[0].status == "ok"' "$T/emp-run.json" >/dev/null 2>&1 || fail "empirical replay not ok"
"$A" trace-fit "$T/m.amtrace" -o "$T/fit-emp.json" --empirical >/dev/null 2>&1 || fail "trace-fit --empirical"
"$A" check "$T/fit-emp.json" >/dev/null && jq -e '.phases[0].empirical.rows and (.phases[0] | has("lifetime") | not)' \
  "$T/fit-emp.json" >/dev/null || fail "trace-fit --empirical pattern"

# Malformed profiles: one line, exit 2, no pattern.
printf '16, 1, 2\n32, x, 1\n' >"$T/bad.csv"
msg=$("$A" trace-fit --from-profile "$T/bad.csv" -o "$T/bad.json" 2>&1); rc=$?
[ "$rc" = 2 ] && [ "$msg" = "$T/bad.csv: line 2: expected an allocation rate (a number >= 0), then ','" ] && [ ! -e "$T/bad.json" ] ||
  fail "bad CSV: exit $rc, '$msg'"
printf '# only comments\n\n' >"$T/empty.csv"
msg=$("$A" trace-fit --from-profile "$T/empty.csv" -o "$T/bad.json" 2>&1); rc=$?
[ "$rc" = 2 ] && [ "$msg" = "$T/empty.csv: no rows (size, alloc_rate, num_live)" ] || fail "empty CSV: exit $rc, '$msg'"
# Phases.
"$A" record -o "$T/ph.amtrace" -- "$PH" 20000 >/dev/null 2>&1 || fail "record phaseprog"
"$A" trace-fit "$T/ph.amtrace" -o "$T/ph.json" --json "$T/ph-side.json" >/dev/null 2>&1 || fail "trace-fit phaseprog"
jq -e '(.phases | length) == 3 and ([.phases[1].size.bins[].min] | min) >= 4096 and ([.phases[0].size.bins[] | select(.min < 64) | .weight] | add) >= 19000
       and .phases[2].free_kept == "fifo" and .phases[0].lifetime.keep > 0.9' "$T/ph.json" >/dev/null ||
  fail "phaseprog phases: $(jq -c '[.phases[] | {name, allocs, free_kept}]' "$T/ph.json")"
jq -e '(.phases | length) == 3 and .phases[1].first_window == .phases[0].last_window + 1' "$T/ph-side.json" >/dev/null ||
  fail "phaseprog side-by-side phases: $(jq -c .phases "$T/ph-side.json")"
"$A" check "$T/ph.json" >/dev/null || fail "phaseprog pattern does not check"
"$A" record -o "$T/st.amtrace" -- "$PH" 20000 steady >/dev/null 2>&1 || fail "record phaseprog steady"
"$A" trace-fit "$T/st.amtrace" -o "$T/st.json" >/dev/null 2>&1 || fail "trace-fit phaseprog steady"
jq -e '(.phases | length) == 1' "$T/st.json" >/dev/null || fail "steady trace: $(jq '.phases | length' "$T/st.json") phases"
[ "$fails" = 0 ] && echo "ok trace-fit: profile $(wc -l <"$T/p.csv") rows, call times, timeline"
exit $((fails > 0))
