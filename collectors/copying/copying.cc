// copying: a stop-the-world semispace collector with Cheney's breadth-first copy
// (Cheney 1970; Fenichel & Yochelson 1969). See README.md.
//
// The heap budget is split into two halves. Mutators bump-allocate in the current
// half through 32 KiB thread-local chunks. A collection copies every object
// reachable from the roots into the other half, leaving a forwarding pointer in the
// old header (bit 0 clear), updates every root slot in place, then scans the copies
// in address order (the Cheney queue is to-space itself, so no mark stack), and
// flips. Everything is copied, large objects included (see README.md for why).
// Checked builds retire the abandoned space after every collection and copy into
// fresh address space next time (runtime/poison.h), so a stale Ref keeps faulting.
#include <unistd.h>

#include <atomic>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <memory>

#include "absl/strings/str_cat.h"
#include "collectors/common/bump_region.h"
#include "collectors/common/stop_the_world_collector.h"
#include "runtime/collector.h"
#include "runtime/out_of_memory.h"
#include "runtime/poison.h"
#include "runtime/runtime.h"

namespace gclab {
namespace {

// How many fields the Cheney scan runs ahead of forwarding (a power of two).
constexpr uint32_t kPrefetchDistance = 32;

const CollectorTraits& CopyingTraits() {
  static const CollectorTraits traits{
      .name = "copying",
      .description = "stop-the-world semispace copying (Cheney): two halves of the budget, "
                     "bump allocation, breadth-first evacuation",
      .moving = true,
      .poisons_from_space = true,
  };
  return traits;
}

class Copying final : public StopTheWorldCollector {
 public:
  const CollectorTraits& traits() const override { return CopyingTraits(); }

  absl::Status Init(Runtime& runtime, std::span<std::byte> heap) override {
    runtime_ = &runtime;
    code_ = &runtime.code();
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t half = heap.size() / 2 / page * page;
    if (half < BumpRegion::kChunkBytes) {
      return absl::ResourceExhaustedError(absl::StrCat("copying needs a heap of at least ",
                                                     2 * BumpRegion::kChunkBytes,
                                                     " bytes (two semispaces)"));
    }
    // Spaces are consecutive half-budget slots: the two halves of the budget, or in
    // checked builds every slot of the larger poisoning address range, used in turn.
    const std::span<std::byte> slots = kChecks ? runtime.heap() : heap;
    spaces_begin_ = reinterpret_cast<uintptr_t>(slots.data());
    space_bytes_ = half;
    space_count_ = slots.size() / half;
    GCLAB_CHECK(!kChecks || space_count_ >= 3,
                "copying: the poisoning address range holds too few spaces");
    current_.Reset(spaces_begin_, spaces_begin_ + half, spaces_begin_);
    return absl::OkStatus();
  }

  std::byte* AllocateSlow(Mutator& mutator, size_t bytes, const SiteInfo&) override {
    const size_t rounded = AlignUp(bytes, kWordBytes);
    return AllocateOrCollectFull(mutator, bytes,
        [&] { return current_.Allocate(mutator, rounded); });
  }

 private:
  void CollectInPause(Mutator&, StopTheWorldScope& stw) override {
    runtime_->safepoints().ForEachMutator([](Mutator& m) { m.ResetAllocBuffers(); });
    const size_t to_index = NextSpace(current_index_);
    const uintptr_t to_begin = SpaceBegin(to_index);
    const uintptr_t free = Evacuate(stw, to_begin);
    const uintptr_t from_begin = current_.begin();
    current_.Reset(to_begin, to_begin + space_bytes_, free);  // flip
    current_index_ = to_index;
    live_bytes_.store(current_.used(), std::memory_order_relaxed);
    collections_.fetch_add(1, std::memory_order_relaxed);
    if (kChecks) {
      // From-space's pages become the next collection's to-space, at fresh addresses.
      RetireRange(reinterpret_cast<void*>(from_begin), space_bytes_,
                  reinterpret_cast<void*>(SpaceBegin(NextSpace(to_index))));
    }
  }

 public:
  HeapUsage Usage() const override {
    return HeapUsage{
        .capacity_bytes = 2 * space_bytes_,
        .in_use_bytes = current_.used(),
        .live_bytes = live_bytes_.load(std::memory_order_relaxed),
        .collections = collections_.load(std::memory_order_relaxed),
    };
  }

  bool IsLiveObject(const Object* object) const override {
    const auto address = reinterpret_cast<uintptr_t>(object);
    return address >= current_.begin() && address < current_.frontier() &&
           address % kWordBytes == 0;
  }

