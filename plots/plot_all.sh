#!/usr/bin/env bash
# plots/plot_all.sh — every chart of a results folder, as PNG (pngcairo) and SVG.
#
#   plots/plot_all.sh [--allocmark PATH] [--formats "png svg"] DIR
#
# Reads the results files in DIR once, through `allocmark report --tables DIR/plots/data`
# (every table the charts draw, as TSV; kept there so every chart can be redrawn by hand),
# draws from those files only, and writes into DIR/plots/:
#   time.{png,svg}                     time per op relative to system, all patterns
#   memory.{png,svg}                   peak RSS growth and memory overhead, all patterns
#   scaling-<pattern>.{png,svg}        ops/s against threads (patterns run at several
#                                      thread counts)
#   latency-<pattern>-<N>t.{png,svg}   latency percentiles (when measured, --latency)
#   timeline-<pattern>-<N>t.{png,svg}  RSS over time per backend
#   <backend>-heatmap-<name>.{png,svg} a backend's heap map, for each dump
#                                      DIR/dumps/<backend>/<name>.json (allocmark run
#                                      --dump-at), when plots/<backend>_heatmap.gp exists,
#                                      through the converter its header names
# Failed benchmarks are marked in red in every chart. Colours: each backend's own (the
# backends table's `colour`, written as DIR/plots/data/palette.gp; see plots/palette.gp).
# Exit status: 0 all charts written; 1 a chart failed (the others are still made);
# 2 bad input (allocmark report's one-line message).
# Environment: ALLOCMARK (the allocmark executable; default build/allocmark).
set -u
here=$(cd "$(dirname "$0")" && pwd)
am=${ALLOCMARK:-$here/../build/allocmark}
formats="png svg"
while [ $# -gt 0 ]; do
  case "$1" in
    --allocmark) am=$2; shift 2 ;;
    --formats) formats=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    -*) echo "plot_all.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || { echo "plot_all.sh: expected one results folder (try --help)" >&2; exit 2; }
dir=${1%/}
[ -d "$dir" ] || { echo "plot_all.sh: $dir: not a folder" >&2; exit 2; }
[ -x "$am" ] || { echo "plot_all.sh: $am: allocmark not built (cmake --build build)" >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "plot_all.sh: gnuplot not found (scripts/deps.sh)" >&2; exit 2; }
out=$dir/plots
data=$out/data
mkdir -p "$data"

# col FILE NAME: the values of column NAME, one per line (header skipped).
col() {
  awk -F'\t' -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } k { print $k }' "$1"
}
# uniq_words: distinct lines, in order of first appearance, joined by spaces.
uniq_words() { awk '!seen[$0]++' | paste -sd' ' -; }
# gq TEXT: TEXT as a gnuplot single-quoted string.
gq() { printf "'%s'" "${1//\'/\'\'}"; }
# fname TEXT: TEXT made safe as a file name.
fname() { printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_'; }
# failed_list FILE: "backend: status, ..." from a failures table.
failed_list() {
  awk -F'\t' 'NR > 1 { s = s (s ? ", " : "") $3 ": " $4 } END { print s }' "$1"
}

# Every table, in one read of the results.
"$am" report --tables "$data" "$dir" || exit 2
machine=$(awk -F'\t' '$1 == "machine" { print $2 }' "$data/meta.tsv")
# The backends' colours (column `colour` of the backends table) as bcolor(b) for palette.gp.
awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "backend") kb = i; if ($i == "colour") kc = i }; next }
  kb && kc && length($kc) == 7 && $kc ~ /^#[0-9A-Fa-f]+$/ { gsub(/"/, "", $kb); s = s "b eq \"" $kb "\" ? \"" $kc "\" : " }
  END { print "bcolor(b) = " s "\"#17becf\"" }' "$data/backends.tsv" >"$data/palette.gp"
backends=$(col "$data/backends.tsv" backend | paste -sd' ' -)
ngroups=$(($(wc -l <"$data/patterns.tsv") - 1))

