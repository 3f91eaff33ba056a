#!/usr/bin/env bash
# tests/fuzz/seeds.sh NAME — print the seed inputs of fuzz target NAME, one path a line
# (relative to the repository root): the globs on the "fuzz-seeds:" line of
# tests/fuzz/fuzz_NAME.c, then every file in tests/fuzz/regress/NAME/ (crashes found
# before, kept with their fixes). Used by run.sh and by the CTest fuzz.replay.NAME.
set -euo pipefail
cd "$(dirname "$0")/../.."
name=${1:?usage: tests/fuzz/seeds.sh NAME}
src=tests/fuzz/fuzz_$name.c
[ -f "$src" ] || { echo "seeds.sh: no target $src" >&2; exit 2; }
globs=$(sed -n 's/^.*fuzz-seeds:[[:space:]]*//p' "$src" | head -1 | sed 's/[[:space:]]*\*\/[[:space:]]*$//')
shopt -s nullglob
# shellcheck disable=SC2086  # the globs are meant to expand here
for f in $globs tests/fuzz/regress/"$name"/*; do
  [ -f "$f" ] && printf '%s\n' "$f"
done
exit 0
