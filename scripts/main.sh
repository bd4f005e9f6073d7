#!/usr/bin/env bash
# The main job: builds gclab (release) and runs the default benchmark matrix: every
# collector x binary-trees x two heap sizes x 3 repetitions, each run its own process.
# Prints the per-cell summary and where the results folder is.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
collectors=$(build/gclab list | awk '/^collectors:/{on=1; next} /^workloads:/{on=0} on && /^  [a-z]/{print $1}' | paste -sd, -)
# nogc needs a heap that holds everything binary-trees allocates (~495 MB); at
# 64 MiB its row shows what running out of memory looks like.
build/gclab run --collectors="$collectors" --workloads=binary-trees --heap-mb=64,640 --reps=3
