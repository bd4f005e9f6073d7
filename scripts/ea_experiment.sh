#!/usr/bin/env bash
# Issue 21's experiment: does escape analysis already give what a generational
# collector gives? Every workload with escape analysis on and off, on generational
# (with allocation-site pretenuring, and without: generational:pretenure=off),
# marksweep, copying and concurrent, at 2x and 4x each collector's minimum heap for
# that workload and setting (found by bisection, cached in results/minheap.csv), each
# cell repeated until the 95% interval of its median wall time is within 5% (at most
# 15 runs), in one sitting, run order shuffled. Then the table and chart
# (scripts/ea_experiment.py). Needs a release build (build/gclab, or GCLAB=path).
# Resumable: interrupted, the same command goes on from the runs already in the folder.
#   scripts/ea_experiment.sh [OUT_FOLDER]
#   SIZE=small scripts/ea_experiment.sh ...   the workloads' size (default: default, some
#                                             hours on 2 cores; small: about 40 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
gclab=${GCLAB:-build/gclab}
size=${SIZE:-default}
out=${1:-results/ea-experiment-$size}
workloads=$("$gclab" list | awk '/^workloads:/{on=1; next} on && /^  [a-z]/{print $1}' | paste -sd, -)
"$gclab" run --collectors=generational,generational:pretenure=off,marksweep,copying,concurrent --workloads="$workloads" \
  --escape-analysis=on,off --heap-x=2,4 --size="$size" --reps=auto --until-ci=5 \
  --max-reps=15 --timeout=120 --out="$out"
exec "$(dirname "$0")/ea_experiment.py" "$out"
