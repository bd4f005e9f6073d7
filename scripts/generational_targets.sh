#!/usr/bin/env bash
# Issue 33's targets for the generational collector, in one sitting (needs a release
# build, build/gclab, or GCLAB=path), each part a `gclab run` into its own folder, so
# the sitting can be interrupted and resumed by running the same command again:
#   binary-trees/  binary-trees, 64 MiB: marksweep, copying, generational and
#                  generational:pretenure=off, 11 runs each;
#   matrix/        every workload, escape analysis on and off, at 2x each collector's
#                  minimum heap (bisected once, cached in results/minheap.csv):
#                  marksweep, generational, generational:pretenure=off, 5 runs each;
#   churn-300/     churn at 300 MiB: the same three, 5 runs each;
#   floor/         the host's floor: nogc at 4 GiB (it never collects) on binary-trees,
#                  lru-cache and server, 3 runs each.
# Then prints the tables (medians, ratios with 95% intervals, minor-pause p99s, the
# full pauses against marksweep's) with scripts/generational_targets.py.
#   scripts/generational_targets.sh [OUT_FOLDER]
#   SIZE=small scripts/generational_targets.sh ...   the workloads' size (default: default)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${SIZE:-default}
out=${1:-results/generational-targets-$size}
gclab=${GCLAB:-build/gclab}
three=marksweep,generational,generational:pretenure=off
workloads=$("$gclab" list | awk '/^workloads:/{on=1; next} on && /^  [a-z]/{print $1}' | paste -sd, -)
"$gclab" run --collectors=marksweep,copying,generational,generational:pretenure=off \
  --workloads=binary-trees --size="$size" --heap-mb=64 --reps=11 --out="$out/binary-trees" > /dev/null
"$gclab" run --collectors="$three" --workloads="$workloads" --escape-analysis=on,off \
  --size="$size" --heap-x=2 --reps=5 --timeout=300 --out="$out/matrix" > /dev/null
"$gclab" run --collectors="$three" --workloads=churn --size="$size" --heap-mb=300 --reps=5 \
  --out="$out/churn-300" > /dev/null
"$gclab" run --collectors=nogc --workloads=binary-trees,lru-cache,server --size="$size" \
  --heap-mb=4096 --reps=3 --out="$out/floor" > /dev/null
echo "results: $out"
exec "$(dirname "$0")/generational_targets.py" "$out"
