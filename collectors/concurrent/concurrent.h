// File: collectors/concurrent/concurrent.h
//
// concurrent: tri-colour mark-sweep whose marking runs in a background thread while
// mutators run, the design of Go's collector. Spaces: one MarkSweepSpace
// (collectors/common/mark_sweep_space.h), swept lazily against the live map while
// the next cycle's marks fill the other bitmap. See README.md for the algorithm, the
// barriers and the pacer; this header exists so that the collector's own tests can
// drive a cycle step by step (worker=manual).
//
// A cycle:
//   1. cycle-start pause: empty allocation buffers, switch the write barrier on,
//      allocate black from now on, shade every stack root.
//   2. concurrent mark: the marker thread scans the globals, then drains the grey
//      set; mutators that allocate faster than marking progresses assist.
//   3. mark-termination pause: flush every barrier log, (dijkstra: rescan stacks),
//      drain what is left; if that takes longer than a budget, resume and go back to
//      2. Else switch the barrier off and make this cycle's marks the live map.
//   4. concurrent sweep: the marker thread sorts blocks into free and to-sweep, and
//      clears the mark bitmap for the next cycle; mutators sweep blocks lazily.
//
// Thread safety: as the Collector interface says; the *ForTest methods only in
// worker=manual mode, from one mutator thread.
#ifndef GCLAB_COLLECTORS_CONCURRENT_CONCURRENT_H_
#define GCLAB_COLLECTORS_CONCURRENT_CONCURRENT_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <thread>
#include <vector>

#include "collectors/common/mark_sweep_space.h"
#include "collectors/common/byte_count.h"
#include "collectors/common/side_bitmap.h"
#include "collectors/concurrent/grey_pool.h"
#include "collectors/concurrent/pacer.h"
#include "runtime/collector.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace gclab {

struct ConcurrentOptions {
  BarrierKind barrier = BarrierKind::kHybrid;
  // Go's GOGC: the next cycle's heap goal is live * (1 + gogc / 100), at most the
  // budget's limit goal; nullopt (gogc=off): the limit goal alone. Off by default:
  // gclab compares collectors at one heap budget, and every other collector uses the
  // budget it is given; with gogc=100 this one would use about twice what is live
  // whatever the budget, so at a large heap it would be measured at a smaller one
  // (Go with GOGC=off and GOMEMLIMIT set behaves as the default here does).
  std::optional<int> gogc;
  // Target share of the machine's CPU for the background marker (Go: 25%).
  double marker_cpu = 0.25;
  // Test only (worker=manual): no background thread; cycles advance only through
  // *ForTest calls.
  bool manual = false;
  // Test only (test_barrier=off: false): mutators get no barrier at all, to show what
  // the barrier prevents.
  bool barrier_for_test = true;
};

// The options of a spec the registry has checked against the collector's table.
ConcurrentOptions ConcurrentOptionsFrom(const CollectorOptions& checked);

class Concurrent final : public Collector {
 public:
  explicit Concurrent(const ConcurrentOptions& options);
  ~Concurrent() override;

  const CollectorTraits& traits() const override;
  absl::Status Init(Runtime& runtime, std::span<std::byte> heap) override;
  void Shutdown() override;
  void AttachMutator(Mutator& mutator) override;
  void DetachMutator(Mutator& mutator) override;
  std::byte* AllocateSlow(Mutator& mutator, size_t bytes, const SiteInfo&) override;
  void FlushWriteBarrier(Mutator& mutator) override;
  void Collect(Mutator& mutator, GcCause cause, CollectionKind kind) override;
  HeapUsage Usage() const override;
  bool IsLiveObject(const Object* object) const override;

  // --- worker=manual: a cycle driven by the test, one step at a time. ---
  // The cycle-start pause.
  void BeginCycleForTest(Mutator& mutator);
  // Does up to `work` marking work (see Drain) on the calling thread, world running;
  // returns how many objects and oblets it scanned (0: no grey object left).
  size_t MarkStepForTest(size_t work);
  // Mark-termination pauses until marking is done, then sweeps.
  void FinishCycleForTest(Mutator& mutator);

