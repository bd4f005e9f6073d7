// malloc-marksweep: stop-the-world mark-sweep over objects from a general-purpose
// allocator (jemalloc), the design of many language runtimes that collect on top of
// malloc (CPython's cycle collector, Lua, Ruby before its own heap pages). It is here
// so that the dedicated heap layouts of the other collectors can be measured against
// it. See README.md.
//
// Allocation: every object is one mallocx from the collector's own jemalloc arena
// through the mutator's thread cache; the mutator's bump fast path always misses,
// so each allocation is a call into the collector, as it is a call into malloc in
// such runtimes. Each mutator keeps the objects it allocated in a list of its own (a
// deque of pointers: the allocator cannot be asked to enumerate them).
//
// Budget: the heap size is a budget of bytes as jemalloc rounds them (its size
// classes). Mutators reserve budget in 256 KiB allowances from one atomic counter;
// when the budget is used up, the world stops and collects.
//
// Collection: stop the world; mark from the roots with a mark bit in the header's
// GC bits and an explicit stack; sweep every mutator's list, freeing the unmarked
// objects through the collecting thread's cache and clearing the survivors' bits.
#include <algorithm>
#include <atomic>
#include <deque>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "collectors/common/mark_stack.h"
#include "collectors/malloc_marksweep/object_allocator.h"
#include "collectors/common/stop_the_world_collector.h"
#include "runtime/collector.h"
#include "runtime/out_of_memory.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace gclab {
namespace {

constexpr uint64_t kMarkBit = uint64_t{1} << 1;  // one of the header's GC bits
constexpr size_t kAllowanceBytes = 256 * KiB;

struct MallocMarkSweepPerMutator : PerMutatorState {
  ObjectAllocator::Cache cache;
  std::deque<Ref> objects;  // every object this mutator allocated that is not freed
  size_t allowance = 0;     // budget reserved and not yet used
  // The size class of the last request size: asking jemalloc (nallocx) costs a call
  // per object, and programs allocate runs of one size.
  size_t last_bytes = 0;
  size_t last_usable = 0;
};

MallocMarkSweepPerMutator& StateOf(Mutator& mutator) {
  return mutator.collector_state<MallocMarkSweepPerMutator>();
}

const CollectorTraits& MallocMarkSweepTraits() {
  static const CollectorTraits traits{
      .name = "malloc-marksweep",
      .description =
          "stop-the-world mark-sweep over jemalloc: one malloc per object from an arena "
          "of its own, mark bit in the header, eager sweep that frees the dead",
      .fast_path = AllocFastPath::kNone,
      .heap_segment = false,
  };
  return traits;
}

class MallocMarkSweep final : public StopTheWorldCollector {
 public:
  ~MallocMarkSweep() override {
    // Mutators are gone; free what is left through a cache of our own.
    MutexLock lock(&orphans_mu_);
    ObjectAllocator::Cache cache = allocator_.CreateCache();
    for (Ref object : orphans_) allocator_.Free(cache, object, BytesOf(object));
    allocator_.DestroyCache(cache);
  }

  const CollectorTraits& traits() const override { return MallocMarkSweepTraits(); }

  absl::Status Init(Runtime& runtime, std::span<std::byte>) override {
    runtime_ = &runtime;
    budget_bytes_ = runtime.config().heap_bytes;
    mark_stack_.reserve(64 * 1024);
    return allocator_.Init(runtime.config().prefault_heap ? budget_bytes_ : 0);
  }

  void AttachMutator(Mutator& mutator) override {
    auto state = std::make_unique<MallocMarkSweepPerMutator>();
    state->cache = allocator_.CreateCache();
    mutator.set_collector_state(std::move(state));
  }

  void DetachMutator(Mutator& mutator) override {
    MallocMarkSweepPerMutator& state = StateOf(mutator);
    reserved_bytes_.fetch_sub(state.allowance, std::memory_order_relaxed);
    allocator_.DestroyCache(state.cache);
    MutexLock lock(&orphans_mu_);
    orphans_.insert(orphans_.end(), state.objects.begin(), state.objects.end());
  }

  std::byte* AllocateSlow(Mutator& mutator, size_t bytes, const SiteInfo&) override {
    return AllocateOrCollectFull(mutator, bytes,
        [&]() -> std::byte* {
          MallocMarkSweepPerMutator& state = StateOf(mutator);
          if (bytes != state.last_bytes) {
            state.last_bytes = bytes;
            state.last_usable = allocator_.UsableSize(bytes);
          }
          const size_t usable = state.last_usable;
          if (state.allowance < usable && !Reserve(state, usable)) return nullptr;
          void* memory = allocator_.Allocate(state.cache, bytes);
          if (memory == nullptr) return nullptr;  // the system's memory, not the budget
          state.allowance -= usable;
          state.objects.push_back(static_cast<Ref>(memory));
          return static_cast<std::byte*>(memory);
        });
  }

