#!/usr/bin/env bash
# tests/registry/names_in_backends.sh — a third-party allocator is named in its backend's
# own file and nowhere else in the code: for every am_find_allocator(<name> ...) line of
# the top-level CMakeLists.txt, `git grep -w <name>` over the C, shell and gnuplot sources
# outside harness/backends/, the CMake files, scripts/deps.sh and tests/ finds nothing
# (issue 9). Docs (Markdown) may name them. Nor is the reference backend's name written as a
# string in harness/ outside backends/. Usage: names_in_backends.sh SOURCE_DIR
set -u
src=$(cd "$1" && pwd)
cd "$src" || exit 1
command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1 || { echo "names_in_backends: SKIP: not a git checkout"; exit 77; }
names=$(sed -nE 's/^am_find_allocator\(([a-z0-9_]+) .*/\1/p' CMakeLists.txt)
[ -n "$names" ] || { echo "FAIL: no am_find_allocator lines in CMakeLists.txt" >&2; exit 1; }
fails=0
for n in $names; do
  hits=$(git grep -w -n -e "$n" -- '*.c' '*.h' '*.sh' '*.gp' ':!harness/backends/' ':!tests/' ':!scripts/deps.sh' \
         ':!CMakeLists.txt' ':!**/CMakeLists.txt' ':!*.cmake')
  if [ -n "$hits" ]; then echo "FAIL: $n named outside its backend's file:" >&2; echo "$hits" >&2; fails=$((fails + 1)); fi
done
# The reference backend (AM_REFERENCE_BACKEND in harness/CMakeLists.txt) is asked of the
# registry (am_registry_reference), never spelt out as a string in the harness's code.
ref=$(sed -nE 's/^set\(AM_REFERENCE_BACKEND ([a-z0-9_]+)\)/\1/p' harness/CMakeLists.txt)
[ -n "$ref" ] || { echo "FAIL: no set(AM_REFERENCE_BACKEND ...) in harness/CMakeLists.txt" >&2; exit 1; }
hits=$(git grep -n -F -e "\"$ref\"" -- 'harness/*.c' 'harness/*.h' ':!harness/backends/')
if [ -n "$hits" ]; then echo "FAIL: the reference backend \"$ref\" spelt out in the harness:" >&2; echo "$hits" >&2; fails=$((fails + 1)); fi
[ "$fails" = 0 ] && echo "names_in_backends: ok ($(echo $names | wc -w) allocators, reference $ref)" || exit 1
