// File: collectors/common/block_space.h
//
// A heap cut into 64 KiB blocks, as MarkSweepSpace (mark_sweep_space.h) lays it out:
// a small block holds cells of one size class; a large object takes a run of whole
// blocks, found next-fit. Plus the lazy-sweeping step: finding the next run of free
// cells in a block from a side bitmap, without touching the objects.
//
// Thread safety: none; the owning collector serialises access (a mutex, or a pause).
#ifndef GCLAB_COLLECTORS_COMMON_BLOCK_SPACE_H_
#define GCLAB_COLLECTORS_COMMON_BLOCK_SPACE_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "collectors/common/side_bitmap.h"
#include "runtime/base.h"
#include "runtime/size_classes.h"

namespace gclab {

enum class BlockState : uint8_t { kFree, kSmall, kLargeHead, kLargeTail };

struct Block {
  BlockState state = BlockState::kFree;
  uint8_t size_class = 0;   // kSmall
  uint32_t num_blocks = 0;  // kLargeHead: blocks in the run
};

class BlockSpace {
 public:
  static constexpr size_t kBlockBytes = 64 * KiB;
  static constexpr size_t kMarkWordsPerBlock = kBlockBytes / kGranuleBytes / 64;

  BlockSpace() = default;
  // Covers whole blocks of [begin, begin + bytes); `begin` must be block-aligned.
  BlockSpace(uintptr_t begin, size_t bytes)
      : begin_(begin),
        num_blocks_(static_cast<uint32_t>(bytes / kBlockBytes)),
        blocks_(num_blocks_),
        free_blocks_(num_blocks_) {}

  uint32_t num_blocks() const { return num_blocks_; }
  size_t free_blocks() const { return free_blocks_; }
  uintptr_t begin() const { return begin_; }
  uintptr_t end() const { return begin_ + uintptr_t{num_blocks_} * kBlockBytes; }
  uintptr_t BlockBegin(uint32_t index) const { return begin_ + uintptr_t{index} * kBlockBytes; }
  Block& operator[](uint32_t index) { return blocks_[index]; }
  const Block& operator[](uint32_t index) const { return blocks_[index]; }

  // A free block, now holding cells of `size_class`.
  std::optional<uint32_t> TakeSmall(size_t size_class) {
    std::optional<uint32_t> index = TakeFreeRun(1);
    if (index) {
      blocks_[*index].state = BlockState::kSmall;
      blocks_[*index].size_class = static_cast<uint8_t>(size_class);
    }
    return index;
  }
  // A run of `count` free blocks for one large object; returns its first block.
  std::optional<uint32_t> TakeLarge(uint32_t count) {
    std::optional<uint32_t> first = TakeFreeRun(count);
    if (first) {
      blocks_[*first].state = BlockState::kLargeHead;
      blocks_[*first].num_blocks = count;
      for (uint32_t i = 1; i < count; ++i) blocks_[*first + i].state = BlockState::kLargeTail;
    }
    return first;
  }
  // Frees a small block or a large object's whole run; returns how many blocks.
  uint32_t Release(uint32_t index) {
    const uint32_t count =
        blocks_[index].state == BlockState::kLargeHead ? blocks_[index].num_blocks : 1;
    for (uint32_t i = 0; i < count; ++i) blocks_[index + i].state = BlockState::kFree;
    free_blocks_ += count;
    return count;
  }

  // If `address` is where an object could start (a cell boundary of a small block,
  // or a large head), its cell index in the block (0 for a large object).
  std::optional<uint32_t> ObjectStartCell(uintptr_t address) const {
    if (address < begin_ || address >= end()) return std::nullopt;
    const Block& block = blocks_[(address - begin_) / kBlockBytes];
    const size_t offset = (address - begin_) % kBlockBytes;
    if (block.state == BlockState::kSmall) {
      const size_t cell = kSizeClassBytes[block.size_class];
      if (offset % cell != 0 || offset / cell >= kBlockBytes / cell) return std::nullopt;
      return static_cast<uint32_t>(offset / cell);
    }
    if (block.state == BlockState::kLargeHead && offset == 0) return 0;
    return std::nullopt;
  }

 private:
  // Finds `count` contiguous free blocks (next fit) and takes them.
  std::optional<uint32_t> TakeFreeRun(uint32_t count) {
    if (free_blocks_ < count) return std::nullopt;
    for (size_t scanned = 0, i = next_free_; scanned < num_blocks_;) {
      if (i + count > num_blocks_) {
        scanned += num_blocks_ - i;
        i = 0;
        continue;
      }
      uint32_t run = 0;
      while (run < count && blocks_[i + run].state == BlockState::kFree) ++run;
      if (run == count) {
        free_blocks_ -= count;
        next_free_ = (i + count) % num_blocks_;
        return static_cast<uint32_t>(i);
      }
      scanned += run + 1;
      i += run + 1;
    }
    return std::nullopt;
  }

  uintptr_t begin_ = 0;
  uint32_t num_blocks_ = 0;
  std::vector<Block> blocks_;
  size_t free_blocks_ = 0;
  size_t next_free_ = 0;
};

inline constexpr uint32_t kNoBlock = ~uint32_t{0};

// The block a mutator is lazily sweeping for one size class, and where it stopped.
struct SweepCursor {
  uint32_t block = kNoBlock;
  uint32_t next_cell = 0;
};

// Cells [begin, end) of a block.
struct CellRun {
  uint32_t begin;
  uint32_t end;
};

// Lazy sweeping: the first run of free cells at or after `from` in the block at
// `block_begin` whose cells are `cell` bytes; a cell is free when the bit of its first
// granule in `in_use` is clear. Empty (begin == end) when none is left. Reads the
// bitmap atomically, so mutators may sweep while a marker sets bits in another map.
inline CellRun NextFreeCellRun(const SideBitmap& in_use, uintptr_t block_begin, size_t cell,
                               uint32_t from) {
  const auto cells = static_cast<uint32_t>(BlockSpace::kBlockBytes / cell);
  const size_t granules_per_cell = cell / kGranuleBytes;
  const size_t first_bit = in_use.BitOf(block_begin);
  uint32_t begin = from;
  while (begin < cells && in_use.TestAtomic(first_bit + begin * granules_per_cell)) ++begin;
  uint32_t end = begin;
  while (end < cells && !in_use.TestAtomic(first_bit + end * granules_per_cell)) ++end;
  return {begin, end};
}

}  // namespace gclab

#endif  // GCLAB_COLLECTORS_COMMON_BLOCK_SPACE_H_
