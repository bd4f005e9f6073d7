// File: collectors/concurrent/grey_pool.h
//
// The shared part of the concurrent collector's grey set: packets of work items that
// any marking thread may take. Each marking thread (the background marker, a mutator
// doing assist work, the thread in a pause) keeps its own stack of work items and
// trades whole packets with the pool, so the lock is taken once per packet, not once
// per object (the scheme of Go's gcWork and workbufs).
//
// Thread safety: all methods are thread-safe.
#ifndef GCLAB_COLLECTORS_CONCURRENT_GREY_POOL_H_
#define GCLAB_COLLECTORS_CONCURRENT_GREY_POOL_H_

#include <atomic>
#include <cstdint>
#include <utility>
#include <vector>

#include "runtime/object.h"
#include "runtime/sync.h"

namespace gclab {

// A grey object, or for a large pointer array, the chunk of it starting at element
// `begin` (an oblet, in Go's terms): scanning a chunk pushes the next one, so no
// thread scans a huge array in one go. Or, with `begin` kToShade, a reference a write
// barrier logged, not yet shaded: mutators hand their logs over as they are, and
// whichever marking thread takes the packet shades them.
struct GreyItem {
  static constexpr uint64_t kToShade = ~uint64_t{0};
  Ref object;
  uint64_t begin;
};

using GreyStack = std::vector<GreyItem>;

class GreyPool {
 public:
  // Moves all of `items` into the pool (as one packet) and leaves it empty.
  void Give(GreyStack& items) ABSL_LOCKS_EXCLUDED(mu_) {
    if (items.empty()) return;
    MutexLock lock(&mu_);
    packets_.push_back(std::move(items));
    items = GreyStack();
    packets_count_.fetch_add(1, std::memory_order_relaxed);
  }

  // Appends one packet to `into`; false if the pool is empty.
  bool Take(GreyStack& into) ABSL_LOCKS_EXCLUDED(mu_) {
    if (packets_count_.load(std::memory_order_relaxed) == 0) return false;
    MutexLock lock(&mu_);
    if (packets_.empty()) return false;
    GreyStack packet = std::move(packets_.back());
    packets_.pop_back();
    packets_count_.fetch_sub(1, std::memory_order_relaxed);
    if (into.empty()) {
      into = std::move(packet);
    } else {
      into.insert(into.end(), packet.begin(), packet.end());
    }
    return true;
  }

  // Racy hint: another thread may add or take a packet at any moment.
  bool LooksEmpty() const { return packets_count_.load(std::memory_order_relaxed) == 0; }

  void Clear() ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    packets_.clear();
    packets_count_.store(0, std::memory_order_relaxed);
  }

 private:
  Mutex mu_;
  std::vector<GreyStack> packets_ ABSL_GUARDED_BY(mu_);
  std::atomic<size_t> packets_count_{0};
};

}  // namespace gclab

#endif  // GCLAB_COLLECTORS_CONCURRENT_GREY_POOL_H_
