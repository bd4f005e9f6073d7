// File: runtime/mutator.h
//
// A mutator is one thread running program code (a goroutine, here on its own OS
// thread). It owns a stack in the stack segment, allocation buffers and a write-
// barrier log. Everything a workload does to memory goes through it:
//
//   Allocate / AllocateArray   new objects, in the frame arena or the heap
//   Store / StoreElement /     pointer stores, through the collector's barrier
//     StoreGlobal
//   Poll                       a safepoint: parks the thread if the world must stop
//   FrameScope                 pushes and pops frames (roots live in frame slots)
//
// The fast paths are inline and non-virtual; they read only fields of this class,
// which the collector sets up (AttachMutator) to select its fast path (bump, or bump
// per size class) and its barrier. Only when a fast path fails does control leave
// for an out-of-line slow path, and from there into the collector's virtual methods.
//
// Rules for workload code (what a Go compiler guarantees for Go code):
//  - A Ref held in a C++ local is valid only until the next allocation, Poll,
//    PushFrame or Collect: a collection may run there, and a moving collector may
//    move the object. Keep references across those points in frame slots.
//  - Pointer fields of heap objects and pointer globals are written only through
//    Store*, never directly, so the barrier sees every store.
//
// Thread safety: a Mutator is used only by the thread that created it, except that
// a collector may read and reset its fields while the world is stopped.
#ifndef GCLAB_RUNTIME_MUTATOR_H_
#define GCLAB_RUNTIME_MUTATOR_H_

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

#include "absl/strings/string_view.h"
#include "runtime/base.h"
#include "runtime/code_segment.h"
#include "runtime/data_segment.h"
#include "runtime/events.h"
#include "runtime/frame.h"
#include "runtime/object.h"
#include "runtime/size_classes.h"

namespace gclab {

class Collector;
class Runtime;

// Which allocation fast path a collector asks for.
enum class AllocFastPath : uint8_t {
  kBump,           // one buffer, exact sizes (copying, no-GC)
  kSizeClassBump,  // one buffer of free cells per size class (segregated mark-sweep)
  kNone,           // none inline: every allocation calls the collector (malloc-backed)
  // One free list per size class, linked through each cell's first word, for sites
  // with pointers; pointer-free sites take the slow path (libgc: GC_malloc_many's
  // lists, which are of its scanned kind only).
  kSizeClassFreeList,
  // A generational collector that pretenures by allocation site: sites its table
  // (Mutator::set_pretenured_sites) marks bump through one buffer of free old-space
  // cells per size class, as kSizeClassBump; every other site bumps through the
  // nursery buffer (kNurseryBuffer), as kBump.
  kNurseryOrPretenured,
};

// The buffer kNurseryOrPretenured bumps nursery objects through: the size classes'
// buffers come first.
inline constexpr size_t kNurseryBuffer = kNumSizeClasses;

// What the write barrier records before a pointer store into a heap or frame-arena
// object. The first four log values (for concurrent marking); the last three say
// where the store went (for remembered sets), and only for stores that pass the
// collector's filter (WhereBarrier). A store into a global records only values:
// globals are roots of every collection.
enum class BarrierKind : uint8_t {
  kNone,           // no barrier
  kDijkstra,       // insertion: the new value
  kYuasa,          // deletion (snapshot at the beginning): the old value
  kHybrid,         // Go's: both
  kCardMarking,    // dirties the card of the slot written; inline, no log
  kFieldLogging,   // logs the slot once: until the collector re-arms its unlogged bit
  kObjectLogging,  // logs the holder once: until the collector sets its kUnloggedBit again
};

// The first barrier kind that records where, not what.
inline constexpr BarrierKind kFirstWhereBarrier = BarrierKind::kCardMarking;
// A card's byte. Not a char type on purpose: a store through a char may alias
// anything, and would make the compiler reload the mutator's barrier fields after
// every card mark.
enum class Card : uint8_t { kClean = 0, kDirty = 1 };

// What the where-barriers need, owned by the collector. A store is recorded only if
// its holder is in [holder_begin, holder_begin + holder_span) and the value it
// stores in [value_begin, value_begin + value_span): two unsigned compares, so that
// (say) an old-to-old store or a store into a frame-arena object costs no more.
// The defaults record every store.
struct WhereBarrier {
  uintptr_t holder_begin = 0;
  uintptr_t holder_span = UINTPTR_MAX;
  uintptr_t value_begin = 0;
  uintptr_t value_span = UINTPTR_MAX;
  // kCardMarking: the card of address a is card_table_biased[a >> card_shift] (the
  // table's first byte minus the covered range's start >> card_shift, as HotSpot's
  // byte_map_base), set to Card::kDirty. It must cover every holder the filter passes.
  Card* card_table_biased = nullptr;
  uint32_t card_shift = 9;
  // kFieldLogging: bit (a >> 3) & 63 of word unlogged_biased[a >> 9] (biased the
  // same way) set: the slot at address a is logged by its next store, which clears
  // the bit. It must cover every holder the filter passes.
  uint64_t* unlogged_biased = nullptr;
};

absl::string_view BarrierKindName(BarrierKind kind);
absl::string_view AllocFastPathName(AllocFastPath fast_path);

// A run of free memory [cursor, limit) the fast path bumps through. With
// kSizeClassFreeList, `cursor` is instead the first cell of a free list (0: empty),
// each cell's first word the address of the next, and `limit` is unused.
struct AllocBuffer {
  uintptr_t cursor = 0;
  uintptr_t limit = 0;
};

// Where a mutator stands with respect to stopping the world (guarded by Safepoints).
enum class MutatorState : uint8_t {
  kRunning,   // running program code; must reach a poll before the world is stopped
  kParked,    // waiting at a safepoint for the world to resume
  kBlocked,   // in a runtime wait (channel, join): counts as stopped
  kStopping,  // the thread that is stopping the world
};

// What a collector keeps for each mutator derives from this (Mutator::collector_state).
struct PerMutatorState {
  virtual ~PerMutatorState() = default;
};

class Mutator {
 public:
  static constexpr size_t kWriteBarrierLogEntries = 256;

