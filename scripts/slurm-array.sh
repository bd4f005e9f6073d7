#!/usr/bin/env bash
# Example: one gclab matrix spread over a Slurm job array, one shard per task.
#
#   sbatch --array=1-8 scripts/slurm-array.sh          # 8 shards
#   build/gclab merge --out=results/merged results/shard-*   # afterwards, anywhere
#
# Every task runs the same matrix (same flags, same --seed) with --shard=K/N, so the
# shards partition the runs exactly; `gclab merge` checks that they belong to one
# matrix and joins them. Re-submitting a failed task resumes its shard.
#SBATCH --job-name=gclab
#SBATCH --cpus-per-task=2
#SBATCH --time=04:00:00
#SBATCH --output=results/slurm-%A_%a.log
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-$(dirname "$0")/..}"
shards=${SLURM_ARRAY_TASK_COUNT:?submit as an array job: sbatch --array=1-N}
shard=${SLURM_ARRAY_TASK_ID:?}
build/gclab run \
  --collectors=marksweep,nogc --workloads=binary-trees --heap-x=1.5,2,3,6 \
  --reps=10 --seed=20261125 --size=default \
  --shard="${shard}/${shards}" --out="results/shard-${shard}-of-${shards}"
