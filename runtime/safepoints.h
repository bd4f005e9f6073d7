// File: runtime/safepoints.h
//
// Stopping the world. One mechanism for every collector: a thread that wants the
// world stopped raises the poll word; running mutators see it at their next Poll and
// park; mutators blocked in runtime waits already count as stopped. When every other
// mutator is parked or blocked the requester proceeds. Resuming lowers the word and
// wakes the parked threads.
//
// Use StopTheWorldScope (runtime.h), which also times and records the pause, rather
// than calling StopTheWorld/ResumeTheWorld directly.
//
// Thread safety: all methods are thread-safe. ForEachMutator may be called only by
// the thread that has stopped the world.
#ifndef GCLAB_RUNTIME_SAFEPOINTS_H_
#define GCLAB_RUNTIME_SAFEPOINTS_H_

#include <atomic>
#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "runtime/sync.h"
#include "runtime/mutator.h"

namespace gclab {

class Safepoints {
 public:
  Safepoints() = default;
  Safepoints(const Safepoints&) = delete;
  Safepoints& operator=(const Safepoints&) = delete;

  // The word Mutator::Poll reads: non-zero while a stop is requested or in force.
  const std::atomic<uint32_t>* poll_word() const { return &stop_requested_; }

  // Adds a running mutator (waits until no stop is in force) / removes one.
  void Register(Mutator& mutator) ABSL_LOCKS_EXCLUDED(mu_);
  void Unregister(Mutator& mutator) ABSL_LOCKS_EXCLUDED(mu_);

  // Called from Mutator::PollSlow: parks until the world resumes.
  void Park(Mutator& mutator) ABSL_LOCKS_EXCLUDED(mu_);
  // A runtime wait begins / ends (see BlockingScope).
  void EnterBlocking(Mutator& mutator) ABSL_LOCKS_EXCLUDED(mu_);
  void LeaveBlocking(Mutator& mutator) ABSL_LOCKS_EXCLUDED(mu_);

  // Stops every other mutator and returns true. If another thread stopped the world
  // first, parks `requester` until that stop ends and returns false without
  // stopping: the caller should retry whatever made it ask (the other thread has
  // probably collected already). `requester` is null for a collector's own thread
  // (not a mutator), which then just waits out the other stop.
  bool StopTheWorld(Mutator* requester) ABSL_LOCKS_EXCLUDED(mu_);
  void ResumeTheWorld(Mutator* requester) ABSL_LOCKS_EXCLUDED(mu_);

  // Calls visit(Mutator&) for every registered mutator, the requester included.
  // Only while the world is stopped, from the thread that stopped it.
  template <typename Visit>
  void ForEachMutator(Visit&& visit) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    for (Mutator* mutator : mutators_) visit(*mutator);
  }
  size_t num_mutators() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // Parks `mutator`, which is counted in running_, until no stop is in force.
  void ParkLocked(Mutator& mutator) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable Mutex mu_;
  std::atomic<uint32_t> stop_requested_{0};
  uint64_t resumes_ ABSL_GUARDED_BY(mu_) = 0;
  size_t running_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Mutator*> mutators_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gclab

#endif  // GCLAB_RUNTIME_SAFEPOINTS_H_
