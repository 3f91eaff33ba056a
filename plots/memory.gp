# plots/memory.gp — memory per pattern and backend, two panels sharing the x axis:
# peak RSS growth over the pre-workload baseline (MiB, log axis: what the allocator
# made resident for the workload, without the harness's own streams) and memory
# overhead = (peak RSS − baseline RSS) ÷ peak live requested bytes (log axis; 1 = no
# overhead). Grouped bars with min–max error bars; a failed benchmark gets a red label
# with its status where its bar would be. A growth of 0 (or none: results written
# before the figure existed, without a baseline) has no bar on the log axis but a grey
# label "0 B" (or "n/a") instead; whiskers only where min and max are known.
# Input: `allocmark report --format tsv --table rss` (data), `--table patterns`
# (groups). See common.gp.
ng = exists("ngroups") ? ngroups : 1
W = ng * 95 + 380 < 900 ? 900 : ng * 95 + 380
H = 1000
load dir . "common.gp"
MiB = 1048576.0
# Bars on a log axis start at the decade below the smallest value.
floor10(v) = 10 ** floor(log10(v))
# Growth in MiB of a column, NaN when blank or 0 (nothing to draw on a log axis).
gmib(c) = column(c) > 0 ? column(c) / MiB : NaN
# stats fails on a file without one valid point: count them first (blank -> 0).
stats data using (column("growth_bytes") > 0 ? 1 : 0) nooutput
ngrowth = STATS_records > 0 ? STATS_sum : 0
if (ngrowth > 0) { stats data using (gmib("growth_bytes")) nooutput; rss_base = floor10(STATS_min) } else { rss_base = 0.1 }
# (program runs have no live-byte count, so no overhead at all: count first, as above)
stats data using (column("overhead") > 0 ? 1 : 0) nooutput
novh = STATS_records > 0 ? STATS_sum : 0
if (novh > 0) { stats data using (column("overhead")) nooutput; ovh_base = STATS_min > 0 ? floor10(STATS_min) : 0.1 } else { ovh_base = 0.1 }
set style fill solid 0.85 border lc rgb "#333333"
set xrange [-0.6 : ng - 0.4]
set logscale y
set key outside right top vertical Left reverse samplen 1.5 title "backend"
set multiplot layout 2, 1 title "Memory per pattern and backend (median of repetitions, whiskers: min–max)\n" . machine
set lmargin 12
set rmargin 20
set xtics format ""
set ylabel "peak RSS growth over the pre-workload baseline (MiB, log scale)"
set yrange [rss_base : *]
plot groups using (column("group")):(NaN):xtic("") notitle, \
     for [i=1:nb] data using (only(i, xpos(column("group"), column("slot")))):(gmib("growth_bytes")):\
       (xpos(column("group"), column("slot")) - bw / 2):(xpos(column("group"), column("slot")) + bw / 2):\
       (rss_base):(gmib("growth_bytes")) \
       with boxxyerror lc rgb bcolor(word(backends, i)) title word(backends, i), \
     data using (xpos(column("group"), column("slot"))):\
       (gmib("growth_max") > 0 ? (gmib("growth_min") > rss_base ? gmib("growth_min") : rss_base) : NaN):(0):\
       (gmib("growth_max") - (gmib("growth_min") > rss_base ? gmib("growth_min") : rss_base)) \
       with vectors arrowstyle 1 notitle, \
     data using (strcol("status") eq "ok" && !(column("growth_bytes") > 0) ? xpos(column("group"), column("slot")) : NaN):\
       (rss_base * 1.1):(column("growth_bytes") == 0 ? "0 B" : "n/a") \
       with labels rotate by 90 left offset 0, 0.5 tc rgb "#666666" font ",9" notitle, \
     data using (strcol("status") eq "ok" ? NaN : xpos(column("group"), column("slot"))):(rss_base * 1.1):\
       ("✗ " . strcol("backend") . " " . strcol("status")) \
       with labels rotate by 90 left offset 0, 0.5 tc rgb fail_color font ",9" notitle
set ylabel "memory overhead (log scale)\n(peak RSS − baseline) ÷ live bytes"
unset key
set yrange [ovh_base : *]
set format y "%g×"
set xtics rotate by 30 right nomirror font ",10" format "% h"
set xlabel "pattern"
set title ""
plot groups using (column("group")):(NaN):xtic(strcol("label")) notitle, \
     for [i=1:nb] data using (only(i, xpos(column("group"), column("slot")))):(column("overhead")):\
       (xpos(column("group"), column("slot")) - bw / 2):(xpos(column("group"), column("slot")) + bw / 2):\
       (ovh_base):(column("overhead")) \
       with boxxyerror lc rgb bcolor(word(backends, i)) notitle, \
     data using (xpos(column("group"), column("slot"))):(column("overhead_min")):(0):\
       (column("overhead_max") - column("overhead_min")) with vectors arrowstyle 1 notitle, \
     data using (strcol("status") eq "ok" ? NaN : xpos(column("group"), column("slot"))):(ovh_base * 1.05):\
       ("✗ " . strcol("backend") . " " . strcol("status")) \
       with labels rotate by 90 left offset 0, 0.5 tc rgb fail_color font ",9" notitle
unset multiplot
