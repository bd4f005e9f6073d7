#!/usr/bin/env bash
# Usage: run_plugin_tests.sh SOURCE_DIR BUILD_DIR
# Installs the gclab in BUILD_DIR, builds the example collector (examples/markcompact)
# as a plugin against it the way docs/adding-a-collector.md says (no build type of its
# own: it gets gclab's), runs the full conformance suite and a small matrix on it,
# checks what the manifest records and the minimum-heap cache keys on, that a broken
# collector fails the full suite with every failure named, and that bad plugins are
# refused with one line each.
set -euo pipefail
src=$1 build=$2
work=$(mktemp -d)
trap "" EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect_line="$src/tests/harness/expect_one_error_line.sh"

cmake --install "$build" --prefix "$work/prefix" >/dev/null
gclab=$work/prefix/bin/gclab
cmake -S "$src/examples/markcompact" -B "$work/markcompact" -DCMAKE_PREFIX_PATH="$work/prefix" \
  >/dev/null
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

echo "== gclab conformance --plugin (the full suite and the stress pass)"
"$gclab" conformance --plugin="$plugin" --stress-seconds=1 >"$work/conformance.log" 2>&1 ||
  { tail -30 "$work/conformance.log"; fail "the conformance suite failed on the plugin"; }
for suite in "suite: EveryCollector/ConformanceTest" "suite: EveryCollector/ChannelThreadsTest" \
    "suite: EveryCollector/GraphStressTest" "suite: All/EveryWorkloadTest" \
    "suite: Shared/WorkloadThreadsTest" "stress: EveryCollector/ConformanceTest" \
    "stress: All/EveryWorkloadTest"; do
  grep -q "^\[ OK       \] $suite.*/markcompact" "$work/conformance.log" ||
    fail "the full conformance run did not pass $suite on markcompact"
done
grep "tests ran\|PASSED" "$work/conformance.log"

echo "== a broken collector fails the full suite, and every failure is named"
cmake -S "$src/tests/plugins" -B "$work/bad" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/bad" >/dev/null
dropping="$work/bad/libdropping_log.so"
# For the record (the bug is timing-dependent, so this is not a check): --quick, the
# suite plugin authors used to get, usually passes it.
if "$gclab" conformance --plugin="$dropping" --quick >"$work/quick.log" 2>&1; then
  echo "--quick passed dropping-log"
else
  echo "--quick caught dropping-log this time"
fi
status=0
"$gclab" conformance --plugin="$dropping" --stress-seconds=1 >"$work/broken.log" 2>&1 || status=$?
[ "$status" = 1 ] || { tail -30 "$work/broken.log"; fail "the full suite exited $status on dropping-log, not 1"; }
# The run went on past the fatal verification failures and ended with the summary.
grep -q "^\[  FAILED  \] suite: .*dropping_log.* -- crashed (Aborted): gclab: fatal: heap verification failed" \
  "$work/broken.log" || fail "no crashed test named with its fatal error in the summary"
failed=$(grep -c "^\[  FAILED  \] \(suite\|stress\): " "$work/broken.log" || true)
listed=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) tests, listed below:$/\1/p' "$work/broken.log")
[ "$failed" -ge 1 ] && [ "$failed" = "$listed" ] || fail "the summary lists $failed of $listed failures"
grep -q "^\[  PASSED  \] [1-9][0-9]* tests\.$" "$work/broken.log" ||
  fail "the tests after the crashes did not run"
tail -"$((failed + 4))" "$work/broken.log" | cut -c1-160

echo "== gclab run --plugin"
"$gclab" run --plugin="$plugin" --collectors=markcompact,marksweep --workloads=binary-trees \
  --size=small --heap-mb=16 --reps=1 --out="$work/results" >"$work/run.log" 2>&1 ||
  { cat "$work/run.log"; fail "the run failed"; }
