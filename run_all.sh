#!/usr/bin/env bash
# run_all.sh — the main job: build, run every pattern on every backend, charts, report.
#
#   ./run_all.sh [options]
#
# 1. scripts/deps.sh (Debian packages), then a Release build in build/ (incremental).
# 2. For each pattern in patterns/ (sorted), one `allocmark run` on the backends, each
#    repetition a fresh runner process, writing one results JSON per pattern.
# 3. `allocmark report` -> report.md and report.html, and plots/plot_all.sh -> plots/*.png, *.svg
#    (with the heat map of each backend that has a dump hook and a plots/<backend>_heatmap.gp:
#    `allocmark run --dump-at` writes its map to dumps/<backend>/<pattern>[.at-<phase>].json
#    in one extra replay that is in no results).
# Everything goes to results/<UTC stamp>/ (or --out DIR), and results/latest points
# at it. Progress, with an ETA, on stderr; each run's own output in logs/<pattern>.log.
#
# Options:
#   --quick             CI-sized workloads (each pattern's `quick` scale) and 3
#                       repetitions unless --reps is given: the matrix in minutes
#   --backends LIST     comma-separated backends (default: all, every allocator built
#                       in, `allocmark list`; baselines and test-only backends run
#                       only when named)
#   --patterns LIST     comma-separated pattern names or files (default: every
#                       patterns/*.json)
#   --reps N            repetitions per benchmark (default: the pattern's, usually 5)
#   --threads LIST      thread counts, e.g. 1,2 (default: the pattern's)
#   --programs          also run the real programs, programs/*.json (installed by
#                       scripts/deps.sh programs; format: programs/README.md)
#   --latency           also measure per-operation latency (percentile charts)
#   --timeout S         seconds before a runner is killed (default: allocmark's)
#   --out DIR           write here instead of results/<UTC stamp>/
#   --shard K/N         run only shard K of N of the matrix (`allocmark plan --help`):
#                       one `allocmark run` over every pattern into DIR, no heat map,
#                       report or charts; `allocmark merge` the N folders, then
#                       `allocmark report` and plots/plot_all.sh on the merged folder
#                       (scripts/slurm/allocmark-array.sh --run-all does this per task)
#   --no-build          use the existing build/ as it is
#   --resume DIR        finish the interrupted run in DIR with its own options (saved
#                       in DIR/run_all.args): patterns whose results file is there,
#                       valid and of the same pattern file are kept as they are, the
#                       others run (an interrupted pattern runs again whole: its file is
#                       written only when all its benchmarks are done), then the heat
#                       map, report and charts. Only --no-build may go with it.
#   -h, --help          this text
# Environment: ALLOCMARK (the allocmark executable; default build/allocmark), JOBS
# (parallel build jobs; default: number of cores). Benchmarks themselves run one at a
# time, so they never compete with each other for the cores.
#
# Exit status: 0 every benchmark ok; 1 a benchmark crashed, timed out, ran out of
# memory or failed (the report and charts are still written, the failure marked in
# both); 2 bad options or a pattern rejected; 130 interrupted (SIGINT, e.g. Ctrl-C, or
# SIGTERM: the run in progress is stopped, the results files already finished stay as
# they are, complete and valid — each is written atomically — and the report and charts
# are made from them; `./run_all.sh --resume DIR` finishes the run).
#
# Test hook (a backend forced to crash): the `broken` backend aborts when asked to:
#   AM_BROKEN=crash ./run_all.sh --quick --backends system,broken
# gives results where `broken` has status `crashed`, a report whose Failures section
# and charts show it in red, and exit status 1. AM_BROKEN=hang with --timeout 5 does
# the same with status `timeout` (modes: harness/backends/broken.c).
set -uo pipefail
cd "$(dirname "$0")"
root=$(pwd)