 private:
  enum class CyclePhase : uint8_t { kIdle, kMarking, kSweeping };
  struct MutatorGcState : PerMutatorState {
    SweepCursor sweep[kNumSizeClasses];
    int64_t assist_credit = 0;  // bytes of marking done ahead of allocation
    size_t last_handout = 0;    // bytes of the last run or large object handed out
    GreyStack grey;             // for barrier flushes and assists
    // This mutator's shares of allocated_since_ and black_bytes_ not yet added.
    LocalByteCount allocated;
    LocalByteCount black;
  };

  // Allocation.
  std::byte* AllocateSmall(Mutator& mutator, size_t size_class);
  std::byte* AllocateLarge(Mutator& mutator, size_t bytes);

  // Pacing and assists.
  size_t HeapInUse() const;
  // Adds every mutator's unpublished allocation to the shared counts (world stopped).
  void PublishAllocationInPause();
  void CountHandOut(MutatorGcState& state, size_t bytes);
  void MaybeStartCycle(Mutator& mutator);
  void Assist(Mutator& mutator, size_t allocated_bytes);

  // Cycle steps.
  bool StartCycle(Mutator& mutator, GcCause cause);
  void BeginMarkingInPause(StopTheWorldScope& stw) ABSL_EXCLUSIVE_LOCKS_REQUIRED(cycle_mu_);
  // One mark-termination attempt; true if the cycle's marking is finished.
  bool TryTerminate(Mutator* requester) ABSL_LOCKS_EXCLUDED(cycle_mu_);
  void FinishMarkingInPause(StopTheWorldScope& stw, MarkingEnded how)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(cycle_mu_);
  // With the world stopped: the rest of this cycle's marking (barrier logs, dijkstra:
  // stacks, the grey objects left), draining for at most `drain_nanos` if non-zero.
  // True if marking is complete; else what is left goes back to the pool.
  bool MarkRestInPause(StopTheWorldScope& stw, int64_t drain_nanos)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(cycle_mu_);
  // With the world stopped: a whole collection from the roots, swept.
  void CollectEverythingInPause(StopTheWorldScope& stw, GcCause cause)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(cycle_mu_);
  // The whole collection in one pause; or, when the heap filled while a cycle
  // marked, the rest of that cycle's marking. False (not a whole collection) in that
  // case and if another thread stopped the world first.
  bool FullCollection(Mutator& mutator, GcCause cause);
  // Sorts up to `count` blocks into free / to-sweep; false when sweeping is done.
  bool SweepSome(size_t count);
  void FinishSweepAndClear();

  // Marking.
  SideBitmap& live_map() { return bitmaps_[live_index_.load(std::memory_order_relaxed)]; }
  const SideBitmap& live_map() const {
    return bitmaps_[live_index_.load(std::memory_order_relaxed)];
  }
  SideBitmap& mark_map() { return bitmaps_[1 - live_index_.load(std::memory_order_relaxed)]; }
  const SideBitmap& mark_map() const {
    return bitmaps_[1 - live_index_.load(std::memory_order_relaxed)];
  }
  GCLAB_ALWAYS_INLINE void Shade(Ref ref, GreyStack& grey);
  GCLAB_ALWAYS_INLINE void Shade(Ref ref, GreyStack& grey, SideBitmap& marks);
  void ShadeLog(Mutator& mutator, GreyStack& grey);
  void ShadeStacks(GreyStack& grey);
  void ShadeGlobals(GreyStack& grey);
  void FlushLogs(GreyStack& grey);
  // Scans grey objects from `grey` (refilled from the pool) until `max_work` is done
  // (objects, an oblet counting for its elements too), `deadline` passes (if
  // non-zero) or no grey object is left. Returns bytes scanned; adds the objects and
  // oblets scanned to *objects.
  size_t Drain(GreyStack& grey, size_t max_work, int64_t deadline, uint64_t* objects);

