#!/usr/bin/env bash
# Builds and runs every test. With no argument: the "test" preset (optimised, heap
# verification after every collection). Give presets to run others as well:
#   scripts/test.sh                 the test suite
#   scripts/test.sh test asan tsan  ... and under ASan+UBSan and TSan
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(test)
for preset in "${presets[@]}"; do
  echo "== gclab tests: preset '$preset'"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset"
done
