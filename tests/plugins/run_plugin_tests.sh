#!/usr/bin/env bash
# Usage: run_plugin_tests.sh SOURCE_DIR BUILD_DIR
# Installs the gclab in BUILD_DIR, builds the example collector (examples/markcompact)
# as a plugin against it, runs the conformance suite and a small matrix on the plugin,
# and checks that bad plugins are refused with one line each.
set -euo pipefail
src=$1 build=$2
work=$(mktemp -d)
trap "" EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect_line="$src/tests/harness/expect_one_error_line.sh"

cmake --install "$build" --prefix "$work/prefix" >/dev/null
gclab=$work/prefix/bin/gclab
cmake -S "$src/examples/markcompact" -B "$work/markcompact" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/markcompact" >/dev/null
plugin=$work/markcompact/libmarkcompact.so
[ -f "$plugin" ] || fail "the plugin was not built"

echo "== gclab list --plugin"
# Output first, then grep: `gclab list | grep -q` under pipefail fails when grep exits at
# its first match and gclab, still writing, gets SIGPIPE.
listing=$("$gclab" list --plugin="$plugin")
grep -q "^  markcompact " <<<"$listing" || fail "list does not show markcompact"
"$expect_line" "(a plugin's collector is known once --plugin=PATH loads it)" \
  "$gclab" run --collectors=mygc --out="$work/never"

echo "== gclab conformance --plugin"
"$gclab" conformance --plugin="$plugin" >"$work/conformance.log" 2>&1 ||
  { tail -30 "$work/conformance.log"; fail "the conformance suite failed on the plugin"; }
grep -q "PASSED" "$work/conformance.log" || fail "no test passed"
grep -q "ConformanceTest.*/markcompact" "$work/conformance.log" || fail "markcompact was not tested"
grep "tests ran\|PASSED" "$work/conformance.log"

echo "== gclab run --plugin"
"$gclab" run --plugin="$plugin" --collectors=markcompact,marksweep --workloads=binary-trees \
  --size=small --heap-mb=16 --reps=1 --out="$work/results" >"$work/run.log" 2>&1 ||
  { cat "$work/run.log"; fail "the run failed"; }
grep -q "^c0000-r1,.*markcompact,binary-trees,.*,ok," "$work/results/runs.csv" ||
  grep -q "markcompact,binary-trees" "$work/results/runs.csv" || fail "no markcompact run in runs.csv"
awk -F, 'NR > 1 && $4 == "markcompact" && $12 != "ok" { bad = 1 } END { exit bad }' \
  "$work/results/runs.csv" || fail "a markcompact run did not end ok"

echo "== bad plugins"
cmake -S "$src/tests/plugins" -B "$work/bad" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/bad" >/dev/null
# Built against a copy of the headers with another ABI version.
cp -r "$work/prefix" "$work/other-prefix"
sed -i 's/#define GCLAB_ABI_VERSION ".*"/#define GCLAB_ABI_VERSION "0000000000000000"/' \
  "$work/other-prefix/include/gclab/runtime/abi_version.h"
cmake -S "$src/examples/markcompact" -B "$work/other-abi" \
  -DCMAKE_PREFIX_PATH="$work/other-prefix" >/dev/null
cmake --build "$work/other-abi" >/dev/null
expect="$src/tests/harness/expect_one_error_line.sh"
"$expect" "cannot load plugin '$work/missing.so'" "$gclab" list --plugin="$work/missing.so"
"$expect" "is not a gclab plugin" "$gclab" list --plugin="$work/bad/libnot_a_plugin.so"
"$expect" "was built for gclab runtime ABI 0000000000000000" \
  "$gclab" list --plugin="$work/other-abi/libmarkcompact.so"
"$expect" "a collector named 'marksweep' is registered already" \
  "$gclab" list --plugin="$work/bad/libduplicate.so"
"$expect" "failed to initialise: the throwing plugin refuses to start" \
  "$gclab" run --plugin="$work/bad/libthrowing.so" --out="$work/never"
"$expect" "a collector named 'markcompact' is registered already" \
  "$gclab" list --plugin="$plugin,$plugin"
echo "all plugin tests passed"
