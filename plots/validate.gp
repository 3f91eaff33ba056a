# plots/validate.gp — `allocmark validate`'s chart: for each program and backend (not
# system), the difference to system's time measured on the real program (x, seconds)
# against the difference the replay of its trace predicts (y: (replay ns/op - system's
# replay ns/op) x the trace's ops), one point each, coloured by backend, labelled by
# program; the diagonal is a perfect prediction. Points near y = 0 with x far from 0:
# the program's time moved for reasons its allocation calls alone do not show.
# Variables: data (validate.tsv), out (path without extension), fmt (png|svg), backends
# and colours (space-separated, in the same order: each backend's own colour, from the
# results files; `allocmark validate` passes them).
W = 900
H = 700
if (!exists("fmt")) fmt = "png"
if (fmt eq "svg") {
  set terminal svg size W, H dynamic noenhanced font "DejaVu Sans,12" background rgb "white"
  set output out . ".svg"
} else {
  set terminal pngcairo size W, H noenhanced font "DejaVu Sans,11" background rgb "white"
  set output out . ".png"
}
set datafile separator "\t"
set datafile columnheaders
set title "Do replays predict real programs? Time difference to system, per program and backend"
set xlabel "measured on the program (s, median of repetitions)"
set ylabel "predicted by the trace replay (s)"
set grid lc rgb "#dddddd"
set key outside right top title "backend"
set zeroaxis lt 1 lc rgb "#999999"
stats data using 3 nooutput
xmin = STATS_min; xmax = STATS_max
stats data using 4 nooutput
ymin = STATS_min < xmin ? STATS_min : xmin
ymax = STATS_max > xmax ? STATS_max : xmax
pad = (ymax - ymin) * 0.1 + 1e-3
set xrange [ymin - pad : ymax + pad]
set yrange [ymin - pad : ymax + pad]
if (!exists("backends")) backends = ""
if (!exists("colours")) colours = ""
only(b, v) = strcol("backend") eq b ? v : NaN
plot x with lines dt 2 lc rgb "#666666" title "predicted = measured", \
     for [i = 1:words(backends)] data using (only(word(backends, i), column(3))):(column(4)) with points pt 7 ps 1.3 \
         lc rgb word(colours, i) title word(backends, i), \
     data using 3:4:(strcol("program")) with labels offset 0.8, 0.6 left font ",9" notitle
