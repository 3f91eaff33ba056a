# plots/pagepool_heatmap.gp — pagepool's page/pool map as a heat map.
#
# One row per page (active pages in address order, then the free-page list), one cell per
# pool. Colour = size class (hue), shade = occupancy (pale: few blocks used, deep: full);
# grey: unused pool of an active page; near-white below the dashed line: free pages.
# Input is the table scripts/pp_dump_tsv.sh makes from a pp_dump_json() dump:
#   scripts/pp_dump_tsv.sh dump.json > map.tsv
#   gnuplot -e "data='map.tsv'; out='map'" plots/pagepool_heatmap.gp      -> map.png
# Variables (gnuplot -e): data (the TSV), out (output path without extension),
# fmt (png, the default, via pngcairo; or svg), title (optional heading).
# plot_all.sh draws DIR/dumps/pagepool/*.json with this script after the converter named
# on the next line (the convention for any backend's <backend>_heatmap.gp):
# converter: scripts/pp_dump_tsv.sh
if (!exists("data")) { print "pagepool_heatmap.gp: set data='map.tsv' (see the header)"; exit status 2 }
if (!exists("out")) out = "pagepool_heatmap"
if (!exists("fmt")) fmt = "png"
if (!exists("title")) title = "pagepool page/pool map"
set datafile separator "\t"
set datafile columnheaders

# Geometry of the map: rows (pages), columns (pools per page), classes.
stats data using (column("page")) nooutput
rows = int(STATS_max) + 1
stats data using (column("pool")) nooutput
cols = int(STATS_max) + 1
stats data using (column("nclasses")) nooutput
nc = int(STATS_max)
stats data using (column("class") == -2 ? column("page") : rows) nooutput
first_free = int(STATS_min)

# Legend: the classes present in the map, labelled with their block size.
present = ""
sizes = ""
do for [k = 0:nc - 1] {
  stats data using (column("class") == k ? column("block_size") : 0) nooutput
  if (STATS_max > 0) { present = present . " " . k; sizes = sizes . " " . int(STATS_max) }
}

# Hue per class spread over 0..0.85 (no wrap back to red); shade by occupancy.
hue(k) = nc > 1 ? 0.85 * k / (nc - 1) : 0.0
cell(k, occ) = k == -1 ? 0xd4d4d4 : k == -2 ? 0xf2f2f2 : hsv2rgb(hue(k), 0.15 + 0.85 * occ, 1.0 - 0.35 * occ)

W = 300 + 14 * cols + 180
H = 160 + (rows < 20 ? 20 : rows) * 12
if (H > 4000) H = 4000
if (fmt eq "svg") {
  set terminal svg size W, H dynamic noenhanced font "DejaVu Sans,11" background rgb "white"
  set output out . ".svg"
} else {
  set terminal pngcairo size W, H noenhanced font "DejaVu Sans,10" background rgb "white"
  set output out . ".png"
}

set title sprintf("%s: %d active + %d free pages x %d pools\n(colour = size class, shade = occupancy)", title, first_free, rows - first_free, cols)
set xlabel "pool index in page"
set ylabel "page (active pages by address, then free pages)"
set xrange [-0.5 : cols - 0.5]
set yrange [rows - 0.5 : -0.5]
set xtics 0, (cols > 16 ? 8 : 1) out nomirror
set ytics out nomirror
if (rows > 40) set ytics 0, 10
set border 3
set key outside right top title "class (block size)" box
unset colorbox
if (first_free < rows) set arrow 1 from -0.5, first_free - 0.5 to cols - 0.5, first_free - 0.5 nohead dt 2 lw 1.5 lc rgb "black" front

plot data using "pool":"page":(0.47):(0.47):(cell(column("class"), column("occupancy"))) \
       with boxxyerror fs solid 1.0 noborder lc rgb variable notitle, \
     for [i = 1:words(present)] keyentry with boxes fs solid 1.0 \
       lc rgb hsv2rgb(hue(int(word(present, i))), 0.85, 0.70) \
       title sprintf("%s (%s B)", word(present, i), word(sizes, i)), \
     keyentry with boxes fs solid 1.0 lc rgb 0xd4d4d4 title "unused pool", \
     keyentry with boxes fs solid 1.0 lc rgb 0xf2f2f2 title "free page"
