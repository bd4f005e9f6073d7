#!/usr/bin/env bash
# Issue 21's experiment: does escape analysis already give what a generational
# collector gives? Every workload with escape analysis on and off, on generational,
# marksweep, copying and concurrent, at 2x and 4x each collector's minimum heap for
# that workload and setting (found by bisection, cached in results/minheap.csv), each
# cell repeated until the 95% interval of its median wall time is within 5% (at most
# 15 runs), in one sitting, run order shuffled. Then the table and chart
# (scripts/ea_experiment.py). Needs a release build (build/gclab, or GCLAB=path).
#   scripts/ea_experiment.sh [OUT_FOLDER]
#   SIZE=default scripts/ea_experiment.sh ...   the workloads' default size (small unless
#                                               given: about 2 hours on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
gclab=${GCLAB:-build/gclab}
size=${SIZE:-small}
out=${1:-results/ea-experiment-$size}
workloads=$("$gclab" list | awk '/^workloads:/{on=1; next} on && /^  [a-z]/{print $1}' | paste -sd, -)
"$gclab" run --collectors=generational,marksweep,copying,concurrent --workloads="$workloads" \
  --escape-analysis=on,off --heap-x=2,4 --size="$size" --reps=auto --until-ci=5 \
  --max-reps=15 --timeout=120 --out="$out"
exec "$(dirname "$0")/ea_experiment.py" "$out"
