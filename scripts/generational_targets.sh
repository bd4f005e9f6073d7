#!/usr/bin/env bash
# Issue 21's performance targets for the generational collector, in one sitting (needs
# a release build, build/gclab, or GCLAB=path):
#   binary-trees, default size, 64 MiB: marksweep, copying, generational, 11 runs each;
#   lru-cache and server, default size, at 2x each collector's minimum heap: marksweep,
#     generational and generational:nursery=2, 5 runs each;
#   the host's floor: nogc at 4 GiB (it never collects) on the same three, 3 runs each.
# Then prints the tables (medians, ratios with 95% intervals, the minor pauses' p99)
# with scripts/generational_targets.py.
#   scripts/generational_targets.sh [OUT_FOLDER]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d /tmp/gclab-generational-targets-XXXXXX)}
gclab=${GCLAB:-build/gclab}
"$gclab" run --collectors=marksweep,copying,generational --workloads=binary-trees \
  --heap-mb=64 --reps=11 --out="$out/binary-trees" > /dev/null
"$gclab" run --collectors=marksweep,generational,generational:nursery=2 \
  --workloads=lru-cache,server --heap-x=2 --reps=5 --out="$out/latency" > /dev/null
"$gclab" run --collectors=nogc --workloads=binary-trees,lru-cache,server --heap-mb=4096 \
  --reps=3 --out="$out/floor" > /dev/null
echo "results: $out"
exec "$(dirname "$0")/generational_targets.py" "$out"
