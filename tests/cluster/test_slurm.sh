#!/usr/bin/env bash
# tests/cluster/test_slurm.sh — the Slurm recipe against a real Slurm: installs slurm-wlm
# and munge when missing (root; scripts/deps.sh slurm), starts a single-node cluster under
# a temporary folder (scripts/slurm/local-cluster.sh: munged, slurmctld, slurmd), submits
# scripts/slurm/allocmark-array.sh as a 3-task array over a --quick matrix, waits for it,
# merges the shards and checks the merged folder holds exactly the cells of a local,
# unsharded run, with valid aggregates and a report. The daemons are stopped afterwards.
# Exit 77 (skipped, with the reason) only where Slurm cannot be installed or its daemons
# cannot run here. No timing is asserted. Usage: test_slurm.sh BUILD_DIR SOURCE_DIR
set -u
B=$1 S=$2
AM=$B/allocmark
W=$(mktemp -d)
cluster=$W/cluster
cleanup() { "$S/scripts/slurm/local-cluster.sh" stop "$cluster" >/dev/null 2>&1; rm -rf "$W"; }
trap cleanup EXIT
skip() { echo "SKIP test_slurm: $*"; exit 77; }
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

if ! command -v sbatch >/dev/null || [ ! -x /usr/sbin/slurmctld ] || [ ! -x /usr/sbin/munged ]; then
  [ "$(id -u)" = 0 ] || skip "slurm-wlm/munge missing and not root: $("$S/scripts/deps.sh" --check slurm 2>&1 | tail -1)"
  "$S/scripts/deps.sh" slurm >&2 || skip "scripts/deps.sh slurm could not install slurm-wlm and munge"
fi
[ "$(id -u)" = 0 ] || skip "the local cluster's daemons run as root"
conf=$("$S/scripts/slurm/local-cluster.sh" start "$cluster" 2>"$W/start.err") ||
  skip "the Slurm daemons cannot run here: $(tail -1 "$W/start.err")"
eval "$conf"
echo "cluster up: $(sinfo -h -o '%P %D %T %c cpus')"

pats=("$S/patterns/pairs-small.json" "$S/patterns/window-mixed.json")
args=(--quick -r 2 -b system,bump -t 1 --no-hw --rss-interval-ms 0)
cd "$S" || exit 1
t0=$(date +%s)
ALLOCMARK=$AM sbatch --wait --array=0-2 --output="$W/task-%a.log" --time=10 \
  scripts/slurm/allocmark-array.sh "$W/out" -- "${pats[@]}" "${args[@]}" >"$W/sbatch.out" 2>&1 ||
  fail "sbatch --wait failed: $(cat "$W/sbatch.out"; tail -5 "$W"/task-*.log)"
echo "array job: $(cat "$W/sbatch.out") in $(( $(date +%s) - t0 )) s"
for k in 1 2 3; do [ -f "$W/out/shard-$k/shard/plan.json" ] || fail "shard $k wrote no plan.json: $(tail -5 "$W/task-$((k - 1)).log")"; done
"$AM" merge "$W"/out/shard-* -o "$W/merged" >"$W/merge.log" 2>&1 || fail "merge: $(cat "$W/merge.log")"
"$AM" run "${pats[@]}" "${args[@]}" -o "$W/local/" >/dev/null 2>&1 || fail "local run failed"
cells() { jq -r '(.workload // .pattern).name as $w | .benchmarks[] | .backend as $b | .threads as $t
                 | .samples[] | "\($w)/t\($t)/r\(.rep)/\($b) \(.status) \(.checksum)"' "$@" | sort; }
[ "$(cells "$W"/merged/*.json)" = "$(cells "$W"/local/*.json)" ] ||
  fail "the merged cells differ from a local run's"
for f in "$W"/merged/*.json; do
  jq -e '.benchmarks | length > 0 and all(.status == "ok" and .aggregates.ns_per_op.n == .repetitions)' "$f" >/dev/null ||
    fail "$f: aggregates not recomputed over every sample"
done
"$AM" report "$W"/merged >"$W/report.md" || fail "report failed"
grep -q "pairs-small" "$W/report.md" || fail "report does not name the workload"

if [ "$fails" != 0 ]; then echo "test_slurm: $fails failures" >&2; exit 1; fi
echo "test_slurm: ok ($(( $(date +%s) - t0 )) s from submission to report)"
