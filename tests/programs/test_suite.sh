#!/usr/bin/env bash
# tests/programs/test_suite.sh — the program suite (programs/*.json) at --quick on two
# backends, one repetition each: every program must be ok on both with identical
# outputs (the proof run shows each backend in effect). Skipped (exit 77) when a
# program's package is not installed (scripts/deps.sh --programs installs them).
# Usage: test_suite.sh ALLOCMARK SOURCE_DIR [BACKENDS]
set -u
am=${1:?}; src=${2:?}; backends=${3:-system,pagepool}
for c in redis-server redis-benchmark lua5.4 gs z3 sqlite3 /usr/bin/python3 gcc perl; do
  command -v "$c" >/dev/null || { echo "SKIP: $c not installed (scripts/deps.sh --programs)"; exit 77; }
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export TMPDIR="$tmp"
mkdir "$tmp/out"
"$am" run "$src"/programs/*.json -b "$backends" --quick -r 1 -o "$tmp/out/" >"$tmp/log" 2>&1; rc=$?
fails=0
for f in "$tmp"/out/*.json; do
  name=$(jq -r .workload.name "$f")
  st=$(jq -r '[.benchmarks[] | .backend + "=" + .status] | join(" ")' "$f")
  echo "$name: $st"
  [ "$(jq -r '[.benchmarks[].status == "ok"] | all' "$f")" = true ] || fails=$((fails + 1))
  [ "$(jq -r '[.benchmarks[].proof.bindings.in_effect] | all' "$f")" = true ] || { echo "  proof failed"; fails=$((fails + 1)); }
done
[ "$(ls "$tmp"/out/*.json | wc -l)" = "$(ls "$src"/programs/*.json | wc -l)" ] || { echo "missing results"; fails=$((fails + 1)); }
[ "$fails" = 0 ] && [ "$rc" = 0 ] || { tail -30 "$tmp/log"; exit 1; }
