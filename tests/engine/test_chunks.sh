#!/usr/bin/env bash
# tests/engine/test_chunks.sh — chunked generation and replay end to end: a runner given a
# tiny --chunk-ops must replay the workload in many chunks (hand-off across chunk
# boundaries, RESPAWN, warm-up replays that regenerate the chunks, latency mode) and
# report the same checksum and op counts as the unchunked run. No timing is asserted.
# Usage: test_chunks.sh BUILD_DIR SOURCE_DIR
set -u
B=$1 S=$2
R=$B/runners/am-runner-system
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
sample() { "$R" run --no-hw --rss-interval-ms 5 --quick "$@"; }
key='[.status, .checksum, .total_ops, .alloc_ops, .free_ops, ([.phases[].ops] | add)] | @tsv'

for p in patterns/producer-consumer.json tests/patterns/good/thread-churn.json patterns/pairs-small.json; do
  whole=$(sample --pattern "$S/$p" --warmup 0) || { fail "$p: unchunked run failed"; continue; }
  [ "$(jq -r .chunks <<<"$whole")" = 1 ] || fail "$p: unchunked run reports chunks != 1"
  want=$(jq -r "$key" <<<"$whole")
  for opts in "--chunk-ops 1 --warmup 0" "--chunk-ops 500 --warmup 1 --latency 3"; do
    # shellcheck disable=SC2086
    got=$(sample --pattern "$S/$p" $opts) || { fail "$p $opts: run failed"; continue; }
    n=$(jq -r .chunks <<<"$got")
    [ "$n" -gt 1 ] 2>/dev/null || fail "$p $opts: expected chunks > 1, got $n"
    [ "$(jq -r "$key" <<<"$got")" = "$want" ] || fail "$p $opts: $(jq -r "$key" <<<"$got") != $want (status checksum ops alloc free phase-ops)"
    jq -e '.wall_s > 0 and .chunk_ops > 0' <<<"$got" >/dev/null || fail "$p $opts: wall_s / chunk_ops missing"
  done
  echo "ok $p: $want"
done
jq -e '.respawns > 0' <<<"$(sample --pattern "$S/tests/patterns/good/thread-churn.json" --chunk-ops 1 --warmup 0)" \
  >/dev/null || fail "thread-churn: no RESPAWN counted when chunked"
"$R" run --pattern "$S/patterns/pairs-small.json" --chunk-ops 0 >/dev/null 2>&1
[ $? = 2 ] || fail "--chunk-ops 0 must be bad input (exit 2)"

if [ "$fails" != 0 ]; then echo "test_chunks: $fails failures" >&2; exit 1; fi
echo "test_chunks: ok"
