// marksweep: stop-the-world, precise, non-moving mark-sweep over size-segregated
// blocks. See README.md for the design and its trade-offs.
//
// Heap layout: the heap segment is cut into 64 KiB blocks. A small block holds
// cells of one size class; a large object takes a run of whole blocks. One side
// bitmap holds a mark bit per 16-byte granule for the whole heap; an object's bit is
// the one of its first granule.
//
// Allocation: each mutator has one bump buffer per size class (the runtime's
// kSizeClassBump fast path). The slow path refills it with the next run of free
// cells: from the block this mutator is sweeping, else from a block that survived
// the last collection (lazy sweeping: cells are found free by reading mark bits,
// never by writing free lists), else from a free block. Cells are not zeroed here:
// the mutator initialises every object it allocates.
//
// Collection: stop the world; clear mark bits; mark from the roots with an explicit
// stack; then release every block with no marked cell (counted from the bitmap,
// never by visiting objects) and queue the rest for lazy sweeping.
#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "collectors/common/block_space.h"
#include "collectors/common/byte_count.h"
#include "collectors/common/mark_stack.h"
#include "collectors/common/side_bitmap.h"
#include "collectors/common/stop_the_world_collector.h"
#include "runtime/collector.h"
#include "runtime/out_of_memory.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace gclab {
namespace {

constexpr size_t kBlockBytes = BlockSpace::kBlockBytes;

struct MutatorState : PerMutatorState {
  SweepCursor sweep[kNumSizeClasses];
  LocalByteCount handed_out;  // this mutator's share of handed_out_ not yet added

  // A collection starts: the sweep cursors and the unpublished count start again.
  void Clear() {
    for (SweepCursor& cursor : sweep) cursor = SweepCursor{};
    handed_out = LocalByteCount{};
  }
};

const CollectorTraits& MarkSweepTraits() {
  static const CollectorTraits traits{
      .name = "marksweep",
      .description =
          "stop-the-world mark-sweep: size-segregated 64 KiB blocks, side mark bitmap, "
          "explicit mark stack, lazy sweeping",
      .fast_path = AllocFastPath::kSizeClassBump,
  };
  return traits;
}

class MarkSweep final : public StopTheWorldCollector {
 public:
  const CollectorTraits& traits() const override { return MarkSweepTraits(); }

