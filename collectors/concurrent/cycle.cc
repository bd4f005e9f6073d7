// concurrent: the cycle, step by step (see concurrent.h for the whole): when it
// starts, the start pause, mark termination, the stop-the-world fallback when the
// heap fills, and explicit collections.
//
// Invariant: phase_ moves only idle -> marking -> sweeping -> idle, under cycle_mu_,
// and marking_ (which switches the barrier and allocate-black) changes only with the
// world stopped, so that every mutator sees a cycle's barrier from its start pause to
// its termination pause.
#include <algorithm>

#include "collectors/concurrent/concurrent.h"
#include "runtime/clock.h"

namespace gclab {
namespace {

// How long a mark-termination pause may drain the grey set (yuasa, hybrid) before
// it gives up, resumes the world and lets marking continue concurrently.
constexpr int64_t kTerminationDrainNanos = 100'000;

}  // namespace

void Concurrent::MaybeStartCycle(Mutator& mutator) {
  if (phase_hint_.load(std::memory_order_relaxed) != CyclePhase::kIdle) return;
  if (!pacer_->ShouldStartCycle(HeapInUse())) return;
  StartCycle(mutator, GcCause::kHeapTrigger);
}

bool Concurrent::StartCycle(Mutator& mutator, GcCause cause) {
  {
    MutexLock lock(&cycle_mu_);
    if (phase_ != CyclePhase::kIdle) return false;
  }
  {
    StopTheWorldScope stw(mutator, PauseKind::kCycleStart, cause);
    if (!stw.stopped()) return false;
    MutexLock lock(&cycle_mu_);
    if (phase_ != CyclePhase::kIdle) return false;  // started by another thread meanwhile
    cause_ = cause;
    BeginMarkingInPause(stw);
  }
  // Wake the marker only now: waking a thread costs tens of microseconds here, and
  // the world need not wait for it.
  MutexLock lock(&cycle_mu_);
  worker_wanted_ = true;
  return true;
}

void Concurrent::BeginMarkingInPause(StopTheWorldScope& stw) {
  cycle_ = stw.StartCycle();
  cycle_number_.store(cycle_, std::memory_order_relaxed);
  auto phase = stw.Phase(Phase::kRootScan);
  scanned_bytes_.store(0, std::memory_order_relaxed);
  background_credit_.store(0, std::memory_order_relaxed);
  PublishAllocationInPause();
  black_bytes_.Reset();
  pacer_->CycleStarted(HeapInUse());
  marking_.store(true, std::memory_order_relaxed);
  const BarrierKind barrier = EffectiveBarrier();
  runtime_->safepoints().ForEachMutator([&](Mutator& mutator) {
    // Emptied so that everything allocated from now on comes from black runs.
    mutator.ResetAllocBuffers();
    mutator.set_barrier(barrier);
    StateOf(mutator).assist_credit = 0;
  });
  // Stacks are scanned here, all at once (they are small next to the heap); globals
  // and the heap are marked concurrently.
  GreyStack grey;
  ShadeStacks(grey);
  pool_.Give(grey);
  globals_pending_.store(true, std::memory_order_release);
  phase_ = CyclePhase::kMarking;
  phase_hint_.store(CyclePhase::kMarking, std::memory_order_relaxed);
}

bool Concurrent::TryTerminate(Mutator* requester) {
  GcCause cause;
  {
    MutexLock lock(&cycle_mu_);
    if (phase_ != CyclePhase::kMarking) return true;
    cause = cause_;
  }
  StopTheWorldScope stw(*runtime_, requester, PauseKind::kMarkTermination, cause);
  if (!stw.stopped()) return false;
  MutexLock lock(&cycle_mu_);
  if (phase_ != CyclePhase::kMarking) return true;  // a full collection finished it
  // After a Dijkstra rescan the world must not run before marking is complete
  // (stacks would turn grey again); the other barriers allow giving up.
  const int64_t drain_nanos =
      options_.barrier == BarrierKind::kDijkstra ? 0 : kTerminationDrainNanos;
  if (!MarkRestInPause(stw, drain_nanos)) return false;
  FinishMarkingInPause(stw, MarkingEnded::kConcurrently);
  return true;
}

void Concurrent::FinishMarkingInPause(StopTheWorldScope& stw, MarkingEnded how) {
  PublishAllocationInPause();
  runtime_->safepoints().ForEachMutator([&](Mutator& mutator) {
    mutator.set_barrier(BarrierKind::kNone);
    mutator.ResetAllocBuffers();
    MutatorGcState& state = StateOf(mutator);
    for (SweepCursor& cursor : state.sweep) cursor = SweepCursor{};
    state.assist_credit = 0;
  });
  marking_.store(false, std::memory_order_relaxed);
  const size_t in_use = HeapInUse();
  const size_t marked = scanned_bytes_.load(std::memory_order_relaxed) + black_bytes_.total();
  marked_bytes_.store(marked, std::memory_order_relaxed);
  allocated_since_.Reset();
  pacer_->MarkingFinished(marked, in_use, how);
  // This cycle's marks become the live map; blocks are sorted against it by the
  // concurrent sweep, in a new epoch.
  live_index_.store(1 - live_index_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  space_.StartSweep();
  completed_.fetch_add(1, std::memory_order_relaxed);
  phase_ = CyclePhase::kSweeping;
  phase_hint_.store(CyclePhase::kSweeping, std::memory_order_relaxed);
  stw.VerifyHeapIfEnabled(/*check_live_bytes=*/false);
}

bool Concurrent::FullCollection(Mutator& mutator, GcCause cause) {
  StopWorkerForPause(mutator);
  bool collected = false;
  {
    StopTheWorldScope stw(mutator, PauseKind::kFull, cause);
    if (stw.stopped()) {
      MutexLock lock(&cycle_mu_);
      if (phase_ == CyclePhase::kMarking && cause == GcCause::kHeapFull) {
        // The heap filled while a cycle marked: finish that cycle's marking in this
        // pause (what is left of it, not all of it again), and let sweeping free the
        // rest as usual. It frees less than a whole collection (what was allocated
        // black survives), so it does not count towards out of memory: if it does
        // not make room, the next attempt collects everything from the roots.
        MarkRestInPause(stw, /*drain_nanos=*/0);
        FinishMarkingInPause(stw, MarkingEnded::kHeapFull);
      } else {
        CollectEverythingInPause(stw, cause);
        collected = true;
      }
    }
  }
  ResumeWorkerAfterPause();
  return collected;
}

bool Concurrent::MarkRestInPause(StopTheWorldScope& stw, int64_t drain_nanos) {
  stw.ContinueCycle(cycle_);
  GreyStack grey;
  {
    auto phase = stw.Phase(Phase::kRootScan);
    FlushLogs(grey);
    // Dijkstra's barrier does not cover stack slots: a stack may now hold the only
    // pointer to a white object, so every stack is scanned again, in the pause.
    if (options_.barrier == BarrierKind::kDijkstra) ShadeStacks(grey);
  }
  bool done;
  {
    auto phase = stw.Phase(Phase::kMark);
    const int64_t deadline = drain_nanos == 0 ? 0 : MonotonicNanos() + drain_nanos;
    uint64_t objects = 0;
    const size_t bytes = Drain(grey, SIZE_MAX, deadline, &objects);
    phase.set_work(bytes, objects);
    done = grey.empty() && pool_.LooksEmpty() &&
           !globals_pending_.load(std::memory_order_relaxed);
  }
  if (!done) pool_.Give(grey);
  return done;
}

void Concurrent::CollectEverythingInPause(StopTheWorldScope& stw, GcCause cause) {
  if (phase_ == CyclePhase::kSweeping) {
    stw.ContinueCycle(cycle_);  // the rest of the last cycle's sweep
    auto phase = stw.Phase(Phase::kSweep);
    FinishSweepAndClear();
    phase_ = CyclePhase::kIdle;
  }
  if (phase_ == CyclePhase::kIdle) {
    cause_ = cause;
    BeginMarkingInPause(stw);
  } else {
    // Marking was under way: start it again from nothing, so that what it
    // allocated black or kept through the barrier does not survive a collection
    // whose point is to free everything it can.
    stw.ContinueCycle(cycle_);
    mark_map().ClearAll();
    pool_.Clear();
    scanned_bytes_.store(0, std::memory_order_relaxed);
    PublishAllocationInPause();
    black_bytes_.Reset();
    globals_pending_.store(true, std::memory_order_relaxed);
  }
  GreyStack grey;
  {
    auto phase = stw.Phase(Phase::kRootScan);
    // With the world stopped from here to the end, the roots say everything.
    runtime_->safepoints().ForEachMutator(
        [](Mutator& mutator) { mutator.ClearWriteBarrierLog(); });
    ShadeStacks(grey);
  }
  {
    auto phase = stw.Phase(Phase::kMark);
    uint64_t objects = 0;
    const size_t bytes = Drain(grey, SIZE_MAX, 0, &objects);
    phase.set_work(bytes, objects);
  }
  FinishMarkingInPause(stw, MarkingEnded::kFullCollection);
  {
    auto phase = stw.Phase(Phase::kSweep);
    FinishSweepAndClear();
  }
  phase_ = CyclePhase::kIdle;
  phase_hint_.store(CyclePhase::kIdle, std::memory_order_relaxed);
}

// --- Explicit collections ---

void Concurrent::Collect(Mutator& mutator, GcCause cause, CollectionKind) {
  if (options_.manual) {
    FullCollection(mutator, cause);
    return;
  }
  // As Go's runtime.GC: a whole cycle that starts after this call, swept, before
  // returning. A cycle already marking does not count.
  uint64_t target;
  {
    MutexLock lock(&cycle_mu_);
    target = completed_.load(std::memory_order_relaxed) +
             (phase_ == CyclePhase::kMarking ? 2 : 1);
  }
  for (;;) {
    CyclePhase phase;
    {
      MutexLock lock(&cycle_mu_);
      if (completed_.load(std::memory_order_relaxed) >= target && phase_ == CyclePhase::kIdle) {
        return;
      }
      phase = phase_;
    }
    if (phase == CyclePhase::kIdle) {
      StartCycle(mutator, cause);
      continue;
    }
    BlockingScope blocking(mutator);
    MutexLock lock(&cycle_mu_);
    const uint64_t seen_cycle = cycle_;
    auto changed = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return phase_ != phase || cycle_ != seen_cycle || shutdown_;
    };
    cycle_mu_.Await(changed);
  }
}

// --- worker=manual ---

void Concurrent::BeginCycleForTest(Mutator& mutator) {
  GCLAB_CHECK(options_.manual, "BeginCycleForTest needs worker=manual");
  GCLAB_CHECK(StartCycle(mutator, GcCause::kExplicit), "BeginCycleForTest: a cycle is running");
}

size_t Concurrent::MarkStepForTest(size_t work) {
  GCLAB_CHECK(options_.manual, "MarkStepForTest needs worker=manual");
  GreyStack grey;
  uint64_t scanned = 0;
  Drain(grey, work, 0, &scanned);
  pool_.Give(grey);
  return scanned;
}

void Concurrent::FinishCycleForTest(Mutator& mutator) {
  GCLAB_CHECK(options_.manual, "FinishCycleForTest needs worker=manual");
  while (!TryTerminate(&mutator)) {
  }
  FinishSweepAndClear();
  MutexLock lock(&cycle_mu_);
  phase_ = CyclePhase::kIdle;
  phase_hint_.store(CyclePhase::kIdle, std::memory_order_relaxed);
}

}  // namespace gclab
