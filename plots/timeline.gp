# plots/timeline.gp — RSS over time of one pattern (at one thread count), one line per
# backend (the timeline the engine's sampler kept for that benchmark). Backends that
# failed are listed in red under the plot.
# Input: `allocmark report --format tsv --table timeline --pattern NAME --threads N`
# (data); variables `pattern`, `threads`, `failed` ("backend: status, ..." or "").
# `backends` lists the backends with a timeline here. See common.gp.
W = 1100
H = 640
load dir . "common.gp"
MiB = 1048576.0
set title "Resident set size over time, " . pattern . ", " . threads . " thread(s)\n" . machine
set xlabel "time since the workload started (ms)"
set ylabel "RSS (MiB)"
set yrange [0 : *]
set key outside right top vertical Left reverse samplen 2 title "backend"
set bmargin 6
if (exists("failed") && strlen(failed) > 0) {
  set label 99 "✗ no timeline, failed: " . failed at screen 0.5, screen 0.03 center tc rgb fail_color
}
plot for [i=1:nb] data using (only(i, column("t_ms"))):(column("rss_bytes") / MiB) \
       with linespoints pt 7 ps 0.6 pi 10 lw 2 lc rgb bcolor(word(backends, i)) title word(backends, i)
