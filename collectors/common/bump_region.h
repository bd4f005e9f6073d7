// File: collectors/common/bump_region.h
//
// A contiguous region handed out by bumping one shared frontier with compare-and-
// swap: the allocator behind nogc and each semispace of copying. Mutators take
// chunks (thread-local allocation buffers) from it on their slow path, so the shared
// word is touched once per chunk, not once per object.
//
// Thread safety: Take and used() may race with each other; Reset only with the world
// stopped.
#ifndef GCLAB_COLLECTORS_COMMON_BUMP_REGION_H_
#define GCLAB_COLLECTORS_COMMON_BUMP_REGION_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>

#include "runtime/mutator.h"

namespace gclab {

class BumpRegion {
 public:
  // Mutators refill their buffer with chunks of this size; larger objects, from a
  // quarter chunk up, are taken on their own so a chunk is never mostly wasted.
  static constexpr size_t kChunkBytes = 32 * KiB;

  // Hands out [begin, end), starting at `frontier`.
  void Reset(uintptr_t begin, uintptr_t end, uintptr_t frontier) {
    begin_ = begin;
    end_ = end;
    frontier_.store(frontier, std::memory_order_relaxed);
  }

  uintptr_t begin() const { return begin_; }
  uintptr_t end() const { return end_; }
  uintptr_t frontier() const { return frontier_.load(std::memory_order_relaxed); }
  size_t used() const { return frontier() - begin_; }
  bool Contains(uintptr_t p) const { return p - begin_ < end_ - begin_; }

  // Memory for one object of `rounded` bytes (a multiple of 8). Small objects come
  // from a fresh chunk of `chunk_bytes` (a multiple of 8, at most kChunkBytes) that
  // also refills the mutator's allocation buffer `buffer` (or the rest of the region
  // when less than a chunk is left). Null when the region cannot hold the object.
  std::byte* Allocate(Mutator& mutator, size_t rounded, size_t buffer = 0,
                      size_t chunk_bytes = kChunkBytes) {
    const bool large = rounded >= kChunkBytes / 4;
    uintptr_t frontier = frontier_.load(std::memory_order_relaxed);
    for (;;) {
      if (end_ - frontier < rounded) return nullptr;
      const size_t take = std::min(large ? rounded : std::max(chunk_bytes, rounded),
                                   end_ - frontier);
      if (frontier_.compare_exchange_weak(frontier, frontier + take, std::memory_order_relaxed)) {
        if (!large) mutator.alloc_buffer(buffer) = AllocBuffer{frontier + rounded, frontier + take};
        return reinterpret_cast<std::byte*>(frontier);
      }
    }
  }

 private:
  uintptr_t begin_ = 0;
  uintptr_t end_ = 0;
  std::atomic<uintptr_t> frontier_{0};
};

}  // namespace gclab

#endif  // GCLAB_COLLECTORS_COMMON_BUMP_REGION_H_