quick=0 programs=0 backends=all patterns="" reps="" threads="" latency=0 timeout="" out="" build=1 shard=""
resume=""
die() { echo "run_all.sh: $*" >&2; exit 2; }
need() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value (try --help)"; }
orig_args=("$@")
# --resume DIR: the options are the interrupted run's own (DIR/run_all.args, one a line).
for ((k = 0; k < ${#orig_args[@]}; k++)); do
  [ "${orig_args[$k]}" = --resume ] || continue
  resume=${orig_args[$((k + 1))]:-}
  [ -n "$resume" ] || die "--resume needs the folder of the interrupted run (try --help)"
  for a in "${orig_args[@]}"; do
    case "$a" in --resume|"$resume"|--no-build) ;; *) die "--resume DIR takes no other option than --no-build (got '$a')" ;; esac
  done
  [ -d "$resume" ] || die "--resume $resume: no such folder"
  [ -f "$resume/run_all.args" ] || die "--resume $resume: not a run_all.sh run folder (no run_all.args)"
  mapfile -t saved <"$resume/run_all.args"
  for a in "${orig_args[@]}"; do [ "$a" = --no-build ] && saved+=(--no-build); done
  set -- "${saved[@]}"
  break
done
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --programs) programs=1; shift ;;
    --latency) latency=1; shift ;;
    --no-build) build=0; shift ;;
    --backends) need "$@"; backends=$2; shift 2 ;;
    --patterns) need "$@"; patterns=$2; shift 2 ;;
    --reps) need "$@"; reps=$2; shift 2 ;;
    --threads) need "$@"; threads=$2; shift 2 ;;
    --timeout) need "$@"; timeout=$2; shift 2 ;;
    --out) need "$@"; out=$2; shift 2 ;;
    --shard) need "$@"; shard=$2; shift 2 ;;
    --resume) shift 2 ;; # handled above
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) die "unknown option '$1' (try --help)" ;;
  esac