  // Attaches the calling thread to `runtime` (which must be started). Blocks while
  // the world is stopped. Fatal if all RuntimeConfig::max_mutators stacks are taken.
  explicit Mutator(Runtime& runtime);
  // Detaches. All frames must have been popped.
  ~Mutator();
  Mutator(const Mutator&) = delete;
  Mutator& operator=(const Mutator&) = delete;

  Runtime& runtime() const { return runtime_; }
  // Which stack of the stack segment this mutator uses; unique among live mutators.
  uint32_t index() const { return index_; }

  // A new zeroed object from a struct site: in the current frame's arena when the
  // site does not escape and escape analysis is on, else in the heap. May collect.
  // Throws OutOfMemory when the heap is exhausted.
  GCLAB_ALWAYS_INLINE Ref Allocate(const SiteInfo& site);
  // A new zeroed array of `length` elements (pointers or bytes) from an array site.
  GCLAB_ALWAYS_INLINE Ref AllocateArray(const SiteInfo& site, uint64_t length);

  GCLAB_ALWAYS_INLINE void Store(Ref object, size_t field, Ref value);
  GCLAB_ALWAYS_INLINE void StoreElement(Ref array, size_t index, Ref value);
  GCLAB_ALWAYS_INLINE void StoreGlobal(Global global, Ref value);

  // A safepoint. One relaxed load when no stop is pending.
  GCLAB_ALWAYS_INLINE void Poll();

  // Asks the collector for a collection now: a full one, or (kMinor) one of the young
  // generation where the collector has generations.
  void Collect(GcCause cause = GcCause::kExplicit, CollectionKind kind = CollectionKind::kFull);

  // Frames (use FrameScope). PushFrame zeroes the slots and polls.
  GCLAB_ALWAYS_INLINE Frame* PushFrame(const FunctionInfo& function);
  GCLAB_ALWAYS_INLINE void PopFrame(Frame* frame);
  Frame* top_frame() const { return top_frame_; }
  // The first byte of this mutator's stack region.
  uintptr_t stack_base() const { return stack_base_; }

