#!/usr/bin/env bash
# Installs the Debian packages gclab needs, and only those that are missing.
# Idempotent; non-interactive; uses sudo when not run as root.
#   scripts/install-deps.sh            what the main job needs: build, run, draw
#   scripts/install-deps.sh test       ... and what the tests need as well
set -euo pipefail

packages=(
  cmake ninja-build make g++ pkg-config  # toolchain (presets use Ninja; a plugin make), CMake finding things
  libabsl-dev                        # flags, status, strings, synchronisation
  libgtest-dev libgmock-dev          # tests (found when configuring any preset)
  libbenchmark-dev                   # microbenchmarks (likewise)
  libjemalloc-dev                    # the harness's own memory, malloc-marksweep
  libgc-dev                          # the bdw baseline collector (libgc)
  libssl-dev                         # SHA-256 of loaded plugins (OpenSSL libcrypto)
  nlohmann-json3-dev                 # manifest.json
  python3-matplotlib                 # charts and the report (scripts/plot.py, report.py)
)
if [ "${1:-}" = test ]; then
  packages+=(
    clang-14 libclang-rt-14-dev      # the libFuzzer targets (scripts/fuzz.sh)
    chromium                         # the report opened in a real browser (headless)
    golang-go                        # Go's compiler and runtime: the workloads' oracle (workloads/*/go)
    slurm-wlm munge                  # a single-node Slurm cluster for scripts/slurm-array.sh's test
  )
fi

missing=()
for package in "${packages[@]}"; do
  # Captured, not piped into grep -q: under pipefail an early grep exit is a failure.
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  if [[ "$status" != *"install ok installed"* ]]; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "install-deps: missing packages ${missing[*]}, and not root and no sudo to install them" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
