#!/usr/bin/env bash
# tests/backends/test_so.sh ALLOCMARK TINYALLOC NOMALLOC — `allocmark run -b so:PATH`.
#   1. the test allocator (tinyalloc.c) runs through -b so:PATH: status ok, malloc_from is
#      that file, version from its allocmark_version symbol, the results name its path,
#      sha256 and size; the naming form so:NAME=PATH names the backend NAME
#   2. a .so without malloc: status error, with the reason, exit 1, results still written
#   3. bad specs (no path, a missing file, a path LD_PRELOAD cannot hold): exit 2, one
#      line, nothing written
set -euo pipefail
am=${1:?usage: test_so.sh ALLOCMARK TINYALLOC NOMALLOC}; tiny=${2:?}; nomalloc=${3:?}
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pat=$src/patterns/pairs-small.json
fail() { echo "test_so: FAIL: $*"; exit 1; }

"$am" run "$pat" --quick -r 1 --no-hw -b "so:$tiny" -o "$tmp/tiny.json" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "so:$tiny did not run"; }
bm() { jq -r ".benchmarks[0].$1" "$tmp/tiny.json"; }
[ "$(bm backend)" = "so:$tiny" ] || fail "backend is '$(bm backend)', not so:$tiny"
[ "$(bm status)" = ok ] || fail "status $(bm status): $(bm error)"
[ "$(bm malloc_from)" = "$tiny" ] || fail "malloc_from is '$(bm malloc_from)', not $tiny"
[ "$(bm backend_version)" = "tinyalloc 1.0" ] || fail "version '$(bm backend_version)'"
sha=$(sha256sum "$tiny" | cut -d' ' -f1); size=$(stat -c %s "$tiny")
[ "$(bm backend_spec.library.path)" = "$tiny" ] || fail "backend_spec.library.path: $(bm backend_spec.library.path)"
[ "$(bm backend_spec.library.sha256)" = "$sha" ] || fail "sha256 $(bm backend_spec.library.sha256), file has $sha"
[ "$(bm backend_spec.library.size)" = "$size" ] || fail "size $(bm backend_spec.library.size), file has $size"
[ "$(jq -r '.benchmarks[0].samples[0].malloc_from' "$tmp/tiny.json")" = "$tiny" ] ||
  fail "the sample's malloc_from is not $tiny"
echo "test_so: so:PATH ok: malloc_from $tiny, version tinyalloc 1.0, sha256 $sha"

"$am" run "$pat" --quick -r 1 --no-hw -b "system,so:tiny=$tiny" -o "$tmp/named.json" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "so:tiny=PATH did not run"; }
[ "$(jq -r '[.benchmarks[].backend] | join(",")' "$tmp/named.json")" = "system,tiny" ] ||
  fail "named form: backends $(jq -c '[.benchmarks[].backend]' "$tmp/named.json")"
echo "test_so: so:NAME=PATH ok"

set +e
"$am" run "$pat" --quick -r 1 --no-hw -b "so:$nomalloc" -o "$tmp/nomalloc.json" >"$tmp/out" 2>&1; rc=$?
set -e
[ "$rc" = 1 ] || { cat "$tmp/out"; fail "so:$nomalloc exited $rc, not 1"; }
st=$(jq -r '.benchmarks[0].status' "$tmp/nomalloc.json"); er=$(jq -r '.benchmarks[0].error' "$tmp/nomalloc.json")
[ "$st" = error ] || fail "so:$nomalloc: status $st, not error"
case "$er" in *"does not export malloc"*) ;; *) fail "so:$nomalloc: error does not give the reason: $er" ;; esac
echo "test_so: a .so without malloc: status error: $er"

bad() { # SPEC WANT: exit 2, one line containing WANT, no results file
  set +e; "$am" run "$pat" --quick -r 1 -b "$1" -o "$tmp/bad.json" >"$tmp/out" 2>"$tmp/err"; local rc=$?; set -e
  [ "$rc" = 2 ] || fail "-b '$1' exited $rc, not 2"
  [ "$(wc -l <"$tmp/err")" = 1 ] || { cat "$tmp/err"; fail "-b '$1': not one line"; }
  grep -qF -- "$2" "$tmp/err" || fail "-b '$1': '$(cat "$tmp/err")' does not say '$2'"
  [ ! -e "$tmp/bad.json" ] || fail "-b '$1' wrote a results file"
  echo "test_so: -b '$1': $(cat "$tmp/err")"
}
bad "so:" "so:PATH needs a path"
bad "so" "so:PATH needs a path"
bad "so:$tmp/missing.so" "missing.so"
bad "so:x=" "so:PATH needs a path"
cp "$tiny" "$tmp/with space.so"
bad "so:$tmp/with space.so" "LD_PRELOAD"
echo "test_so: all passed"
