#!/usr/bin/env bash
# The native reference programs do the work of gclab's workloads: at the small size,
# each (GCBench and churn, over libgc, jemalloc and a bump allocator, in their natural
# layouts and with gclab's header word added) passes its own check and counts exactly the ops
# gclab's workload of the same name counts.
#   run_native_tests.sh GCLAB NATIVE_DIR SCRATCH
set -uo pipefail
gclab=$1 native=$2 scratch=$3
status=0
for pair in binary-trees:gcbench churn:churn; do
  workload=${pair%%:*} program=${pair##*:}
  out=$scratch/native-$workload
  rm -rf "$out"
  "$gclab" run --collectors=marksweep --workloads="$workload" --size=small --heap-mb=64 \
    --out="$out" > /dev/null 2>&1 || { echo "FAIL: gclab run on $workload"; exit 1; }
  gclab_ops=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "ops") c = i } NR == 2 { print $c }' "$out/runs.csv")
  for run in libgc jemalloc bump "libgc --header-word" "jemalloc --header-word"; do
    library=${run%% *} extra=${run#"$library"}
    heap_mb=64
    [ "$library" = bump ] && heap_mb=1024  # never frees: room for all the run allocates
    # shellcheck disable=SC2086 # extra is empty or one flag
    line=$("$native/gclab_native_${program}_$library" --size=small --heap-mb=$heap_mb $extra)
    echo "$line"
    case "$line" in
      *check=ok*) ;;
      *) echo "FAIL: $program over $run failed its check"; status=1 ;;
    esac
    ops=$(printf '%s\n' "$line" | sed -n 's/.* ops=\([0-9]*\) .*/\1/p')
    if [ "$ops" != "$gclab_ops" ]; then
      echo "FAIL: $program over $run counted $ops ops, gclab's $workload $gclab_ops"
      status=1
    fi
  done
done
bad=$("$native/gclab_native_gcbench_libgc" --size=huge 2>&1); code=$?
if [ $code -ne 2 ] || [ "$(printf '%s\n' "$bad" | wc -l)" -ne 1 ]; then
  echo "FAIL: a bad argument should be one line and exit 2, got $code: $bad"
  status=1
fi
[ $status -eq 0 ] && echo "native programs: all checks passed"
exit $status
