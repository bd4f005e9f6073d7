#!/usr/bin/env bash
# The concurrent collector against stop-the-world mark-sweep and the host's floor, in
# one sitting (issue 19's measurement; needs a release build, build/gclab, or GCLAB=path):
#   churn, default size: nogc at 2 GiB (the floor: it never collects), marksweep and
#     each barrier of concurrent at 300 MiB, with Go's default pacing (gogc=100) and
#     with the budget alone (gogc=off), 3 runs each;
#   binary-trees, default size: the same collectors at 64 MiB, 5 runs each.
# Then prints the tables (medians, ratios to marksweep) with scripts/concurrent_tail.py.
#   scripts/concurrent_tail.sh [OUT_FOLDER]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d /tmp/gclab-concurrent-tail-XXXXXX)}
gclab=${GCLAB:-build/gclab}   # another build to measure: GCLAB=path
concurrent=""
for barrier in dijkstra yuasa hybrid; do
  concurrent+="${concurrent:+,}concurrent:barrier=$barrier,concurrent:barrier=$barrier:gogc=off"
done
"$gclab" run --collectors=nogc --workloads=churn --heap-mb=2048 --reps=3 \
  --out="$out/churn-floor" > /dev/null
"$gclab" run --collectors="marksweep,$concurrent" --workloads=churn --heap-mb=300 \
  --reps=3 --out="$out/churn" > /dev/null
"$gclab" run --collectors="marksweep,$concurrent" --workloads=binary-trees \
  --heap-mb=64 --reps=5 --out="$out/binary-trees" > /dev/null
echo "results: $out"
exec "$(dirname "$0")/concurrent_tail.py" "$out"
