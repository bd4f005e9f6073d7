// File: collectors/concurrent/pacer.h
//
// The pacer (Go's gcControllerState, mgcpacer.go): when a cycle must start so that
// marking ends before the heap reaches its goal, and how much marking a mutator owes
// for each byte it allocates while a cycle marks. A model with no threads and no
// heap of its own: the collector tells it what happened (a cycle started, marking
// ended), and it answers with numbers, so that pacer_test.cc can drive it through
// simulated cycles.
//
// Invariant it keeps: goal >= trigger >= marked, and the trigger lies within Go
// 1.19's bounds, 70% to 95% of the runway from the marked bytes to the goal; the
// goal is at most 95% of the budget (Go's memory limit), so a cycle always has room
// to finish before the heap is full.
//
// Who writes what: goal and trigger are written in pauses (Init, marking's end) and
// read by every mutator's slow path (atomics, relaxed); the running estimate of
// what mutators allocate while a cycle marks is read and written in pauses only.
#ifndef GCLAB_COLLECTORS_CONCURRENT_PACER_H_
#define GCLAB_COLLECTORS_CONCURRENT_PACER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace gclab {

// How a cycle's marking ended: what it says about the trigger.
enum class MarkingEnded : uint8_t {
  kConcurrently,    // the marker finished: the allocation seen while marking is a sample
  kHeapFull,        // the heap filled first: the trigger came too late
  kFullCollection,  // a whole collection in one pause: says nothing of the trigger
};

class Pacer {
 public:
  // The heap goal is at most this share of the budget (Go's memory limit).
  static constexpr double kLimitGoalFraction = 0.95;
  // A cycle starts once what is left of the runway from the live heap to the goal is
  // less than this margin times what mutators allocated while recent cycles marked,
  // within Go 1.19's trigger bounds: no earlier than 70% of the runway (an earlier
  // trigger tends to a cycle that never ends, every allocation black: assists and the
  // heap-full fallback cover what the marker cannot), no later than 95%. Before any
  // cycle has marked concurrently, at the earliest.
  static constexpr double kAllocationMargin = 1.2;
  static constexpr double kEarliestTriggerFraction = 0.7;
  static constexpr double kLatestTriggerFraction = 0.95;
  // Assist ratios are computed against at least this much runway, and capped.
  static constexpr double kMinRunwayBytes = 1 << 20;
  static constexpr double kMaxAssistRatio = 16.0;

  // `capacity_bytes`: the heap budget. `gogc` (Go's GOGC): the goal is
  // live * (1 + gogc / 100), at least 4 MiB (a quarter of a smaller budget), at most
  // the limit goal; nullopt: the limit goal alone. Goal and trigger start as for an
  // empty heap.
  Pacer(size_t capacity_bytes, std::optional<int> gogc);

  // World stopped, as a cycle starts marking with `in_use_bytes` in the heap.
  void CycleStarted(size_t in_use_bytes) { in_use_at_start_ = in_use_bytes; }

  // World stopped, as marking ends: `marked_bytes` are live (scanned and allocated
  // black), `in_use_bytes` in the heap. Learns from how marking ended, then sets the
  // next goal and trigger.
  void MarkingFinished(size_t marked_bytes, size_t in_use_bytes, MarkingEnded how);

  // Any thread: whether a cycle should start with `in_use_bytes` in the heap.
  bool ShouldStartCycle(size_t in_use_bytes) const {
    return in_use_bytes >= trigger_bytes_.load(std::memory_order_relaxed);
  }

  // Any thread, while a cycle marks: bytes of scanning owed per byte allocated (Go's
  // assist ratio): the scan work still expected this cycle (`expected_scan_bytes`,
  // the last cycle's marked bytes, less `scanned_bytes` so far) over the bytes that
  // may still be allocated before the heap reaches its goal.
  double AssistRatio(size_t expected_scan_bytes, size_t scanned_bytes,
                     size_t in_use_bytes) const;

  size_t goal_bytes() const { return goal_bytes_.load(std::memory_order_relaxed); }
  size_t trigger_bytes() const { return trigger_bytes_.load(std::memory_order_relaxed); }
  // What mutators allocate while a cycle marks: rising at once, falling halfway per
  // cycle (0 before the first cycle that marked concurrently).
  double allocated_while_marking() const { return allocated_while_marking_; }

 private:
  void SetGoalAndTrigger(size_t marked_bytes);

  const double capacity_;
  const std::optional<int> gogc_;
  std::atomic<size_t> goal_bytes_{0};
  std::atomic<size_t> trigger_bytes_{0};
  size_t in_use_at_start_ = 0;
  double allocated_while_marking_ = 0;
};

}  // namespace gclab

#endif  // GCLAB_COLLECTORS_CONCURRENT_PACER_H_
