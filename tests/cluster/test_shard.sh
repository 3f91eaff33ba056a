#!/usr/bin/env bash
# tests/cluster/test_shard.sh — sharded runs and `allocmark merge`, on this machine:
#   1. `allocmark plan --shard K/3` deals every cell to exactly one shard;
#   2. three shard runs merged give exactly the benchmarks and samples (cells) of one
#      unsharded run, with aggregates recomputed from the merged samples;
#   3. merge refuses, with one line and exit 2 and nothing written: shards of a different
#      git commit, of a different allocator version, and of different machines (unless
#      --allow-mixed-machines, which then writes one run folder per machine);
#   4. a missing shard: merged, missing cells listed, exit 1; a shard given twice:
#      duplicates listed, exit 1.
# No timing is asserted. Usage: test_shard.sh BUILD_DIR SOURCE_DIR
set -u
B=$1 S=$2
AM=$B/allocmark
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
pats=("$S/patterns/pairs-small.json" "$S/patterns/window-mixed.json")
args=(--quick -r 3 -b system,bump -t 1 --no-hw --rss-interval-ms 0)

# 1. The plan: 2 workloads x 1 thread count x 3 reps = 6 rounds, 12 cells.
"$AM" plan "${pats[@]}" "${args[@]}" --json >"$W/plan.json" || fail "plan --json failed"
[ "$(jq '.total_cells' "$W/plan.json")" = 12 ] || fail "plan: expected 12 cells, got $(jq .total_cells "$W/plan.json")"
[ "$(jq '[.cells[].id] | unique | length' "$W/plan.json")" = 12 ] || fail "plan: cell ids are not unique"
sum=0
for k in 1 2 3; do
  n=$("$AM" plan "${pats[@]}" "${args[@]}" --shard "$k/3" --json | jq '.shard_cells')
  sum=$((sum + n))
done
[ "$sum" = 12 ] || fail "plan: shards 1..3 hold $sum cells, not 12"
"$AM" plan "${pats[@]}" "${args[@]}" --shard 4/3 >/dev/null 2>&1; [ $? = 2 ] || fail "--shard 4/3 must be bad input"
"$AM" plan "${pats[@]}" "${args[@]}" --shard x >/dev/null 2>&1; [ $? = 2 ] || fail "--shard x must be bad input"

# 2. Three shards + merge = one unsharded run.
for k in 1 2 3; do
  "$AM" run "${pats[@]}" "${args[@]}" --shard "$k/3" -o "$W/s$k/" >"$W/s$k.log" 2>&1 || fail "shard $k/3 failed: $(tail -3 "$W/s$k.log")"
  [ -f "$W/s$k/shard/plan.json" ] || fail "shard $k/3 wrote no plan.json"