  // Bytes this mutator has allocated: in the heap, in frame arenas, and from
  // non-escaping sites that did not fit their frame's arena (those went to the heap
  // and are counted in heap_bytes_allocated too); heap objects are counted as well
  // (Go's /gc/heap/allocs:objects).
  uint64_t heap_bytes_allocated() const { return heap_bytes_allocated_; }
  uint64_t heap_objects_allocated() const { return heap_objects_allocated_; }
  uint64_t stack_bytes_allocated() const { return stack_bytes_allocated_; }
  uint64_t arena_overflow_bytes() const { return arena_overflow_bytes_; }
  // True inside a BlockingScope, where the mutator counts as stopped.
  bool in_blocking_scope() const { return safepoint_state_ == MutatorState::kBlocked; }

  // --- For the collector that owns this mutator. ---

  // Set in Collector::AttachMutator; changed afterwards only with the world stopped.
  void set_fast_path(AllocFastPath fast_path) {
    (in_blocking_scope() ? fast_path_outside_blocking_ : fast_path_) = fast_path;
  }
  void set_barrier(BarrierKind barrier) { barrier_ = barrier; }
  BarrierKind barrier() const { return barrier_; }
  // The where-barriers' tables and filter (same rules as set_barrier).
  void set_where_barrier(const WhereBarrier& where) { where_ = where; }
  const WhereBarrier& where_barrier() const { return where_; }
  // A size class's buffer, or kNurseryBuffer.
  AllocBuffer& alloc_buffer(size_t index) { return buffers_[index]; }
  // kNurseryOrPretenured: the collector's table, indexed by SiteId, of the sites whose
  // objects go straight to the old space (non-zero). Written only with the world
  // stopped; it must have CodeSegment::kMaxSites entries.
  void set_pretenured_sites(const uint8_t* pretenured) { pretenured_sites_ = pretenured; }
  // Empties every allocation buffer (for instance when a collection starts).
  void ResetAllocBuffers();
  // References logged by the write barrier since the last flush: values (dijkstra,
  // yuasa, hybrid) or holders (object logging).
  std::span<Ref> write_barrier_log() { return {wb_log_, wb_next_}; }
  // Slots logged by the field-logging barrier since the last flush.
  std::span<Ref* const> logged_slots() const { return {slot_log_, slot_next_}; }
  void ClearWriteBarrierLog() {
    wb_next_ = wb_log_;
    slot_next_ = slot_log_;
  }
  // The collector's own state for this mutator (a subclass of PerMutatorState), set
  // in AttachMutator; the mutator owns it and destroys it after DetachMutator.
  template <typename State>
  State& collector_state() const {
    GCLAB_DCHECK(dynamic_cast<State*>(collector_state_.get()) != nullptr,
                 "collector_state<State>() of a mutator whose state is another type");
    return static_cast<State&>(*collector_state_);
  }
  void set_collector_state(std::unique_ptr<PerMutatorState> state) {
    collector_state_ = std::move(state);
  }

 private:
  friend class Safepoints;

  GCLAB_ALWAYS_INLINE std::byte* AllocateHeap(size_t bytes, const SiteInfo& site);
  GCLAB_ALWAYS_INLINE std::byte* AllocateInFrame(size_t bytes, const SiteInfo& site);
  GCLAB_ALWAYS_INLINE void WriteRef(Ref holder, Ref* slot, Ref value);
  GCLAB_ALWAYS_INLINE void RecordWhere(Ref holder, Ref* slot, Ref value);
  GCLAB_NOINLINE std::byte* AllocateSlow(size_t bytes, const SiteInfo& site);
  GCLAB_NOINLINE std::byte* AllocateInFrameSlow(size_t bytes, const SiteInfo& site);
  GCLAB_NOINLINE void PollSlow();
  GCLAB_NOINLINE void WriteBarrierSlow(Ref old_value, Ref new_value);
  GCLAB_NOINLINE void LogSlot(Ref* slot);
  GCLAB_NOINLINE void LogHolder(Ref holder);
  [[noreturn]] GCLAB_NOINLINE void StackOverflow(const FunctionInfo& function);
  [[noreturn]] GCLAB_NOINLINE void ArrayTooLarge(const SiteInfo& site, uint64_t length);
  [[noreturn]] GCLAB_NOINLINE void UsedWhileBlocked(absl::string_view what) const;
  GCLAB_NOINLINE void CheckStore(Ref holder, Ref* slot, Ref value);
  GCLAB_NOINLINE void CheckFieldStore(Ref object, size_t field, Ref value);
  GCLAB_NOINLINE void CheckElementStore(Ref array, size_t index, Ref value);
  // The frame of this mutator's stack that holds `address`; null if none does.
  Frame* FrameHolding(const void* address) const;
  void PoisonFrame(Frame* frame);

