#!/usr/bin/env bash
# scripts/ablation.sh — pagepool's ablation study: the cost in time and memory of each
# design knob, across patterns, in one command.
#
#   scripts/ablation.sh [--quick] [-r N] [-p "PATTERN ..."] [-v "VARIANT ..."] [-o DIR]
#
# Each variant is the default pagepool with one knob changed, through its PAGEPOOL_*
# environment variable (allocator/README.md, "Knobs"):
#   default        the defaults (classes=fit pools=64 return=1 lookup=fast lists=1 grow=1
#                  large=own runs=1 decay=20 heap_spans=2048)
#   lookup-tree    PAGEPOOL_LOOKUP=tree   every free finds its page in the red-black tree
#   classes-fine   PAGEPOOL_CLASSES=fine  28 classes, 4 per doubling, instead of the 32 fitted
#                                         to their pools' block counts
#   classes-pow2   PAGEPOOL_CLASSES=pow2  9 powers of two (the original) instead of 32 classes
#   pools-8        PAGEPOOL_POOLS=8       pages of 8 pools (32 KiB) instead of 64 (256 KiB)
#   lists-off      PAGEPOOL_LISTS=0       no allocation lists: malloc takes a pool's free
#                                         list, every free goes back to its pool
#   grow-off       PAGEPOOL_GROW=0        allocation lists keep their first limit (16 KiB)
#   runs-off       PAGEPOOL_RUNS=0        one pool for every class: no runs of 2 or 4 pools
#                                         for the blocks that leave a large tail in one
#   return-off     PAGEPOOL_RETURN=0      free pages' memory never given back to the OS
#   decay-off      PAGEPOOL_DECAY=0       cached spans idle for 20 ms not given back: the
#                                         span cache shrinks only past its limit
#   heap-spans-off PAGEPOOL_HEAP_SPANS=0  no span cache per heap: every medium block (4-64
#                                         KiB) takes the global span cache's lock
#   large-system   PAGEPOOL_LARGE=system  blocks over 4 KiB from the system allocator
# Repetitions are interleaved: for each repetition, every variant runs every pattern once
# (`allocmark run -b pagepool -t 1 -r 1`: one thread, so a pattern's thread counts are not
# mixed in one median; a fresh runner process each). Medians over the
# repetitions of ns/op and of peak RSS growth, and their ratio to `default`, go to
# DIR/ablation.tsv and DIR/ablation.md (Markdown tables), and the time ratios to the chart
# DIR/ablation.png (plots/ablation.gp). Raw results: DIR/raw/VARIANT/REP/*.json.
# Options: --quick the patterns' quick scale; -r N repetitions (default 3); -p patterns
# (names in patterns/, default below); -v variants (default: all); -o DIR (default
# results/ablation-<UTC stamp>). Needs build/allocmark (cmake --build build), python3, gnuplot.
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; } # the header
quick=""; reps=3; out=""
patterns="pairs-small window-mixed batch-random lognormal-sizes web-sizes fragmentation calloc-heavy large-blocks"
variants="default lookup-tree classes-fine classes-pow2 pools-8 lists-off grow-off runs-off return-off decay-off heap-spans-off large-system"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=--quick ;;
    -r) reps=${2:?-r needs a number}; shift ;;
    -p) patterns=${2:?-p needs patterns}; shift ;;
    -v) variants=${2:?-v needs variants}; shift ;;
    -o) out=${2:?-o needs a folder}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "ablation.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$reps" in ''|*[!0-9]*|0) echo "ablation.sh: -r: '$reps' is not a repetition count (1 or more)" >&2; exit 2 ;; esac