 private:
  // Copies everything reachable from the roots into the space at `to_begin`; returns
  // the end of the copies. The scan and free pointers are locals so that they live in
  // registers through the whole loop.
  uintptr_t Evacuate(StopTheWorldScope& stw, const uintptr_t to_begin) {
    const TypeInfo* const types = code_->types().data();
    auto type_of = [types](const Object* object) GCLAB_ALWAYS_INLINE_LAMBDA -> const TypeInfo& {
      return types[object->type_id()];
    };
    const uintptr_t from_begin = current_.begin();
    const uintptr_t from_bytes = space_bytes_;
    auto in_from_space = [=](uintptr_t p) GCLAB_ALWAYS_INLINE_LAMBDA {
      return p - from_begin < from_bytes;
    };
    uintptr_t free = to_begin;
    uint64_t objects = 0;
    // The new address of `ref`, copying it on first sight. Null and frame-arena
    // objects are not in from-space and stay where they are.
    auto forward = [&](Ref ref) GCLAB_ALWAYS_INLINE_LAMBDA {
      const auto address = reinterpret_cast<uintptr_t>(ref);
      if (!in_from_space(address)) return ref;
      const uint64_t header = ref->header;
      if ((header & kHeaderTag) == 0) return reinterpret_cast<Ref>(header);  // copied
      const size_t bytes = ObjectBytes(types[header >> kTypeShift], ref);
      auto* copy = reinterpret_cast<Object*>(free);
      CopyWords(copy, ref, bytes);
      free += bytes;
      ++objects;
      ref->header = reinterpret_cast<uint64_t>(copy);
      return copy;
    };
    {
      auto phase = stw.Phase(Phase::kRootScan);
      ForEachRoot(*runtime_, [&](Ref* slot) { *slot = forward(*slot); });
    }
    auto phase = stw.Phase(Phase::kEvacuate);
    // Cheney: to-space between scan and free is the queue of grey objects. Scanning
    // an object does not forward its fields at once: each field that points into
    // from-space is prefetched and queued in a small FIFO, and forwarded when it
    // leaves the FIFO, kPrefetchDistance fields later, by which time its target is
    // (ideally) in cache. Fields are still forwarded in Cheney order.
    Ref* pending[kPrefetchDistance];
    uint32_t pending_head = 0, pending_tail = 0;
    auto forward_oldest = [&]() GCLAB_ALWAYS_INLINE_LAMBDA {
      Ref* slot = pending[pending_head++ % kPrefetchDistance];
      *slot = forward(*slot);
    };
    uintptr_t scan = to_begin;
    for (;;) {
      if (scan < free) {
        auto* object = reinterpret_cast<Object*>(scan);
        const TypeInfo& type = type_of(object);
        ForEachRefSlot(object, type, [&](Ref* slot) GCLAB_ALWAYS_INLINE_LAMBDA {
          const Ref target = *slot;
          if (!in_from_space(reinterpret_cast<uintptr_t>(target))) return;
          __builtin_prefetch(target, 1);
          if (pending_tail - pending_head == kPrefetchDistance) forward_oldest();
          pending[pending_tail++ % kPrefetchDistance] = slot;
        });
        scan += ObjectBytes(type, object);
      } else if (pending_head != pending_tail) {
        forward_oldest();
      } else {
        break;
      }
    }
    phase.set_work(free - to_begin, objects);
    return free;
  }

  // Copies an object of `bytes` (a multiple of 8). Small objects, the common case,
  // are copied inline 16 bytes at a time rather than through a call to memcpy.
  static GCLAB_ALWAYS_INLINE void CopyWords(void* to, const void* from, size_t bytes) {
#if defined(__SSE2__)
    if (bytes <= 256) {
      auto* d = static_cast<char*>(to);
      const auto* s = static_cast<const char*>(from);
      size_t i = 0;
      for (; i + 16 <= bytes; i += 16) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(d + i),
                         _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i)));
      }
      if (i < bytes) std::memcpy(d + i, s + i, kWordBytes);
      return;
    }
#endif
    std::memcpy(to, from, bytes);
  }

  size_t NextSpace(size_t index) const { return (index + 1) % space_count_; }
  uintptr_t SpaceBegin(size_t index) const { return spaces_begin_ + index * space_bytes_; }

  Runtime* runtime_ = nullptr;
  const CodeSegment* code_ = nullptr;
  BumpRegion current_;  // where mutators allocate (from-space during a collection)
  uintptr_t spaces_begin_ = 0;
  size_t space_bytes_ = 0;    // half the budget
  size_t space_count_ = 0;    // 2, or in checked builds the slots of the poisoning range
  size_t current_index_ = 0;  // which slot current_ is; the next one is to-space
  std::atomic<size_t> live_bytes_{0};
  std::atomic<uint64_t> collections_{0};
};

}  // namespace

GCLAB_REGISTER_COLLECTOR(CopyingTraits(), FactoryWithoutOptions<Copying>("copying"));

}  // namespace gclab
