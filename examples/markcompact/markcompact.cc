// markcompact: a stop-the-world sliding mark-compact collector (the Lisp-2
// algorithm), written as an example of a collector that lives outside gclab's tree
// and is loaded as a plugin. See README.md.
//
// Allocation: mutators bump-allocate in 32 KiB chunks taken from one frontier;
// large objects take a chunk of their own. The collector remembers every chunk and
// how far it was filled, so the heap can be walked object by object.
//
// Collection (one pause), Lisp-2's passes:
//  1. mark from the roots (side bitmap, explicit stack);
//  2. walk the chunks in address order and give each marked object its new address,
//     packed from the heap's start (a side forwarding table: the header stays
//     intact for the walk);
//  3. update every root and every marked object's pointer fields;
//  4. slide each marked object down to its new address, in address order.
// The frontier then sits just past the live data: no fragmentation, and allocation
// order is kept.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "collectors/common/mark_stack.h"
#include "collectors/common/side_bitmap.h"
#include "collectors/common/stop_the_world_collector.h"
#include "runtime/collector.h"
#include "runtime/out_of_memory.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace gclab {
namespace {

constexpr size_t kChunkBytes = 32 * KiB;

struct Chunk {
  uintptr_t begin;
  uintptr_t end;  // how far objects were placed
};

struct MarkCompactPerMutator : PerMutatorState {
  uintptr_t chunk_begin = 0;  // the chunk buffer(0) bumps through
};

MarkCompactPerMutator& StateOf(Mutator& mutator) {
  return mutator.collector_state<MarkCompactPerMutator>();
}

const CollectorTraits& MarkCompactTraits() {
  static const CollectorTraits traits{
      .name = "markcompact",
      .description = "stop-the-world sliding mark-compact (Lisp-2): bump allocation, side mark "
                     "bitmap, forwarding table, order-preserving compaction (an example "
                     "plugin)",
      .moving = true,
  };
  return traits;
}

class MarkCompact final : public StopTheWorldCollector {
 public:
  const CollectorTraits& traits() const override { return MarkCompactTraits(); }

  absl::Status Init(Runtime& runtime, std::span<std::byte> heap) override {
    runtime_ = &runtime;
    begin_ = reinterpret_cast<uintptr_t>(heap.data());
    end_ = begin_ + heap.size();
    frontier_ = begin_;
    compacted_end_ = begin_;
    marks_ = SideBitmap(begin_, heap.size(), kWordBytes);
    return absl::OkStatus();
  }

  void AttachMutator(Mutator& mutator) override {
    mutator.set_collector_state(std::make_unique<MarkCompactPerMutator>());
  }

  void DetachMutator(Mutator& mutator) override {
    MutexLock lock(&mu_);
    RetireChunk(mutator);
  }

  std::byte* AllocateSlow(Mutator& mutator, size_t bytes, const SiteInfo&) override {
    const size_t rounded = AlignUp(bytes, kWordBytes);
    return AllocateOrCollectFull(mutator, bytes,
        [&] { return TakeChunk(mutator, rounded); });
  }

  HeapUsage Usage() const override {
    return HeapUsage{.capacity_bytes = end_ - begin_,
                     .in_use_bytes = in_use_bytes_.load(std::memory_order_relaxed),
                     .live_bytes = live_bytes_.load(std::memory_order_relaxed),
                     .collections = collections_.load(std::memory_order_relaxed)};
  }

  bool IsLiveObject(const Object* object) const override {
    const auto address = reinterpret_cast<uintptr_t>(object);
    if (address < compacted_end_) return marks_.Test(marks_.BitOf(address));
    // Allocated since the last collection: an object start in some chunk.
    std::vector<Chunk> chunks = filled_;
    runtime_->safepoints().ForEachMutator([&](Mutator& m) { chunks.push_back(CurrentChunk(m)); });
    for (const Chunk& chunk : chunks) {
      if (address < chunk.begin || address >= chunk.end) continue;
      for (uintptr_t p = chunk.begin; p < chunk.end; p += SizeOf(p)) {
        if (p == address) return true;
      }
    }
    return false;
  }

 private:
  static Chunk CurrentChunk(Mutator& m) {
    const uintptr_t begin = StateOf(m).chunk_begin;
    return Chunk{begin, begin == 0 ? 0 : m.alloc_buffer(0).cursor};
  }

  size_t SizeOf(uintptr_t address) const {
    const Object* object = reinterpret_cast<const Object*>(address);
    return ObjectBytes(runtime_->code().TypeOf(object), object);
  }

  // Remembers the mutator's chunk as filled up to its cursor, and forgets it.
  void RetireChunk(Mutator& mutator) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const Chunk chunk = CurrentChunk(mutator);
    if (chunk.end > chunk.begin) filled_.push_back(chunk);
    StateOf(mutator).chunk_begin = 0;
    mutator.ResetAllocBuffers();
  }

