#!/usr/bin/env bash
# Configures a CMake preset (CMakePresets.json), first forgetting the cache of a build
# directory that an earlier checkout configured with another generator (gclab used
# Unix Makefiles before Ninja): CMake refuses to switch generators in place.
#   scripts/configure.sh PRESET
set -euo pipefail
cd "$(dirname "$0")/.."
preset=$1
# The binary directories CMakePresets.json names: build for release, build-PRESET otherwise.
case "$preset" in
  release) binary_dir=build ;;
  *) binary_dir=build-$preset ;;
esac
cache="$binary_dir/CMakeCache.txt"
if [ -f "$cache" ] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$cache"; then
  echo "configure: $binary_dir was configured with another generator; configuring it afresh for Ninja"
  rm -rf "$cache" "$binary_dir/CMakeFiles"
fi
cmake --preset "$preset" >/dev/null
