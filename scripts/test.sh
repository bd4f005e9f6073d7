#!/usr/bin/env bash
# Builds and runs every test. With no argument: the "test" preset (optimised, heap
# verification after every collection). Give presets to run others as well:
#   scripts/test.sh                 the test suite
#   scripts/test.sh test asan tsan  ... and under ASan+UBSan and TSan (a subset)
#   scripts/test.sh fuzz            the libFuzzer targets, 30 s each (scripts/fuzz.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(test)
for preset in "${presets[@]}"; do
  echo "== gclab tests: preset '$preset'"
  started=$SECONDS
  if [ "$preset" = fuzz ]; then
    # The libFuzzer targets, GCLAB_FUZZ_SECONDS (default 30) each.
    scripts/fuzz.sh "${GCLAB_FUZZ_SECONDS:-30}"
    echo "== gclab tests: preset '$preset' took $((SECONDS - started)) s"
    continue
  fi
  scripts/configure.sh "$preset"
  if [ "$preset" = tsan ]; then
    # ThreadSanitizer: the tests where threads share the heap (the concurrent
    # collector's own tests and its conformance runs, safepoints, channels, threads
    # allocating during collections, the multi-threaded workloads, the graph stress
    # of every collector); the whole suite is
    # too slow under TSan. Of the single-threaded workloads on the concurrent collector
    # (where its marker races the mutator), all twelve run with the hybrid barrier and
    # two with each of the others, escape analysis on. Left out: the ten-million-node
    # list (it checks that marking needs no recursion, which the test preset
    # covers; under TSan its three runs took 144 s of the 295 s the subset took), and
    # the steady-churn heap-growth test but for the hybrid barrier (100 s for the other
    # two; the churn workload still races each barrier's marker against its stores).
    cmake --build --preset tsan --target gclab_tests gclab_concurrent_test gclab_graph_stress
    # Of generational's barrier variants, the multi-threaded workloads run with the
    # default (field logging) only: the card and object barriers' races are the
    # conformance suite's and the graph stress's.
    ctest --preset tsan -R 'oncurrent|Safepoint|Threads|GraphStress' \
      -E 'TenMillionNodeList|SteadyChurnDoesNotGrowTheHeap/concurrent_barrier_(dijkstra|yuasa)|EveryWorkloadTest.*(escape_off|(dijkstra|yuasa)_(escape_return|slice_append|map_churn|string_build|closures|interface_boxing|pipeline|lru_cache|fragmentation|server))|WorkloadThreadsTest.*generational_barrier_'
  elif [ "$preset" = asan ]; then
    # The whole suite but the ten-million-node list (it checks that marking needs no
    # recursion, which the test preset covers; under ASan it took 70 s of the run) and
    # the noise-detection tests (they judge timings, which ASan slows threefold, and
    # run alone: 43 s with a core idle; the harness code they use runs in the others),
    # and the workloads on generational's card and object barriers (the default field
    # barrier runs them all; the other two run the conformance suite and the graph
    # stress here, and every workload in the test preset).
    cmake --build --preset asan
    ctest --preset asan -E 'TenMillionNodeList|NoiseTest|Workload.*Test.*generational_barrier_'
  else
    cmake --build --preset "$preset"
    ctest --preset "$preset"
  fi
  echo "== gclab tests: preset '$preset' took $((SECONDS - started)) s"
done