  // A new chunk for the mutator, holding the object first; null if the heap is full.
  std::byte* TakeChunk(Mutator& mutator, size_t rounded) {
    MutexLock lock(&mu_);
    RetireChunk(mutator);
    const size_t take = std::max(rounded, kChunkBytes);
    if (end_ - frontier_ < take) {
      if (end_ - frontier_ < rounded) return nullptr;
      filled_.push_back(Chunk{frontier_, frontier_ + rounded});  // the heap's last bytes
      frontier_ += rounded;
      in_use_bytes_.store(frontier_ - begin_, std::memory_order_relaxed);
      return reinterpret_cast<std::byte*>(frontier_ - rounded);
    }
    const uintptr_t chunk = frontier_;
    frontier_ += take;
    in_use_bytes_.store(frontier_ - begin_, std::memory_order_relaxed);
    if (take == rounded) {  // a large object: a chunk of its own, full at once
      filled_.push_back(Chunk{chunk, chunk + rounded});
    } else {
      StateOf(mutator).chunk_begin = chunk;
      mutator.alloc_buffer(0) = AllocBuffer{chunk + rounded, chunk + take};
    }
    return reinterpret_cast<std::byte*>(chunk);
  }

  void CollectInPause(Mutator&, StopTheWorldScope& stw) override {
    MutexLock lock(&mu_);
    runtime_->safepoints().ForEachMutator([&](Mutator& m) { RetireChunk(m); });
    std::sort(filled_.begin(), filled_.end(),
              [](const Chunk& a, const Chunk& b) { return a.begin < b.begin; });
    {
      auto phase = stw.Phase(Phase::kRootScan);
      marks_.ClearAll();
      ForEachRoot(*runtime_, [this](Ref* slot) { Mark(*slot); });
    }
    {
      auto phase = stw.Phase(Phase::kMark);
      DrainMarkStack(mark_stack_, runtime_->code(), [this](Ref* slot) { Mark(*slot); });
    }
    uintptr_t to = begin_;
    {
      auto phase = stw.Phase(Phase::kForward);
      forwarding_.clear();
      ForEachMarked([&](uintptr_t p, size_t size) {
        forwarding_[reinterpret_cast<Ref>(p)] = reinterpret_cast<Ref>(to);
        to += size;
      });
    }
    {
      auto phase = stw.Phase(Phase::kUpdateRefs);
      auto update = [this](Ref* slot) {
        if (auto it = forwarding_.find(*slot); it != forwarding_.end()) *slot = it->second;
      };
      ForEachRoot(*runtime_, update);
      ForEachMarked([&](uintptr_t p, size_t) {
        Ref object = reinterpret_cast<Ref>(p);
        ForEachRefSlot(object, runtime_->code().TypeOf(object), update);
      });
    }
    {
      auto phase = stw.Phase(Phase::kCompact);
      // Slide down in address order; each object's new place is at or below its old
      // one and above every earlier object's, so nothing unmoved is overwritten.
      ForEachMarked([&](uintptr_t p, size_t size) {
        std::memmove(forwarding_[reinterpret_cast<Ref>(p)], reinterpret_cast<void*>(p), size);
      });
      // The marks now name the objects' new starts (for IsLiveObject).
      marks_.ClearAll();
      for (const auto& [from, moved] : forwarding_) {
        marks_.TestAndSet(marks_.BitOf(reinterpret_cast<uintptr_t>(moved)));
      }
    }
    filled_.clear();
    if (to > begin_) filled_.push_back(Chunk{begin_, to});
    frontier_ = to;
    in_use_bytes_.store(to - begin_, std::memory_order_relaxed);
    compacted_end_ = to;
    live_bytes_.store(to - begin_, std::memory_order_relaxed);
    collections_.fetch_add(1, std::memory_order_relaxed);
  }

  void Mark(Ref ref) {
    const auto address = reinterpret_cast<uintptr_t>(ref);
    if (address - begin_ >= end_ - begin_) return;  // null, or a frame-arena object
    if (marks_.TestAndSet(marks_.BitOf(address))) return;
    mark_stack_.push_back(ref);
  }

  // Calls visit(address, size) for every marked object, in address order. Reads
  // each object's header, so it runs before anything has moved (or, when sliding,
  // reads each header before the objects below it overwrite nothing above).
  template <typename Visit>
  void ForEachMarked(Visit&& visit) {
    for (const Chunk& chunk : filled_) {
      for (uintptr_t p = chunk.begin; p < chunk.end;) {
        const size_t size = SizeOf(p);
        if (marks_.Test(marks_.BitOf(p))) visit(p, size);
        p += size;
      }
    }
  }

  Runtime* runtime_ = nullptr;
  uintptr_t begin_ = 0;
  uintptr_t end_ = 0;
  SideBitmap marks_;
  std::vector<Ref> mark_stack_;
  absl::flat_hash_map<Ref, Ref> forwarding_;
  uintptr_t compacted_end_ = 0;  // objects below were compacted by the last collection

  Mutex mu_;
  uintptr_t frontier_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<size_t> in_use_bytes_{0};  // frontier_ - begin_, for Usage
  std::vector<Chunk> filled_;  // chunks no mutator bumps through; under mu_ or in a pause

  std::atomic<size_t> live_bytes_{0};
  std::atomic<uint64_t> collections_{0};
};

}  // namespace

GCLAB_REGISTER_COLLECTOR(MarkCompactTraits(),
                         FactoryWithoutOptions<MarkCompact>("markcompact"));

}  // namespace gclab