! grep -q "warning" "$work/run.log" || { cat "$work/run.log"; fail "a plugin built as documented drew a warning"; }
# The manifest records the plugin: path, SHA-256 of the file, and how it was built.
sha=$(sha256sum "$plugin" | cut -d' ' -f1)
/usr/bin/python3 - "$work/results/manifest.json" "$plugin" "$sha" <<'PY' || fail "the manifest does not record the plugin"
import json, sys
build = json.load(open(sys.argv[1]))["build"]
plugins = build["plugins"]
assert len(plugins) == 1, plugins
p = plugins[0]
assert p["path"] == sys.argv[2] and p["sha256"] == sys.argv[3], p
assert p["build_type"] == build["build_type"], (p["build_type"], build["build_type"])
assert p["collectors"] == ["markcompact"] and p["compiler"], p
PY
echo "== the installed gclab-plot and gclab-report draw the plugin's results"
# From outside the source tree: an installed prefix is all an author needs.
(cd "$work" && "$work/prefix/bin/gclab-plot" "$work/results") >"$work/plot.log" 2>&1 ||
  { cat "$work/plot.log"; fail "gclab-plot failed"; }
ls "$work/results/charts/"*.png >/dev/null 2>&1 || { cat "$work/plot.log"; fail "gclab-plot drew no chart"; }
(cd "$work" && "$work/prefix/bin/gclab-report" "$work/results") >"$work/report.log" 2>&1 ||
  { cat "$work/report.log"; fail "gclab-report failed"; }
grep -q "markcompact" "$work/results/report.html" || fail "the report does not show markcompact"

echo "== a plugin built with other flags than gclab's is named in one warning line"
gclab_type=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["build"]["build_type"])' \
  "$work/results/manifest.json")
other_type=Release
[ "$gclab_type" != Release ] || other_type=Debug
cmake -S "$src/examples/markcompact" -B "$work/markcompact-other" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=$other_type >/dev/null
cmake --build "$work/markcompact-other" >/dev/null
"$gclab" run --plugin="$work/markcompact-other/libmarkcompact.so" --collectors=markcompact \
  --workloads=binary-trees --size=small --heap-mb=16 --reps=1 --out="$work/results-other" \
  >"$work/run-other.log" 2>&1 || { cat "$work/run-other.log"; fail "the run failed"; }
[ "$(grep -c "^gclab: warning: plugin '.*libmarkcompact.so' was built" "$work/run-other.log")" = 1 ] ||
  { cat "$work/run-other.log"; fail "no single warning line for a $other_type plugin"; }

echo "== the minimum-heap cache is keyed by the plugin's build"
cache="$work/minheap.csv"
for p in "$plugin" "$work/markcompact-other/libmarkcompact.so"; do
  "$gclab" minheap --plugin="$p" --collectors=markcompact --workloads=binary-trees --size=small \
    --minheap-cache="$cache" >/dev/null 2>&1 || fail "minheap failed on $p"
done
rows=$(grep -c "^markcompact,binary-trees,small,1,on,plugin-sha256:" "$cache" || true)
[ "$rows" = 2 ] || { cat "$cache"; fail "a changed plugin reused the cached minimum heap"; }
grep -q "^c0000-r1,.*markcompact,binary-trees,.*,ok," "$work/results/runs.csv" ||
  grep -q "markcompact,binary-trees" "$work/results/runs.csv" || fail "no markcompact run in runs.csv"
awk -F, 'NR > 1 && $4 == "markcompact" && $12 != "ok" { bad = 1 } END { exit bad }' \
  "$work/results/runs.csv" || fail "a markcompact run did not end ok"

echo "== bad plugins"
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

echo "== broken plugins: one line naming the plugin, the collector and what is wrong"
bad="$work/bad"
# Its factory is an empty std::function: refused as it loads, by every command.
"$expect" "plugin '$bad/libempty_factory.so': collector 'empty-factory' has an empty factory" \
  "$gclab" list --plugin="$bad/libempty_factory.so"
# Its factory returns a null collector: refused before a results folder is made.
"$expect" "collector 'null-collector' (plugin '$bad/libnull_collector.so'): its factory returned no collector" \
  "$gclab" run --plugin="$bad/libnull_collector.so" --collectors=null-collector \
  --workloads=binary-trees --size=small --heap-mb=16 --reps=1 --out="$work/never"
