#!/usr/bin/env bash
# Runs the microbenchmarks (bench/micro/) of a release build, 5 repetitions each,
# and keeps Google Benchmark's JSON (every repetition plus median, mean, stddev)
# under results/micro-<UTC time>/<benchmark>.json, or under the folder given.
#   scripts/micro.sh [OUT_DIR] [--benchmark_filter=...]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-results/micro-$(date -u +%Y%m%dT%H%M%SZ)}
shift || true
scripts/install-deps.sh
scripts/configure.sh release
cmake --build --preset release
mkdir -p "$out"
for bench in alloc barrier safepoint roots access collection; do
  echo "== $bench"
  build/micro/${bench}_benchmark --benchmark_repetitions=5 --benchmark_display_aggregates_only=true \
    --benchmark_out="$out/$bench.json" --benchmark_out_format=json "$@" |
    grep -E "^(Benchmark|-+$|.*_median )" || true
done
echo "results: $out"
