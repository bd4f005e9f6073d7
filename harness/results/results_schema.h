// File: harness/results/results_schema.h
//
// The results schema, defined once: the CSV files of a results folder and of every
// run folder, and each file's columns in order, with what each runs.csv column is
// (results/README.md documents them). The writer (results.cc), the readers (merge,
// compare, resume) and the test of the Python loader's column lists all use these
// tables; a column is added, renamed or dropped here and nowhere else.
#ifndef GCLAB_HARNESS_RESULTS_SCHEMA_H_
#define GCLAB_HARNESS_RESULTS_SCHEMA_H_

#include <string>
#include <vector>

namespace gclab {

// Bumped whenever a file or column changes meaning; manifest.json carries it.
inline constexpr int kSchemaVersion = 7;

// What a runs.csv column holds: which run it is (kIdentity), a number measured per
// run (kMetric: what `gclab compare` compares), or words about the run (kNote).
enum class ColumnRole { kIdentity, kMetric, kNote };

// V(name, role)
#define GCLAB_RUNS_CSV_COLUMNS(V)                                                        \
  V(run_key, kIdentity) V(cell, kIdentity) V(rep, kIdentity) V(collector, kIdentity)     \
  V(workload, kIdentity) V(size, kIdentity) V(heap_bytes, kIdentity) V(heap_x, kIdentity) \
  V(threads, kIdentity) V(escape_analysis, kIdentity) V(seed, kIdentity)                 \
  V(status, kNote) V(error, kNote)                                                       \
  V(wall_s, kMetric) V(mutator_cpu_s, kMetric) V(gc_cpu_s, kMetric) V(ops, kMetric)      \
  V(ops_per_s, kMetric) V(checksum, kNote) V(heap_alloc_bytes, kMetric)                  \
  V(heap_alloc_objects, kMetric) V(stack_alloc_bytes, kMetric)                           \
  V(heap_alloc_mb_per_s, kMetric) V(stack_alloc_mb_per_s, kMetric)                       \
  V(collections, kMetric) V(pauses, kMetric) V(pause_total_ms, kMetric)                  \
  V(pause_p50_us, kMetric) V(pause_p90_us, kMetric) V(pause_p99_us, kMetric)             \
  V(pause_p999_us, kMetric) V(pause_max_us, kMetric) V(ttsp_p99_us, kMetric)             \
  V(ttsp_max_us, kMetric) V(mmu_1ms, kMetric) V(mmu_10ms, kMetric)                       \
  V(mmu_100ms, kMetric) V(mmu_1s, kMetric) V(latency_batches, kMetric)                   \
  V(latency_p50_us, kMetric) V(latency_p99_us, kMetric) V(latency_p999_us, kMetric)      \
  V(latency_max_us, kMetric) V(latency_metered_p50_us, kMetric)                          \
  V(latency_metered_p99_us, kMetric) V(latency_metered_p999_us, kMetric)                 \
  V(latency_metered_max_us, kMetric) V(peak_heap_in_use_bytes, kMetric)                  \
  V(peak_rss_bytes, kMetric) V(process_cpu_s, kMetric) V(cpu_per_wall, kMetric)          \
  V(voluntary_switches, kMetric) V(involuntary_switches, kMetric)                        \
  V(page_faults, kMetric) V(mutator_wait_s, kMetric) V(other_cpu_s, kMetric)             \
  V(steal_s, kMetric) V(loadavg_1m, kMetric) V(hiccup_p50_us, kMetric)                   \
  V(hiccup_p99_us, kMetric) V(hiccup_p999_us, kMetric) V(hiccup_max_us, kMetric)         \
  V(noisy, kNote) V(noisy_because, kNote)

inline constexpr char kRunsFile[] = "runs.csv";
inline constexpr char kPausesFile[] = "pauses.csv";
inline constexpr char kPhasesFile[] = "phases.csv";
inline constexpr char kLatencyFile[] = "latency.csv";
inline constexpr char kBatchesFile[] = "batches.csv";
inline constexpr char kSiteDecisionsFile[] = "site_decisions.csv";

// V(file name, the columns' names, in order)
#define GCLAB_RESULT_FILES(V)                                                             \
  V(kRunsFile, RunColumns())                                                             \
  V(kPausesFile, {"run_key", "cycle", "kind", "cause", "start_ms", "duration_us",      \
                   "ttsp_us", "heap_before_bytes", "heap_after_bytes"})                  \
  V(kPhasesFile, {"run_key", "cycle", "phase", "in_pause", "thread", "start_ms",       \
                   "duration_us", "cpu_us", "bytes", "objects"})                         \
  V(kLatencyFile, {"run_key", "kind", "lower_ns", "upper_ns", "count"})                \
  V(kBatchesFile, {"run_key", "thread", "batch", "duration_us"})                         \
  V(kSiteDecisionsFile, {"run_key", "cycle", "start_ms", "site", "placement", "measured", \
                         "basis_bytes"})

// The columns of runs.csv, in order, and what each holds.
const std::vector<std::string>& RunColumns();
ColumnRole RoleOfRunColumn(const std::string& column);  // kNote for unknown names
bool IsRunMetric(const std::string& column);

// The CSV files of every run folder and of the results folder, in file order, and
// the columns of each (null for any other name).
const std::vector<std::string>& ResultFileNames();
const std::vector<std::string>* ColumnsOfResultFile(const std::string& file_name);

}  // namespace gclab

#endif  // GCLAB_HARNESS_RESULTS_SCHEMA_H_
