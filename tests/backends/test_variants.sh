#!/usr/bin/env bash
# tests/backends/test_variants.sh ALLOCMARK — named variants, `-b 'BASE+VAR=VALUE'` and
# variant files.
#   1. -b 'jemalloc+MALLOC_CONF=narenas:1' (when jemalloc is built): the benchmark is
#      named as the spec, records the variable and its read-back (opt.narenas=1, verified)
#      and jemalloc's config shows narenas=1; a value with commas stays one variant
#   2. -b 'jemalloc+MALLOC_CONF=narenaz:1': status error naming the bogus option, exit 1
#   3. every shipped variant file whose base is built runs ok, with every variable verified
#      or read by some library (glibc's tunables, pagepool's knobs: verified)
#   4. bad variant files (tests/backends/bad-variants/): exit 2, the one line in .expected
#      after the folder name, nothing written; bad command-line specs likewise
set -euo pipefail
am=${1:?usage: test_variants.sh ALLOCMARK}
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pat=$src/patterns/pairs-small.json
fail() { echo "test_variants: FAIL: $*"; exit 1; }
built() { "$am" list --json | jq -e --arg n "$1" 'any(.[]; .name == $n)' >/dev/null; }
run() { "$am" run "$pat" --quick -r 1 --no-hw "$@"; }

if built jemalloc; then
  run -b 'jemalloc+MALLOC_CONF=narenas:1,tcache:false' -b system -o "$tmp/je.json" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "jemalloc variant did not run"; }
  j() { jq -r "$1" "$tmp/je.json"; }
  [ "$(j '[.benchmarks[].backend] | join(" ")')" = "jemalloc+MALLOC_CONF=narenas:1,tcache:false system" ] ||
    fail "backends: $(j '[.benchmarks[].backend]')"
  [ "$(j '.benchmarks[0].status')" = ok ] || fail "status: $(j '.benchmarks[0].error')"
  [ "$(j '.benchmarks[0].backend_spec.runner')" = jemalloc ] || fail "runner: $(j '.benchmarks[0].backend_spec.runner')"
  [ "$(j '.benchmarks[0].backend_spec.env.MALLOC_CONF')" = "narenas:1,tcache:false" ] || fail "env not recorded"
  [ "$(j '.benchmarks[0].backend_spec.env_read_back[0].verified')" = true ] || fail "not verified: $(j '.benchmarks[0].backend_spec.env_read_back')"
  [ "$(j '.benchmarks[0].backend_spec.env_read_back[0].read_back')" = "opt.narenas=1 opt.tcache=false" ] ||
    fail "read-back: $(j '.benchmarks[0].backend_spec.env_read_back[0].read_back')"
  case "$(j '.benchmarks[0].backend_config')" in *narenas=1*) ;; *) fail "config: $(j '.benchmarks[0].backend_config')" ;; esac
  [ "$(j '.benchmarks[1].backend_spec.env')" = "{}" ] || fail "plain system got an env"
  echo "test_variants: jemalloc+MALLOC_CONF=narenas:1,tcache:false read back as $(j '.benchmarks[0].backend_spec.env_read_back[0].read_back')"

  set +e; run -b 'jemalloc+MALLOC_CONF=narenaz:1' -o "$tmp/bogus.json" >"$tmp/out" 2>&1; rc=$?; set -e
  [ "$rc" = 1 ] || { cat "$tmp/out"; fail "bogus option: exit $rc, not 1"; }
  [ "$(jq -r '.benchmarks[0].status' "$tmp/bogus.json")" = error ] || fail "bogus option: not status error"
  er=$(jq -r '.benchmarks[0].error' "$tmp/bogus.json")
  case "$er" in *"jemalloc has no option 'narenaz'"*) ;; *) fail "bogus option: error is '$er'" ;; esac
  echo "test_variants: bogus MALLOC_CONF reported: $er"
fi

for f in "$src"/harness/backends/variants/*.json; do
  name=$(basename "$f" .json); base=$(jq -r .base "$f")
  built "$base" || { echo "test_variants: $name: base $base not built, skipped"; continue; }
  run -b "$name" -o "$tmp/v.json" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "variant $name did not run"; }
  st=$(jq -r '.benchmarks[0].status' "$tmp/v.json")
  [ "$st" = ok ] || fail "$name: status $st: $(jq -r '.benchmarks[0].error' "$tmp/v.json")"
  [ "$(jq -r '.benchmarks[0].backend' "$tmp/v.json")" = "$name" ] || fail "$name: wrong backend name"
  [ "$(jq -r '.benchmarks[0].backend_spec.file' "$tmp/v.json")" != null ] || fail "$name: file not recorded"
  case "$base" in system|jemalloc|mimalloc|tcmalloc|pagepool)
    [ "$(jq -r '[.benchmarks[0].backend_spec.env_read_back[].verified] | all' "$tmp/v.json")" = true ] ||
      fail "$name: not verified: $(jq -c '.benchmarks[0].backend_spec.env_read_back' "$tmp/v.json")" ;;
  esac
  echo "test_variants: $name ok: $(jq -r '.benchmarks[0].backend_spec.env_read_back | map(.read_back) | join("; ")' "$tmp/v.json")"
done

bad() { # WANT ARGS...: exit 2, the one line WANT, no results file
  local want=$1; shift
  set +e; "$am" run "$pat" --quick -r 1 "$@" -o "$tmp/bad.json" >"$tmp/out" 2>"$tmp/err"; local rc=$?; set -e
  [ "$rc" = 2 ] || { cat "$tmp/err"; fail "$* exited $rc, not 2"; }
  [ "$(cat "$tmp/err")" = "$want" ] || fail "$*: said '$(cat "$tmp/err")', expected '$want'"
  [ ! -e "$tmp/bad.json" ] || fail "$* wrote a results file"
}
export ALLOCMARK_VARIANTS=$src/tests/backends/bad-variants
for f in "$ALLOCMARK_VARIANTS"/*.json; do
  name=$(basename "$f" .json)
  want=$(sed "s|@DIR@|$ALLOCMARK_VARIANTS|g" "${f%.json}.expected")
  bad "$want" -b "$name"
done
unset ALLOCMARK_VARIANTS
bad "allocmark run: -b +MALLOC_CONF=x: no base backend before '+' (BASE+VAR=VALUE)" -b '+MALLOC_CONF=x'
bad "allocmark run: -b system+GLIBC_TUNABLES: 'GLIBC_TUNABLES' is not VAR=VALUE" -b 'system+GLIBC_TUNABLES'
bad "allocmark run: -b system+LD_PRELOAD=/x.so: 'LD_PRELOAD': the loader's variables are not for variants (a library is run with so:PATH)" -b 'system+LD_PRELOAD=/x.so'
bad "allocmark run: -b nosuch+X=1: backend 'nosuch' is not built in this build (see \`allocmark list --all\`)" -b 'nosuch+X=1'
bad "allocmark run: -b system,system+GLIBC_TUNABLES=glibc.malloc.arena_max=1: a list cannot hold a variant (its value may hold commas): give BASE+VAR=VALUE its own -b" -b 'system,system+GLIBC_TUNABLES=glibc.malloc.arena_max=1'
bad "allocmark run: -b no-such-variant: not a backend built in this build nor a variant in $src/harness/backends/variants (see \`allocmark list --all\`)" -b no-such-variant
echo "test_variants: all passed"
