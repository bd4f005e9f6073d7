// copying: a stop-the-world semispace collector with Cheney's breadth-first copy
// (Cheney 1970; Fenichel & Yochelson 1969). See README.md.
//
// The heap budget is split into two halves. Mutators bump-allocate in the current
// half through 32 KiB thread-local chunks. A collection copies every object
// reachable from the roots into the other half, leaving a forwarding pointer in the
// old header (bit 0 clear), updates every root slot in place, then scans the copies
// in address order (the Cheney queue is to-space itself, so no mark stack), and
// flips. Everything is copied, large objects included (see README.md for why).
// Checked builds poison and protect the abandoned half after every collection.
#include <atomic>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "runtime/collector.h"
#include "runtime/out_of_memory.h"
#include "runtime/poison.h"
#include "runtime/runtime.h"

namespace gclab {
namespace {

constexpr size_t kChunkBytes = 32 * KiB;

const CollectorTraits& CopyingTraits() {
  static const CollectorTraits traits{
      .name = "copying",
      .description = "stop-the-world semispace copying (Cheney): two halves of the budget, "
                     "bump allocation, breadth-first evacuation",
      .moving = true,
      .concurrent = false,
      .reclaims = true,
      .barrier = BarrierKind::kNone,
      .fast_path = AllocFastPath::kBump,
  };
  return traits;
}

struct Space {
  uintptr_t begin = 0;
  uintptr_t end = 0;
  bool Contains(uintptr_t p) const { return p - begin < end - begin; }
};

class Copying final : public Collector {
 public:
  const CollectorTraits& traits() const override { return CopyingTraits(); }

  absl::Status Init(Runtime& runtime, std::span<std::byte> heap) override {
    runtime_ = &runtime;
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t half = heap.size() / 2 / page * page;
    if (half < kChunkBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "copying needs a heap of at least ", 2 * kChunkBytes, " bytes (two semispaces)"));
    }
    const auto base = reinterpret_cast<uintptr_t>(heap.data());
    current_ = Space{base, base + half};
    spare_ = Space{base + half, base + 2 * half};
    frontier_.store(current_.begin, std::memory_order_relaxed);
    return absl::OkStatus();
  }

  void AttachMutator(Mutator& mutator) override {
    mutator.set_fast_path(AllocFastPath::kBump);
    mutator.set_barrier(BarrierKind::kNone);
  }
  void DetachMutator(Mutator& mutator) override { mutator.ResetAllocBuffers(); }

  std::byte* AllocateSlow(Mutator& mutator, size_t bytes) override {
    const size_t rounded = AlignUp(bytes, kWordBytes);
    for (int attempt = 0;; ++attempt) {
      if (std::byte* memory = TakeChunk(mutator, rounded)) return memory;
      if (attempt == 1) {
        throw OutOfMemory(OutOfMemoryStatus("copying", 2 * (current_.end - current_.begin),
                                            live_bytes_.load(std::memory_order_relaxed),
                                            bytes));
      }
      Collect(mutator, GcCause::kHeapFull);
    }
  }

  void Collect(Mutator& mutator, GcCause cause) override {
    StopTheWorldScope stw(mutator, PauseKind::kFull, cause);
    if (!stw.stopped()) return;  // another thread collected while we waited
    stw.set_cycle(collections_.load(std::memory_order_relaxed) + 1);
    runtime_->safepoints().ForEachMutator([](Mutator& m) { m.ResetAllocBuffers(); });
    if (kChecks && collections_.load(std::memory_order_relaxed) > 0) {
      UnpoisonRange(reinterpret_cast<void*>(spare_.begin), spare_.end - spare_.begin);
    }
    scan_ = free_ = spare_.begin;
    copied_objects_ = 0;
    {
      auto phase = stw.Phase(Phase::kRootScan);
      ForEachRoot(*runtime_, [this](Ref* slot) { *slot = Forward(*slot); });
    }
    {
      auto phase = stw.Phase(Phase::kEvacuate);
      const CodeSegment& code = runtime_->code();
      while (scan_ < free_) {  // Cheney: to-space between scan and free is the queue
        auto* object = reinterpret_cast<Object*>(scan_);
        const TypeInfo& type = code.TypeOf(object);
        ForEachRefSlot(object, type, [this](Ref* slot) { *slot = Forward(*slot); });
        scan_ += ObjectBytes(type, object);
      }
      phase.set_work(free_ - spare_.begin, copied_objects_);
    }
    std::swap(current_, spare_);
    frontier_.store(free_, std::memory_order_relaxed);
    live_bytes_.store(free_ - current_.begin, std::memory_order_relaxed);
    collections_.fetch_add(1, std::memory_order_relaxed);
    if (kChecks) PoisonRange(reinterpret_cast<void*>(spare_.begin), spare_.end - spare_.begin);
    stw.VerifyHeapIfEnabled(/*check_live_bytes=*/true);
  }

