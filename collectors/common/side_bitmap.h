// File: collectors/common/side_bitmap.h
//
// One bit per granule of a contiguous address range, kept outside the objects (side
// metadata, as Go's gcmarkBits and MMTk's side mark bits). Clearing it is a memset,
// and counting survivors in a block is a popcount over a few words, so a collector
// can find empty blocks without touching the objects.
//
// Thread safety: the plain methods have none; the owner serialises access (a
// stop-the-world collector writes it only while the world is stopped). The *Atomic
// methods may race with each other: a concurrent marker and mutators shading objects.
#ifndef GCLAB_COLLECTORS_COMMON_SIDE_BITMAP_H_
#define GCLAB_COLLECTORS_COMMON_SIDE_BITMAP_H_

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>

#include "runtime/base.h"

namespace gclab {

class SideBitmap {
 public:
  SideBitmap() = default;
  // Covers [begin, begin + bytes) at one bit per `granule` bytes (a power of two).
  SideBitmap(uintptr_t begin, size_t bytes, size_t granule)
      : begin_(begin),
        shift_(static_cast<unsigned>(__builtin_ctzll(granule))),
        num_words_((bytes / granule + 63) / 64),
        words_(new uint64_t[num_words_]()) {}

  size_t BitOf(uintptr_t address) const { return (address - begin_) >> shift_; }

  GCLAB_ALWAYS_INLINE bool Test(size_t bit) const {
    return (words_[bit / 64] >> (bit % 64)) & 1;
  }
  // Sets the bit; returns whether it was already set.
  GCLAB_ALWAYS_INLINE bool TestAndSet(size_t bit) {
    uint64_t& word = words_[bit / 64];
    const uint64_t mask = uint64_t{1} << (bit % 64);
    const bool was_set = (word & mask) != 0;
    word |= mask;
    return was_set;
  }
  void Clear(size_t bit) { words_[bit / 64] &= ~(uint64_t{1} << (bit % 64)); }

  GCLAB_ALWAYS_INLINE bool TestAtomic(size_t bit) const {
    return (std::atomic_ref<uint64_t>(words_[bit / 64]).load(std::memory_order_relaxed) >>
            (bit % 64)) & 1;
  }
  // Sets the bit; returns whether it was already set. A plain load first: most
  // calls find the bit set, and a locked instruction costs far more than a load.
  GCLAB_ALWAYS_INLINE bool TestAndSetAtomic(size_t bit) {
    std::atomic_ref<uint64_t> word(words_[bit / 64]);
    const uint64_t mask = uint64_t{1} << (bit % 64);
    if ((word.load(std::memory_order_relaxed) & mask) != 0) return true;
    return (word.fetch_or(mask, std::memory_order_relaxed) & mask) != 0;
  }
  // Sets the bits of begin, begin + stride, ... below end (stride a multiple of the
  // granule): one atomic OR per bitmap word, not one per bit.
  void SetEveryAtomic(uintptr_t begin, uintptr_t end, size_t stride) {
    const size_t step = stride >> shift_;
    const size_t end_bit = BitOf(end);
    for (size_t bit = BitOf(begin); bit < end_bit;) {
      const size_t word = bit / 64;
      uint64_t mask = 0;
      for (; bit < end_bit && bit / 64 == word; bit += step) mask |= uint64_t{1} << (bit % 64);
      std::atomic_ref<uint64_t>(words_[word]).fetch_or(mask, std::memory_order_relaxed);
    }
  }
  bool AnySetInWordsAtomic(size_t first_word, size_t count) const {
    uint64_t any = 0;
    for (size_t i = 0; i < count; ++i) {
      any |= std::atomic_ref<uint64_t>(words_[first_word + i]).load(std::memory_order_relaxed);
    }
    return any != 0;
  }
  void ClearAll() { std::memset(words_.get(), 0, num_words_ * sizeof(uint64_t)); }
  void ClearWords(size_t first_word, size_t count) {
    std::memset(words_.get() + first_word, 0, count * sizeof(uint64_t));
  }

  // Whether any bit in [first_word * 64, (first_word + count) * 64) is set.
  bool AnySetInWords(size_t first_word, size_t count) const {
    uint64_t any = 0;
    for (size_t i = 0; i < count; ++i) any |= words_[first_word + i];
    return any != 0;
  }

 private:
  uintptr_t begin_ = 0;
  unsigned shift_ = 0;
  size_t num_words_ = 0;
  std::unique_ptr<uint64_t[]> words_;
};

}  // namespace gclab

#endif  // GCLAB_COLLECTORS_COMMON_SIDE_BITMAP_H_
