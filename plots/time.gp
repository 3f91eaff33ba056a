# plots/time.gp — time per operation relative to `system`, per pattern and backend:
# grouped bars on a log axis drawn from 1 (system) up (slower) or down (faster), with
# min–max error bars over the repetitions; a failed benchmark gets a red label with
# its status where its bar would be.
# Input: `allocmark report --format tsv --table time` (data), `--table patterns`
# (groups: one row per pattern x threads, for the x labels). See common.gp.
ng = exists("ngroups") ? ngroups : 1
W = ng * 95 + 380 < 900 ? 900 : ng * 95 + 380
H = 620
load dir . "common.gp"
set title "Time per operation relative to glibc (system), system = 1×; median of repetitions, whiskers: min–max\n" . machine
set ylabel "time per op ÷ system time per op (log scale; below 1 = faster)"
set xlabel "pattern"
set logscale y
set format y "%g×"
set xrange [-0.6 : ng - 0.4]
set xtics rotate by 30 right nomirror font ",10"
set key outside right top vertical Left reverse samplen 1.5 title "backend"
set style fill solid 0.85 border lc rgb "#333333"
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "#333333" front
plot groups using (column("group")):(NaN):xtic(strcol("label")) notitle, \
     for [i=1:nb] data using (only(i, xpos(column("group"), column("slot")))):(column("ratio")):\
       (xpos(column("group"), column("slot")) - bw / 2):(xpos(column("group"), column("slot")) + bw / 2):\
       (column("ratio") < 1 ? column("ratio") : 1):(column("ratio") < 1 ? 1 : column("ratio")) \
       with boxxyerror lc rgb bcolor(word(backends, i)) title word(backends, i), \
     data using (xpos(column("group"), column("slot"))):(column("ratio_min")):(0):(column("ratio_max") - column("ratio_min")) \
       with vectors arrowstyle 1 notitle, \
     data using (strcol("status") eq "ok" ? NaN : xpos(column("group"), column("slot"))):(1):\
       ("✗ " . strcol("backend") . " " . strcol("status")) \
       with labels rotate by 90 left offset 0, 0.5 tc rgb fail_color font ",9" notitle
