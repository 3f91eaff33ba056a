#!/usr/bin/env bash
# tests/trace/test_corrupt.sh — the corrupt-trace corpus: for every file named in
# corrupt/EXPECTED (name TAB message), `allocmark trace-info --check FILE` must print
# exactly that one line on stderr, nothing on stdout, and exit 2; valid.amtrace must
# pass. The corpus was made by make_corpus.py.
# Usage: test_corrupt.sh BUILD_DIR CORPUS_DIR
set -u
A=$1/allocmark
cd "$2" || exit 1
fails=0 n=0
E=$(mktemp)
trap 'rm -f "$E"' EXIT
while IFS=$'\t' read -r f want; do
  n=$((n + 1))
  out=$("$A" trace-info --check "$f" 2>"$E"; echo "rc=$?")
  err=$(cat "$E")
  [ "$out" = "rc=2" ] || { echo "FAIL $f: expected exit 2 and no stdout, got '$out'"; fails=$((fails + 1)); }
  [ "$err" = "$want" ] || { echo "FAIL $f: expected '$want', got '$err'"; fails=$((fails + 1)); }
done <EXPECTED
"$A" trace-info --check valid.amtrace >/dev/null || { echo "FAIL valid.amtrace rejected"; fails=$((fails + 1)); }
[ $fails = 0 ] && echo "all $n corrupt traces rejected with their expected line"
exit $((fails > 0))