  // Hot: read on every fast path.
  AllocFastPath fast_path_ = AllocFastPath::kBump;
  BarrierKind barrier_ = BarrierKind::kNone;
  const std::atomic<uint32_t>* poll_word_;
  Frame* top_frame_ = nullptr;
  uintptr_t stack_top_ = 0;
  uintptr_t stack_limit_ = 0;
  Ref* wb_next_;
  Ref* wb_end_;
  WhereBarrier where_;
  uint64_t heap_bytes_allocated_ = 0;
  uint64_t heap_objects_allocated_ = 0;
  uint64_t stack_bytes_allocated_ = 0;
  AllocBuffer buffers_[kNumSizeClasses + 1];
  const uint8_t* pretenured_sites_ = nullptr;

  // Cold.
  Runtime& runtime_;
  Collector* collector_;
  DataSegment* data_;
  bool stress_;
  uint64_t stress_every_bytes_;
  uint64_t next_stress_at_ = 0;  // heap_bytes_allocated_ at which stress collects next
  uint64_t stress_collections_ = 0;  // stress collections asked for so far
  uint32_t index_;
  uintptr_t stack_base_ = 0;
  uint64_t arena_overflow_bytes_ = 0;
  MutatorState safepoint_state_ = MutatorState::kRunning;
  // While blocked, fast_path_ is kNone and poll_word_ always traps (see
  // Safepoints::EnterBlocking); the collector's choice waits here.
  AllocFastPath fast_path_outside_blocking_ = AllocFastPath::kBump;
  std::unique_ptr<PerMutatorState> collector_state_;
  Ref wb_log_[kWriteBarrierLogEntries];
  Ref** slot_next_;
  Ref* slot_log_[kWriteBarrierLogEntries];
};

// Pushes a frame for `function` on construction and pops it on destruction.
class FrameScope {
 public:
  FrameScope(Mutator& mutator, const FunctionInfo& function)
      : mutator_(mutator), frame_(mutator.PushFrame(function)) {}
  ~FrameScope() { mutator_.PopFrame(frame_); }
  FrameScope(const FrameScope&) = delete;
  FrameScope& operator=(const FrameScope&) = delete;

  // A pointer slot (a root). Frame slots need no barrier: stacks are roots.
  Ref& operator[](size_t slot) {
    GCLAB_DCHECK(!mutator_.in_blocking_scope(),
                 "FrameScope: a frame slot used inside a BlockingScope, where the mutator "
                 "counts as stopped and a collector may be scanning its frames");
    GCLAB_DCHECK(slot < frame_->function->num_slots &&
                     (frame_->function->ref_slot_map >> slot & 1),
                 "FrameScope: not a pointer slot");
    return frame_->slots()[slot];
  }
  // A scalar slot.
  int64_t& word(size_t slot) {
    GCLAB_DCHECK(slot < frame_->function->num_slots &&
                     !(frame_->function->ref_slot_map >> slot & 1),
                 "FrameScope: not a scalar slot");
    return reinterpret_cast<int64_t*>(frame_->slots())[slot];
  }
  Frame* frame() const { return frame_; }

 private:
  Mutator& mutator_;
  Frame* frame_;
};

// Marks the mutator as blocked in a runtime wait (joining threads, waiting on a
// channel) for the scope's lifetime. A blocked mutator counts as stopped, so the
// world can stop without it; on leaving, it waits for any stop to finish. Inside the
// scope the mutator must not touch the heap or its frames: polling, allocating in the
// heap, pushing a frame or asking for a collection there is a fatal error in every
// build (a blocked mutator's poll always traps and its allocation fast path is
// closed); storing a reference or allocating in a frame is one in checks builds.
// Scopes do not nest.
class BlockingScope {
 public:
  explicit BlockingScope(Mutator& mutator);
  ~BlockingScope();
  BlockingScope(const BlockingScope&) = delete;
  BlockingScope& operator=(const BlockingScope&) = delete;