done
[[ -z "$reps" || "$reps" =~ ^[1-9][0-9]*$ ]] || die "--reps: expected a positive integer, got '$reps'"
[[ -z "$threads" || "$threads" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "--threads: expected e.g. 1,2,4, got '$threads'"
[[ -z "$timeout" || "$timeout" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--timeout: expected seconds, got '$timeout'"
[[ "$backends" =~ ^[a-z0-9_]+(,[a-z0-9_]+)*$ ]] || die "--backends: expected e.g. system,pagepool, got '$backends'"
[[ -z "$shard" || "$shard" =~ ^[1-9][0-9]*/[1-9][0-9]*$ ]] || die "--shard: expected K/N, e.g. 2/4, got '$shard'"
[ -n "$shard" ] && [ "$programs" = 1 ] && die "--shard and --programs cannot be combined yet: run the programs in an unsharded run"
[ "$quick" = 1 ] && [ -z "$reps" ] && reps=3

if [ "$programs" = 1 ]; then scripts/deps.sh programs >&2 || exit 2; else scripts/deps.sh >&2 || exit 2; fi
if [ "$build" = 1 ]; then
  if [ ! -f build/CMakeCache.txt ]; then
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null || die "cmake configure failed"
  fi
  cmake --build build -j"${JOBS:-$(nproc)}" >&2 || die "build failed"
fi
am=${ALLOCMARK:-$root/build/allocmark}
[ -x "$am" ] || die "$am missing (run without --no-build)"

# The pattern files, in a fixed order.
files=()
if [ -z "$patterns" ]; then
  for f in patterns/*.json; do [ -f "$f" ] && files+=("$f"); done
else
  IFS=, read -r -a names <<<"$patterns"
  for n in "${names[@]}"; do
    if [ -f "$n" ]; then files+=("$n")
    elif [ -f "patterns/$n.json" ]; then files+=("patterns/$n.json")
    else die "--patterns: no pattern '$n' (neither a file nor patterns/$n.json)"; fi
  done
fi
if [ "$programs" = 1 ]; then
  for f in programs/*.json; do [ -f "$f" ] && files+=("$f"); done
fi
[ ${#files[@]} -gt 0 ] || die "no pattern files in patterns/"

stamp=$(date -u +%Y%m%dT%H%M%SZ)
if [ -n "$resume" ]; then
  out=$resume
  [ -z "$shard" ] || die "--resume: a --shard run is resumed by running its shard again"
  rm -f "$out"/*.json.tmp.* "$out"/.*.tmp* 2>/dev/null # a writer killed mid-write
else
  [ -n "$out" ] || out=results/$stamp
  [ -e "$out" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ] && die "--out $out: folder exists and is not empty"
  mkdir -p "$out/logs" || die "cannot create $out"
  # The options, for --resume (without --out: the folder is given then; not --no-build).
  saved=()
  for ((k = 0; k < ${#orig_args[@]}; k++)); do
    case "${orig_args[$k]}" in
      --out) k=$((k + 1)) ;;
      --no-build) ;;
      *) saved+=("${orig_args[$k]}") ;;
    esac
  done
  { [ ${#saved[@]} -eq 0 ] || printf '%s\n' "${saved[@]}"; } >"$out/run_all.args.tmp" &&
    mv "$out/run_all.args.tmp" "$out/run_all.args" || die "cannot write $out/run_all.args"
fi
mkdir -p "$out/logs" || die "cannot create $out/logs"
# results/latest -> this run (relative when it lives in results/).
point_latest() {
  mkdir -p results
  local target
  case "$(cd "$out" && pwd)" in
    "$root/results/"*) target=$(cd "$out" && pwd); target=${target#"$root/results/"} ;;
    *) target=$(cd "$out" && pwd) ;;
  esac
  ln -sfn "$target" results/latest.tmp && mv -T results/latest.tmp results/latest
}

# SIGINT / SIGTERM: stop the `allocmark run` in progress (it stops its runner and writes
# nothing for the pattern it was on), then report what is finished.
interrupted=0 apid=""
on_signal() { interrupted=1; [ -n "$apid" ] && kill -TERM "$apid" 2>/dev/null; }
trap on_signal INT TERM
clock() { printf '%d:%02d' $(($1 / 60)) $(($1 % 60)); }

args=(-b "$backends")
[ -n "$reps" ] && args+=(-r "$reps")
[ -n "$threads" ] && args+=(-t "$threads")
[ -n "$timeout" ] && args+=(--timeout "$timeout")
[ "$quick" = 1 ] && args+=(--quick)
[ "$latency" = 1 ] && args+=(--latency)

# Heap maps for the heat-map charts (backends with a dump hook: `allocmark list --json`),
# taken by `allocmark run --dump-at` in one extra replay that is in no results.
# fragmentation is mapped where it is most telling, when its `reuse` phase starts (after
# 90 % of the small blocks were freed at random); else seed-perf-test, or the first
# pattern, at its end. Maps go to dumps/<backend>/ so that `allocmark report DIR` never
# mistakes them for results files.
dump_pick=${files[0]} dump_at=end
for f in "${files[@]}"; do [ "$(basename "$f" .json)" = seed-perf-test ] && dump_pick=$f; done
for f in "${files[@]}"; do [ "$(basename "$f" .json)" = fragmentation ] && dump_pick=$f && dump_at=reuse; done
# A shard: the whole matrix is one plan, so one `allocmark run` over every pattern.
if [ -n "$shard" ]; then
  echo "run_all: shard $shard of ${#files[@]} patterns × backends '$backends' -> $out" >&2
  "$am" run "${files[@]}" "${args[@]}" --shard "$shard" -o "$out/" 2>&1 | tee "$out/logs/shard.log" >&2
  rc=${PIPESTATUS[0]}
  echo "run_all: shard $shard done (exit $rc); when every shard is done:" >&2
  echo "  $am merge SHARD_DIRS... -o MERGED && $am report MERGED -o MERGED/report.md && plots/plot_all.sh MERGED" >&2
  exit "$rc"
fi

# A finished pattern (for --resume): its results file parses, holds benchmarks, and was
# made from this very pattern file (same SHA-256).
finished() {
  local r=$1 f=$2 sha
  [ -f "$r" ] || return 1
  sha=$(sha256sum "$f" | cut -d' ' -f1)
  jq -e --arg sha "$sha" '.schema_version != null and (.benchmarks | type == "array" and length > 0) and
                          .pattern.sha256 == $sha' "$r" >/dev/null 2>&1
}

n=${#files[@]} failed=0 bad=0 t0=$SECONDS ran=0
echo "run_all: ${n} patterns × backends '$backends' -> $out${resume:+ (resumed)}" >&2
for i in "${!files[@]}"; do
  [ "$interrupted" = 1 ] && break
  f=${files[$i]}
  name=$(basename "$f" .json)
  if [ -n "$resume" ] && finished "$out/$name.json" "$f"; then
    printf 'run_all: [%d/%d] %s: finished before, kept\n' $((i + 1)) "$n" "$name" >&2
    jq -e '[.benchmarks[].status] | all(. == "ok")' "$out/$name.json" >/dev/null || failed=$((failed + 1))
    continue
  fi
  el=$((SECONDS - t0))
  eta="?"
  [ "$ran" -gt 0 ] && eta=$(clock $((el * (n - i) / ran)))
  printf 'run_all: [%d/%d] %s (elapsed %s, ETA %s)\n' $((i + 1)) "$n" "$name" "$(clock "$el")" "$eta" >&2
  dump=()
  [ "$f" = "$dump_pick" ] && dump=(--dump-at "$dump_at" --dump-dir "$out/dumps")
  # In the background so that a signal reaches on_signal at once (a foreground command
  # would delay the trap until it ends); its output still goes through tee.
  "$am" run "$f" "${args[@]}" "${dump[@]}" -o "$out/$name.json" > >(tee "$out/logs/$name.log" >&2) 2>&1 &
  apid=$!
  wait "$apid"; rc=$?
  while kill -0 "$apid" 2>/dev/null; do wait "$apid"; rc=$?; done # woken by a signal: wait on
  apid=""
  ran=$((ran + 1))
  [ "$interrupted" = 1 ] && break
  case "$rc" in
    0) ;;
    1) failed=$((failed + 1)); echo "run_all: $name: a benchmark failed (see the report's Failures)" >&2 ;;
    *) bad=$((bad + 1)); echo "run_all: $name: allocmark run exited $rc (log: $out/logs/$name.log)" >&2 ;;
  esac
done

if [ "$interrupted" = 1 ]; then
  echo "run_all: interrupted; reporting the results finished so far" >&2
  rm -f "$out"/*.json.tmp* "$out"/.*.tmp* 2>/dev/null
fi

rstatus=0
if ls "$out"/*.json >/dev/null 2>&1; then
  "$am" report "$out" -o "$out/report.md" || rstatus=1
  "$am" report --format html "$out" -o "$out/report.html" || rstatus=1
  plots/plot_all.sh --allocmark "$am" "$out" || rstatus=1
else
  echo "run_all: no results file was written; no report" >&2
  rstatus=1
fi
point_latest
echo "run_all: done in $(clock $((SECONDS - t0))): $out (results/latest)" >&2
[ -f "$out/report.md" ] && echo "run_all: report: $out/report.md (and report.html), charts: $out/plots/" >&2

if [ "$interrupted" = 1 ]; then echo "run_all: interrupted; ./run_all.sh --resume $out finishes the run" >&2; exit 130; fi
[ "$bad" -gt 0 ] && exit 2
[ "$failed" -gt 0 ] || [ "$rstatus" != 0 ] && exit 1
exit 0
