#include "harness/run/run_once.h"

#include <sys/resource.h>

#include <algorithm>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "harness/matrix/matrix.h"
#include "runtime/clock.h"
#include "runtime/out_of_memory.h"
#include "runtime/plugin_loader.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace gclab {

namespace {

// What the threads of the measured iteration report back.
struct ThreadTotals {
  Mutex mu;
  absl::Status first_error ABSL_GUARDED_BY(mu);
  uint64_t heap_bytes ABSL_GUARDED_BY(mu) = 0;
  uint64_t heap_objects ABSL_GUARDED_BY(mu) = 0;
  uint64_t stack_bytes ABSL_GUARDED_BY(mu) = 0;
  int64_t cpu_nanos ABSL_GUARDED_BY(mu) = 0;
  std::vector<std::vector<int64_t>> batches ABSL_GUARDED_BY(mu);
};

// Runs one thread's share of one iteration; `totals` is null for warm-up.
absl::Status RunThread(Workload& workload, Mutator& m, int thread, BatchTimer& timer,
                       ThreadTotals* totals) {
  const uint64_t heap_before = m.heap_bytes_allocated();
  const uint64_t objects_before = m.heap_objects_allocated();
  const uint64_t stack_before = m.stack_bytes_allocated();
  const int64_t cpu_before = ThreadCpuNanos();
  timer.Restart();
  RunContext context{.thread = thread, .timer = &timer};
  absl::Status status = CatchOutOfMemory([&] { workload.Run(m, context); });
  // The bookkeeping below touches no heap, and converting a million samples takes
  // milliseconds: blocked meanwhile, so that a pause requested now need not wait.
  BlockingScope bookkeeping(m);
  if (totals != nullptr) {
    MutexLock lock(&totals->mu);
    totals->heap_bytes += m.heap_bytes_allocated() - heap_before;
    totals->heap_objects += m.heap_objects_allocated() - objects_before;
    totals->stack_bytes += m.stack_bytes_allocated() - stack_before;
    totals->cpu_nanos += ThreadCpuNanos() - cpu_before;
    totals->batches[thread] = timer.Finish();
    if (totals->first_error.ok()) totals->first_error = status;
  }
  return status;
}

// Runs one iteration of the workload on timers.size() mutators: the main one and
// helpers, which attach for the iteration only.
absl::Status RunIteration(Runtime& rt, Workload& workload, Mutator& main,
                          std::vector<BatchTimer>& timers, ThreadTotals* totals) {
  const int threads = static_cast<int>(timers.size());
  std::vector<std::thread> helpers;
  absl::Status helper_status;
  Mutex helper_mu;
  for (int t = 1; t < threads; ++t) {
    helpers.emplace_back([&, t] {
      Mutator m(rt);
      absl::Status s = RunThread(workload, m, t, timers[t], totals);
      MutexLock lock(&helper_mu);
      if (helper_status.ok()) helper_status = s;
    });
  }
  absl::Status status = RunThread(workload, main, 0, timers[0], totals);
  {
    BlockingScope joining(main);
    for (std::thread& helper : helpers) helper.join();
  }
  MutexLock lock(&helper_mu);
  return status.ok() ? helper_status : status;
}

// The runtime of one run: the budget, escape analysis, room for the threads, the
// heap committed up front and events recorded as the spec says.
RuntimeConfig RuntimeConfigFor(const RunSpec& spec) {
  RuntimeConfig config;
  config.heap_bytes = spec.heap_bytes;
  config.escape_analysis = spec.escape_analysis;
  config.max_mutators = static_cast<size_t>(spec.params.threads) + 1;
  // Every collector starts with its whole budget committed, so page faults land
  // outside the measured iteration for all of them alike.
  config.prefault_heap = true;
  config.record_events = spec.instrument;
  if (spec.verify_heap.has_value()) config.verify_heap = *spec.verify_heap;
  return config;
}

// A plugin's collector has not passed the conformance suite in gclab's CI as the
// built-in ones have: its runs end with one heap verification, with the world stopped
// and outside the measured region, so that an object it lost is named even when the
// workload never touched that object again. (--verify checks after every collection,
// but not after the mutator ran on.)
absl::Status VerifyPluginHeapAtEnd(const RunSpec& spec, Runtime& rt, Mutator& main) {
  if (PluginOf(rt.collector().traits().name) == nullptr) return absl::OkStatus();
  while (!rt.safepoints().StopTheWorld(&main)) {
  }
  absl::Status status = rt.VerifyHeap(/*check_live_bytes=*/false);
  rt.safepoints().ResumeTheWorld(&main);
  if (status.ok()) return status;
  return absl::DataLossError(absl::StrCat("the heap verification at the end of the run found ",
                                          CollectorForMessages(spec.collector),
                                          " lost or corrupted an object: ", status.message()));
}

// Set-up, warm-up and one full collection, then (harness_begin) the measured
// iteration with the host sampled around it, then (harness_end) the workload's own
// verdict. Fills in `result`'s measurements; an error only when the run could not
// run at all.
absl::Status MeasureIteration(const RunSpec& spec, Runtime& rt, Workload& workload,
                              RunResult* result) {
  ThreadTotals totals;
  totals.batches.resize(spec.params.threads);
  Mutator main(rt);
  absl::Status outcome = CatchOutOfMemory([&] { workload.Setup(main); });
  std::vector<BatchTimer> idle_timers(spec.params.threads, BatchTimer(false));
  for (int i = 0; outcome.ok() && i < spec.warmup; ++i) {
    outcome = RunIteration(rt, workload, main, idle_timers, nullptr);
  }
  std::vector<BatchTimer> timers(
      spec.params.threads, BatchTimer(spec.instrument, workload.BatchesPerThread()));
  if (outcome.ok()) outcome = CatchOutOfMemory([&] { main.Collect(GcCause::kExplicit); });
  // harness_begin: from here on everything is measured.
  rt.events().Clear();
  const uint64_t collections_before = rt.collector().Usage().collections;
  HiccupMeter meter;
  if (spec.hiccup_meter) meter.Start();
  const double load_average = LoadAverage1m();
  const HostSample host_before = SampleHost();
  result->start_nanos = MonotonicNanos();
  if (outcome.ok()) {
    outcome = RunIteration(rt, workload, main, timers, &totals);
  }
  result->wall_nanos = MonotonicNanos() - result->start_nanos;
  {
    // The harness's own bookkeeping (reading /proc, joining the hiccup meter) must
    // not hold up a pause a concurrent collector requested while the workload ran:
    // that time to safepoint would be the harness's, recorded as the collector's.
    BlockingScope bookkeeping(main);
    const HostSample host_after = SampleHost();
    meter.Stop();
    result->host_noise = HostNoiseBetween(host_before, host_after);
  }
  // harness_end.
  result->host_noise.load_average_1m = load_average;
  result->hiccup_nanos = meter.hiccups();
  result->final_usage = rt.collector().Usage();
  result->collections = result->final_usage.collections - collections_before;
  {
    MutexLock lock(&totals.mu);
    result->heap_bytes_allocated = totals.heap_bytes;
    result->heap_objects_allocated = totals.heap_objects;
    result->stack_bytes_allocated = totals.stack_bytes;
    result->mutator_thread_cpu_nanos = totals.cpu_nanos;
    result->batch_nanos = std::move(totals.batches);
  }
  if (absl::IsResourceExhausted(outcome)) {
    result->status = RunStatus::kOutOfMemory;
    result->error = std::string(outcome.message());
  } else if (!outcome.ok()) {
    return outcome;
  } else if (absl::Status verified = workload.Verify(main); !verified.ok()) {
    result->status = RunStatus::kChecksumFailed;
    result->error = std::string(verified.message());
    if (PluginOf(rt.collector().traits().name) != nullptr) {
      absl::StrAppend(&result->error, " (", CollectorForMessages(spec.collector),
                      " lost or corrupted an object the workload reads; --verify names it)");
    }
  } else if (absl::Status heap = VerifyPluginHeapAtEnd(spec, rt, main); !heap.ok()) {
    result->status = RunStatus::kVerifyFailed;
    result->error = std::string(heap.message());
  } else {
    result->checksum = workload.Checksum();
  }
  result->ops = workload.ops();
  return absl::OkStatus();
}

// Keeps the events that began in the measured region, and the peak heap in use.
void KeepMeasuredEvents(Runtime& rt, RunResult* result) {
  // Only what began in the measured region: a concurrent collector may still pause
  // and work while the workload verifies its result, and that is not the run's.
  const int64_t harness_end = result->start_nanos + result->wall_nanos;
  for (const PauseRecord& pause : rt.events().pauses()) {
    if (pause.t_request <= harness_end) result->pauses.push_back(pause);
  }
  for (const PhaseRecord& phase : rt.events().phases()) {
    if (phase.t_begin <= harness_end) result->phases.push_back(phase);
  }
  for (const SiteDecisionRecord& decision : rt.events().site_decisions()) {
    if (decision.t <= harness_end) {
      result->site_decisions.push_back({decision, rt.code().site(decision.site).name});
    }
  }
  result->peak_heap_in_use = result->final_usage.in_use_bytes;
  for (const PauseRecord& pause : result->pauses) {
    result->peak_heap_in_use = std::max<size_t>(result->peak_heap_in_use, pause.heap_before);
  }
}

}  // namespace