  HeapUsage Usage() const override {
    return HeapUsage{
        .capacity_bytes = budget_bytes_,
        .in_use_bytes = allocator_.ReadStats().allocated_bytes,
        .live_bytes = live_bytes_.load(std::memory_order_relaxed),
        .collections = collections_.load(std::memory_order_relaxed),
    };
  }

  bool IsLiveObject(const Object* object) const override {
    MutexLock lock(&index_mu_);
    // Rebuilt when objects were allocated or freed since: the object count changes
    // between collections, and every collection bumps the count of collections.
    MutexLock orphans_lock(&orphans_mu_);
    size_t count = orphans_.size();
    runtime_->safepoints().ForEachMutator(
        [&](Mutator& m) { count += StateOf(m).objects.size(); });
    const auto key = std::make_pair(collections_.load(std::memory_order_relaxed), count);
    if (key != index_key_) {
      index_.clear();
      runtime_->safepoints().ForEachMutator(
          [&](Mutator& m) { index_.insert(StateOf(m).objects.begin(), StateOf(m).objects.end()); });
      index_.insert(orphans_.begin(), orphans_.end());
      index_key_ = key;
    }
    return index_.contains(object);
  }

 private:
  // Reserves at least `bytes` of budget for `state`; false if the budget is spent.
  bool Reserve(MallocMarkSweepPerMutator& state, size_t bytes) {
    for (size_t want : {std::max(bytes, kAllowanceBytes), bytes}) {
      size_t reserved = reserved_bytes_.load(std::memory_order_relaxed);
      while (reserved + want <= budget_bytes_) {
        if (reserved_bytes_.compare_exchange_weak(reserved, reserved + want,
                                                  std::memory_order_relaxed)) {
          state.allowance += want;
          return true;
        }
      }
    }
    return false;
  }

  size_t BytesOf(Ref object) const {
    return ObjectBytes(runtime_->code().TypeOf(object), object);
  }

  void CollectInPause(Mutator& mutator, StopTheWorldScope& stw) override {
    size_t live_bytes = 0;
    {
      auto phase = stw.Phase(Phase::kRootScan);
      ForEachRoot(*runtime_, [this](Ref* slot) { MarkRef(*slot); });
    }
    {
      auto phase = stw.Phase(Phase::kMark);
      live_bytes =
          DrainMarkStack(mark_stack_, runtime_->code(), [this](Ref* slot) { MarkRef(*slot); });
    }
    {
      auto phase = stw.Phase(Phase::kSweep);
      ObjectAllocator::Cache& cache = StateOf(mutator).cache;
      size_t kept_bytes = 0;
      runtime_->safepoints().ForEachMutator([&](Mutator& m) {
        MallocMarkSweepPerMutator& state = StateOf(m);
        kept_bytes += Sweep(cache, state.objects);
        state.allowance = 0;
      });
      MutexLock lock(&orphans_mu_);
      kept_bytes += Sweep(cache, orphans_);
      reserved_bytes_.store(kept_bytes, std::memory_order_relaxed);
    }
    live_bytes_.store(live_bytes, std::memory_order_relaxed);
    collections_.fetch_add(1, std::memory_order_relaxed);
  }

  void MarkRef(Ref ref) {
    // Null, and frame-arena objects (scanned as roots), are not the allocator's.
    if (ref == nullptr || runtime_->InStackSegment(ref)) return;
    if (ref->header & kMarkBit) return;
    ref->header |= kMarkBit;
    mark_stack_.push_back(ref);
  }

  // Frees the unmarked objects of `objects` and unmarks the rest; returns the
  // budget bytes the survivors take.
  size_t Sweep(ObjectAllocator::Cache& cache, std::deque<Ref>& objects) {
    size_t kept_bytes = 0;
    auto kept_end = std::remove_if(objects.begin(), objects.end(), [&](Ref object) {
      const size_t bytes = BytesOf(object);
      if (object->header & kMarkBit) {
        object->header &= ~kMarkBit;
        kept_bytes += allocator_.UsableSize(bytes);
        return false;
      }
      allocator_.Free(cache, object, bytes);
      return true;
    });
    objects.erase(kept_end, objects.end());
    return kept_bytes;
  }

  Runtime* runtime_ = nullptr;
  size_t budget_bytes_ = 0;
  ObjectAllocator allocator_;
  std::vector<Ref> mark_stack_;  // used with the world stopped

  std::atomic<size_t> reserved_bytes_{0};  // budget handed to mutators or kept by survivors
  std::atomic<size_t> live_bytes_{0};
  std::atomic<uint64_t> collections_{0};

  mutable Mutex orphans_mu_;
  std::deque<Ref> orphans_ ABSL_GUARDED_BY(orphans_mu_);  // of mutators that detached

  mutable Mutex index_mu_;  // for IsLiveObject
  mutable absl::flat_hash_set<const Object*> index_;
  mutable std::pair<uint64_t, size_t> index_key_{~uint64_t{0}, 0};
};

}  // namespace

GCLAB_REGISTER_COLLECTOR(MallocMarkSweepTraits(),
                         FactoryWithoutOptions<MallocMarkSweep>("malloc-marksweep"));

}  // namespace gclab
