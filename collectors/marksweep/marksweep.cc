// marksweep: stop-the-world, precise, non-moving mark-sweep over size-segregated
// blocks. See README.md for the design and its trade-offs.
//
// Heap layout: the heap segment is cut into 64 KiB blocks. A small block holds
// cells of one size class; a large object takes a run of whole blocks. One side
// bitmap holds a mark bit per 16-byte granule for the whole heap; an object's bit is
// the one of its first granule.
//
// Spaces: one MarkSweepSpace (collectors/common/mark_sweep_space.h) over the whole
// heap, swept lazily against the mark bitmap.
//
// Allocation: each mutator has one bump buffer per size class (the runtime's
// kSizeClassBump fast path). The slow path refills it with the space's next run of
// free cells for this mutator. Cells are not zeroed here: the mutator initialises
// every object it allocates.
//
// Collection: stop the world; clear mark bits; mark from the roots with an explicit
// stack; then sweep: release every block with no marked cell (counted from the
// bitmap, never by visiting objects) and queue the rest for lazy sweeping.
#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "collectors/common/byte_count.h"
#include "collectors/common/mark_stack.h"
#include "collectors/common/mark_sweep_space.h"
#include "collectors/common/side_bitmap.h"
#include "collectors/common/stop_the_world_collector.h"
#include "runtime/collector.h"
#include "runtime/out_of_memory.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace gclab {
namespace {

constexpr size_t kBlockBytes = MarkSweepSpace::kBlockBytes;

struct MarkSweepPerMutator : PerMutatorState {
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
      return absl::ResourceExhaustedError(absl::StrCat(
          "marksweep needs a heap of at least one ", kBlockBytes, "-byte block"));
    }
    space_.Init(heap_begin_, heap.size());
    marks_ = SideBitmap(heap_begin_, space_.end() - heap_begin_, kGranuleBytes);
    mark_stack_.reserve(64 * 1024);
    return absl::OkStatus();
  }

  void AttachMutator(Mutator& mutator) override {
    mutator.set_collector_state(std::make_unique<MarkSweepPerMutator>());
  }

  void DetachMutator(Mutator& mutator) override {
    mutator.collector_state<MarkSweepPerMutator>().handed_out.Publish(handed_out_);
  }

  std::byte* AllocateSlow(Mutator& mutator, size_t bytes, const SiteInfo&) override {
    return AllocateOrCollectFull(mutator, bytes,
        [&] {
          return bytes > kMaxSmallObjectBytes ? AllocateLarge(mutator, bytes)
                                              : AllocateSmall(mutator, SizeClassOf(bytes));
        });
  }

 private:
  void CollectInPause(Mutator&, StopTheWorldScope& stw) override {
    size_t live_bytes = 0;
    {
      auto phase = stw.Phase(Phase::kRootScan);
      marks_.ClearAll();
      runtime_->safepoints().ForEachMutator([](Mutator& m) {
        m.ResetAllocBuffers();
        m.collector_state<MarkSweepPerMutator>().Clear();
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
      space_.SweepAll(marks_);
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
    const std::optional<uint32_t> cell = space_.ObjectStartCell(address);
    if (!cell) return false;
    return marks_.Test(marks_.BitOf(address)) || space_.HandedOutSinceSweep(address, *cell);
  }

 private:
  std::byte* AllocateSmall(Mutator& mutator, size_t size_class) {
    auto& state = mutator.collector_state<MarkSweepPerMutator>();
    const MarkSweepSpace::Run run = space_.NextFreeRun(state.sweep[size_class], size_class, marks_);
    if (run.empty()) return nullptr;
    state.handed_out.Add(run.end - run.begin, handed_out_);
    mutator.alloc_buffer(size_class) = AllocBuffer{run.begin + kSizeClassBytes[size_class], run.end};
    return reinterpret_cast<std::byte*>(run.begin);
  }

  std::byte* AllocateLarge(Mutator& mutator, size_t bytes) {
    const uintptr_t address = space_.TakeLarge(bytes);
    if (address == 0) return nullptr;
    mutator.collector_state<MarkSweepPerMutator>().handed_out.Add(AlignUp(bytes, kBlockBytes),
                                                          handed_out_);
    return reinterpret_cast<std::byte*>(address);
  }

  // --- Collection (world stopped) ---

  GCLAB_ALWAYS_INLINE void MarkRef(Ref ref) {
    const auto address = reinterpret_cast<uintptr_t>(ref);
    // Null, and frame-arena objects (scanned as roots), are not in the heap.
    if (address - heap_begin_ >= heap_end_ - heap_begin_) return;
    if (marks_.TestAndSet(marks_.BitOf(address))) return;
    mark_stack_.push_back(ref);
  }

  Runtime* runtime_ = nullptr;
  uintptr_t heap_begin_ = 0;
  uintptr_t heap_end_ = 0;
  MarkSweepSpace space_;
  SideBitmap marks_;
  std::vector<Ref> mark_stack_;

  std::atomic<size_t> live_bytes_{0};
  SharedByteCount handed_out_;  // bytes handed out since the last collection
  std::atomic<uint64_t> collections_{0};
};

}  // namespace

GCLAB_REGISTER_COLLECTOR(MarkSweepTraits(), FactoryWithoutOptions<MarkSweep>("marksweep"));

}  // namespace gclab