  HeapUsage Usage() const override {
    return HeapUsage{
        .capacity_bytes = 2 * (current_.end - current_.begin),
        .in_use_bytes = frontier_.load(std::memory_order_relaxed) - current_.begin,
        .live_bytes = live_bytes_.load(std::memory_order_relaxed),
        .collections = collections_.load(std::memory_order_relaxed),
    };
  }

  bool IsLiveObject(const Object* object) const override {
    const auto address = reinterpret_cast<uintptr_t>(object);
    return address >= current_.begin && address < frontier_.load(std::memory_order_relaxed) &&
           address % kWordBytes == 0;
  }

 private:
  // The new address of `ref`, copying it on first sight. Null and frame-arena
  // objects are not in from-space and stay where they are.
  GCLAB_ALWAYS_INLINE Ref Forward(Ref ref) {
    const auto address = reinterpret_cast<uintptr_t>(ref);
    if (!current_.Contains(address)) return ref;
    const uint64_t header = ref->header;
    if ((header & kHeaderTag) == 0) return reinterpret_cast<Ref>(header);  // already copied
    const size_t bytes = ObjectBytes(runtime_->code().type(ref->type_id()), ref);
    auto* copy = reinterpret_cast<Object*>(free_);
    std::memcpy(copy, ref, bytes);
    free_ += bytes;
    ++copied_objects_;
    ref->header = reinterpret_cast<uint64_t>(copy);
    return copy;
  }

  // Bump-allocates `rounded` bytes from the current space, refilling the mutator's
  // chunk for small objects; null when the space is full.
  std::byte* TakeChunk(Mutator& mutator, size_t rounded) {
    const bool large = rounded >= kChunkBytes / 4;
    const size_t want = large ? rounded : kChunkBytes;
    uintptr_t frontier = frontier_.load(std::memory_order_relaxed);
    for (;;) {
      if (current_.end - frontier < rounded) return nullptr;
      const size_t take = std::min(want, current_.end - frontier);
      if (frontier_.compare_exchange_weak(frontier, frontier + take, std::memory_order_relaxed)) {
        if (!large) mutator.alloc_buffer(0) = AllocBuffer{frontier + rounded, frontier + take};
        return reinterpret_cast<std::byte*>(frontier);
      }
    }
  }

  Runtime* runtime_ = nullptr;
  Space current_;  // where mutators allocate (from-space during a collection)
  Space spare_;    // the other half (to-space during a collection)
  std::atomic<uintptr_t> frontier_{0};
  uintptr_t scan_ = 0;
  uintptr_t free_ = 0;
  uint64_t copied_objects_ = 0;
  std::atomic<size_t> live_bytes_{0};
  std::atomic<uint64_t> collections_{0};
};

absl::StatusOr<std::unique_ptr<Collector>> MakeCopying(const CollectorOptions& options) {
  if (!options.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("copying takes no options, got '", options.begin()->first, "'"));
  }
  return std::make_unique<Copying>();
}

}  // namespace

GCLAB_REGISTER_COLLECTOR(CopyingTraits(), MakeCopying);

}  // namespace gclab
