#!/usr/bin/env bash
# tests/report/real_output.sh ALLOCMARK SOURCE_DIR — the report and the charts of a real
# `allocmark run` (not hand-written fixtures): two patterns (glibc-simple and glibc-thread,
# each at 1 and 2 threads), two backends (system, pagepool), --quick, 2 repetitions,
# latency on. Its results folder goes to `allocmark report` as Markdown, TSV, CSV and
# --tables DIR, and to plots/plot_all.sh; every figure shown is checked against the
# results JSON (read with jq):
#   - time (TSV): median/min/max ns per op and the ratio to system, per benchmark
#   - rss (CSV): peak RSS, its growth and the memory overhead medians
#   - scaling (TSV): ops/s medians; latency (TSV): p50/p99/max per op kind
#   - Markdown: each time-table cell shows the median (3-4 significant digits) and the
#     ratio, each memory cell the growth in bytes
#   - --tables DIR: the same files as one --table per table and group
#   - plot_all.sh: one `allocmark report` call, every chart kind as PNG and SVG, both
#     backends in the legends, its data tables those of --tables
# Exit 0 when all hold, 1 otherwise, 77 (skip) when jq or gnuplot is missing.
set -u
am=${1:?usage: real_output.sh ALLOCMARK SOURCE_DIR} src=${2:?usage: real_output.sh ALLOCMARK SOURCE_DIR}
for t in jq gnuplot; do command -v $t >/dev/null || { echo "real_output: SKIP: $t missing"; exit 77; }; done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
say() { echo "real_output: FAIL: $*" >&2; fail=1; }
run=$tmp/run
"$am" run "$src/patterns/glibc-simple.json" "$src/patterns/glibc-thread.json" -t 1,2 --quick -r 2 \
  -b system,pagepool --no-hw --latency -o "$run/" >"$tmp/run.out" 2>"$tmp/run.err" ||
  { tail -5 "$tmp/run.err"; echo "real_output: FAIL: allocmark run"; exit 1; }