  absl::Status Init(Runtime& runtime, std::span<std::byte> heap) override {
    runtime_ = &runtime;
    heap_begin_ = reinterpret_cast<uintptr_t>(heap.data());
    heap_end_ = heap_begin_ + heap.size();
    if (heap.size() < kBlockBytes || heap_begin_ % kBlockBytes != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "marksweep needs a heap of at least one ", kBlockBytes, "-byte block"));
    }
    blocks_ = BlockSpace(heap_begin_, heap.size());
    marks_ = SideBitmap(heap_begin_, blocks_.end() - heap_begin_, kGranuleBytes);
    handed_out_cells_.assign(blocks_.num_blocks(), 0);
    mark_stack_.reserve(64 * 1024);
    return absl::OkStatus();
  }

  void AttachMutator(Mutator& mutator) override {
    mutator.set_collector_state(std::make_unique<MutatorState>());
  }

  void DetachMutator(Mutator& mutator) override {
    mutator.collector_state<MutatorState>().handed_out.Publish(handed_out_);
  }

  std::byte* AllocateSlow(Mutator& mutator, size_t bytes) override {
    return AllocateOrCollectFull(mutator, bytes,
        [&] {
          return bytes > kMaxSmallObjectBytes ? AllocateLarge(mutator, bytes)
                                              : AllocateSmall(mutator, SizeClassOf(bytes));
        });
  }

 private:
  void CollectInPause(Mutator&, StopTheWorldScope& stw) override {
    MutexLock lock(&mu_);
    size_t live_bytes = 0;
    {
      auto phase = stw.Phase(Phase::kRootScan);
      marks_.ClearAll();
      std::fill(handed_out_cells_.begin(), handed_out_cells_.end(), 0);
      runtime_->safepoints().ForEachMutator([](Mutator& m) {
        m.ResetAllocBuffers();
        m.collector_state<MutatorState>().Clear();
      });
      ForEachRoot(*runtime_, [this](Ref* slot) { MarkRef(*slot); });
    }
    {
      auto phase = stw.Phase(Phase::kMark);
      live_bytes =
          DrainMarkStack(mark_stack_, runtime_->code(), [this](Ref* slot) { MarkRef(*slot); });
    }
    {
      auto phase = stw.Phase(Phase::kSweep);
      ReleaseEmptyBlocks();
    }
    live_bytes_.store(live_bytes, std::memory_order_relaxed);
    handed_out_.Reset();  // and every mutator's share was dropped with its state
    collections_.fetch_add(1, std::memory_order_relaxed);
  }

 public:
  HeapUsage Usage() const override {
    const size_t live = live_bytes_.load(std::memory_order_relaxed);
    return HeapUsage{
        .capacity_bytes = heap_end_ - heap_begin_,
        .in_use_bytes = live + handed_out_.total(),
        .live_bytes = live,
        .collections = collections_.load(std::memory_order_relaxed),
    };
  }

  // Marked by the last collection, or allocated since: in a cell handed out after it.
  bool IsLiveObject(const Object* object) const override {
    const uintptr_t address = reinterpret_cast<uintptr_t>(object);
    const std::optional<uint32_t> cell = blocks_.ObjectStartCell(address);
    if (!cell) return false;
    if (marks_.Test(marks_.BitOf(address))) return true;
    return *cell < handed_out_cells_[(address - heap_begin_) / kBlockBytes];
  }

 private:

  // --- Allocation ---

  std::byte* HandOut(Mutator& mutator, size_t size_class, uintptr_t begin, uintptr_t end) {
    mutator.collector_state<MutatorState>().handed_out.Add(end - begin, handed_out_);
    mutator.alloc_buffer(size_class) =
        AllocBuffer{begin + kSizeClassBytes[size_class], end};
    return reinterpret_cast<std::byte*>(begin);
  }

  std::byte* AllocateSmall(Mutator& mutator, size_t size_class) {
    auto& cursor = mutator.collector_state<MutatorState>().sweep[size_class];
    const size_t cell = kSizeClassBytes[size_class];
    const uint32_t cells_per_block = static_cast<uint32_t>(kBlockBytes / cell);
    for (;;) {
      if (cursor.block != kNoBlock) {
        // Lazy sweep: the next run of cells left unmarked by the last collection.
        const uintptr_t block_begin = blocks_.BlockBegin(cursor.block);
        const CellRun run = NextFreeCellRun(marks_, block_begin, cell, cursor.next_cell);
        cursor.next_cell = run.end;
        if (run.begin < run.end) {
          handed_out_cells_[cursor.block] = run.end;
          return HandOut(mutator, size_class, block_begin + run.begin * cell,
                         block_begin + run.end * cell);
        }
        cursor.block = kNoBlock;
      }
      std::optional<uint32_t> fresh;
      {
        MutexLock lock(&mu_);
        std::vector<uint32_t>& to_sweep = sweep_lists_[size_class];
        if (!to_sweep.empty()) {
          cursor = SweepCursor{to_sweep.back(), 0};
          to_sweep.pop_back();
          continue;
        }
        fresh = blocks_.TakeSmall(size_class);
        if (!fresh) return nullptr;
      }
      const uintptr_t begin = blocks_.BlockBegin(*fresh);
      handed_out_cells_[*fresh] = cells_per_block;
      return HandOut(mutator, size_class, begin, begin + cells_per_block * cell);
    }
  }

  std::byte* AllocateLarge(Mutator& mutator, size_t bytes) {
    const auto count = static_cast<uint32_t>((bytes + kBlockBytes - 1) / kBlockBytes);
    std::optional<uint32_t> first;
    {
      MutexLock lock(&mu_);
      first = blocks_.TakeLarge(count);
      if (!first) return nullptr;
    }
    auto* memory = reinterpret_cast<std::byte*>(blocks_.BlockBegin(*first));
    handed_out_cells_[*first] = 1;
    mutator.collector_state<MutatorState>().handed_out.Add(size_t{count} * kBlockBytes, handed_out_);
    return memory;
  }

  // --- Collection (world stopped) ---

  GCLAB_ALWAYS_INLINE void MarkRef(Ref ref) {
    const auto address = reinterpret_cast<uintptr_t>(ref);
    // Null, and frame-arena objects (scanned as roots), are not in the heap.
    if (address - heap_begin_ >= heap_end_ - heap_begin_) return;
    if (marks_.TestAndSet(marks_.BitOf(address))) return;
    mark_stack_.push_back(ref);
  }

  void ReleaseEmptyBlocks() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ReleaseUnmarkedBlocks(blocks_, marks_, sweep_lists_);
  }

  Runtime* runtime_ = nullptr;
  uintptr_t heap_begin_ = 0;
  uintptr_t heap_end_ = 0;
  SideBitmap marks_;
  // Per block: its cells below this index were handed out since the last collection
  // (the lazy sweep hands out a block's free cells in address order; a fresh block,
  // or a large object's first block, all at once), so an unmarked object there was
  // allocated since and is live. Each block is written by the one mutator sweeping
  // or taking it, and read with the world stopped.
  std::vector<uint32_t> handed_out_cells_;
  std::vector<Ref> mark_stack_;

  Mutex mu_;
  BlockSpace blocks_;  // states change under mu_; read freely in pauses
  std::vector<uint32_t> sweep_lists_[kNumSizeClasses] ABSL_GUARDED_BY(mu_);

  std::atomic<size_t> live_bytes_{0};
  SharedByteCount handed_out_;  // bytes handed out since the last collection
  std::atomic<uint64_t> collections_{0};
};

}  // namespace

GCLAB_REGISTER_COLLECTOR(MarkSweepTraits(), FactoryWithoutOptions<MarkSweep>("marksweep"));

}  // namespace gclab
