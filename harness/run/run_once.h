// File: harness/run/run_once.h
//
// Runs one run of a benchmark matrix (one collector, one workload, one heap size, one
// thread count, one escape-analysis setting) in this process, on a fresh runtime, and
// returns everything that happened. Measurement follows MMTk's harness_begin /
// harness_end: set-up, warm-up iterations and one full collection happen first, then
// the event log is cleared, then the measured iteration runs the workload's fixed
// amount of work.
#ifndef GCLAB_HARNESS_RUN_ONCE_H_
#define GCLAB_HARNESS_RUN_ONCE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "harness/results/run_record.h"
#include "runtime/collector.h"
#include "runtime/events.h"
#include "workloads/workload.h"

namespace gclab {

struct RunSpec {
  std::string collector;  // name[:key=value...]
  std::string workload;
  WorkloadParams params;
  size_t heap_bytes = 64 * MiB;
  bool escape_analysis = true;
  std::optional<bool> verify_heap;  // default: on in GCLAB_CHECKS builds
  int warmup = 0;                   // unmeasured iterations before the measured one
  bool instrument = true;           // record events and batch latencies
  bool hiccup_meter = true;         // run a HiccupMeter over the measured iteration
};

// Fails (without running anything) on unknown names or an impossible configuration;
// out-of-memory and checksum failures are results, not errors.
absl::StatusOr<RunResult> RunOnce(const RunSpec& spec);

}  // namespace gclab

#endif  // GCLAB_HARNESS_RUN_ONCE_H_
