#!/bin/sh
# tests/conform/isolation.sh RUNNER EXPECT — the isolation test for one backend.
# Runs `RUNNER info` (build/runners/am-runner-<name>) and checks that its malloc_from
# (dladdr of the process's resolved `malloc`) names the shared object EXPECT, e.g.
# libc.so for system, libjemalloc for jemalloc. Exit 0 when it does, 1 otherwise.
if [ $# -ne 2 ]; then echo "usage: $0 RUNNER EXPECT" >&2; exit 2; fi
runner=$1 expect=$2
out=$("$runner" info) || { echo "isolation: '$runner info' failed"; exit 1; }
from=$(printf '%s\n' "$out" | jq -r '.malloc_from // empty') ||
  { echo "isolation: '$runner info' printed no JSON: $out"; exit 1; }
name=$(printf '%s\n' "$out" | jq -r '.name')
case "$from" in
  *"$expect"*) echo "isolation: $name: malloc resolves to $from (expected $expect)"; exit 0 ;;
esac
echo "isolation: $name: malloc resolves to '$from', expected $expect: the runner measures the wrong allocator"
exit 1
