// File: runtime/out_of_memory.h
//
// Heap exhaustion. A collector that cannot satisfy an allocation even after a full
// collection throws OutOfMemory from its slow path. The exception unwinds the
// workload's FrameScopes (popping its frames in order, so the runtime stays
// consistent) up to the caller of the workload, which turns it back into the
// absl::Status it carries. This is the one place gclab uses an exception: it is the
// only way out of a deep recursion that leaves every frame popped.
#ifndef GCLAB_RUNTIME_OUT_OF_MEMORY_H_
#define GCLAB_RUNTIME_OUT_OF_MEMORY_H_

#include <cstddef>
#include <exception>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace gclab {

class OutOfMemory : public std::exception {
 public:
  explicit OutOfMemory(absl::Status status)
      : status_(std::move(status)), message_(status_.ToString()) {}
  const absl::Status& status() const { return status_; }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  absl::Status status_;
  std::string message_;
};

// How many full collections a thread runs itself, each followed by a failed
// allocation, before it reports out of memory. One would do if it ran alone; but
// with more runnable threads than cores, the others may use up all that a
// collection freed before this thread is scheduled again, and a heap that is merely
// tight must not be reported as exhausted.
inline constexpr int kOwnCollectionsBeforeOutOfMemory = 4;

// The allocation slow path's retry policy, shared by every collector that collects:
// `try_allocate()` returns memory or null; on null, `collect()` runs a full collection
// and returns false if another thread's collection came first (it does not count);
// after kOwnCollectionsBeforeOutOfMemory own collections that did not make room,
// throws OutOfMemory with `exhausted()`'s status.
template <typename TryAllocate, typename Collect, typename Exhausted>
std::byte* AllocateOrCollect(TryAllocate&& try_allocate, Collect&& collect,
                             Exhausted&& exhausted) {
  for (int own_collections = 0;;) {
    if (std::byte* memory = try_allocate()) return memory;
    if (own_collections == kOwnCollectionsBeforeOutOfMemory) throw OutOfMemory(exhausted());
    if (collect()) ++own_collections;
  }
}

// The status a collector reports when `request_bytes` cannot be allocated in a
// heap of `heap_bytes` holding `live_bytes` (as of its last full collection, or
// everything allocated for a collector that never collects).
absl::Status OutOfMemoryStatus(absl::string_view collector, size_t heap_bytes,
                               size_t live_bytes, size_t request_bytes);

// Runs `body`, turning an OutOfMemory thrown inside it into its status.
template <typename Body>
absl::Status CatchOutOfMemory(Body&& body) {
  try {
    body();
  } catch (const OutOfMemory& oom) {
    return oom.status();
  }
  return absl::OkStatus();
}

}  // namespace gclab

#endif  // GCLAB_RUNTIME_OUT_OF_MEMORY_H_
