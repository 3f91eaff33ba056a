#!/usr/bin/env bash
# tests/report/check_report.sh — run `allocmark report` once and compare what it did
# with what a test expects. Used by tests/report/CMakeLists.txt for every case.
#
#   check_report.sh ALLOCMARK RC STDOUT STDERR ARGS...
#     RC      expected exit status
#     STDOUT  file whose bytes the output must equal exactly, or '-' for no output
#     STDERR  the exact text expected on stderr (one line), or '-' for nothing
#     ARGS    arguments after `allocmark report`; an argument @OUT@ becomes a path in
#             a fresh temporary folder, and then the output is that file, not stdout
# A failing run (RC 2) must also leave that temporary folder empty: nothing written.
set -u
exe=$1 want_rc=$2 want_out=$3 want_err=$4
shift 4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
args=() to_file=0
for a in "$@"; do
  if [ "$a" = @OUT@ ]; then args+=("$tmp/out"); to_file=1; else args+=("$a"); fi
done
"$exe" report "${args[@]}" >"$tmp.stdout" 2>"$tmp.stderr"
rc=$?
fail=0
say() { echo "check_report: $*" >&2; fail=1; }
[ "$rc" = "$want_rc" ] || say "exit status $rc, expected $want_rc"
got_err=$(cat "$tmp.stderr")
if [ "$want_err" = - ]; then
  [ -z "$got_err" ] || say "unexpected stderr: $got_err"
elif [ "$got_err" != "$want_err" ]; then
  say "stderr differs"; echo "  expected: $want_err" >&2; echo "  got:      $got_err" >&2
fi
out="$tmp.stdout"
if [ "$to_file" = 1 ]; then
  [ -s "$tmp.stdout" ] && say "stdout not empty although -o was given"
  out="$tmp/out"
fi
if [ "$want_out" = - ]; then
  if [ "$to_file" = 1 ]; then
    [ -z "$(ls -A "$tmp")" ] || say "files were written: $(ls -A "$tmp")"
  else
    [ -s "$out" ] && say "unexpected output: $(head -c 200 "$out")"
  fi
elif [ ! -f "$out" ]; then
  say "no output file"
elif ! diff -u "$want_out" "$out" >&2; then
  say "output differs from $want_out (diff above: - expected, + got)"
fi
rm -f "$tmp.stdout" "$tmp.stderr"
exit $fail
