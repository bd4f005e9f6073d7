// nogc: bump allocation that never collects. The lower bound on collector cost
// (Epsilon in HotSpot, NoGC in MMTk): the time a workload takes with no collector
// work at all, against which lower-bound overhead (LBO) is computed. When the heap
// runs out it reports out-of-memory with everything it ever allocated as live.
#include <algorithm>
#include <atomic>
#include <memory>

#include "absl/strings/str_cat.h"
#include "runtime/collector.h"
#include "runtime/out_of_memory.h"
#include "runtime/runtime.h"

namespace gclab {
namespace {

// Each refill hands a mutator this much (thread-local allocation buffer), so
// mutators touch the shared frontier rarely.
constexpr size_t kChunkBytes = 32 * KiB;

const CollectorTraits& NoGcTraits() {
  static const CollectorTraits traits{
      .name = "nogc",
      .description = "bump allocation, never collects: the lower bound on collector cost",
      .moving = false,
      .concurrent = false,
      .reclaims = false,
      .barrier = BarrierKind::kNone,
      .fast_path = AllocFastPath::kBump,
  };
  return traits;
}

class NoGc final : public Collector {
 public:
  const CollectorTraits& traits() const override { return NoGcTraits(); }

  absl::Status Init(Runtime&, std::span<std::byte> heap) override {
    begin_ = reinterpret_cast<uintptr_t>(heap.data());
    end_ = begin_ + heap.size();
    frontier_.store(begin_, std::memory_order_relaxed);
    return absl::OkStatus();
  }

  void AttachMutator(Mutator& mutator) override {
    mutator.set_fast_path(AllocFastPath::kBump);
    mutator.set_barrier(BarrierKind::kNone);
  }
  void DetachMutator(Mutator& mutator) override { mutator.ResetAllocBuffers(); }

  std::byte* AllocateSlow(Mutator& mutator, size_t bytes) override {
    const size_t rounded = AlignUp(bytes, kWordBytes);
    if (rounded >= kChunkBytes / 4) return reinterpret_cast<std::byte*>(Take(rounded, rounded).begin);
    // Refill the buffer: a chunk, or the rest of the heap if less is left.
    const Range chunk = Take(rounded, kChunkBytes);
    mutator.alloc_buffer(0) = AllocBuffer{chunk.begin + rounded, chunk.end};
    return reinterpret_cast<std::byte*>(chunk.begin);
  }

  // Never collects, so there is no pause to record.
  void Collect(Mutator&, GcCause) override {}

  HeapUsage Usage() const override {
    const size_t used = frontier_.load(std::memory_order_relaxed) - begin_;
    return HeapUsage{.capacity_bytes = end_ - begin_,
                     .in_use_bytes = used,
                     .live_bytes = used,
                     .collections = 0};
  }

  bool IsLiveObject(const Object* object) const override {
    const auto address = reinterpret_cast<uintptr_t>(object);
    return address >= begin_ && address < frontier_.load(std::memory_order_relaxed) &&
           address % kWordBytes == 0;
  }

 private:
  struct Range {
    uintptr_t begin;
    uintptr_t end;
  };

  // Takes up to `want` bytes, and at least `need`, from the frontier, or throws
  // OutOfMemory.
  Range Take(size_t need, size_t want) {
    uintptr_t frontier = frontier_.load(std::memory_order_relaxed);
    for (;;) {
      if (end_ - frontier < need) {
        throw OutOfMemory(OutOfMemoryStatus("nogc", end_ - begin_, frontier - begin_, need));
      }
      const size_t take = std::min(want, end_ - frontier);
      if (frontier_.compare_exchange_weak(frontier, frontier + take,
                                          std::memory_order_relaxed)) {
        return Range{frontier, frontier + take};
      }
    }
  }

  uintptr_t begin_ = 0;
  uintptr_t end_ = 0;
  std::atomic<uintptr_t> frontier_{0};
};

absl::StatusOr<std::unique_ptr<Collector>> MakeNoGc(const CollectorOptions& options) {
  if (!options.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("nogc takes no options, got '", options.begin()->first, "'"));
  }
  return std::make_unique<NoGc>();
}

}  // namespace

GCLAB_REGISTER_COLLECTOR(NoGcTraits(), MakeNoGc);

}  // namespace gclab
