# plots/scaling.gp — thread scaling of one pattern: throughput (million ops/s, median
# of repetitions, whiskers min–max) against the number of threads, one line per
# backend; a failed benchmark is a red label with its status at its thread count.
# Input: `allocmark report --format tsv --table scaling --pattern NAME` (data);
# variable `pattern` for the title. See common.gp.
W = 1000
H = 640
load dir . "common.gp"
set title "Thread scaling of " . pattern . ": throughput against threads (median, whiskers min–max)\n" . machine
set xlabel "worker threads"
set ylabel "throughput (million operations per second)"
stats data using (column("threads")) nooutput
set xrange [STATS_min - 0.5 : STATS_max + 0.5]
set xtics 1
set yrange [0 : *]
set key outside right top vertical Left reverse title "backend"
plot for [i=1:nb] data using (only(i, column("threads"))):(column("ops_per_s") / 1e6):\
       (column("ops_per_s_min") / 1e6):(column("ops_per_s_max") / 1e6) \
       with yerrorlines lc rgb bcolor(word(backends, i)) lw 2 pt 7 ps 1.2 title word(backends, i), \
     data using (strcol("status") eq "ok" ? NaN : column("threads") + (column("slot") - nb / 2.0) * 0.06):(0):\
       ("✗ " . strcol("backend") . " " . strcol("status")) \
       with labels rotate by 90 left offset 0, 0.5 tc rgb fail_color font ",9" notitle
