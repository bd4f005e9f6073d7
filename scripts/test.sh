#!/usr/bin/env bash
# Builds and runs every test. With no argument: the "test" preset (optimised, heap
# verification after every collection). Give presets to run others as well:
#   scripts/test.sh                 the test suite
#   scripts/test.sh test asan tsan  ... and under ASan+UBSan and TSan (a subset)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(test)
for preset in "${presets[@]}"; do
  echo "== gclab tests: preset '$preset'"
  cmake --preset "$preset" >/dev/null
  if [ "$preset" = tsan ]; then
    # ThreadSanitizer: the tests where threads share the heap (the concurrent
    # collector's own tests and its conformance and workload runs, safepoints, threads
    # allocating during collections); the whole suite is too slow under TSan.
    cmake --build --preset tsan --target gclab_tests gclab_concurrent_test
    ctest --preset tsan -R 'oncurrent|Safepoint|Threads'
  else
    cmake --build --preset "$preset"
    ctest --preset "$preset"
  fi
done
