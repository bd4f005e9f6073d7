#include "runtime/mutator.h"

#include <bit>

#include "absl/strings/str_cat.h"
#include "runtime/collector.h"
#include "runtime/out_of_memory.h"
#include "runtime/runtime.h"

namespace gclab {

absl::string_view BarrierKindName(BarrierKind kind) {
  switch (kind) {
    case BarrierKind::kNone:
      return "none";
    case BarrierKind::kDijkstra:
      return "dijkstra";
    case BarrierKind::kYuasa:
      return "yuasa";
    case BarrierKind::kHybrid:
      return "hybrid";
    case BarrierKind::kCardMarking:
      return "card-marking";
    case BarrierKind::kFieldLogging:
      return "field-logging";
    case BarrierKind::kObjectLogging:
      return "object-logging";
  }
  return "?";
}

absl::string_view AllocFastPathName(AllocFastPath fast_path) {
  switch (fast_path) {
    case AllocFastPath::kBump:
      return "bump";
    case AllocFastPath::kSizeClassBump:
      return "size-class-bump";
    case AllocFastPath::kSizeClassFreeList:
      return "size-class-free-list";
    case AllocFastPath::kNurseryOrPretenured:
      return "nursery-or-pretenured";
    case AllocFastPath::kNone:
      return "none";
  }
  return "?";
}

Mutator::Mutator(Runtime& runtime)
    : poll_word_(runtime.safepoints().poll_word()),
      wb_next_(wb_log_),
      wb_end_(wb_log_ + kWriteBarrierLogEntries),
      runtime_(runtime),
      collector_(&runtime.collector()),
      data_(&runtime.data()),
      stress_(runtime.config().stress),
      stress_every_bytes_(runtime.config().stress_every_bytes) {
  GCLAB_CHECK(runtime.started(), "a Mutator needs a started Runtime");
  slot_next_ = slot_log_;
  index_ = runtime.AcquireStack();
  stack_base_ = runtime.StackBase(index_);
  stack_top_ = stack_base_;
  stack_limit_ = stack_base_ + runtime.config().stack_bytes;
  runtime.safepoints().Register(*this);
  // The traits' fast path and barrier; a collector whose options or phase change
  // them sets its own in AttachMutator.
  set_fast_path(collector_->traits().fast_path);
  set_barrier(collector_->traits().barrier);
  collector_->AttachMutator(*this);
  Poll();
}

Mutator::~Mutator() {
  GCLAB_CHECK(top_frame_ == nullptr, "Mutator destroyed with frames still pushed");
  // Still registered and running, so no collection can run until Unregister
  // removes this mutator: the collector never sees it half detached.
  collector_->DetachMutator(*this);
  collector_state_.reset();
  ResetAllocBuffers();
  runtime_.safepoints().Unregister(*this);
  runtime_.ReleaseStack(index_);
}

void Mutator::Collect(GcCause cause, CollectionKind kind) {
  Poll();
  collector_->Collect(*this, cause, kind);
}

void Mutator::ResetAllocBuffers() {
  for (AllocBuffer& buffer : buffers_) buffer = AllocBuffer{};
}

std::byte* Mutator::AllocateSlow(size_t bytes, const SiteInfo& site) {
  Poll();
  if (GCLAB_UNLIKELY(stress_) && heap_bytes_allocated_ >= next_stress_at_) {
    // Every (n+1)-th stress collection is full, the others minor, for a collector
    // with n = stress_minor_collections.
    const uint64_t cycle_length = uint64_t(collector_->traits().stress_minor_collections) + 1;
    const CollectionKind kind = ++stress_collections_ % cycle_length == 0 ? CollectionKind::kFull
                                                                          : CollectionKind::kMinor;
    collector_->Collect(*this, GcCause::kStress, kind);
    next_stress_at_ = heap_bytes_allocated_ + stress_every_bytes_;
  }
  std::byte* memory = collector_->AllocateSlow(*this, bytes, site);
  heap_bytes_allocated_ += bytes;
  ++heap_objects_allocated_;
  return memory;
}

std::byte* Mutator::AllocateInFrameSlow(size_t bytes, const SiteInfo& site) {
  // Like Go, an object that does not fit its frame (or is made outside any frame)
  // moves to the heap.
  arena_overflow_bytes_ += bytes;
  return AllocateHeap(bytes, site);
}

void Mutator::PollSlow() {
  // Inside a BlockingScope the poll word always traps, so that every poll (and every
  // allocation slow path, frame push and Collect, which poll first) lands here.
  if (GCLAB_UNLIKELY(in_blocking_scope())) {
    UsedWhileBlocked("polled (allocated in the heap, pushed a frame or asked for a collection)");
  }
  runtime_.safepoints().Park(*this);
}

void Mutator::WriteBarrierSlow(Ref old_value, Ref new_value) {
  // References are appended in place, not through a call each: the hybrid barrier's
  // second call cost as much as the first. The log is flushed as soon as fewer than
  // two entries are free, so the hybrid barrier's pair always fits.
  switch (barrier_) {
    case BarrierKind::kNone:
      return;
    case BarrierKind::kDijkstra:
      if (new_value != nullptr) *wb_next_++ = new_value;
      break;
    case BarrierKind::kYuasa:
      if (old_value != nullptr) *wb_next_++ = old_value;
      break;
    case BarrierKind::kHybrid:
      if (old_value != nullptr) *wb_next_++ = old_value;
      if (new_value != nullptr) *wb_next_++ = new_value;
      break;
    default:  // the where-barriers never come here (RecordWhere)
      return;
  }
  if (wb_end_ - wb_next_ < 2) collector_->FlushWriteBarrier(*this);
}

void Mutator::LogSlot(Ref* slot) {
  // A relaxed read-modify-write: another mutator may clear a neighbour's bit in the
  // same word at the same time; the collector re-arms bits only with the world stopped.
  const auto address = reinterpret_cast<uintptr_t>(slot);
  std::atomic_ref(where_.unlogged_biased[address >> 9])
      .fetch_and(~(uint64_t{1} << ((address >> 3) & 63)), std::memory_order_relaxed);
  *slot_next_++ = slot;
  if (slot_next_ == slot_log_ + kWriteBarrierLogEntries) collector_->FlushWriteBarrier(*this);
}

void Mutator::LogHolder(Ref holder) {
  std::atomic_ref(holder->header).fetch_and(~kUnloggedBit, std::memory_order_relaxed);
  *wb_next_++ = holder;
  if (wb_next_ == wb_end_) collector_->FlushWriteBarrier(*this);
}

void Mutator::StackOverflow(const FunctionInfo& function) {
  FatalError(absl::StrCat("stack overflow: mutator ", index_, " entering '", function.name,
                          "' (frame of ", function.frame_bytes, " bytes) with ",
                          stack_top_ - stack_base_, " of ", stack_limit_ - stack_base_,
                          " stack bytes in use; raise RuntimeConfig::stack_bytes"));
}

void Mutator::ArrayTooLarge(const SiteInfo& site, uint64_t length) {
  throw OutOfMemory(absl::ResourceExhaustedError(
      absl::StrCat("out of memory: array of ", length, " elements requested at site '",
                   site.name, "' is larger than any heap")));
}

void Mutator::CheckStore(Ref holder, Ref* slot, Ref value) {
  if (in_blocking_scope()) UsedWhileBlocked("stored a reference");
  if (value == nullptr || !runtime_.InStackSegment(value)) return;
  if (holder != nullptr && runtime_.InStackSegment(holder)) {
    // Arena to arena: fine within a frame or from an older frame into a younger one;
    // from a younger frame (or another thread's stack) it dangles once that pops.
    const Frame* value_frame = FrameHolding(value);
    const Frame* holder_frame = FrameHolding(holder);
    if (value_frame == nullptr || holder_frame == nullptr || value_frame > holder_frame) {
      FatalError(absl::StrCat(
          "escape invariant violated: ", runtime_.Describe(holder), " was made to point at ",
          runtime_.Describe(value),
          value_frame == nullptr || holder_frame == nullptr
              ? ", in another thread's stack"
              : ", in a younger frame, which pops first and leaves the pointer dangling",
          "; that site is declared non-escaping but its object escapes"));
    }
    return;
  }
  const std::string where = holder == nullptr ? runtime_.Describe(slot) : runtime_.Describe(holder);
  FatalError(absl::StrCat("escape invariant violated: ", where, " was made to point at ",
                          runtime_.Describe(value),
                          "; that site is declared non-escaping but its object escapes"));
}

Frame* Mutator::FrameHolding(const void* address) const {
  const auto a = reinterpret_cast<uintptr_t>(address);
  if (a < stack_base_ || a >= stack_top_) return nullptr;
  for (Frame* frame = top_frame_; frame != nullptr; frame = frame->caller) {
    if (reinterpret_cast<uintptr_t>(frame) <= a) return frame;
  }
  return nullptr;
}

void Mutator::CheckFieldStore(Ref object, size_t field, Ref value) {
  if (object == nullptr) FatalError("Store into a null object");
  const TypeInfo& type = runtime_.code().TypeOf(object);
  const char* mistake = nullptr;
  if (type.kind != TypeKind::kFixed) {
    mistake = "is an array, not a struct: use StoreElement";
  } else if (field >= type.field_words) {
    mistake = "does not exist";
  } else if ((type.ref_map >> field & 1) == 0) {
    mistake = "is a scalar field, which the collector does not trace: a Ref stored there "
              "would be neither kept alive nor updated when it moves";
  }
  if (mistake == nullptr) return;
  FatalError(absl::StrCat("Store of ", value == nullptr ? "null" : runtime_.Describe(value),
                          " into field ", field, " of ", runtime_.Describe(object),
                          " (type ", type.name, ", ", type.field_words, " fields): the field ",
                          mistake));
}

void Mutator::CheckElementStore(Ref array, size_t index, Ref value) {
  if (array == nullptr) FatalError("StoreElement into a null array");
  const TypeInfo& type = runtime_.code().TypeOf(array);
  if (type.kind != TypeKind::kRefArray) {
    FatalError(absl::StrCat(
        "StoreElement of ", value == nullptr ? "null" : runtime_.Describe(value), " into ",
        runtime_.Describe(array), " (type ", type.name, "), which is not an array of pointers",
        type.kind == TypeKind::kFixed ? ": use Store for a struct's fields"
                                      : ": its elements are bytes, which the collector does "
                                        "not trace"));
  }
  if (index >= array->length()) {
    FatalError(absl::StrCat("StoreElement: index ", index, " out of range for ",
                            runtime_.Describe(array), " of length ", array->length()));
  }
}

void Mutator::UsedWhileBlocked(absl::string_view what) const {
  FatalError(absl::StrCat(
      "mutator ", index_, " ", what,
      " inside a BlockingScope: a blocked mutator counts as stopped, so a collector may "
      "be running; leave the scope before touching the heap, frames or safepoints"));
}

void Mutator::PoisonFrame(Frame* frame) {
  // An older frame's pointer slot must not point into the frame being popped: a
  // non-escaping object was assigned to a caller's slot (FrameScope's slots are plain
  // references, so the assignment itself goes unseen). Arena objects and the heap
  // are checked at each Store (CheckStore).
  const auto begin = reinterpret_cast<uintptr_t>(frame);
  const uintptr_t end = begin + frame->function->frame_bytes;
  for (Frame* older = frame->caller; older != nullptr; older = older->caller) {
    Ref* slots = older->slots();
    for (uint64_t map = older->function->ref_slot_map; map != 0; map &= map - 1) {
      const int slot = std::countr_zero(map);
      const auto value = reinterpret_cast<uintptr_t>(slots[slot]);
      if (value < begin || value >= end) continue;
      FatalError(absl::StrCat(
          "escape invariant violated: slot ", slot, " of the frame of '", older->function->name,
          "' points at ", runtime_.Describe(slots[slot]), " in the frame of '",
          frame->function->name,
          "', which is being popped; that site is declared non-escaping but its object "
          "escapes to a caller"));
    }
  }
  // A dangling reference into a popped frame now reads a header without its tag
  // bit, which the verifier reports, instead of a stale but plausible object.
  std::memset(static_cast<void*>(frame), 0xA4, frame->function->frame_bytes);
}

BlockingScope::BlockingScope(Mutator& mutator) : mutator_(mutator) {
  mutator.runtime().safepoints().EnterBlocking(mutator);
}

BlockingScope::~BlockingScope() { mutator_.runtime().safepoints().LeaveBlocking(mutator_); }

}  // namespace gclab
