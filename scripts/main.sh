#!/usr/bin/env bash
# The main job: builds gclab (release) and runs the default benchmark matrix.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
echo "== gclab: default matrix (collectors x binary-trees x heap sizes)"
build/gclab run --collectors=marksweep,nogc --workloads=binary-trees --heap-mb=64,512
