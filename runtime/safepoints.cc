#include "runtime/safepoints.h"

#include <algorithm>

namespace gclab {

namespace {
// Where a blocked mutator's poll_word_ points: never zero, so its next poll traps.
const std::atomic<uint32_t> kBlockedPollWord{1};
}  // namespace

void Safepoints::ParkLocked(Mutator& mutator) {
  // Only a running mutator is counted in running_; parking any other would count it
  // out twice and let the world look stopped while a thread runs.
  GCLAB_CHECK(mutator.safepoint_state_ == MutatorState::kRunning,
              "a mutator parked at a safepoint while not running (inside a BlockingScope?)");
  mutator.safepoint_state_ = MutatorState::kParked;
  --running_;
  // Loop: the world may be stopped again before this thread gets to run.
  while (stop_requested_.load(std::memory_order_relaxed) != 0) {
    const uint64_t resumes = resumes_;
    auto resumed = [this, resumes]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return resumes_ != resumes;
    };
    mu_.Await(resumed);
  }
  mutator.safepoint_state_ = MutatorState::kRunning;
  ++running_;
}

void Safepoints::Register(Mutator& mutator) {
  MutexLock lock(&mu_);
  auto not_stopped = [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return stop_requested_.load(std::memory_order_relaxed) == 0;
  };
  mu_.Await(not_stopped);
  mutators_.push_back(&mutator);
  mutator.safepoint_state_ = MutatorState::kRunning;
  ++running_;
}

void Safepoints::Unregister(Mutator& mutator) {
  GCLAB_CHECK(!mutator.in_blocking_scope(), "a Mutator destroyed inside a BlockingScope");
  MutexLock lock(&mu_);
  // No parking here even if a stop is pending: the mutator has already detached from
  // its collector, so the stopping thread must not see it; leaving the list (and the
  // running count) lets that stop proceed without it.
  mutators_.erase(std::find(mutators_.begin(), mutators_.end(), &mutator));
  --running_;
}

void Safepoints::Park(Mutator& mutator) {
  MutexLock lock(&mu_);
  if (stop_requested_.load(std::memory_order_relaxed) != 0) ParkLocked(mutator);
}

void Safepoints::EnterBlocking(Mutator& mutator) {
  GCLAB_CHECK(!mutator.in_blocking_scope(), "BlockingScopes do not nest");
  MutexLock lock(&mu_);
  mutator.safepoint_state_ = MutatorState::kBlocked;
  --running_;
  // Until LeaveBlocking, the mutator counts as stopped while its thread runs on:
  // make every way back into the heap trap instead of racing a collection.
  mutator.fast_path_outside_blocking_ = mutator.fast_path_;
  mutator.fast_path_ = AllocFastPath::kNone;
  mutator.poll_word_ = &kBlockedPollWord;
}

void Safepoints::LeaveBlocking(Mutator& mutator) {
  GCLAB_CHECK(mutator.in_blocking_scope(), "LeaveBlocking without EnterBlocking");
  MutexLock lock(&mu_);
  auto not_stopped = [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return stop_requested_.load(std::memory_order_relaxed) == 0;
  };
  mu_.Await(not_stopped);
  mutator.safepoint_state_ = MutatorState::kRunning;
  ++running_;
  mutator.fast_path_ = mutator.fast_path_outside_blocking_;
  mutator.poll_word_ = &stop_requested_;
}

bool Safepoints::StopTheWorld(Mutator* requester) {
  GCLAB_CHECK(requester == nullptr || !requester->in_blocking_scope(),
              "a mutator inside a BlockingScope asked to stop the world");
  MutexLock lock(&mu_);
  if (stop_requested_.load(std::memory_order_relaxed) != 0) {
    if (requester != nullptr) {
      ParkLocked(*requester);
    } else {
      const uint64_t resumes = resumes_;
      auto resumed = [this, resumes]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return resumes_ != resumes;
      };
      mu_.Await(resumed);
    }
    return false;
  }
  stop_requested_.store(1, std::memory_order_relaxed);
  if (requester != nullptr) {
    requester->safepoint_state_ = MutatorState::kStopping;
    --running_;
  }
  auto all_stopped = [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return running_ == 0; };
  mu_.Await(all_stopped);
  return true;
}

void Safepoints::ResumeTheWorld(Mutator* requester) {
  MutexLock lock(&mu_);
  stop_requested_.store(0, std::memory_order_relaxed);
  ++resumes_;
  if (requester != nullptr) {
    requester->safepoint_state_ = MutatorState::kRunning;
    ++running_;
  }
}

size_t Safepoints::num_mutators() const {
  MutexLock lock(&mu_);
  return mutators_.size();
}

}  // namespace gclab
