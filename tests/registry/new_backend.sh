#!/usr/bin/env bash
# tests/registry/new_backend.sh SOURCE_DIR — "adding a backend is one file in
# harness/backends/ and one line of CMake", checked end to end.
#
# Copies the source tree to a temporary folder, adds a throw-away backend `toy` there
# (one file, harness/backends/toy.c: glibc's malloc behind the vtable, with its own chart
# colour; one line, `am_add_backend(toy)` in harness/CMakeLists.txt), builds that copy
# (third-party allocators off, to stay short) and checks that toy appears, with no other
# edit, in: `allocmark list`, `allocmark run -b all`, run_all.sh's default run, the
# report (its tables' columns and backend table), the charts' tables (`report --tables`:
# the time table's figures, the backends table with its colour), the charts' palette
# and the charts.
# Exit 0 when all hold, 1 otherwise, 77 (skip) when gnuplot or jq is missing.
set -u
src=${1:?usage: new_backend.sh SOURCE_DIR}
for t in gnuplot jq git; do command -v $t >/dev/null || { echo "new_backend: SKIP: $t missing"; exit 77; }; done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "new_backend: FAIL: $*"; exit 1; }

# The tree as committed plus uncommitted files, without build folders or run results.
(cd "$src" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | (mkdir -p "$tmp/src" && cd "$tmp/src" && tar -xf -) ||
  fail "cannot copy $src"
cd "$tmp/src" || exit 1

# The one file.
cat > harness/backends/toy.c <<'C'
/* harness/backends/toy.c — a throw-away backend for tests/registry/new_backend.sh. */
#include <stdlib.h>
#include "../backend.h"
static const char *toy_version(void) { return "0.0.1"; }
static const char *toy_config(void) { return "toy=1"; }
static void *toy_aligned(size_t a, size_t n) { void *p = NULL; return posix_memalign(&p, a, n) == 0 ? p : NULL; }
const am_backend_t am_backend_toy = {
  .name = "toy", .version = toy_version, .config = toy_config,
  .caps = AM_CAP_THREADS | AM_CAP_OVERRIDES | AM_CAP_REAL_FREE,
  .malloc = malloc, .free = free, .calloc = calloc, .realloc = realloc, .aligned_alloc = toy_aligned,
  .colour = "#123456",
};
C
# The one line, after the last backend registered.
line=$(grep -n '^am_add_backend(' harness/CMakeLists.txt | tail -n 1 | cut -d: -f1)
[ -n "$line" ] || fail "no am_add_backend line in harness/CMakeLists.txt"
sed -i "${line}a am_add_backend(toy)" harness/CMakeLists.txt
[ "$(diff "$src/harness/CMakeLists.txt" harness/CMakeLists.txt | grep '^[<>]')" = "> am_add_backend(toy)" ] ||
  fail "the CMake edit is not one added line"

off=$(cmake -LH -S . -B build-probe 2>/dev/null | sed -n 's/^\(AM_WITH_[A-Z0-9_]*\):BOOL=.*/-D\1=OFF/p')
rm -rf build-probe
# shellcheck disable=SC2086
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release $off >/dev/null || fail "configure"
cmake --build build -j2 --target allocmark >/dev/null 2>"$tmp/build.log" || { cat "$tmp/build.log"; fail "build"; }
am=build/allocmark

"$am" list backends | grep -q '^toy ' || fail "toy is not in \`allocmark list\`"
echo "new_backend: list: $("$am" list backends | grep '^toy ')"

pat=patterns/glibc-simple.json
"$am" run "$pat" --quick -r 1 --no-hw -o "$tmp/one.json" >/dev/null 2>"$tmp/run.log" || { cat "$tmp/run.log"; fail "allocmark run -b all"; }
jq -e '[.benchmarks[].backend] | index("toy") != null' "$tmp/one.json" >/dev/null || fail "toy is not in \`run -b all\`"
echo "new_backend: run -b all ran: $(jq -r '[.benchmarks[].backend] | join(" ")' "$tmp/one.json")"

./run_all.sh --quick --no-build --reps 1 --patterns glibc-simple --out "$tmp/ra" >/dev/null 2>"$tmp/ra.log" ||
  { tail -20 "$tmp/ra.log"; fail "run_all.sh"; }
jq -e '[.benchmarks[].backend] | index("toy") != null' "$tmp/ra/glibc-simple.json" >/dev/null || fail "toy is not in run_all.sh's run"
grep -q '^| pattern | threads | .* | toy |' "$tmp/ra/report.md" || fail "toy has no column in the report's tables"
grep -q '^| toy | 0.0.1 | toy=1 |' "$tmp/ra/report.md" || fail "toy is not in the report's backend table"
awk -F'\t' '$3 == "toy" && $4 == "ok" && $8 != ""' "$tmp/ra/plots/data/time.tsv" | grep -q . ||
  fail "toy has no figure in the time chart's table (plots/data/time.tsv, from report --tables)"
awk -F'\t' '$2 == "toy" && $5 == "#123456"' "$tmp/ra/plots/data/backends.tsv" | grep -q . ||
  fail "the backends table has no toy row with its colour: $(cat "$tmp/ra/plots/data/backends.tsv")"
grep -q 'b eq "toy" ? "#123456"' "$tmp/ra/plots/data/palette.gp" || fail "toy's colour is not in the charts' palette"
grep -q '>toy<' "$tmp/ra/plots/time.svg" || fail "toy is not in the time chart's legend"
grep -qiE '#123456|rgb\( *18, *52, *86\)' "$tmp/ra/plots/time.svg" || fail "toy's colour is not in the time chart"
echo "new_backend: toy in run_all.sh's results, report.md, backends table (#123456), palette and time.svg"
