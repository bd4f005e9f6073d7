// File: collectors/common/mark_sweep_space.h
//
// A non-moving, segregated-fits mark-sweep space (Whippet's nofl-space, Go's mheap of
// mspans): 64 KiB blocks (BlockSpace) of one size class each, or runs of blocks for
// large objects; a side bitmap the owning collector marks; and lazy sweeping, in which
// a mutator finds free cells by reading that bitmap as it allocates, never by writing
// free lists. marksweep's heap, concurrent's heap and generational's old space are
// each one of these; the collector keeps only its policy (when to mark, which bitmap
// says "in use", whether cells handed out while marking are black).
//
// A collection's marks become a sweep in two steps: StartSweep (world stopped, as
// marking ends) opens a sweep epoch; SweepSome then sorts blocks against the marks, a
// few at a time: a small block with no marked cell and an unmarked large object are
// freed, a small block with some marked cells is queued for lazy sweeping by its
// size class. A stop-the-world collector sorts all at once (SweepAll); a concurrent
// one lets a background thread and short-of-cells mutators do it while mutators run.
//
// Invariant: a block taken for allocation after the current epoch opened carries the
// epoch (Go's sweepgen) and is not sorted until the next, since what it hands out is
// in no mark bitmap yet; and per block the space records how far it has handed out
// cells in the current epoch, so that an object allocated since the last sweep can be
// told from a free cell (IsLiveObject's contract) without a bit per allocation.
//
// Thread safety: NextFreeRun and TakeLarge from any mutator, each with its own
// cursors; SweepSome from any thread; the block states, the queues and the epoch are
// under an internal mutex. StartSweep and the read-only queries (FreeCells,
// HandedOutSinceSweep, ObjectStartCell, blocks()) with the world stopped, or from a
// collector that otherwise keeps block states from changing.
#ifndef GCLAB_COLLECTORS_COMMON_MARK_SWEEP_SPACE_H_
#define GCLAB_COLLECTORS_COMMON_MARK_SWEEP_SPACE_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <vector>

#include "collectors/common/block_space.h"
#include "collectors/common/side_bitmap.h"
#include "runtime/size_classes.h"
#include "runtime/sync.h"

namespace gclab {

class MarkSweepSpace {
 public:
  static constexpr size_t kBlockBytes = BlockSpace::kBlockBytes;

  // A run of free cells handed out: [begin, end); empty when begin == end.
  struct Run {
    uintptr_t begin = 0;
    uintptr_t end = 0;
    bool empty() const { return begin == end; }
  };

  // Covers the whole blocks of [begin, begin + bytes); `begin` must be block-aligned.
  // Called once, before any other method.
  void Init(uintptr_t begin, size_t bytes) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    blocks_ = BlockSpace(begin, bytes);
    records_.assign(blocks_.num_blocks(), BlockRecord{});
  }

  uintptr_t begin() const { return blocks_.begin(); }
  uintptr_t end() const { return blocks_.end(); }
  // The layout (which blocks hold which size class, where large objects start), for
  // a collector that walks objects by address, world stopped.
  const BlockSpace& blocks() const ABSL_NO_THREAD_SAFETY_ANALYSIS { return blocks_; }
  size_t free_blocks() const {
    MutexLock lock(&mu_);
    return blocks_.free_blocks();
  }

