#!/usr/bin/env bash
# tests/registry/names_in_backends.sh — a third-party allocator is named in its backend's
# own file and nowhere else in the code: for every am_find_allocator(<name> ...) line of
# the top-level CMakeLists.txt, `git grep -w <name>` over the C, shell and gnuplot sources
# outside harness/backends/, the CMake files, scripts/deps.sh and tests/ finds nothing
# (issue 9). Docs (Markdown) may name them. Usage: names_in_backends.sh SOURCE_DIR
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
[ "$fails" = 0 ] && echo "names_in_backends: ok ($(echo $names | wc -w) allocators)" || exit 1
