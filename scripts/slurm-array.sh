#!/usr/bin/env bash
# One gclab matrix spread over a Slurm job array, one shard per task, merged by a
# dependent job when every task has ended well. Submit from the repository's root:
#
#   sbatch --array=1-8 scripts/slurm-array.sh --collectors=marksweep,generational \
#     --workloads=binary-trees,server --heap-x=2,4 --reps=10 --seed=20261125
#
# The arguments are `gclab run`'s flags (but --shard and --out, which each task sets).
# Environment (sbatch passes the submitter's on):
#   GCLAB          the gclab binary (default build/gclab, from the submit folder)
#   GCLAB_RESULTS  the folder for this matrix (default results/slurm-<array job id>):
#                  shard K of N goes to shard-K-of-N, the merge to merged
#
# Every task runs the same matrix (same flags, same --seed; give --seed explicitly, or
# the default is used by all) with --shard=K/N, so the shards partition the runs
# exactly. The lowest task submits `gclab merge` with --dependency=afterok on the
# whole array. A task that failed (a node lost, the time limit) is resubmitted with
# GCLAB_RESULTS set to the same folder: its shard resumes where it stopped; then run
#   $GCLAB merge --out="$GCLAB_RESULTS/merged" "$GCLAB_RESULTS"/shard-*-of-N
#SBATCH --job-name=gclab
#SBATCH --cpus-per-task=2
#SBATCH --time=04:00:00
#SBATCH --output=gclab-%A_%a.log
set -euo pipefail
fail() {
  echo "slurm-array.sh: $*" >&2
  exit 2
}
[ -n "${SLURM_ARRAY_TASK_ID:-}" ] ||
  fail "submit it as an array job: sbatch --array=1-N scripts/slurm-array.sh [gclab run flags]"
cd "${SLURM_SUBMIT_DIR:-.}"
for flag in "$@"; do
  case "$flag" in
    --shard | --shard=* | --out | --out=*)
      fail "$flag: each task sets --shard and --out itself; choose the folder with GCLAB_RESULTS" ;;
  esac
done
gclab=${GCLAB:-build/gclab}
[ -x "$gclab" ] || fail "no gclab binary at $gclab (build it, or set GCLAB to its path)"
results=${GCLAB_RESULTS:-results/slurm-${SLURM_ARRAY_JOB_ID}}
shards=${SLURM_ARRAY_TASK_COUNT}
shard=${SLURM_ARRAY_TASK_ID}
# `--array=1-N` numbers the tasks 1..N, and --shard=K/N needs exactly that.
[ "${SLURM_ARRAY_TASK_MIN}" = 1 ] && [ "${SLURM_ARRAY_TASK_MAX}" = "$shards" ] ||
  fail "submit with --array=1-N (got tasks ${SLURM_ARRAY_TASK_MIN}-${SLURM_ARRAY_TASK_MAX})"
mkdir -p "$results"

# The merge, submitted once per results folder (mkdir is atomic): a resubmitted task
# does not submit another.
if [ "$shard" = 1 ] && mkdir "$results/.merge-submitted" 2>/dev/null; then
  merge_command=$(printf '%q ' "$gclab" merge --out="$results/merged")
  merge_command+="$(printf '%q' "$results")/shard-*-of-${shards}"
  sbatch --parsable --job-name=gclab-merge --cpus-per-task=1 \
    --dependency="afterok:${SLURM_ARRAY_JOB_ID}" --output="$results/merge.log" \
    --wrap="$merge_command" > "$results/.merge-submitted/job-id"
  echo "slurm-array.sh: merge job $(cat "$results/.merge-submitted/job-id") runs when" \
    "every task of ${SLURM_ARRAY_JOB_ID} has ended well: $results/merged"
fi

exec "$gclab" run "$@" --shard="${shard}/${shards}" --out="$results/shard-${shard}-of-${shards}"