 private:
  Mutator& mutator_;
};

// ---------------------------------------------------------------------------
// Inline fast paths.

GCLAB_ALWAYS_INLINE std::byte* Mutator::AllocateHeap(size_t bytes, const SiteInfo& site) {
  // kBump costs one predicted test; kNone (a collector without buffers, or a
  // mutator inside a BlockingScope) always takes the slow path, which polls.
  size_t buffer_index = 0;
  size_t step = bytes;
  if (fast_path_ != AllocFastPath::kBump) {
    if (fast_path_ == AllocFastPath::kNurseryOrPretenured && !pretenured_sites_[site.id]) {
      buffer_index = kNurseryBuffer;
    } else {
      if (bytes > kMaxSmallObjectBytes) return AllocateSlow(bytes, site);
      if (fast_path_ != AllocFastPath::kSizeClassBump &&
          fast_path_ != AllocFastPath::kNurseryOrPretenured) {
        if (fast_path_ == AllocFastPath::kSizeClassFreeList && !site.pointer_free) {
          AllocBuffer& list = buffers_[SizeClassOf(bytes)];
          const uintptr_t cell = list.cursor;
          if (GCLAB_LIKELY(cell != 0)) {
            list.cursor = *reinterpret_cast<const uintptr_t*>(cell);
            heap_bytes_allocated_ += bytes;
            ++heap_objects_allocated_;
            return reinterpret_cast<std::byte*>(cell);
          }
        }
        return AllocateSlow(bytes, site);
      }
      buffer_index = SizeClassOf(bytes);
      step = kSizeClassBytes[buffer_index];
    }
  }
  AllocBuffer& buffer = buffers_[buffer_index];
  const uintptr_t cursor = buffer.cursor;
  if (GCLAB_LIKELY(buffer.limit - cursor >= step)) {
    buffer.cursor = cursor + step;
    heap_bytes_allocated_ += bytes;
    ++heap_objects_allocated_;
    return reinterpret_cast<std::byte*>(cursor);
  }
  return AllocateSlow(bytes, site);
}

GCLAB_ALWAYS_INLINE std::byte* Mutator::AllocateInFrame(size_t bytes, const SiteInfo& site) {
  if constexpr (kChecks) {
    if (GCLAB_UNLIKELY(in_blocking_scope())) UsedWhileBlocked("allocated in its frame's arena");
  }
  Frame* frame = top_frame_;
  if (GCLAB_LIKELY(frame != nullptr && frame->arena_end() - frame->arena_cursor >= bytes)) {
    auto* memory = reinterpret_cast<std::byte*>(frame->arena_cursor);
    frame->arena_cursor += bytes;
    stack_bytes_allocated_ += bytes;
    return memory;
  }
  return AllocateInFrameSlow(bytes, site);
}

GCLAB_ALWAYS_INLINE Ref Mutator::Allocate(const SiteInfo& site) {
  GCLAB_DCHECK(site.fixed_bytes != 0, "Allocate needs a struct site; use AllocateArray");
  std::byte* memory =
      site.on_stack ? AllocateInFrame(site.fixed_bytes, site)
                    : AllocateHeap(site.fixed_bytes, site);
  Ref object = reinterpret_cast<Ref>(memory);
  object->header = site.header;
  // Zeroing here, on cache lines the header store just brought in, is cheaper than
  // zeroing whole buffers ahead of use.
  uint64_t* fields = object->words();
  for (uint32_t i = 0, n = site.type->field_words; i < n; ++i) fields[i] = 0;
  return object;
}

GCLAB_ALWAYS_INLINE Ref Mutator::AllocateArray(const SiteInfo& site, uint64_t length) {
  GCLAB_DCHECK(site.fixed_bytes == 0, "AllocateArray needs an array site");
  if (GCLAB_UNLIKELY(length > (uint64_t{1} << 40))) ArrayTooLarge(site, length);
  const size_t bytes = ObjectBytes(*site.type, length);
  std::byte* memory = site.on_stack ? AllocateInFrame(bytes, site) : AllocateHeap(bytes, site);
  Ref object = reinterpret_cast<Ref>(memory);
  object->header = site.header;
  object->words()[0] = length;
  std::memset(object->words() + 1, 0, bytes - 2 * kWordBytes);
  return object;
}

GCLAB_ALWAYS_INLINE void Mutator::RecordWhere(Ref holder, Ref* slot, Ref value) {
  const WhereBarrier& w = where_;
  if (reinterpret_cast<uintptr_t>(holder) - w.holder_begin >= w.holder_span ||
      reinterpret_cast<uintptr_t>(value) - w.value_begin >= w.value_span) {
    return;
  }
  const auto address = reinterpret_cast<uintptr_t>(slot);
  if (barrier_ == BarrierKind::kCardMarking) {
    // Relaxed atomic (a plain byte store): mutators may dirty one card together.
    std::atomic_ref(w.card_table_biased[address >> w.card_shift])
        .store(Card::kDirty, std::memory_order_relaxed);
  } else if (barrier_ == BarrierKind::kFieldLogging) {
    const uint64_t bit = uint64_t{1} << ((address >> 3) & 63);
    if (std::atomic_ref(w.unlogged_biased[address >> 9]).load(std::memory_order_relaxed) & bit) {
      LogSlot(slot);
    }
  } else if (std::atomic_ref(holder->header).load(std::memory_order_relaxed) & kUnloggedBit) {
    LogHolder(holder);
  }
}

GCLAB_ALWAYS_INLINE void Mutator::WriteRef(Ref holder, Ref* slot, Ref value) {
  if constexpr (kChecks) CheckStore(holder, slot, value);
  if (GCLAB_UNLIKELY(barrier_ != BarrierKind::kNone)) {
    if (barrier_ >= kFirstWhereBarrier && holder != nullptr) {
      RecordWhere(holder, slot, value);
    } else if (barrier_ < kFirstWhereBarrier) {
      WriteBarrierSlow(*slot, value);
    }
  }
  // Release: a concurrent marker that loads `value` from the slot (acquire) must see
  // the object's header and zeroed fields. A plain store on x86-64.
  StoreRefRelease(slot, value);
}

GCLAB_ALWAYS_INLINE void Mutator::Store(Ref object, size_t field, Ref value) {
  if constexpr (kChecks) CheckFieldStore(object, field, value);
  WriteRef(object, object->ref_slot(field), value);
}

GCLAB_ALWAYS_INLINE void Mutator::StoreElement(Ref array, size_t index, Ref value) {
  if constexpr (kChecks) CheckElementStore(array, index, value);
  WriteRef(array, array->element_slot(index), value);
}

GCLAB_ALWAYS_INLINE void Mutator::StoreGlobal(Global global, Ref value) {
  WriteRef(nullptr, data_->ref_slot(global), value);
}

GCLAB_ALWAYS_INLINE void Mutator::Poll() {
  if (GCLAB_UNLIKELY(poll_word_->load(std::memory_order_relaxed) != 0)) PollSlow();
}

GCLAB_ALWAYS_INLINE Frame* Mutator::PushFrame(const FunctionInfo& function) {
  const uintptr_t base = stack_top_;
  if (GCLAB_UNLIKELY(stack_limit_ - base < function.frame_bytes)) StackOverflow(function);
  auto* frame = reinterpret_cast<Frame*>(base);
  frame->function = &function;
  frame->caller = top_frame_;
  Ref* slots = frame->slots();
  for (uint32_t i = 0; i < function.num_slots; ++i) slots[i] = nullptr;
  frame->arena_cursor = reinterpret_cast<uintptr_t>(slots + function.num_slots);
  stack_top_ = base + function.frame_bytes;
  top_frame_ = frame;
  Poll();
  return frame;
}

GCLAB_ALWAYS_INLINE void Mutator::PopFrame(Frame* frame) {
  GCLAB_DCHECK(frame == top_frame_, "PopFrame: frames must pop in LIFO order");
  top_frame_ = frame->caller;
  stack_top_ = reinterpret_cast<uintptr_t>(frame);
  if constexpr (kChecks) PoisonFrame(frame);
}

}  // namespace gclab

#endif  // GCLAB_RUNTIME_MUTATOR_H_
