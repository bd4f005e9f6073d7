// File: collectors/common/copy_space.h
//
// A region a collector copies objects into while the world is stopped: one bump
// pointer and no atomics, because one thread copies. Objects fill [begin, top) with
// no gaps, so the space can be scanned in address order (Cheney) and tells exactly
// which of its addresses hold objects. generational's two survivor spaces are copy
// spaces; mutators never allocate here (see BumpRegion for a space they allocate in).
#ifndef GCLAB_COLLECTORS_COMMON_COPY_SPACE_H_
#define GCLAB_COLLECTORS_COMMON_COPY_SPACE_H_

#include <cstddef>
#include <cstdint>

namespace gclab {

class CopySpace {
 public:
  CopySpace() = default;
  // An empty space over [begin, limit).
  CopySpace(uintptr_t begin, uintptr_t limit) : begin_(begin), top_(begin), limit_(limit) {}

  uintptr_t begin() const { return begin_; }
  uintptr_t top() const { return top_; }
  size_t used() const { return top_ - begin_; }
  size_t free() const { return limit_ - top_; }
  // True if an object copied here since the last Empty() lies at `address`'s range.
  bool Holds(uintptr_t address) const { return address - begin_ < top_ - begin_; }

  // Room for `bytes` (a multiple of the word) at the top, or null when it does not fit.
  std::byte* TryTake(size_t bytes) {
    if (limit_ - top_ < bytes) return nullptr;
    const uintptr_t at = top_;
    top_ += bytes;
    return reinterpret_cast<std::byte*>(at);
  }

  // Everything copied here is dead or has moved on.
  void Empty() { top_ = begin_; }

 private:
  uintptr_t begin_ = 0;
  uintptr_t top_ = 0;
  uintptr_t limit_ = 0;
};

}  // namespace gclab

#endif  // GCLAB_COLLECTORS_COMMON_COPY_SPACE_H_
