# plots/palette.gp — one colour per backend, the same in every chart (loaded by each
# chart script through common.gp). Colours are no chart script's business: each backend
# names its own in its harness/backends/ file, `allocmark run` records it in the results,
# `allocmark report --table backends` lists it (column `colour`), and plots/plot_all.sh
# turns that table into a gnuplot file passed here as `palette` (defining bcolor(b)).
# Red is reserved for failures and is no backend's colour; without a palette, teal.
bcolor(b) = "#17becf"
if (exists("palette")) load palette
fail_color = "#d62728"
