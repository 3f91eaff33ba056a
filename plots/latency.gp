# plots/latency.gp — latency percentiles of one pattern (at one thread count): one panel
# per operation kind, grouped bars per percentile (p50 … p99.99, max), one bar per
# backend, log axis in ns. Backends that failed are listed in red under the panels.
# Input: `allocmark report --format tsv --table latency --pattern NAME --threads N`
# (data); variables `pattern`, `threads`, `ops` (op kinds, space separated), `failed`
# ("backend: status, ..." or ""). `backends` lists only the backends with latency
# figures here, so a bar's place comes from its position in that list. See common.gp.
nops = words(ops)
cols = nops > 3 ? 2 : nops
rows = nops > 3 ? 2 : 1
W = cols * 480 + 120
H = rows * 400 + 190
load dir . "common.gp"
pcols = "p50_ns p90_ns p99_ns p99.9_ns p99.99_ns max_ns"
np = words(pcols)
op_is(k, v) = strcol("op") eq word(ops, k) ? v : NaN
# Backend i's bar at percentile p (both 1-based).
px(p, i) = p - 1 + (i - 1 - (nb - 1) / 2.0) * bw
floor10(v) = 10 ** floor(log10(v))
stats data using (column("p50_ns")) nooutput
base = STATS_records > 0 && STATS_min > 0 ? floor10(STATS_min) : 1
set logscale y
set yrange [base : *]
set format y "%.0s%c"
set xrange [-0.6 : np - 0.4]
set xtics ("p50" 0, "p90" 1, "p99" 2, "p99.9" 3, "p99.99" 4, "max" 5) nomirror
set style fill solid 0.85 border lc rgb "#333333"
set key at screen 0.5, screen 0.075 center center horizontal maxrows 1 reverse Left samplen 1.5 width 2
if (exists("failed") && strlen(failed) > 0) {
  set label 99 "✗ no latency figures, failed: " . failed at screen 0.5, screen 0.025 center tc rgb fail_color
}
set multiplot layout rows, cols margins 0.07, 0.98, 0.2, 0.86 spacing 0.07, 0.12 \
    title "Latency percentiles of " . pattern . ", " . threads . " thread(s): ns per operation, log scale\n" . machine
do for [k = 1:nops] {
  set title word(ops, k)
  set ylabel "latency (ns, log scale)"
  set xlabel "percentile"
  plot for [i=1:nb] for [p=1:np] data using (only(i, op_is(k, px(p, i)))):(column(word(pcols, p))):\
         (px(p, i) - bw / 2):(px(p, i) + bw / 2):(base):(column(word(pcols, p))) \
         with boxxyerror lc rgb bcolor(word(backends, i)) title (k == 1 && p == 1 ? word(backends, i) : "")
  unset label 99
}
unset multiplot
