#!/usr/bin/env bash
# scripts/false_sharing_probe.sh — builds and runs scripts/false_sharing_probe.c (a plain
# two-thread shared-cache-line test, no allocator) to tell whether this machine can show
# false sharing at all. Prints one line per run: one thread alone, two threads writing
# one cache line, two threads writing lines 4 KiB apart, and the ratio same/apart (well
# above 1 on hardware with the effect; about 1 where it cannot be seen).
# usage: scripts/false_sharing_probe.sh [RUNS]   (default 5; needs cc)
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/am-fsprobe.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cc -O2 -pthread -o "$tmp/probe" "$here/false_sharing_probe.c"
"$tmp/probe" "${1:-5}"
