#!/usr/bin/env bash
# Builds the libFuzzer targets (the "fuzz" preset: clang, ASan+UBSan) and runs each
# for SECONDS, two at a time, starting from its seed corpus tests/fuzz/corpus/<target>;
# what a run finds is kept in build-fuzz/corpus/<target> for the next one.
#   scripts/fuzz.sh                         every target, 30 s each (what CI runs)
#   scripts/fuzz.sh 3600                    every target for an hour
#   scripts/fuzz.sh 600 results_reader      one target for ten minutes
# A crash leaves its input in build-fuzz/artifacts/ and the command that reproduces it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
seconds=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(command_line collector_spec results_reader minheap_cache)
scripts/configure.sh fuzz
cmake --build --preset fuzz
mkdir -p build-fuzz/artifacts build-fuzz/logs

run_one() {
  local target=$1
  mkdir -p "build-fuzz/corpus/$target"
  # -detect_leaks=0: the targets keep registries and absl's flag state for the
  # process's life by design; leaks are the ASan suite's business.
  "build-fuzz/fuzz/${target}_fuzzer" "build-fuzz/corpus/$target" "tests/fuzz/corpus/$target" \
    -max_total_time="$seconds" -print_final_stats=1 -detect_leaks=0 -max_len=16384 \
    -artifact_prefix="build-fuzz/artifacts/$target-" >"build-fuzz/logs/$target.log" 2>&1
}

status=0
pids=()
for target in "${targets[@]}"; do
  [ -x "build-fuzz/fuzz/${target}_fuzzer" ] || { echo "fuzz: unknown target '$target'; valid: command_line, collector_spec, results_reader, minheap_cache" >&2; exit 2; }
  run_one "$target" &
  pids+=("$!:$target")
  if [ ${#pids[@]} -eq 2 ]; then
    for entry in "${pids[@]}"; do wait "${entry%%:*}" || { status=1; echo "fuzz: ${entry#*:} FAILED"; }; done
    pids=()
  fi
done
for entry in "${pids[@]}"; do wait "${entry%%:*}" || { status=1; echo "fuzz: ${entry#*:} FAILED"; }; done

printf '%-16s %14s %10s %8s\n' target executions exec/s corpus
for target in "${targets[@]}"; do
  log=build-fuzz/logs/$target.log
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  printf '%-16s %14s %10s %8s\n' "$target" "${runs:-?}" "${rate:-?}" "$(ls "build-fuzz/corpus/$target" | wc -l)"
  if grep -q "ERROR: libFuzzer\|ERROR: AddressSanitizer\|runtime error:\|SUMMARY: " "$log"; then
    status=1
    echo "--- $target failed; reproduce with: build-fuzz/fuzz/${target}_fuzzer <input below>"
    grep -E "ERROR|runtime error|SUMMARY|Test unit written|artifact" "$log" | head -20
  fi
done
exit $status
