#!/usr/bin/env bash
# scripts/pp_cachesim.sh — per-operation instructions, simulated cache misses and branch
# mispredictions of backends on a pattern: `scripts/instr_per_op.sh --cache` (callgrind with
# --cache-sim=yes --branch-sim=yes, counting only the engine's worker threads), which has
# the options, environment (BUILD, PP_LIBDIR, KEEP) and output columns.
#
#   scripts/pp_cachesim.sh [--full] PATTERN.json BACKEND...
set -euo pipefail
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; echo; "$(dirname "$0")/instr_per_op.sh" --help; exit 0
fi
AM_SCRIPT_NAME=pp_cachesim.sh exec "$(dirname "$0")/instr_per_op.sh" --cache "$@"
