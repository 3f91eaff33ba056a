#!/usr/bin/env bash
# tests/programs/run_corpus.sh — the broken-program corpus: for every bad/NAME.json,
# `allocmark check bad/NAME.json` must exit 2, print exactly the line in bad/NAME.expected
# on stderr, and nothing on stdout. Usage: run_corpus.sh PATH/TO/allocmark
set -u
am=${1:?usage: run_corpus.sh PATH/TO/allocmark}
cd "$(dirname "$0")"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
n=0; bad=0
for f in bad/*.json; do
  exp="${f%.json}.expected"
  n=$((n + 1))
  if [ ! -f "$exp" ]; then echo "FAIL $f: no $exp"; bad=$((bad + 1)); continue; fi
  out=$("$am" check "$f" 2>"$tmp"); rc=$?
  err=$(cat "$tmp"); want=$(cat "$exp")
  if [ "$rc" != 2 ] || [ "$err" != "$want" ] || [ -n "$out" ]; then
    echo "FAIL $f: exit $rc"; echo "  expected: $want"; echo "  got:      $err"
    bad=$((bad + 1))
  fi
done
if [ "$n" -lt 30 ]; then echo "FAIL: only $n broken program files (at least 30 wanted)"; bad=$((bad + 1)); fi
echo "$((n - bad)) of $n broken program files give their expected error"
[ "$bad" = 0 ]
