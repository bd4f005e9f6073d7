#include "harness/run_cell.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "runtime/sync.h"
#include "runtime/clock.h"
#include "runtime/out_of_memory.h"
#include "runtime/runtime.h"

namespace gclab {

absl::string_view CellStatusName(CellStatus status) {
  switch (status) {
    case CellStatus::kOk:
      return "ok";
    case CellStatus::kOutOfMemory:
      return "oom";
    case CellStatus::kChecksumFailed:
      return "checksum-failed";
  }
  return "?";
}

int64_t CellResult::total_pause_nanos() const {
  int64_t total = 0;
  for (const PauseRecord& pause : pauses) total += pause.duration();
  return total;
}

int64_t CellResult::max_pause_nanos() const {
  int64_t max = 0;
  for (const PauseRecord& pause : pauses) max = std::max(max, pause.duration());
  return max;
}

namespace {

// What the threads of the timed region report back.
struct ThreadTotals {
  Mutex mu;
  absl::Status first_error ABSL_GUARDED_BY(mu);
  uint64_t heap_bytes ABSL_GUARDED_BY(mu) = 0;
  uint64_t stack_bytes ABSL_GUARDED_BY(mu) = 0;
  int64_t cpu_nanos ABSL_GUARDED_BY(mu) = 0;

  void Add(const Mutator& m, uint64_t heap_before, uint64_t stack_before, int64_t cpu,
           const absl::Status& status) {
    MutexLock lock(&mu);
    heap_bytes += m.heap_bytes_allocated() - heap_before;
    stack_bytes += m.stack_bytes_allocated() - stack_before;
    cpu_nanos += cpu;
    if (first_error.ok()) first_error = status;
  }
};

void RunThread(Workload& workload, Mutator& m, int thread, ThreadTotals& totals) {
  const uint64_t heap_before = m.heap_bytes_allocated();
  const uint64_t stack_before = m.stack_bytes_allocated();
  const int64_t cpu_before = ThreadCpuNanos();
  absl::Status status = CatchOutOfMemory([&] { workload.Run(m, thread); });
  totals.Add(m, heap_before, stack_before, ThreadCpuNanos() - cpu_before, status);
}

}  // namespace

absl::StatusOr<CellResult> RunCell(const CellSpec& spec) {
  if (spec.params.threads < 1 || spec.params.threads > 256) {
    return absl::InvalidArgumentError(absl::StrCat(
        "thread count ", spec.params.threads, " is out of range; valid: 1 to 256"));
  }
  absl::StatusOr<std::unique_ptr<Collector>> collector =
      CollectorRegistry::Global().Create(spec.collector);
  if (!collector.ok()) return collector.status();
  absl::StatusOr<std::unique_ptr<Workload>> workload =
      WorkloadRegistry::Global().Create(spec.workload, spec.params);
  if (!workload.ok()) return workload.status();

  RuntimeConfig config;
  config.heap_bytes = spec.heap_bytes;
  config.escape_analysis = spec.escape_analysis;
  config.max_mutators = static_cast<size_t>(spec.params.threads) + 1;
  // Every collector starts with its whole budget committed, so page faults land
  // outside the timed region for all of them alike.
  config.prefault_heap = true;
  if (spec.verify_heap.has_value()) config.verify_heap = *spec.verify_heap;
  absl::StatusOr<std::unique_ptr<Runtime>> runtime =
      Runtime::Create(config, *std::move(collector));
  if (!runtime.ok()) return runtime.status();
  Runtime& rt = **runtime;
  (*workload)->Declare(rt.code(), rt.data());
  if (absl::Status status = rt.Start(); !status.ok()) return status;

  CellResult result;
  ThreadTotals totals;
  {
    Mutator main(rt);
    absl::Status setup = CatchOutOfMemory([&] {
      (*workload)->Setup(main);
      main.Collect(GcCause::kExplicit);
    });
    rt.events().Clear();
    const uint64_t collections_before = rt.collector().Usage().collections;
    const int64_t start = MonotonicNanos();
    if (setup.ok()) {
      std::vector<std::thread> helpers;
      for (int t = 1; t < spec.params.threads; ++t) {
        helpers.emplace_back([&, t] {
          Mutator m(rt);
          RunThread(**workload, m, t, totals);
        });
      }
      RunThread(**workload, main, 0, totals);
      BlockingScope joining(main);
      for (std::thread& helper : helpers) helper.join();
    } else {
      MutexLock lock(&totals.mu);
      totals.first_error = setup;
    }
    result.wall_nanos = MonotonicNanos() - start;
    result.collections = rt.collector().Usage().collections - collections_before;

    absl::Status outcome;
    {
      MutexLock lock(&totals.mu);
      outcome = totals.first_error;
      result.heap_bytes_allocated = totals.heap_bytes;
      result.stack_bytes_allocated = totals.stack_bytes;
      result.mutator_cpu_nanos = totals.cpu_nanos;
    }
    if (absl::IsResourceExhausted(outcome)) {
      result.status = CellStatus::kOutOfMemory;
      result.error = std::string(outcome.message());
    } else if (!outcome.ok()) {
      return outcome;
    } else if (absl::Status verified = (*workload)->Verify(main); !verified.ok()) {
      result.status = CellStatus::kChecksumFailed;
      result.error = std::string(verified.message());
    }
    result.ops = (*workload)->ops();
    result.final_usage = rt.collector().Usage();
  }
  result.pauses = rt.events().pauses();
  result.phases = rt.events().phases();
  return result;
}

}  // namespace gclab