[ ! -e "$work/never" ] || fail "a refused run left $work/never behind"
status=0
"$gclab" conformance --plugin="$bad/libnull_collector.so" --quick >"$work/null.log" 2>&1 || status=$?
[ "$status" = 1 ] && [ "$(wc -l <"$work/null.log")" = 1 ] &&
  grep -q "^gclab-conformance: cannot test: collector 'null-collector' (plugin '$bad/libnull_collector.so'): its factory returned no collector" \
  "$work/null.log" || { cat "$work/null.log"; fail "conformance on a null collector: exit $status"; }
# The ABI version without the other entry points: the missing ones are named.
"$expect" "exports gclab_plugin_abi_version but not gclab_plugin_collector_count or gclab_plugin_make_collector" \
  "$gclab" list --plugin="$bad/libabi_only.so"
# Init fails: every run of the matrix failed before it started, so the run fails.
status=0
"$gclab" run --plugin="$bad/libinit_error.so" --collectors=init-error --workloads=binary-trees \
  --size=small --heap-mb=16 --reps=1 --out="$work/init-error" >"$work/init.log" 2>&1 || status=$?
[ "$status" = 1 ] &&
  grep -q "^gclab: every run failed before it started (1 of 1); the first: the run could not start: collector 'init-error' (plugin '$bad/libinit_error.so') failed to start (Init): the init-error plugin refuses every heap" \
  "$work/init.log" || { cat "$work/init.log"; fail "a run whose collector cannot start: exit $status"; }
status=0
"$gclab" conformance --plugin="$bad/libinit_error.so" --quick >"$work/init-conf.log" 2>&1 || status=$?
[ "$status" = 1 ] &&
  grep -q "^gclab-conformance: cannot test: collector 'init-error' (plugin '$bad/libinit_error.so') failed to start (Init): the init-error plugin refuses every heap$" \
  "$work/init-conf.log" || { cat "$work/init-conf.log"; fail "conformance on a collector that cannot start: exit $status"; }
# It hangs in a collection: each test that collects fails at the per-test limit.
status=0
"$gclab" conformance --plugin="$bad/libhanging.so" --quick --test-timeout=2 --jobs=2 \
  >"$work/hang.log" 2>&1 || status=$?
[ "$status" = 1 ] &&
  grep -q "^\[  FAILED  \] quick: EveryCollector/ConformanceTest.GlobalRootsKeepObjectsAlive/hanging -- hung: no result within the per-test limit of 2 s (--test-timeout)$" \
  "$work/hang.log" || { tail -20 "$work/hang.log"; fail "a hanging collector was not failed at the limit: exit $status"; }
# ... and killing the suite (any signal) leaves no worker and no folder behind.
for signal in INT TERM KILL; do
  folders_before=$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'gclab-conformance-*' | wc -l)
  "$gclab" conformance --plugin="$bad/libhanging.so" --quick --jobs=2 >/dev/null 2>&1 &
  suite=$!
  for _ in $(seq 100); do pgrep -f "gclab-worker=.*" >/dev/null && break; sleep 0.1; done
  pgrep -f "libhanging.so.*gclab-worker=" >/dev/null || fail "no worker started"
  kill -"$signal" "$suite"
  wait "$suite" || true
  for _ in $(seq 50); do pgrep -f "libhanging.so.*gclab-worker=" >/dev/null || break; sleep 0.1; done
  ! pgrep -f "libhanging.so.*gclab-worker=" >/dev/null || fail "SIG$signal left workers running"
  folders_after=$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'gclab-conformance-*' | wc -l)
  [ "$folders_after" -le "$folders_before" ] || fail "SIG$signal left a gclab-conformance folder"
done
# It loses what only globals reach: the run says so, naming the plugin, even where
# the workload never reads the lost objects again.
"$gclab" run --plugin="$bad/liblosing.so" --collectors=losing --workloads=lru-cache \
  --size=small --heap-mb=64 --reps=1 --out="$work/losing" >"$work/losing.log" 2>&1 ||
  { cat "$work/losing.log"; fail "the run of a losing collector failed as a command"; }
grep -q "verify-failed .*: the heap verification at the end of the run found collector 'losing' (plugin '$bad/liblosing.so') lost or corrupted an object: global 'lru-cache.cache' points at" \
  "$work/losing.log" || { cat "$work/losing.log"; fail "the lost object was not named"; }
echo "all plugin tests passed"