  // The next run of free cells of `size_class` for the mutator (or promotion) whose
  // cursor is `cursor`, a cell being free when its first granule's bit in `in_use` is
  // clear: from the block the cursor is sweeping, then from a block queued by the
  // last sweep, then from a free block (all of whose cells are free). Empty when the
  // space has none. With `black`, every cell of the run is marked in it (allocate
  // black: an object made while a collector marks survives that marking).
  Run NextFreeRun(SweepCursor& cursor, size_t size_class, const SideBitmap& in_use,
                  SideBitmap* black = nullptr) {
    const size_t cell = kSizeClassBytes[size_class];
    const auto cells_per_block = static_cast<uint32_t>(kBlockBytes / cell);
    for (;;) {
      if (cursor.block != kNoBlock) {
        const uintptr_t block_begin = BlockBegin(cursor.block);
        const CellRun run = NextFreeCellRun(in_use, block_begin, cell, cursor.next_cell);
        cursor.next_cell = run.end;
        if (run.begin < run.end) {
          return HandOut(cursor.block, block_begin + run.begin * cell, run.end, cell, black);
        }
        cursor.block = kNoBlock;
      }
      uint32_t fresh;
      {
        MutexLock lock(&mu_);
        std::vector<uint32_t>& queued = queued_[size_class];
        if (!queued.empty()) {
          cursor = SweepCursor{queued.back(), 0};
          queued.pop_back();
          continue;
        }
        const std::optional<uint32_t> taken = blocks_.TakeSmall(size_class);
        if (!taken) return Run{};
        fresh = *taken;
        records_[fresh] = BlockRecord{epoch_, 0};
      }
      cursor = SweepCursor{fresh, cells_per_block};
      return HandOut(fresh, BlockBegin(fresh), cells_per_block, cell, black);
    }
  }

  // The first address of a run of whole blocks for one object of `bytes`, or 0 when
  // the space has no such run. With `black`, the object is marked in it.
  uintptr_t TakeLarge(size_t bytes, SideBitmap* black = nullptr) {
    const auto count = static_cast<uint32_t>((bytes + kBlockBytes - 1) / kBlockBytes);
    uint32_t first;
    {
      MutexLock lock(&mu_);
      const std::optional<uint32_t> taken = blocks_.TakeLarge(count);
      if (!taken) return 0;
      first = *taken;
      records_[first] = BlockRecord{epoch_, 1};
    }
    const uintptr_t address = BlockBegin(first);
    if (black != nullptr) black->TestAndSetAtomic(black->BitOf(address));
    return address;
  }

  // World stopped, as a collection's marking ends: every block taken so far will be
  // sorted against the marks that marking made (SweepSome), and no queued block is
  // handed out again before it is. Every cursor must be reset (SweepCursor{}).
  void StartSweep() {
    MutexLock lock(&mu_);
    ++epoch_;
    for (auto& queue : queued_) queue.clear();
    sweep_next_ = 0;
    sweep_done_.store(false, std::memory_order_relaxed);
  }

  // Sorts up to `count` blocks against `live` (freed, or queued for lazy sweeping);
  // false when every block of this epoch is sorted. Reads only the bitmap, never
  // objects, and reads it atomically: a marker may set bits in another bitmap.
  bool SweepSome(size_t count, const SideBitmap& live) {
    if (sweep_done_.load(std::memory_order_relaxed)) return false;
    MutexLock lock(&mu_);
    const uint32_t num_blocks = blocks_.num_blocks();
    if (sweep_next_ >= num_blocks) {
      sweep_done_.store(true, std::memory_order_relaxed);
      return false;
    }
    const auto end = static_cast<uint32_t>(std::min<size_t>(num_blocks, sweep_next_ + count));
    uint32_t i = sweep_next_;
    while (i < end) i += SortBlock(i, live);
    sweep_next_ = i;
    return true;
  }

  // A stop-the-world collector's sweep: StartSweep, then every block sorted.
  void SweepAll(const SideBitmap& live) {
    StartSweep();
    while (SweepSome(blocks_.num_blocks(), live)) {
    }
  }