# Every benchmark of the results as TSV: pattern threads backend status, the aggregates'
# figures, and the ratio of its ns/op median to system's of the same pattern and threads.
jq -s -r '[.[] | .workload.name as $p | .benchmarks[] | . + {p: $p}] as $all | $all[] | . as $b |
  ($all[] | select(.p == $b.p and .threads == $b.threads and .backend == "system") | .aggregates.ns_per_op.median) as $sys |
  [.p, .threads, .backend, .status,
  .aggregates.ns_per_op.median, .aggregates.ns_per_op.min, .aggregates.ns_per_op.max,
  .aggregates.peak_rss_bytes.median, .aggregates.peak_rss_growth_bytes.median,
  (.aggregates.memory_overhead.median // ""), .aggregates.ops_per_s.median, .aggregates.ns_per_op.median / $sys] | @tsv' \
  "$run"/*.json >"$tmp/json.tsv"
[ "$(wc -l <"$tmp/json.tsv")" = 8 ] || say "expected 8 benchmarks in the results, got $(wc -l <"$tmp/json.tsv")"
jq -r '.workload.name as $p | .benchmarks[] | . as $b | (.latency.ops // {}) | to_entries[] |
  [$p, $b.threads, $b.backend, .key, .value.p50, .value.p99, .value.max] | @tsv' "$run"/*.json >"$tmp/json-lat.tsv"
[ -s "$tmp/json-lat.tsv" ] || say "the run recorded no latency"

"$am" report --format tsv --table time "$run" -o "$tmp/time.tsv" || say "report --table time"
"$am" report --format csv --table rss "$run" -o "$tmp/rss.csv" || say "report --format csv --table rss"
"$am" report --table scaling "$run" -o "$tmp/scaling.tsv" || say "report --table scaling"
"$am" report --table latency "$run" -o "$tmp/latency.tsv" || say "report --table latency"
"$am" report "$run" -o "$tmp/report.md" || say "report (Markdown)"

# check NAME FILE "COL=N ...": every row of the table FILE (TSV with a header), matched on
# pattern, threads and backend, holds field N of that benchmark's json.tsv line in column
# COL (relative error below 1e-8: tables print 9 significant digits), and every benchmark
# has its row.
check() {
  awk -F'\t' -v name="$1" -v spec="$3" '
    function near(a, b, d, m) { if (a == "" || b == "") return a == b; d = a - b; if (d < 0) d = -d
      m = b < 0 ? -b : b; return d <= 1e-8 * (m > 1 ? m : 1) }
    NR == FNR { j[$1 FS $2 FS $3] = $0; next }
    FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; ns = split(spec, s, " "); next }
    { k = $col["pattern"] FS $col["threads"] FS $col["backend"]
      if (!(k in j)) { print name ": row " k " not in the results"; bad = 1; next }
      split(j[k], v, FS); seen[k] = 1
      for (i = 1; i <= ns; i++) { split(s[i], p, "=")
        if (!near($col[p[1]], v[p[2]])) { print name ": " k ": " p[1] " = " $col[p[1]] ", the results say " v[p[2]]; bad = 1 } } }
    END { for (k in j) if (!(k in seen)) { print name ": no row for " k; bad = 1 }; exit bad }
  ' "$tmp/json.tsv" "$2" || fail=1
}
check time.tsv "$tmp/time.tsv" "median_ns=5 min_ns=6 max_ns=7 ratio=12"
tr ',' '\t' <"$tmp/rss.csv" >"$tmp/rss.tsv"
check rss.csv "$tmp/rss.tsv" "peak_rss_bytes=8 growth_bytes=9 overhead=10"
check scaling.tsv "$tmp/scaling.tsv" "ops_per_s=11"
# Latency: every op kind of every benchmark, p50, p99, max.
awk -F'\t' 'NR == FNR { j[$1 FS $2 FS $3 FS $4] = $5 FS $6 FS $7; next }
  FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
  { k = $col["pattern"] FS $col["threads"] FS $col["backend"] FS $col["op"]; got = $col["p50_ns"] FS $col["p99_ns"] FS $col["max_ns"]
    if (!(k in j)) { print "latency.tsv: " k ": not in the results"; bad = 1; next }
    split(j[k], a, FS); split(got, b, FS)
    for (i = 1; i <= 3; i++) { d = a[i] - b[i]; if (d < 0) d = -d; if (d > 1e-8 * a[i]) { print "latency.tsv: " k ": " got ", the results say " j[k]; bad = 1 } }
    n++ }
  END { if (n != length(j)) { print "latency.tsv: " n " rows, the results have " length(j); bad = 1 }; exit bad }' \
  "$tmp/json-lat.tsv" "$tmp/latency.tsv" || fail=1

# Markdown: the time and memory cells, formatted as the report formats them (fmt.c).
awk -F'\t' '
  function num(v, a) { a = v < 0 ? -v : v
    if (a >= 1e9) return sprintf("%.3g", v); if (a >= 100 || v == 0) return sprintf("%.0f", v)
    if (a >= 10) return sprintf("%.1f", v); if (a >= 1) return sprintf("%.2f", v); return sprintf("%.3f", v) }
  function bytes(v, u) { u = 0; while (v >= 1024 && u < 4) { v /= 1024; u++ }
    return u == 0 ? sprintf("%.0f B", v) : num(v) " " substr("KiBMiBGiBTiB", 3 * u - 2, 3) }
  NR == FNR { b[NR] = $0; nb = NR; next }
  /^## Time per operation/ { sec = "time" } /^## Memory/ { sec = "mem" } /^## Thread scaling|^## Latency|^## Failures/ { sec = "" }
  sec != "" && /^\| pattern \|/ { n = split($0, h, " \\| "); for (i = 3; i <= n; i++) { gsub(/[| ]/, "", h[i]); bcol[sec, h[i]] = i } next }
  sec != "" && /^\| [a-z]/ { split($0, c, " \\| "); sub(/^\| /, "", c[1]); row[sec, c[1] FS c[2]] = $0; next }
  END {
    for (i = 1; i <= nb; i++) { split(b[i], v, FS); k = v[1] FS v[2]
      split(row["time", k], c, " \\| "); cell = c[bcol["time", v[3]]]
      want = num(v[5]); q = v[12]; wq = sprintf(q < 0.1 ? "%.3f×" : "%.2f×", q)
      if (index(cell, want) == 0 || index(cell, wq) == 0) { print "report.md time " k " " v[3] ": \"" cell "\" lacks " want " and " wq; bad = 1 }
      split(row["mem", k], c, " \\| "); cell = c[bcol["mem", v[3]]]
      if (index(cell, bytes(v[9]) " (of " bytes(v[8]) ")") != 1) { print "report.md memory " k " " v[3] ": \"" cell "\" is not " bytes(v[9]) " (of " bytes(v[8]) ")"; bad = 1 } }
    exit bad }' "$tmp/json.tsv" "$tmp/report.md" || fail=1

# --tables DIR: the same files as one --table each.
"$src/tests/report/check_tables_dir.sh" "$am" "$run" 2>"$tmp/tables.err" || { cat "$tmp/tables.err" >&2; say "--tables DIR"; }

# The charts: one read of the results, every kind drawn, both backends in the legends.
printf '#!/bin/sh\necho x >>"%s"\nexec "%s" "$@"\n' "$tmp/calls" "$am" >"$tmp/am.sh" && chmod +x "$tmp/am.sh"
"$src/plots/plot_all.sh" --allocmark "$tmp/am.sh" "$run" 2>"$tmp/plots.err" || { cat "$tmp/plots.err" >&2; say "plot_all.sh exited non-zero"; }
[ "$(wc -l <"$tmp/calls" 2>/dev/null)" = 1 ] || say "plot_all.sh called allocmark $(wc -l <"$tmp/calls") times, expected 1"
for c in time memory scaling-glibc-simple scaling-glibc-thread latency-glibc-simple-1t latency-glibc-thread-2t timeline-glibc-thread-2t; do
  [ "$(head -c 8 "$run/plots/$c.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || say "$c.png: missing or not a PNG"
  grep -q '</svg>' "$run/plots/$c.svg" 2>/dev/null || say "$c.svg: missing or incomplete"
done
for b in system pagepool; do
  grep -q ">$b<" "$run/plots/time.svg" || say "time.svg: no legend entry for $b"
  grep -q ">$b<" "$run/plots/scaling-glibc-thread.svg" || say "scaling.svg: no legend entry for $b"
done
cmp -s "$run/plots/data/time.tsv" "$tmp/time.tsv" || say "the time chart's data is not the time table"
[ "$fail" = 0 ] && echo "real_output: $(wc -l <"$tmp/json.tsv") benchmarks: the report's figures (md, tsv, csv, --tables) and the charts match the results JSON"
exit $fail
