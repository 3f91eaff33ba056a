#!/bin/sh
# tests/conform/isolation.sh RUNNER [SANITIZER] — the isolation test for one backend.
# Runs `RUNNER info` (build/runners/am-runner-<name>) and checks, from what the backend
# declares in its own table (harness/backend.h):
#   1. malloc_from (dladdr of the process's resolved `malloc`) contains the library the
#      backend declares (expect_malloc_from), or the SANITIZER runtime (libasan/libtsan)
#      in a sanitizer build, where that is all such a build can prove;
#   2. its identity proof (the allocator's own introspection) did not fail;
#   3. no library that another built backend declares (the other runners beside RUNNER)
#      is loaded in this process: two allocators in one process measure nothing.
# Exit 0 when all hold, 1 otherwise.
if [ $# -lt 1 ] || [ $# -gt 2 ]; then echo "usage: $0 RUNNER [SANITIZER]" >&2; exit 2; fi
runner=$1 san=${2:-}
out=$("$runner" info) || { echo "isolation: '$runner info' failed"; exit 1; }
printf '%s\n' "$out" | jq -e 'type == "object"' >/dev/null 2>&1 ||
  { echo "isolation: '$runner info' printed no JSON: $out"; exit 1; }
name=$(printf '%s\n' "$out" | jq -r '.name')
from=$(printf '%s\n' "$out" | jq -r '.malloc_from // empty')
expect=$(printf '%s\n' "$out" | jq -r '.expect_malloc_from // empty')
[ -n "$expect" ] || { echo "isolation: $name: info has no expect_malloc_from"; exit 1; }
[ -n "$san" ] && expect=$san
case "$from" in
  *"$expect"*) ;;
  *) echo "isolation: $name: malloc resolves to '$from', expected $expect: the runner measures the wrong allocator"; exit 1 ;;
esac
if [ "$(printf '%s\n' "$out" | jq -r '.identity.proven')" = false ]; then
  echo "isolation: $name: identity disproven: $(printf '%s\n' "$out" | jq -r '.identity.why')"; exit 1
fi
for other in "$(dirname "$runner")"/am-runner-*; do
  [ "$other" = "$runner" ] || [ ! -x "$other" ] && continue
  lib=$("$other" info | jq -r '.expect_malloc_from // empty') || continue
  [ -n "$lib" ] && [ "$lib" != libc.so ] || continue
  if printf '%s\n' "$out" | jq -e --arg l "$lib" '[.loaded[] | select(contains($l))] | length > 0' >/dev/null; then
    echo "isolation: $name: $lib (backend $(basename "$other")) is loaded too: two allocators in one process"; exit 1
  fi
done
echo "isolation: $name: malloc resolves to $from (expected $expect); $(printf '%s\n' "$out" | jq -r '.identity.why')"
exit 0