  // If `address` is where an object could start (a cell boundary of a small block,
  // or a large object's first block), its cell index in the block (0 if large).
  std::optional<uint32_t> ObjectStartCell(uintptr_t address) const
      ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return blocks_.ObjectStartCell(address);
  }

  // Whether cell `cell` of the block holding `address` was handed out since the
  // current sweep epoch opened: an object allocated since, live whatever the marks say.
  bool HandedOutSinceSweep(uintptr_t address, uint32_t cell) const {
    MutexLock lock(&mu_);
    const BlockRecord& record = records_[(address - begin()) / kBlockBytes];
    const uint32_t handed_out =
        std::atomic_ref<const uint32_t>(record.handed_out_end).load(std::memory_order_relaxed);
    return record.epoch == epoch_ && cell < handed_out;
  }

  // Free cells of `size_class` that NextFreeRun would hand out to `cursor` before it
  // takes a free block: the rest of the cursor's block and every queued block. Counts
  // no further than `enough` (a caller asking whether some number fit needs no more:
  // a full count reads a bit per cell of every partly used block).
  size_t FreeCells(size_t size_class, const SweepCursor& cursor, const SideBitmap& in_use,
                   size_t enough = SIZE_MAX) const {
    MutexLock lock(&mu_);
    const size_t cell = kSizeClassBytes[size_class];
    size_t free = 0;
    auto count_block = [&](uint32_t block, uint32_t from) {
      const uintptr_t block_begin = BlockBegin(block);
      for (uint32_t i = from; i < kBlockBytes / cell; ++i) {
        if (!in_use.Test(in_use.BitOf(block_begin + i * cell))) ++free;
      }
    };
    if (cursor.block != kNoBlock) count_block(cursor.block, cursor.next_cell);
    for (uint32_t block : queued_[size_class]) {
      if (free >= enough) break;
      count_block(block, 0);
    }
    return free;
  }

 private:
  // Per block, beside BlockSpace's state.
  struct BlockRecord {
    // The sweep epoch in which the block was last sorted or taken.
    uint64_t epoch = 0;
    // Cells [0, handed_out_end) were handed out in `epoch`. Written by the one
    // mutator sweeping or taking the block, read with the world stopped.
    uint32_t handed_out_end = 0;
  };

  uintptr_t BlockBegin(uint32_t index) const { return begin() + uintptr_t{index} * kBlockBytes; }

  Run HandOut(uint32_t block, uintptr_t begin, uint32_t end_cell, size_t cell, SideBitmap* black)
      ABSL_NO_THREAD_SAFETY_ANALYSIS {
    // The block is this cursor's alone until the next sweep epoch.
    std::atomic_ref<uint32_t>(records_[block].handed_out_end)
        .store(end_cell, std::memory_order_relaxed);
    const uintptr_t end = BlockBegin(block) + end_cell * cell;
    if (black != nullptr) black->SetEveryAtomic(begin, end, cell);
    return Run{begin, end};
  }

  // Sorts block `i` (and the tail of a large object that starts there); returns how
  // many blocks it covered.
  uint32_t SortBlock(uint32_t i, const SideBitmap& live) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const Block& block = blocks_[i];
    const uint32_t span = block.state == BlockState::kLargeHead ? block.num_blocks : 1;
    if (block.state == BlockState::kFree || block.state == BlockState::kLargeTail ||
        records_[i].epoch == epoch_) {  // free, or taken for allocation in this epoch
      return span;
    }
    records_[i] = BlockRecord{epoch_, 0};
    const size_t first_word = live.BitOf(BlockBegin(i)) / 64;
    if (block.state == BlockState::kSmall) {
      if (live.AnySetInWordsAtomic(first_word, BlockSpace::kMarkWordsPerBlock)) {
        queued_[block.size_class].push_back(i);
      } else {
        blocks_.Release(i);
      }
    } else if (!live.TestAtomic(first_word * 64)) {  // an unmarked large object
      blocks_.Release(i);
    }
    return span;
  }

  mutable Mutex mu_;
  BlockSpace blocks_ ABSL_GUARDED_BY(mu_);
  std::vector<BlockRecord> records_ ABSL_GUARDED_BY(mu_);  // indexed like blocks_
  // Blocks with some marked cells, by size class: lazy sweeping takes them from here.
  std::vector<uint32_t> queued_[kNumSizeClasses] ABSL_GUARDED_BY(mu_);
  uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 1;
  uint32_t sweep_next_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<bool> sweep_done_{true};
};

}  // namespace gclab

#endif  // GCLAB_COLLECTORS_COMMON_MARK_SWEEP_SPACE_H_
