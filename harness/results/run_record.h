// File: harness/results/run_record.h
//
// What one run of a matrix yields: how it ended (RunStatus) and, when it ran in this
// process, everything it measured (RunResult). The run layer fills it in; the results
// layer writes it down.
#ifndef GCLAB_HARNESS_RESULTS_RUN_RECORD_H_
#define GCLAB_HARNESS_RESULTS_RUN_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "harness/results/host_noise.h"
#include "runtime/collector.h"
#include "runtime/events.h"

namespace gclab {

// How a run ended. The first three are decided in the process that ran it; the
// others by the harness that watched the process.
#define GCLAB_FOR_EACH_RUN_STATUS(V)      \
  V(kOk, "ok")                            \
  V(kOutOfMemory, "oom")                  \
  V(kChecksumFailed, "checksum-failed")   \
  V(kVerifyFailed, "verify-failed")       \
  V(kCrash, "crash")                      \
  V(kTimeout, "timeout")

#define GCLAB_ENUM_ENTRY(name, text) name,
enum class RunStatus { GCLAB_FOR_EACH_RUN_STATUS(GCLAB_ENUM_ENTRY) };
#undef GCLAB_ENUM_ENTRY
absl::string_view RunStatusName(RunStatus status);
std::optional<RunStatus> ParseRunStatus(absl::string_view name);

// A collector's change of where a site's objects go, with the site's name.
struct NamedSiteDecision {
  SiteDecisionRecord decision;
  std::string site;
};

struct RunResult {
  RunStatus status = RunStatus::kOk;
  std::string error;  // detail when status != kOk
  int64_t start_nanos = 0;  // MonotonicNanos() at the start of the measured iteration
  int64_t wall_nanos = 0;
  int64_t mutator_thread_cpu_nanos = 0;  // CPU of mutator threads, GC work in pauses included
  uint64_t ops = 0;
  uint64_t heap_bytes_allocated = 0;
  uint64_t heap_objects_allocated = 0;
  uint64_t stack_bytes_allocated = 0;
  uint64_t checksum = 0;  // Workload::Checksum() of the measured iteration, when it verified
  uint64_t collections = 0;
  size_t heap_bytes = 0;
  size_t peak_heap_in_use = 0;
  size_t peak_rss_bytes = 0;
  HeapUsage final_usage;
  std::vector<PauseRecord> pauses;
  std::vector<PhaseRecord> phases;
  std::vector<NamedSiteDecision> site_decisions;  // warm-up's included (negative start)
  std::vector<std::vector<int64_t>> batch_nanos;  // per thread
  HostNoise host_noise;                           // over the measured iteration
  std::vector<int64_t> hiccup_nanos;              // the HiccupMeter's, if it ran

  int64_t total_pause_nanos() const;
  int64_t max_pause_nanos() const;
};

}  // namespace gclab

#endif  // GCLAB_HARNESS_RESULTS_RUN_RECORD_H_
