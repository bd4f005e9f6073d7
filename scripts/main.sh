#!/usr/bin/env bash
# The main job: builds gclab (release; only the gclab binary), runs the default
# benchmark matrix, then draws its charts and writes its HTML report. Prints the
# per-cell summary, the results folder and the report's path.
#
# The matrix: every collector x binary-trees (GCBench: throughput) and server
# (requests: latency) x heaps of 1.5, 2, 3, 4 and 6 times each collector's minimum
# heap for the workload x 3 repetitions, each run its own process. Heap multiples are
# the literature's time-space methodology (DaCapo, MMTk): each collector gets the same
# room relative to what it needs. The minimum heaps come from results/minheap.csv,
# found by bisection the first time. Time limits only catch hangs, and none turns into a
# number: a run past --timeout is a `timeout` row; a probe past --probe-timeout stops
# the search with an error (run again: finished searches are cached).
#   scripts/main.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/configure.sh release
cmake --build --preset release --target gclab
collectors=$(build/gclab list | awk '/^collectors:/{on=1; next} /^workloads:/{on=0} on && /^  [a-z]/{print $1}' | paste -sd, -)
out=${1:-results/main-$(date -u +%Y%m%dT%H%M%SZ)}
build/gclab run --collectors="$collectors" --workloads=binary-trees,server \
  --heap-x=1.5,2,3,4,6 --reps=3 --timeout=300 --probe-timeout=600 --out="$out"
scripts/report.py "$out"
