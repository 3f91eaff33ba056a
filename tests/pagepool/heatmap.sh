#!/usr/bin/env bash
# tests/pagepool/heatmap.sh — the heat-map pipeline renders: a dump from test_pp_dump,
# scripts/pp_dump_tsv.sh, plots/pagepool_heatmap.gp -> a PNG (checked by its signature and
# that the table has one row per pool of every page). Exit 77 (skip) without jq or gnuplot.
# Usage: heatmap.sh SOURCE_DIR TEST_PP_DUMP
set -u
src=$1 dumper=$2
for t in jq gnuplot; do
  command -v $t >/dev/null || { echo "heatmap: SKIP: $t is not installed"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$dumper" "$tmp/dump.json" > /dev/null || { echo "heatmap: test_pp_dump failed"; exit 1; }
"$src/scripts/pp_dump_tsv.sh" "$tmp/dump.json" > "$tmp/map.tsv" || exit 1
want=$(jq '(.pages | length) * .pools_per_page + (.free_pages | length) * .pools_per_page + 1' "$tmp/dump.json")
got=$(wc -l < "$tmp/map.tsv")
[ "$want" = "$got" ] || { echo "heatmap: $got table lines, want $want"; exit 1; }
gnuplot -e "data='$tmp/map.tsv'; out='$tmp/map'" "$src/plots/pagepool_heatmap.gp" || exit 1
sig=$(head -c 8 "$tmp/map.png" | od -An -tx1 | tr -d ' \n')
[ "$sig" = 89504e470d0a1a0a ] || { echo "heatmap: $tmp/map.png is not a PNG"; exit 1; }
echo "heatmap: $(($got - 1)) pools drawn, $(wc -c < "$tmp/map.png") bytes of PNG"