done
"$AM" run "${pats[@]}" "${args[@]}" -o "$W/full/" >"$W/full.log" 2>&1 || fail "unsharded run failed"
"$AM" merge "$W/s1" "$W/s2" "$W/s3" -o "$W/merged" >"$W/merge.log" 2>&1 || fail "merge failed: $(cat "$W/merge.log")"
cells() { jq -r '(.workload // .pattern).name as $w | .benchmarks[] | .backend as $b | .threads as $t
                 | .samples[] | "\($w)/t\($t)/r\(.rep)/\($b) \(.status) \(.checksum)"' "$@" | sort; }
benches() { jq -r '(.workload // .pattern).name as $w | .benchmarks[] | "\($w) \(.backend) \(.threads) \(.repetitions) \(.status)"' "$@" | sort; }
got_c=$(cells "$W"/merged/*.json)
want_c=$(cells "$W"/full/*.json)
[ "$got_c" = "$want_c" ] || fail "merged cells differ from the unsharded run's:
$(diff <(echo "$want_c") <(echo "$got_c"))"
[ "$(benches "$W"/merged/*.json)" = "$(benches "$W"/full/*.json)" ] ||
  fail "merged benchmarks differ from the unsharded run's"
# Aggregates recomputed: the median ns/op is the median of the merged samples.
for f in "$W"/merged/*.json; do
  jq -e '.benchmarks | all(.aggregates.ns_per_op.n == ([.samples[] | select(.status == "ok")] | length)
         and .aggregates.ns_per_op.median == ([.samples[] | select(.status == "ok") | .ns_per_op] | sort | .[length / 2 | floor]))' \
    "$f" >/dev/null || fail "$f: aggregates are not those of its samples"
  jq -e '.context.merge.shards | length == 3' "$f" >/dev/null || fail "$f: context.merge.shards missing"
  jq -e '[.benchmarks[].samples[] | has("cell") and has("host")] | all' "$f" >/dev/null || fail "$f: samples lack cell/host"
done
jq -e '.missing == [] and .duplicates == []' "$W/merged/merge/merge.json" >/dev/null || fail "merge.json lists missing/duplicate cells"
"$AM" report "$W"/merged >"$W/report.md" 2>&1 || fail "report of the merged run failed"
grep -q "Shards: which machine ran what" "$W/report.md" || fail "the report does not say which machine ran what"
[ "$(grep -c "^| [123]/3 | $(hostname) |" "$W/report.md")" = 3 ] || fail "the report does not list the 3 shards with their host"
"$AM" report --format html "$W"/merged >"$W/report.html" 2>&1 || fail "HTML report of the merged run failed"
grep -q "Shards: which machine ran what" "$W/report.html" || fail "the HTML report does not say which machine ran what"

# 3. Refusals: exit 2, one line, nothing written.
refuse() { # label, jq edit applied to s2's files
  local label=$1 edit=$2 d="$W/bad-$1" out="$W/out-$1"
  cp -r "$W/s2" "$d"
  for f in "$d"/*.json; do [ "$(basename "$f")" = plan.json ] && continue; jq "$edit" "$f" >"$f.t" && mv "$f.t" "$f"; done
  "$AM" merge "$W/s1" "$d" "$W/s3" -o "$out" >"$W/$label.out" 2>"$W/$label.err"
  rc=$?
  [ $rc = 2 ] || fail "merge with $label: exit $rc, expected 2"
  [ "$(wc -l <"$W/$label.err")" = 1 ] || fail "merge with $label: expected one line, got: $(cat "$W/$label.err")"
  [ ! -e "$out" ] || [ -z "$(ls -A "$out")" ] || fail "merge with $label wrote files"
  echo "refused ($label): $(cat "$W/$label.err")"
}
refuse commit '.context.git_commit = "0000000000000000000000000000000000000000"'
refuse version '.benchmarks |= map(if .backend == "system" then .backend_version = "glibc 9.99" else . end)'
refuse machine '.context.cpu_model = "Imaginary CPU 9000"'
cp -r "$W/bad-machine" "$W/mixed2"
"$AM" merge "$W/s1" "$W/mixed2" "$W/s3" -o "$W/mixed" --allow-mixed-machines >/dev/null 2>&1 || fail "--allow-mixed-machines merge failed"
[ -d "$W/mixed/machine-0" ] && [ -d "$W/mixed/machine-1" ] || fail "--allow-mixed-machines: no per-machine folders"

# 4. Missing and duplicate cells.
"$AM" merge "$W/s1" "$W/s2" -o "$W/partial" >/dev/null 2>"$W/partial.err"; rc=$?
[ $rc = 1 ] || fail "merge without shard 3: exit $rc, expected 1"
[ "$(jq '.missing | length' "$W/partial/merge/merge.json")" = "$(jq '.shard_cells' "$W/s3/shard/plan.json")" ] ||
  fail "merge without shard 3: missing cells not listed"
"$AM" merge "$W/s1" "$W/s2" "$W/s3" "$W/s3" -o "$W/dup" >/dev/null 2>&1; rc=$?
[ $rc = 1 ] || fail "merge with shard 3 twice: exit $rc, expected 1"
[ "$(jq '.duplicates | length' "$W/dup/merge/merge.json")" = "$(jq '.shard_cells' "$W/s3/shard/plan.json")" ] ||
  fail "merge with shard 3 twice: duplicates not listed"

if [ "$fails" != 0 ]; then echo "test_shard: $fails failures" >&2; exit 1; fi
echo "test_shard: ok"
