# plots/palette.gp — one colour per backend, the same in every chart (loaded by each
# chart script through common.gp). Red is reserved for failures and is no backend's
# colour; a backend not listed here is drawn in teal.
bcolor(b) = b eq "system"   ? "#4d4d4d" : \
            b eq "jemalloc" ? "#1f77b4" : \
            b eq "mimalloc" ? "#2ca02c" : \
            b eq "tcmalloc" ? "#9467bd" : \
            b eq "pagepool" ? "#ff7f0e" : \
            b eq "bump"     ? "#8c564b" : \
            b eq "broken"   ? "#e377c2" : "#17becf"
fail_color = "#d62728"