absl::StatusOr<RunResult> RunOnce(const RunSpec& spec) {
  if (spec.params.threads < 1 || spec.params.threads > kMaxThreads) {
    return absl::InvalidArgumentError(absl::StrCat(
        "thread count ", spec.params.threads, " is out of range; valid: 1 to ", kMaxThreads));
  }
  if (spec.warmup < 0 || spec.warmup > kMaxWarmup) {
    return absl::InvalidArgumentError(
        absl::StrCat("warm-up count ", spec.warmup, " is out of range; valid: 0 to ", kMaxWarmup));
  }
  absl::StatusOr<std::unique_ptr<Collector>> collector =
      CollectorRegistry::Global().Create(spec.collector);
  if (!collector.ok()) return collector.status();
  absl::StatusOr<std::unique_ptr<Workload>> workload =
      WorkloadRegistry::Global().Create(spec.workload, spec.params);
  if (!workload.ok()) return workload.status();
  absl::StatusOr<std::unique_ptr<Runtime>> runtime =
      Runtime::Create(RuntimeConfigFor(spec), *std::move(collector));
  if (!runtime.ok()) return runtime.status();
  Runtime& rt = **runtime;
  (*workload)->Declare(rt.code(), rt.data());
  RunResult result;
  result.heap_bytes = rt.config().heap_bytes;  // page-aligned by Create
  if (absl::Status status = rt.Start(); absl::IsResourceExhausted(status)) {
    // A heap too small for the collector's layout (a nursery and an old space, say)
    // is out of memory, as a heap too small for the workload's data is: a minimum-heap
    // search bisects through both.
    result.status = RunStatus::kOutOfMemory;
    result.error = std::string(status.message());
    return result;
  } else if (!status.ok()) {
    return status;
  }
  if (absl::Status ran = MeasureIteration(spec, rt, **workload, &result); !ran.ok()) return ran;
  rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) == 0) result.peak_rss_bytes = size_t(usage.ru_maxrss) * 1024;
  KeepMeasuredEvents(rt, &result);
  return result;
}

}  // namespace gclab
