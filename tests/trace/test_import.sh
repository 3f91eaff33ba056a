#!/usr/bin/env bash
# tests/trace/test_import.sh — importers: a real program (mtprog) recorded with Debian's
# heaptrack and imported must give exactly heaptrack's allocation and free counts and
# replay ok; the Android record_allocs sample (android/record_allocs.txt) must import
# with its exact counts per kind and threads; malformed input is one line, exit 2, no file.
# Usage: test_import.sh BUILD_DIR MTPROG SOURCE_DIR
set -u
B=$1 P=$2 S=$3
A=$B/allocmark
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

if command -v heaptrack >/dev/null; then
  (cd "$T" && heaptrack -o "$T/ht" "$P" 30 >/dev/null 2>&1) || fail "heaptrack failed"
  ht=$(ls "$T"/ht*.zst "$T"/ht*.gz 2>/dev/null | head -1)
  if [ -z "$ht" ]; then fail "heaptrack wrote no data file"; else
    plus=$(zstdcat "$ht" | grep -c '^+ ') minus=$(zstdcat "$ht" | grep -c '^- ')
    "$A" trace-import --from heaptrack "$ht" -o "$T/ht.amtrace" 2>"$T/err" || fail "import heaptrack: $(cat "$T/err")"
    "$A" trace-info --json --check "$T/ht.amtrace" | jq -e ".ops_by_kind.malloc == $plus and .ops_by_kind.free == $minus and .threads == 1" \
      >/dev/null || fail "heaptrack import: want $plus allocations and $minus frees, got $("$A" trace-info --json "$T/ht.amtrace" | jq -c .ops_by_kind)"
    "$A" run "$T/ht.amtrace" -b system -r 1 --no-hw -o "$T/ht.json" >/dev/null 2>&1 || fail "replay of the heaptrack import failed"
    echo "ok heaptrack: $plus allocations, $minus frees"
  fi
fi
"$A" trace-import --from android "$S/android/record_allocs.txt" -o "$T/an.amtrace" 2>"$T/err" || fail "import android: $(cat "$T/err")"
got=$("$A" trace-info --json --check "$T/an.amtrace" | jq -c '[.ops_by_kind.malloc, .ops_by_kind.calloc, .ops_by_kind.realloc, .ops_by_kind.aligned, .ops_by_kind.free, .threads, .cross_thread_frees]')
[ "$got" = "[3,1,2,1,5,2,1]" ] || fail "android import: got $got, want [3,1,2,1,5,2,1] (malloc calloc realloc aligned free threads cross-thread)"
"$A" run "$T/an.amtrace" -b system -r 1 --no-hw -o "$T/an.json" >/dev/null 2>&1 || fail "replay of the android import failed"
printf '100: malloc 0x10 8\n100: mallok 0x20 8\n' >"$T/bad.txt"
"$A" trace-import --from android "$T/bad.txt" -o "$T/bad.amtrace" 2>"$T/err"
[ $? = 2 ] && [ ! -e "$T/bad.amtrace" ] && grep -q "bad.txt: line 2: " "$T/err" || fail "malformed android input: $(cat "$T/err")"
[ $fails = 0 ] && echo "all import checks passed"
exit $((fails > 0))
