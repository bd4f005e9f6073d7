#!/usr/bin/env bash
# The concurrent collector against stop-the-world mark-sweep and the host's floor, in
# one sitting (issue 19's measurement; needs a release build, build/gclab, or GCLAB=path):
#   churn, default size: nogc at 2 GiB (the floor: it never collects), marksweep and
#     each barrier of concurrent at 300 MiB, paced against the budget (the default,
#     gogc=off) and with Go's default goal (gogc=100), 5 runs each;
#   binary-trees, default size: the same collectors at 64 MiB, 7 runs each.
# Then prints the tables (medians, ratios to marksweep) with scripts/concurrent_tail.py.
#   scripts/concurrent_tail.sh [OUT_FOLDER]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d /tmp/gclab-concurrent-tail-XXXXXX)}
gclab=${GCLAB:-build/gclab}   # another build to measure: GCLAB=path
concurrent=""
for barrier in dijkstra yuasa hybrid; do
  concurrent+="${concurrent:+,}concurrent:barrier=$barrier,concurrent:barrier=$barrier:gogc=100"
done
"$gclab" run --collectors=nogc --workloads=churn --heap-mb=2048 --reps=5 \
  --out="$out/churn-floor" > /dev/null
"$gclab" run --collectors="marksweep,$concurrent" --workloads=churn --heap-mb=300 \
  --reps=5 --out="$out/churn" > /dev/null
"$gclab" run --collectors="marksweep,$concurrent" --workloads=binary-trees \
  --heap-mb=64 --reps=7 --out="$out/binary-trees" > /dev/null
echo "results: $out"
exec "$(dirname "$0")/concurrent_tail.py" "$out"
