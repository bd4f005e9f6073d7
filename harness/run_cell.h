// File: harness/run_cell.h
//
// Runs one cell of a benchmark matrix (one collector, one workload, one heap size,
// one thread count) in this process, on a fresh runtime, and returns what happened.
// Measurement follows MMTk's harness_begin/harness_end: set-up and one full
// collection happen first, then the event log and counters are reset, then the timed
// region runs the workload's fixed amount of work.
#ifndef GCLAB_HARNESS_RUN_CELL_H_
#define GCLAB_HARNESS_RUN_CELL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/collector.h"
#include "runtime/events.h"
#include "workloads/workload.h"

namespace gclab {

struct CellSpec {
  std::string collector;  // name[:key=value...]
  std::string workload;
  WorkloadParams params;
  size_t heap_bytes = 64 * MiB;
  bool escape_analysis = true;
  std::optional<bool> verify_heap;  // default: on in GCLAB_CHECKS builds
};

// How a cell ended.
enum class CellStatus { kOk, kOutOfMemory, kChecksumFailed };
absl::string_view CellStatusName(CellStatus status);

struct CellResult {
  CellStatus status = CellStatus::kOk;
  std::string error;  // detail when status != kOk
  int64_t wall_nanos = 0;
  int64_t mutator_cpu_nanos = 0;
  uint64_t ops = 0;
  uint64_t heap_bytes_allocated = 0;
  uint64_t stack_bytes_allocated = 0;
  uint64_t collections = 0;
  HeapUsage final_usage;
  std::vector<PauseRecord> pauses;
  std::vector<PhaseRecord> phases;

  int64_t total_pause_nanos() const;
  int64_t max_pause_nanos() const;
};

// Fails (without running anything) on unknown names or an impossible configuration;
// out-of-memory and checksum failures are results, not errors.
absl::StatusOr<CellResult> RunCell(const CellSpec& spec);

}  // namespace gclab

#endif  // GCLAB_HARNESS_RUN_CELL_H_
