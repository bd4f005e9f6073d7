#!/usr/bin/env bash
# The main job: builds gclab (release), runs the default benchmark matrix (every
# collector x binary-trees, lru-cache and server x two heap sizes x 3 repetitions,
# each run its own process), then draws its charts and writes its HTML report.
# Prints the per-cell summary, the results folder and the report's path.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
collectors=$(build/gclab list | awk '/^collectors:/{on=1; next} /^workloads:/{on=0} on && /^  [a-z]/{print $1}' | paste -sd, -)
out=${1:-results/main-$(date -u +%Y%m%dT%H%M%SZ)}
# 128 MiB is 2-3x every collector's minimum heap for these three (copying's lru-cache
# needs 86 MiB); nogc needs a heap that holds everything a workload allocates, so at
# 128 MiB and, for server (2.3 GB), at 512 MiB its rows show running out of memory.
build/gclab run --collectors="$collectors" --workloads=binary-trees,lru-cache,server \
  --heap-mb=128,512 --reps=3 --out="$out"
scripts/report.py "$out"
