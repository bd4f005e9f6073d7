#!/usr/bin/env bash
# What the hiccup meter costs: binary-trees (marksweep and copying, 64 MiB, 30 runs
# each) with and without it, in the order on, off, off, on (so drift shows), each
# pair compared with `gclab compare`. Needs a release build (build/gclab).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d /tmp/gclab-hiccup-XXXXXX)}
matrix=(--collectors=marksweep,copying --workloads=binary-trees --heap-mb=64 --reps=30)
build/gclab run "${matrix[@]}" --out="$out/on-1" > /dev/null
build/gclab run "${matrix[@]}" --nohiccup-meter --out="$out/off-1" > /dev/null
build/gclab run "${matrix[@]}" --nohiccup-meter --out="$out/off-2" > /dev/null
build/gclab run "${matrix[@]}" --out="$out/on-2" > /dev/null
build/gclab compare "$out/off-1" "$out/on-1" --metrics=wall_s
build/gclab compare "$out/off-2" "$out/on-2" --metrics=wall_s
