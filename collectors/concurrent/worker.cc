// concurrent: the background thread. It takes up each cycle after its start pause,
// marks within its CPU share, tries to terminate when the grey set looks empty, then
// sweeps; and it steps aside whenever a thread needs the world stopped for a pause it
// cannot share with a marker (a full collection).
//
// Invariant: while pause_requests_ > 0 the worker is idle (worker_busy_ false) or
// about to be, having returned its grey objects to the pool.
#include <chrono>
#include <thread>

#include "collectors/concurrent/concurrent.h"
#include "runtime/clock.h"

namespace gclab {
namespace {

// The marker works in slices of this length, then sleeps to keep its CPU share.
constexpr int64_t kMarkerSliceNanos = 500'000;
// The marker hands half its grey stack to the pool when the pool is empty and its
// stack is longer than this, so that assists find work.
constexpr size_t kDonateThreshold = 256;

}  // namespace

void Concurrent::WorkerLoop() {
  bool interrupted = false;  // by a pause request: look at the phase again after it
  for (;;) {
    CyclePhase phase;
    uint64_t cycle;
    {
      MutexLock lock(&cycle_mu_);
      worker_busy_ = false;
      worker_wanted_ = worker_wanted_ || interrupted;
      auto has_work = [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return shutdown_ || (pause_requests_ == 0 && worker_wanted_);
      };
      cycle_mu_.Await(has_work);
      if (shutdown_) return;
      worker_wanted_ = false;
      worker_busy_ = true;
      phase = phase_;
      cycle = cycle_;
    }
    // A cycle the marker finishes goes straight on to its sweep.
    interrupted = (phase == CyclePhase::kMarking && !MarkConcurrently(cycle)) ||
                  (phase != CyclePhase::kIdle && !SweepConcurrently(cycle));
  }
}

bool Concurrent::IdleCoreLikely() const {
  // Go runs idle-priority mark workers on processors with nothing else to do; the
  // marker does the same when there are more cores than mutators and itself.
  return runtime_->safepoints().num_mutators() + 1 <= cores_;
}

bool Concurrent::YieldIfAsked(GreyStack& grey) {
  if (!yield_requested_.load(std::memory_order_acquire) &&
      !stopping_.load(std::memory_order_relaxed)) {
    return false;
  }
  pool_.Give(grey);
  return true;
}

bool Concurrent::MarkConcurrently(uint64_t cycle) {
  GreyStack grey;
  int64_t slice_start = MonotonicNanos();
  for (;;) {
    {
      PhaseScope phase(runtime_->events(), cycle, Phase::kMark, /*in_pause=*/false,
                       /*on_mutator=*/false);
      uint64_t objects = 0;
      size_t bytes = 0;
      for (;;) {
        if (YieldIfAsked(grey)) {
          phase.set_work(bytes, objects);
          return false;
        }
        uint64_t scanned = 0;
        const size_t drained = Drain(grey, 512, 0, &scanned);
        background_credit_.fetch_add(static_cast<int64_t>(drained), std::memory_order_relaxed);
        bytes += drained;
        objects += scanned;
        if (scanned == 0) {
          if (assists_running_.load(std::memory_order_acquire) == 0 && pool_.LooksEmpty()) break;
          std::this_thread::yield();
          continue;
        }
        if (grey.size() > kDonateThreshold && pool_.LooksEmpty()) {
          GreyStack half(grey.begin(), grey.begin() + grey.size() / 2);
          grey.erase(grey.begin(), grey.begin() + grey.size() / 2);
          pool_.Give(half);
        }
        if (marker_share_ < 1.0 && MonotonicNanos() - slice_start > kMarkerSliceNanos &&
            !IdleCoreLikely()) {
          // Keep to the CPU share: sleep in proportion to the slice just worked.
          const int64_t worked = MonotonicNanos() - slice_start;
          pool_.Give(grey);  // let assists take over while the marker sleeps
          std::this_thread::sleep_for(std::chrono::nanoseconds(
              static_cast<int64_t>(worked * (1.0 / marker_share_ - 1.0))));
          slice_start = MonotonicNanos();
        }
      }
      phase.set_work(bytes, objects);
    }
    // The grey set looks empty: try to finish marking in a short pause.
    if (TryTerminate(nullptr)) return true;
    slice_start = MonotonicNanos();
  }
}

bool Concurrent::SweepConcurrently(uint64_t cycle) {
  {
    PhaseScope phase(runtime_->events(), cycle, Phase::kSweep, /*in_pause=*/false,
                     /*on_mutator=*/false);
    while (SweepSome(256)) {
      if (yield_requested_.load(std::memory_order_acquire)) return false;
    }
    mark_map().ClearAll();
  }
  MutexLock lock(&cycle_mu_);
  if (phase_ == CyclePhase::kSweeping && cycle_ == cycle) {
    phase_ = CyclePhase::kIdle;
    phase_hint_.store(CyclePhase::kIdle, std::memory_order_relaxed);
  }
  return true;
}

void Concurrent::StopWorkerForPause(Mutator& mutator) {
  // Blocked, so that the worker can still stop the world (to finish a cycle) while
  // this thread waits for it.
  BlockingScope blocking(mutator);
  MutexLock lock(&cycle_mu_);
  ++pause_requests_;
  yield_requested_.store(true, std::memory_order_release);
  auto worker_idle = [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return !worker_busy_; };
  cycle_mu_.Await(worker_idle);
}

void Concurrent::ResumeWorkerAfterPause() {
  MutexLock lock(&cycle_mu_);
  if (--pause_requests_ == 0) yield_requested_.store(false, std::memory_order_release);
}

}  // namespace gclab
