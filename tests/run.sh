#!/usr/bin/env bash
# tests/run.sh — set up, build and run every allocmark test. The one test command.
#
#   1. scripts/deps.sh programs (installs missing Debian packages as root, else says
#      how; `programs`: the real programs that the programs.suite test runs)
#   2. Release build in build/ with warnings as errors; ctest runs every test
#   3. sanitizer builds: build-asan/ (AddressSanitizer + UBSan, PP_DEBUG) runs every test
#      but those labelled `noasan`; build-tsan/ (ThreadSanitizer) the tests labelled `tsan`
#   4. a short fuzzing run: tests/fuzz/run.sh --total $AM_FUZZ_SECONDS (default 40)
# Options: --fast  skip steps 3 and 4;  --help  this text.
# Environment: JOBS (parallel build/test jobs; default: number of cores).
set -euo pipefail
cd "$(dirname "$0")/.."
fast=0
for a in "$@"; do
  case "$a" in
    --fast) fast=1 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "tests/run.sh: unknown option '$a' (try --help)" >&2; exit 2 ;;
  esac
done
jobs=${JOBS:-$(nproc)}
scripts/deps.sh programs

step() { printf '\n== %s\n' "$*"; }

step "Release build (build/)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DAM_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
step "ctest (build/)"
# Every test, whatever its labels: asan/tsan mark tests that ALSO run in the sanitizer
# builds (ctest -LE drops a test when any one of its labels matches, so it cannot be used
# to keep "pagepool;asan" tests in this run).
ctest --test-dir build --output-on-failure -j"$jobs"

if [ "$fast" = 0 ]; then
  step "AddressSanitizer + UBSan build (build-asan/)"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAM_WERROR=ON \
        -DAM_SANITIZE=address,undefined -DPP_DEBUG=ON \
        -DAM_WITH_JEMALLOC=OFF -DAM_WITH_MIMALLOC=OFF -DAM_WITH_TCMALLOC=OFF -DAM_WITH_TBBMALLOC=OFF -DAM_WITH_SCUDO=OFF >/dev/null
  cmake --build build-asan -j"$jobs"
  # The whole suite, but for the tests labelled `noasan` (each says why where it is added:
  # ulimit -v, Valgrind, LD_PRELOAD interposition, allocators that replace malloc).
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j"$jobs" -LE '^noasan$' 
  step "ThreadSanitizer build (build-tsan/)"
  cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAM_WERROR=ON -DAM_SANITIZE=thread \
        -DAM_WITH_JEMALLOC=OFF -DAM_WITH_MIMALLOC=OFF -DAM_WITH_TCMALLOC=OFF -DAM_WITH_TBBMALLOC=OFF -DAM_WITH_SCUDO=OFF >/dev/null
  cmake --build build-tsan -j"$jobs"
  if ctest --test-dir build-tsan -N -L '^tsan$' | grep -q 'Total Tests: [1-9]'; then
    TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
      ctest --test-dir build-tsan --output-on-failure -j"$jobs" -L '^tsan$'
  fi
  step "fuzzing (build-fuzz/, tests/fuzz/run.sh)"
  JOBS=$jobs tests/fuzz/run.sh --total "${AM_FUZZ_SECONDS:-40}"
fi
step "all tests passed"
