// Every flag of every command, defined once; harness/cli/command_table.cc says which
// command takes which.
#include "harness/cli/flags.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/flags/flag.h"

ABSL_FLAG(std::vector<std::string>, collectors, {"marksweep"},
          "comma list of collectors, each name[:key=value...]");
ABSL_FLAG(std::vector<std::string>, workloads, {"binary-trees"}, "comma list of workloads");
ABSL_FLAG(std::vector<std::string>, heap_mb, {},
          "comma list of heap sizes in MiB (default 64 unless --heap-x is given)");
ABSL_FLAG(std::vector<std::string>, heap_x, {},
          "comma list of heap sizes as multiples of the minimum heap of each collector "
          "for each workload");
ABSL_FLAG(std::vector<std::string>, threads, {"1"}, "comma list of mutator thread counts");
ABSL_FLAG(std::vector<std::string>, escape_analysis, {"on"},
          "comma list of on/off: whether non-escaping sites allocate in frame arenas");
ABSL_FLAG(std::string, reps, "1",
          "repetitions of every cell, each its own process; or auto: repeat each cell until "
          "its median wall time is known to --until-ci (see --max-reps)");
ABSL_FLAG(std::string, until_ci, "",
          "with --reps=auto: the width of the 95% interval of each cell's median wall time "
          "to reach, in percent of the median (default 5)");
ABSL_FLAG(std::string, max_reps, "",
          "with --reps=auto: the most repetitions of any cell (default 30)");
ABSL_FLAG(bool, rerun_noisy, false,
          "run again the runs of the results folder that were flagged noisy");
ABSL_FLAG(bool, hiccup_meter, true,
          "run a hiccup meter (a thread that sleeps 1 ms and records how late it wakes) "
          "during each measured iteration");
ABSL_FLAG(std::string, baseline, "", "compare: the baseline collector (A)");
ABSL_FLAG(std::string, candidate, "", "compare: the collector compared with it (B)");
ABSL_FLAG(std::vector<std::string>, metrics, {},
          "compare: runs.csv columns to compare (default wall_s,gc_cpu_s,pause_max_us,"
          "latency_p999_us)");
ABSL_FLAG(int, warmup, 0, "unmeasured iterations before the measured one, in each process");
ABSL_FLAG(std::string, size, "default", "workload size preset: small, default or large");
ABSL_FLAG(uint64_t, seed, 1, "seed for the run order and the workloads");
ABSL_FLAG(double, timeout, 600, "wall-clock limit of one run of the matrix, in seconds");
ABSL_FLAG(double, probe_timeout, 600,
          "wall-clock limit of one probe of a minimum-heap search, in seconds; a probe past "
          "it stops the search with an error (it is not taken as too small a heap)");
ABSL_FLAG(std::string, out, "",
          "results folder (default results/<UTC time>-<git commit>, -2, -3... added if taken)");
ABSL_FLAG(std::string, shard, "1/1", "run only the K-th of N shares of the runs: K/N");
ABSL_FLAG(bool, verify, false, "verify the heap after every collection (slow)");
ABSL_FLAG(bool, trace, false, "write a Chrome trace (trace.json) for every run");
ABSL_FLAG(bool, instrument, true, "record pauses, phases and batch latencies");
ABSL_FLAG(std::string, latency, "histogram",
          "how batch latencies are stored: histogram (log-linear, within 1%) or raw (the "
          "histograms and every batch time in batches.csv)");
ABSL_FLAG(std::string, minheap_cache, "results/minheap.csv", "minimum-heap cache file");
ABSL_FLAG(bool, refresh, false, "minheap: measure again even if cached");
ABSL_FLAG(bool, quick, false,
          "conformance: the conformance tests alone, in one pass (without the workloads, "
          "channels, graph stress and stress pass)");
ABSL_FLAG(int, jobs, 0, "conformance: worker processes at once (default: one per core)");
ABSL_FLAG(double, stress_seconds, 10,
          "conformance: how long the randomised graph stress runs on each collector");
ABSL_FLAG(double, test_timeout, 0,
          "conformance: seconds one test may take before it is failed as hung and its "
          "worker process killed (0: 300 more than --stress-seconds)");
ABSL_FLAG(std::string, spec, "", "internal: the run that `gclab run-once` performs, as JSON");
ABSL_FLAG(std::vector<std::string>, plugin, {},
          "comma list of collector plugins (shared libraries) to load first");
