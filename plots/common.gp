# plots/common.gp — what every chart script shares: the output terminal, the data
# format written by `allocmark report --format tsv --table ...`, and the palette.
#
# Variables a chart script receives from plots/plot_all.sh (gnuplot -e "..."):
#   data      the TSV table the chart reads
#   out       output path without extension
#   fmt       png (pngcairo) or svg
#   machine   "host, CPU, N cores" for the title
#   backends  backend names in chart order (space separated; `--table backends`)
# Before loading this file a script sets W and H, the size in pixels.
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
set encoding utf8
load dir . "palette.gp"
if (!exists("backends")) backends = ""
nb = words(backends)
# Grouped bars: backend `slot` of `nb` side by side around x = group.
bw = nb > 0 ? 0.8 / nb : 0.8
xpos(g, s) = g + (s - (nb - 1) / 2.0) * bw
# Keep a row only for backend i (column "backend"), else NaN (row skipped).
only(i, v) = strcol("backend") eq word(backends, i) ? v : NaN
set grid ytics lc rgb "#dddddd"
set border 3
set tics nomirror
# Whiskers (min–max) as vectors with flat caps: gnuplot's errorbar styles blank a
# disc around each point, which would notch the bars.
set style arrow 1 heads size screen 0.004, 90 lw 1 lc rgb "black"
