#!/usr/bin/env bash
# Writes results/minheap-main.csv, the minimum heaps scripts/main.sh's matrix needs,
# for the code of this checkout: measures those the local cache (results/minheap.csv)
# lacks, then keeps the rows of this build's code hash. Run it after a change to the
# runtime, a collector or a workload, and commit the file, so that a fresh clone's main
# job measures no minimum heap.
#   scripts/refresh_minheap_main.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/configure.sh release
cmake --build --preset release --target gclab
collectors=$(build/gclab list | awk '/^collectors:/{on=1; next} /^workloads:/{on=0} on && /^  [a-z]/{print $1}' | paste -sd, -)
build/gclab minheap --collectors="$collectors" --workloads=binary-trees,server --size=default \
  --probe-timeout=600
hash=$(sed -n 's/^#define GCLAB_CODE_HASH "\(.*\)"$/\1/p' build/generated/harness/code_hash.h)
{
  head -1 results/minheap.csv
  grep -E "^[^,]+,(binary-trees|server),default,1,on,gclab-code-$hash-Release," results/minheap.csv |
    sort
} >results/minheap-main.csv.tmp
mv results/minheap-main.csv.tmp results/minheap-main.csv
echo "results/minheap-main.csv: $(($(wc -l <results/minheap-main.csv) - 1)) rows for code $hash"
