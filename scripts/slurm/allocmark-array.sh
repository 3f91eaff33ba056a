#!/usr/bin/env bash
# scripts/slurm/allocmark-array.sh — one shard of an allocmark matrix per Slurm array task.
#
# Submit from the repository root (built with tests/run.sh or cmake), one task per shard:
#
#   sbatch --array=0-3 scripts/slurm/allocmark-array.sh OUT -- patterns/*.json -b all
#   # when every task has ended:
#   build/allocmark merge OUT/shard-* -o OUT/merged
#
# Task i (0-based) runs `allocmark run ARGS... --shard (i+1)/N -o OUT/shard-(i+1)/`, N being
# the array's task count; every cell (workload × backend × threads × repetition) lands in
# exactly one shard, with the backends still interleaved inside it (`allocmark plan --help`).
# Everything after `--` goes to `allocmark run` unchanged. Give `--run-all` before OUT to run
# `run_all.sh --shard K/N --out OUT/shard-K ARGS...` instead (the whole run_all.sh matrix).
#
# Timing runs want a quiet machine: the defaults below ask for an exclusive node and bind the
# run to its cores (srun --cpu-bind=cores); override them on the sbatch command line
# (e.g. --partition, --time, --nodes). Environment: ALLOCMARK (the driver; default
# build/allocmark under the submission folder).
#SBATCH --job-name=allocmark
#SBATCH --exclusive
#SBATCH --nodes=1
#SBATCH --ntasks=1
#SBATCH --output=allocmark-%A_%a.log
set -euo pipefail

usage() { sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
case "${1:-}" in -h|--help) usage; exit 0 ;; esac

mode=run
if [ "${1:-}" = "--run-all" ]; then mode=run_all; shift; fi
[ $# -ge 2 ] && [ "$2" = "--" ] || { usage >&2; echo "allocmark-array.sh: usage: [--run-all] OUT -- ARGS..." >&2; exit 2; }
out=$1; shift 2
[ -n "${SLURM_ARRAY_TASK_ID:-}" ] || { echo "allocmark-array.sh: not an array task (submit with sbatch --array=0-N)" >&2; exit 2; }

root=${SLURM_SUBMIT_DIR:-$PWD}
cd "$root"
allocmark=${ALLOCMARK:-$root/build/allocmark}
# SLURM_ARRAY_TASK_COUNT counts the tasks; with a stepped or sparse --array the shard
# count is max - min + 1 only when the ids are dense, so require dense 0-based ids.
n=${SLURM_ARRAY_TASK_COUNT:-$(( ${SLURM_ARRAY_TASK_MAX:-0} - ${SLURM_ARRAY_TASK_MIN:-0} + 1 ))}
min=${SLURM_ARRAY_TASK_MIN:-0}
[ "$min" = 0 ] && [ "$n" = $(( ${SLURM_ARRAY_TASK_MAX:-0} + 1 )) ] || {
  echo "allocmark-array.sh: use a dense 0-based array (--array=0-N), got min $min, max ${SLURM_ARRAY_TASK_MAX:-?}" >&2
  exit 2
}
k=$(( SLURM_ARRAY_TASK_ID + 1 ))
mkdir -p "$out"
echo "allocmark-array.sh: task $SLURM_ARRAY_TASK_ID of job ${SLURM_ARRAY_JOB_ID:-?} on $(hostname): shard $k/$n"

# Bind to the node's cores when srun can launch a step here; plain exec otherwise.
launch=()
if command -v srun >/dev/null 2>&1 && [ -n "${SLURM_JOB_ID:-}" ]; then
  launch=(srun --ntasks=1 --cpu-bind=cores --exclusive)
fi
if [ "$mode" = run_all ]; then
  exec "${launch[@]}" "$root/run_all.sh" --shard "$k/$n" --out "$out/shard-$k" "$@"
fi
mkdir -p "$out/shard-$k"
exec "${launch[@]}" "$allocmark" run "$@" --shard "$k/$n" -o "$out/shard-$k/"
