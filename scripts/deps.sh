#!/usr/bin/env bash
# scripts/deps.sh — make sure the Debian packages allocmark builds and runs with are present.
#
# Checks for every package in PKGS. As root, installs the missing ones with apt-get (after
# `apt-get update`); as any other user, prints the exact command to run and exits 1.
# Called first by tests/run.sh and run_all.sh. Prints one line when everything is present.
# OPTIONAL packages (Chromium, for the HTML report's browser test) are installed the same
# way, but when they cannot be installed the script says so and goes on: their tests skip.
# Usage: scripts/deps.sh [--check] [GROUP...]: each GROUP adds its packages to the core set:
#   slurm     slurm-wlm and munge (the Slurm test's single-node cluster, scripts/slurm/)
#   programs  the real programs of programs/*.json: redis, lua, ghostscript, z3, sqlite3
#             (CPython, gcc and perl are core), for `allocmark run programs/*.json`
#   --check   only report; never install (exit 1 when something is missing)
#   --help    this text
set -u
PKGS=(cmake make gcc pkg-config clang-14 libcjson-dev gnuplot-nox jq python3 perl valgrind
      libzstd-dev heaptrack)
# Each third-party allocator's Debian package comes from its am_find_allocator(...) line
# in CMakeLists.txt (the last argument): adding a backend needs no edit here.
here=$(cd "$(dirname "$0")" && pwd)
while read -r p; do [ -n "$p" ] && PKGS+=("$p"); done < <(
  awk '/^am_find_allocator\(/ { on = 1; s = "" } on { s = s " " $0 } on && /\)/ { on = 0; sub(/\).*/, "", s); n = split(s, a, " "); print a[n] }' \
    "$here/../CMakeLists.txt")
OPTIONAL=(chromium)
# Several people may install at once on a shared machine: wait for dpkg's lock.
APT=(apt-get -o DPkg::Lock::Timeout=600)
check_only=0
for a in "$@"; do
  case "$a" in
    --check) check_only=1 ;;
    slurm) PKGS+=(slurm-wlm munge) ;;
    programs|--programs) PKGS+=(redis-server redis-tools lua5.4 ghostscript z3 sqlite3) ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "scripts/deps.sh: unknown option '$a' (try --help)" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${PKGS[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
  [ "$st" = "install ok installed" ] || missing+=("$p")
done
opt_missing=()
for p in "${OPTIONAL[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
  [ "$st" = "install ok installed" ] || opt_missing+=("$p")
done
# Optional packages: tried as root (apt-get update once), never a reason to stop.
if [ ${#opt_missing[@]} -gt 0 ]; then
  if [ "$check_only" = 0 ] && [ "$(id -u)" = 0 ]; then
    echo "deps: installing optional ${opt_missing[*]}" >&2
    { DEBIAN_FRONTEND=noninteractive "${APT[@]}" update -qq && updated=1 &&
      DEBIAN_FRONTEND=noninteractive "${APT[@]}" install -y --no-install-recommends "${opt_missing[@]}"; } >&2 ||
      echo "deps: optional ${opt_missing[*]} could not be installed: the tests that need it skip" >&2
  else
    echo "deps: optional ${opt_missing[*]} missing (tests that need it skip); as root: apt-get install ${opt_missing[*]}" >&2
  fi
fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PKGS[@]} packages present"
  exit 0
fi
cmd="${APT[*]} install -y --no-install-recommends ${missing[*]}"
if [ "$check_only" = 1 ]; then
  echo "deps: missing: ${missing[*]}" >&2; echo "deps: run as root: apt-get update && $cmd" >&2; exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "deps: missing: ${missing[*]}" >&2
  echo "deps: run as root:  apt-get update && $cmd" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
[ "${updated:-0}" = 1 ] || "${APT[@]}" update -qq >&2 || { echo "deps: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
$cmd >&2 || { echo "deps: '$cmd' failed" >&2; exit 1; }
echo "deps: installed ${missing[*]}"
