#!/usr/bin/env bash
# tests/fuzz/run.sh — build every libFuzzer target of tests/fuzz/ and fuzz each of them.
#
#   tests/fuzz/run.sh SECONDS [NAME...]       fuzz each target (default: all) SECONDS
#   tests/fuzz/run.sh --total SECONDS [NAME...]  share SECONDS among the targets (>= 2 each)
#   tests/fuzz/run.sh --make-arg-seeds        rebuild seeds/args/ from seeds/args.txt
# Builds build-fuzz/ with clang-14 (-fsanitize=fuzzer,address,undefined; scripts/deps.sh
# installs clang-14 and libclang-rt-14-dev), seeds each target from its "fuzz-seeds:"
# line and regress/NAME/ (seeds.sh), keeps the growing corpus in build-fuzz/corpus/NAME,
# and prints a table: execs/s, coverage (edges, libFuzzer's cov:), corpus size.
# Exit 1 on any crash, leak, timeout (-timeout 10 s per input) or out-of-memory (2 GiB)
# finding: the input is left in build-fuzz/findings/NAME/ and the log tail is printed;
# copy the input into tests/fuzz/regress/NAME/ with the fix. Exit 2 on bad usage.
# Environment: CC (default clang-14), JOBS (build jobs, default: cores),
#   AM_FUZZ_ARGS (extra libFuzzer flags, e.g. -jobs=2 or -seed=1).
set -euo pipefail
cd "$(dirname "$0")/../.."
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
total=0
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  --make-arg-seeds)
    rm -f tests/fuzz/seeds/args/seed-*; i=0
    while IFS= read -r l; do
      case "$l" in '#'*|'') continue ;; esac
      i=$((i + 1)); printf '%s' "$l" | tr ' ' '\0' > "tests/fuzz/seeds/args/seed-$i"
    done < tests/fuzz/seeds/args.txt
    echo "fuzz: wrote $i seeds to tests/fuzz/seeds/args/"; exit 0 ;;
  --total) total=1; shift ;;
esac
secs=${1:-}
[[ "$secs" =~ ^[0-9]+$ ]] && [ "$secs" -gt 0 ] || { echo "tests/fuzz/run.sh: SECONDS must be a positive integer (try --help)" >&2; exit 2; }
shift
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.c; do n=${f##*/fuzz_}; names+=("${n%.c}"); done
fi
for n in "${names[@]}"; do
  [ -f "tests/fuzz/fuzz_$n.c" ] || { echo "tests/fuzz/run.sh: no target tests/fuzz/fuzz_$n.c" >&2; exit 2; }
done
per=$secs
if [ "$total" = 1 ]; then per=$((secs / ${#names[@]})); [ "$per" -ge 2 ] || per=2; fi

cc=${CC:-clang-14}
command -v "$cc" >/dev/null || { echo "fuzz: $cc not found: run scripts/deps.sh as root (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 1; }
B=build-fuzz
echo "== fuzz build ($B/, $cc, fuzzer+address+undefined)"
CC=$cc cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAM_FUZZ=ON -DAM_SANITIZE=address,undefined \
  -DAM_WITH_JEMALLOC=OFF -DAM_WITH_MIMALLOC=OFF -DAM_WITH_TCMALLOC=OFF >/dev/null
cmake --build "$B" -j"${JOBS:-$(nproc)}" --target am_fuzz_all >"$B/build.log" 2>&1 || { tail -40 "$B/build.log"; echo "fuzz: build failed ($B/build.log)" >&2; exit 1; }

# One dictionary for every target: the JSON punctuation and every identifier-like string
# literal of the harness (keys, enum words, option names), so it never goes stale.
dict=$B/am.dict
{ printf '"{"\n"}"\n"["\n"]"\n":"\n","\n"\\""\n"null"\n"true"\n"false"\n"-1"\n"1e308"\n"0.5"\n'
  grep -ohE '"-{0,2}[A-Za-z_][A-Za-z0-9_./-]{1,30}"' harness/common/*.c harness/cli/*.c | sort -u
} > "$dict"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
fail=0
summary=()
for n in "${names[@]}"; do
  corpus=$B/corpus/$n seeds=$B/seeds/$n found=$B/findings/$n log=$B/logs/$n.log
  mkdir -p "$corpus" "$found" "$B/logs"; rm -rf "$seeds"; mkdir -p "$seeds"
  i=0
  while IFS= read -r s; do i=$((i + 1)); cp "$s" "$seeds/$i-${s##*/}"; done < <(tests/fuzz/seeds.sh "$n")
  echo "== fuzz $n: ${per}s, $i seeds"
  rc=0
  # shellcheck disable=SC2086  # AM_FUZZ_ARGS is a list of flags
  "$B/fuzz/am-fuzz-$n" -max_total_time="$per" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -close_fd_mask=1 -dict="$dict" -artifact_prefix="$found/" ${AM_FUZZ_ARGS:-} "$corpus" "$seeds" \
    >"$log" 2>&1 || rc=$?
  st=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$st")
  execs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  units=$(find "$corpus" -type f | wc -l)
  if [ "$rc" != 0 ]; then
    fail=1
    echo "fuzz $n: FINDING (exit $rc); input(s) in $found/ — log tail:" >&2
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written|==[0-9]+==' "$log" | head -20 >&2 || true
    tail -15 "$log" >&2
  fi
  summary+=("$(printf '%-10s %8s %10s %8s %8s  %s' "$n" "${execs:--}" "${runs:--}" "${cov:--}" "$units" \
    "$([ "$rc" = 0 ] && echo ok || echo "FINDING ($found/)")")")
done
echo
printf '%-10s %8s %10s %8s %8s  %s\n' target execs/s runs edges corpus result
for l in "${summary[@]}"; do echo "$l"; done
[ "$fail" = 0 ] || { echo "fuzz: findings above; add each input to tests/fuzz/regress/NAME/ with its fix" >&2; exit 1; }
echo "fuzz: no findings"
