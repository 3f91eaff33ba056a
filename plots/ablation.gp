# plots/ablation.gp — pagepool's ablation chart (scripts/ablation.sh): per pattern, each
# variant's median time per operation as a ratio to the default configuration (1 = same,
# above 1 = the knob change costs time). Variables (gnuplot -e): data (ablation.tsv:
# variant, pattern, pidx, ..., time_ratio), out (path without extension), dir (plots/),
# variants (names, space separated; `default` is skipped: it is the line at 1), xt (the
# x tics: "pattern" index, ...), fmt (png or svg).
W = 1100; H = 520
load dir . "common.gp"
vs = ""
do for [i = 1:words(variants)] { if (word(variants, i) ne "default") { vs = vs . " " . word(variants, i) } }
nv = words(vs)
bw = nv > 0 ? 0.8 / nv : 0.8
set title "pagepool ablation: time per operation relative to the default (median of repetitions)"
set ylabel "ns/op ratio to default"
eval "set xtics (" . xt . ") rotate by -25"
set xrange [-0.6:*]
set yrange [0:*]
set style fill solid 0.85 border -1
set key top left
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "#444444"
sel(i, v) = strcol("variant") eq word(vs, i) ? v : NaN
plot for [i = 1:nv] data using (column("pidx") + (i - 1 - (nv - 1) / 2.0) * bw):(sel(i, column("time_ratio"))):(bw) \
     with boxes title word(vs, i)
