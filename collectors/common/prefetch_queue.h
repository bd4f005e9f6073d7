// File: collectors/common/prefetch_queue.h
//
// A short FIFO of slots whose targets have been prefetched: a tracing loop pushes each
// slot as it finds it and handles the slot that was pushed `kDistance` pushes earlier,
// so the cache misses on the objects it is about to read overlap instead of
// following one another (Cher, Hosking and Vijaykumar, "Software prefetching for
// mark-sweep garbage collection", ASPLOS 2004). A collector that copies a nursery the
// mutators wrote long ago misses the cache on nearly every header it reads.
//
// Handle(slot) must tolerate a slot it has handled already (the slot then no longer
// points where it did when it was pushed) and may push more slots.
#ifndef GCLAB_COLLECTORS_COMMON_PREFETCH_QUEUE_H_
#define GCLAB_COLLECTORS_COMMON_PREFETCH_QUEUE_H_

#include <array>
#include <cstddef>

#include "runtime/object.h"

namespace gclab {

template <typename Handle, size_t kDistance = 8>
class PrefetchQueue {
 public:
  explicit PrefetchQueue(Handle handle) : handle_(handle) {}

  // Queues `slot`, whose target the caller has decided is worth reading, and handles
  // the oldest queued slot if the queue is full.
  void Push(Ref* slot) {
    // For writing: the handler overwrites the header with a forwarding address.
    __builtin_prefetch(*slot, 1);
    if (count_ < kDistance) {
      slots_[(head_ + count_++) % kDistance] = slot;
      return;
    }
    Ref* oldest = slots_[head_];
    slots_[head_] = slot;
    head_ = (head_ + 1) % kDistance;
    handle_(oldest);
  }

  // Handles every queued slot (and what their handling queues in turn).
  void Drain() {
    while (count_ != 0) {
      Ref* oldest = slots_[head_];
      head_ = (head_ + 1) % kDistance;
      --count_;
      handle_(oldest);
    }
  }

  bool empty() const { return count_ == 0; }

 private:
  Handle handle_;
  std::array<Ref*, kDistance> slots_{};
  size_t head_ = 0;
  size_t count_ = 0;
};

}  // namespace gclab

#endif  // GCLAB_COLLECTORS_COMMON_PREFETCH_QUEUE_H_
