#!/usr/bin/env bash
# tests/report/check_plots.sh — plots/plot_all.sh on the fixture results: every chart
# kind is drawn as PNG and SVG, and the failed benchmarks (broken crashed, pagepool
# timeout) are marked in the charts that show them; the memory chart labels a zero or
# missing peak RSS growth instead of drawing it on its log axis.
#   check_plots.sh ALLOCMARK SOURCE_DIR
set -u
exe=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$src/tests/report/fixtures/"*.json "$tmp/"
fail=0
say() { echo "check_plots: $*" >&2; fail=1; }
"$src/plots/plot_all.sh" --allocmark "$exe" "$tmp" || say "plot_all.sh exited $?"
for c in time memory scaling-xthread-handoff latency-seed-perf-test-1t timeline-seed-perf-test-1t; do
  png=$tmp/plots/$c.png svg=$tmp/plots/$c.svg
  [ "$(head -c 8 "$png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || say "$c.png: missing or not a PNG"
  grep -q '</svg>' "$svg" 2>/dev/null || say "$c.svg: missing or incomplete"
done
for c in time memory; do
  grep -q '✗ broken crashed' "$tmp/plots/$c.svg" || say "$c.svg: the crashed benchmark is not marked"
  grep -q '✗ pagepool timeout' "$tmp/plots/$c.svg" || say "$c.svg: the timed-out benchmark is not marked"
done
# Memory: growth 0 (xthread-handoff 2t system) and none (2t mimalloc) have no bar on the
# log axis but a label; the panel is the growth, not the raw peak.
grep -q '>0 B<' "$tmp/plots/memory.svg" || say "memory.svg: the zero growth is not labelled"
grep -q '>n/a<' "$tmp/plots/memory.svg" || say "memory.svg: the missing growth is not labelled"
grep -q 'peak RSS growth over the pre-workload baseline' "$tmp/plots/memory.svg" || say "memory.svg: growth axis label"
grep -q '✗ pagepool timeout' "$tmp/plots/scaling-xthread-handoff.svg" || say "scaling: timeout not marked"
grep -q 'failed: broken: crashed' "$tmp/plots/timeline-seed-perf-test-1t.svg" || say "timeline: crash not listed"
# Bad input reaches plot_all.sh as allocmark report's one line and exit 2.
mkdir "$tmp/bad" && cp "$src/tests/report/bad/bad-status.json" "$tmp/bad/"
"$src/plots/plot_all.sh" --allocmark "$exe" "$tmp/bad" 2>/dev/null
[ $? = 2 ] || say "bad input: expected exit 2"
exit $fail
