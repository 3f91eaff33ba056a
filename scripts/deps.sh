#!/usr/bin/env bash
# scripts/deps.sh — make sure the Debian packages allocmark builds and runs with are present.
#
# Checks for every package in PKGS. As root, installs the missing ones with apt-get (after
# `apt-get update`); as any other user, prints the exact command to run and exits 1.
# Called first by tests/run.sh and run_all.sh. Prints one line when everything is present.
#   --check     only report; never install (exit 1 when something is missing)
#   --programs  also the real programs of programs/*.json (redis, lua, ghostscript, z3,
#               sqlite3, CPython, gcc, perl), for `allocmark run programs/*.json`
#   --help      this text
set -u
PKGS=(cmake make gcc pkg-config libjemalloc-dev libmimalloc-dev libgoogle-perftools-dev
      libcjson-dev gnuplot-nox jq python3 perl)
# The programs' packages (each program file's `packages` field names its own).
PROGRAM_PKGS=(redis-server redis-tools lua5.4 ghostscript z3 sqlite3)  # python3 perl gcc: in PKGS
check_only=0
for a in "$@"; do
  case "$a" in
    --check) check_only=1 ;;
    --programs) PKGS+=("${PROGRAM_PKGS[@]}") ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "scripts/deps.sh: unknown option '$a' (try --help)" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${PKGS[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
  [ "$st" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PKGS[@]} packages present"
  exit 0
fi
cmd="apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends ${missing[*]}"
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
apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 || { echo "deps: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
$cmd >&2 || { echo "deps: '$cmd' failed" >&2; exit 1; }
echo "deps: installed ${missing[*]}"