  // The background thread.
  void WorkerLoop();
  // Each returns false if it stopped early because a pause was requested.
  bool MarkConcurrently(uint64_t cycle);
  bool SweepConcurrently(uint64_t cycle);
  bool YieldIfAsked(GreyStack& grey);
  bool IdleCoreLikely() const;
  void StopWorkerForPause(Mutator& mutator) ABSL_LOCKS_EXCLUDED(cycle_mu_);
  BarrierKind EffectiveBarrier() const {
    return options_.barrier_for_test ? options_.barrier : BarrierKind::kNone;
  }
  static MutatorGcState& StateOf(Mutator& mutator) {
    return mutator.collector_state<MutatorGcState>();
  }
  void ResumeWorkerAfterPause() ABSL_LOCKS_EXCLUDED(cycle_mu_);

  static constexpr size_t kBlockBytes = MarkSweepSpace::kBlockBytes;

  const ConcurrentOptions options_;
  Runtime* runtime_ = nullptr;
  uintptr_t heap_begin_ = 0;
  uintptr_t heap_end_ = 0;
  double marker_share_ = 1.0;  // of one core, when it works
  unsigned cores_ = 1;

  // The fields below are grouped by which threads write them, each group on its own
  // cache lines, so that a counter the marker bumps shares no line with one that
  // every allocation slow path reads or writes. (On churn with one mutator this made
  // no measurable difference; the slow path's cost there was a locked add, see
  // byte_count.h.)
  static constexpr size_t kCacheLineBytes = 64;

  // Written in Init and in pauses only; read by every thread.
  // Two bitmaps: the live map (the last completed cycle's marks, by which sweeping
  // finds free cells) and the mark map this cycle fills. Termination swaps them.
  alignas(kCacheLineBytes) SideBitmap bitmaps_[2];
  std::atomic<int> live_index_{0};
  std::atomic<bool> marking_{false};
  std::atomic<size_t> marked_bytes_{0};    // live after the last cycle (Go's heap_marked)
  // Goal and trigger (read by every slow path) and what it learns from each cycle.
  std::optional<Pacer> pacer_;

  // Added to by allocating mutators, a share at a time (LocalByteCount).
  alignas(kCacheLineBytes) SharedByteCount allocated_since_;  // since the last termination
  SharedByteCount black_bytes_;  // handed out black this cycle

  // Written by marking threads (the marker, assists, pauses).
  alignas(kCacheLineBytes) std::atomic<size_t> scanned_bytes_{0};  // this cycle
  // Marking the background marker did this cycle that no assist has claimed yet
  // (Go's bgScanCredit): a mutator in debt takes it before marking itself.
  std::atomic<int64_t> background_credit_{0};
  std::atomic<int> assists_running_{0};
  std::atomic<bool> globals_pending_{false};
  alignas(kCacheLineBytes) GreyPool pool_;

  // The heap: blocks, lazy sweeping, and what was allocated since the last sweep.
  MarkSweepSpace space_;

  // The cycle, and the background thread's hand-shakes.
  Mutex cycle_mu_;
  CyclePhase phase_ ABSL_GUARDED_BY(cycle_mu_) = CyclePhase::kIdle;
  std::atomic<CyclePhase> phase_hint_{CyclePhase::kIdle};  // racy copy for fast checks
  uint64_t cycle_ ABSL_GUARDED_BY(cycle_mu_) = 0;          // cycles started
  std::atomic<uint64_t> completed_{0};                      // cycles whose marking ended
  GcCause cause_ ABSL_GUARDED_BY(cycle_mu_) = GcCause::kHeapTrigger;
  bool shutdown_ ABSL_GUARDED_BY(cycle_mu_) = false;
  std::atomic<bool> yield_requested_{false};
  int pause_requests_ ABSL_GUARDED_BY(cycle_mu_) = 0;
  bool worker_busy_ ABSL_GUARDED_BY(cycle_mu_) = false;
  // A cycle has started and the marker should take it up. Set after the start pause
  // rather than in it: waking a thread costs tens of microseconds on these machines.
  bool worker_wanted_ ABSL_GUARDED_BY(cycle_mu_) = false;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> cycle_number_{0};  // racy copy of cycle_, for records
  std::thread worker_;
};

}  // namespace gclab

#endif  // GCLAB_COLLECTORS_CONCURRENT_CONCURRENT_H_