charts=0 failures=0
# chart SCRIPT OUTNAME VARS: draw one chart in every format.
chart() {
  local script=$1 name=$2 vars=$3 f
  for f in $formats; do
    if gnuplot -e "dir=$(gq "$here/"); palette=$(gq "$data/palette.gp"); out=$(gq "$out/$name"); fmt=$(gq "$f"); machine=$(gq "$machine"); $vars" \
         "$here/$script" 2>"$out/$name.$f.log"; then
      rm -f "$out/$name.$f.log"
      charts=$((charts + 1))
    else
      echo "plot_all.sh: $script failed for $name.$f (see $out/$name.$f.log)" >&2
      failures=$((failures + 1))
    fi
  done
}

chart time.gp time "data=$(gq "$data/time.tsv"); groups=$(gq "$data/patterns.tsv"); backends=$(gq "$backends"); ngroups=$ngroups"
chart memory.gp memory "data=$(gq "$data/rss.tsv"); groups=$(gq "$data/patterns.tsv"); backends=$(gq "$backends"); ngroups=$ngroups"

# Per pattern (scaling) and per pattern x threads (latency, timeline).
declare -A drawn_scaling=()
while IFS=$'\t' read -r pattern threads _group _label sweep latency timeline _n _failed; do
  p=$(fname "$pattern")
  failed=$(failed_list "$data/failures-$p-${threads}t.tsv")
  if [ "$sweep" = 1 ] && [ -z "${drawn_scaling[$p]:-}" ]; then
    drawn_scaling[$p]=1
    bl=$(col "$data/backends-$p.tsv" backend | paste -sd' ' -)
    chart scaling.gp "scaling-$p" "data=$(gq "$data/scaling-$p.tsv"); pattern=$(gq "$pattern"); backends=$(gq "$bl")"
  fi
  if [ "$latency" = 1 ]; then
    f=$data/latency-$p-${threads}t.tsv
    chart latency.gp "latency-$p-${threads}t" "data=$(gq "$f"); pattern=$(gq "$pattern"); threads=$threads; \
ops=$(gq "$(col "$f" op | uniq_words)"); backends=$(gq "$(col "$f" backend | uniq_words)"); failed=$(gq "$failed")"
  fi
  if [ "$timeline" = 1 ]; then
    f=$data/timeline-$p-${threads}t.tsv
    chart timeline.gp "timeline-$p-${threads}t" "data=$(gq "$f"); pattern=$(gq "$pattern"); threads=$threads; \
backends=$(gq "$(col "$f" backend | uniq_words)"); failed=$(gq "$failed")"
  fi
done < <(tail -n +2 "$data/patterns.tsv")

# Heap maps: DIR/dumps/<backend>/<name>.json, written by `allocmark run --dump-at` for
# backends with a dump hook, drawn by that backend's own plots/<backend>_heatmap.gp after
# the converter its header names ("# converter: scripts/X"), when both exist.
for bdir in "$dir"/dumps/*/; do
  [ -d "$bdir" ] || continue
  b=$(basename "$bdir")
  gp=$here/${b}_heatmap.gp
  [ -f "$gp" ] || continue
  conv=$(sed -n 's/^# converter: //p' "$gp" | head -n 1)
  [ -n "$conv" ] && [ -x "$here/../$conv" ] || { echo "plot_all.sh: $gp names no converter" >&2; continue; }
  for dump in "$bdir"*.json; do
    [ -f "$dump" ] || continue
    name=$(fname "$(basename "$dump" .json)")
    # <pattern>.at-<phase>.json is a map taken when that phase started; else at the end.
    what="after $name"
    case "$name" in *.at-*) what="in ${name%%.at-*}, as phase ${name#*.at-} starts" ;; esac
    if "$here/../$conv" "$dump" >"$data/$b-$name.tsv"; then
      chart "${b}_heatmap.gp" "$b-heatmap-$name" \
        "data=$(gq "$data/$b-$name.tsv"); title=$(gq "$b heap map $what, $machine")"
    else
      echo "plot_all.sh: $dump: $conv could not read it; no heat map" >&2
      failures=$((failures + 1))
    fi
  done
done

if [ "$failures" = 0 ]; then echo "plots: $charts chart files in $out" >&2
else echo "plots: $charts chart files in $out, $failures failed" >&2; fi
[ "$failures" = 0 ]