env_of() {
  case "$1" in
    default) echo "" ;;
    lookup-tree) echo "PAGEPOOL_LOOKUP=tree" ;;
    classes-fine) echo "PAGEPOOL_CLASSES=fine" ;;
    classes-pow2) echo "PAGEPOOL_CLASSES=pow2" ;;
    pools-8) echo "PAGEPOOL_POOLS=8" ;;
    lists-off) echo "PAGEPOOL_LISTS=0" ;;
    grow-off) echo "PAGEPOOL_GROW=0" ;;
    runs-off) echo "PAGEPOOL_RUNS=0" ;;
    return-off) echo "PAGEPOOL_RETURN=0" ;;
    decay-off) echo "PAGEPOOL_DECAY=0" ;;
    heap-spans-off) echo "PAGEPOOL_HEAP_SPANS=0" ;;
    large-system) echo "PAGEPOOL_LARGE=system" ;;
    *) return 1 ;;
  esac
}
for v in $variants; do env_of "$v" >/dev/null || { echo "ablation.sh: -v: unknown variant '$v' (try --help)" >&2; exit 2; }; done
for p in $patterns; do [ -r "patterns/$p.json" ] || { echo "ablation.sh: -p: patterns/$p.json: no such pattern" >&2; exit 2; }; done
[ -x build/allocmark ] || { echo "ablation.sh: build/allocmark missing: cmake -S . -B build && cmake --build build" >&2; exit 2; }
out=${out:-results/ablation-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out/raw"
# Variables that would change every variant at once are cleared.
unset PAGEPOOL_LOOKUP PAGEPOOL_CLASSES PAGEPOOL_POOLS PAGEPOOL_LISTS PAGEPOOL_GROW PAGEPOOL_RUNS PAGEPOOL_RETURN PAGEPOOL_LARGE PAGEPOOL_SITES PAGEPOOL_REGION PAGEPOOL_DECAY PAGEPOOL_HEAP_SPANS
files=""
for p in $patterns; do files="$files patterns/$p.json"; done
nv=$(echo $variants | wc -w)
for r in $(seq 1 "$reps"); do
  i=0
  for v in $variants; do
    i=$((i + 1))
    echo "ablation: repetition $r/$reps, variant $i/$nv: $v" >&2
    mkdir -p "$out/raw/$v/$r"
    # shellcheck disable=SC2086
    env $(env_of "$v") build/allocmark run $files -b pagepool -t 1 -r 1 $quick -o "$out/raw/$v/$r/" >/dev/null ||
      echo "ablation: $v repetition $r: some run failed (recorded in its results file)" >&2
  done
done
python3 - "$out" "$patterns" "$variants" <<'PY'
import glob, json, os, statistics, sys
out, patterns, variants = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
med = {}  # (variant, pattern) -> (ns/op median, RSS growth median MiB, config)
for v in variants:
    for p in patterns:
        ns, rss, cfg = [], [], ""
        for f in glob.glob(os.path.join(out, "raw", v, "*", p + "-*.json")):
            for b in json.load(open(f)).get("benchmarks", []):
                for s in b.get("samples", []):
                    if s.get("status") == "ok":
                        ns.append(s["ns_per_op"]); rss.append(s["peak_rss_growth_bytes"] / 2**20)
                cfg = b.get("backend_config", cfg)
        med[v, p] = (statistics.median(ns) if ns else None, statistics.median(rss) if rss else None, cfg)
ratio = lambda a, b: a / b if a is not None and b else None
with open(os.path.join(out, "ablation.tsv"), "w") as t:
    t.write("variant\tpattern\tpidx\tns_per_op\trss_growth_mib\ttime_ratio\trss_ratio\tconfig\n")
    for v in variants:
        for k, p in enumerate(patterns):
            ns, rss, cfg = med[v, p]; d = med.get(("default", p), (None, None, ""))
            f = lambda x: "NaN" if x is None else "%.4g" % x
            t.write("\t".join([v, p, str(k), f(ns), f(rss), f(ratio(ns, d[0])), f(ratio(rss, d[1])), cfg]) + "\n")
def cell(x, r):
    if x is None: return "failed"
    return "%.4g" % x + ("" if r is None else " (%.2fx)" % r)
with open(os.path.join(out, "ablation.md"), "w") as m:
    for title, i in (("ns/op, median (ratio to default)", 0), ("peak RSS growth, MiB, median (ratio to default)", 1)):
        m.write("%s\n\n| variant | %s |\n|---|%s\n" % (title, " | ".join(patterns), "---|" * len(patterns)))
        for v in variants:
            cells = [cell(med[v, p][i], None if v == "default" else ratio(med[v, p][i], med.get(("default", p), (None, None))[i])) for p in patterns]
            m.write("| %s | %s |\n" % (v, " | ".join(cells)))
        m.write("\n")
print(open(os.path.join(out, "ablation.md")).read())
PY
if command -v gnuplot >/dev/null; then
  xt=$(i=0; for p in $patterns; do printf '"%s" %d, ' "$p" "$i"; i=$((i + 1)); done)
  gnuplot -e "data='$out/ablation.tsv'; out='$out/ablation'; dir='plots/'; variants='$variants'; xt='${xt%, }'" plots/ablation.gp
  echo "ablation: $out/ablation.tsv, $out/ablation.md, $out/ablation.png" >&2
else
  echo "ablation: gnuplot missing (scripts/deps.sh installs gnuplot-nox): no chart; tables in $out" >&2
fi
