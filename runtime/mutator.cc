#include "runtime/mutator.h"

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
  }
  return "?";
}

absl::string_view AllocFastPathName(AllocFastPath fast_path) {
  switch (fast_path) {
    case AllocFastPath::kBump:
      return "bump";
    case AllocFastPath::kSizeClassBump:
      return "size-class-bump";
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
      stress_(runtime.config().stress) {
  GCLAB_CHECK(runtime.started(), "a Mutator needs a started Runtime");
  index_ = runtime.AcquireStack();
  stack_base_ = runtime.StackBase(index_);
  stack_top_ = stack_base_;
  stack_limit_ = stack_base_ + runtime.config().stack_bytes;
  runtime.safepoints().Register(*this);
  collector_->AttachMutator(*this);
  Poll();
}

Mutator::~Mutator() {
  GCLAB_CHECK(top_frame_ == nullptr, "Mutator destroyed with frames still pushed");
  // Still registered and running, so no collection can run until Unregister
  // removes this mutator: the collector never sees it half detached.
  collector_->DetachMutator(*this);
  runtime_.safepoints().Unregister(*this);
  runtime_.ReleaseStack(index_);
}

void Mutator::Collect(GcCause cause) {
  Poll();
  collector_->Collect(*this, cause);
}

void Mutator::ResetAllocBuffers() {
  for (AllocBuffer& buffer : buffers_) buffer = AllocBuffer{};
}

std::byte* Mutator::AllocateSlow(size_t bytes) {
  Poll();
  if (GCLAB_UNLIKELY(stress_)) collector_->Collect(*this, GcCause::kStress);
  std::byte* memory = collector_->AllocateSlow(*this, bytes);
  heap_bytes_allocated_ += bytes;
  return memory;
}

std::byte* Mutator::AllocateInFrameSlow(size_t bytes) {
  // Like Go, an object that does not fit its frame (or is made outside any frame)
  // moves to the heap.
  arena_overflow_bytes_ += bytes;
  return AllocateHeap(bytes);
}

void Mutator::PollSlow() { runtime_.safepoints().Park(*this); }

void Mutator::LogBarrier(Ref ref) {
  if (ref == nullptr) return;
  *wb_next_++ = ref;
  if (wb_next_ == wb_end_) collector_->FlushWriteBarrier(*this);
}

void Mutator::WriteBarrierSlow(Ref old_value, Ref new_value) {
  switch (barrier_) {
    case BarrierKind::kNone:
      break;
    case BarrierKind::kDijkstra:
      LogBarrier(new_value);
      break;
    case BarrierKind::kYuasa:
      LogBarrier(old_value);
      break;
    case BarrierKind::kHybrid:
      LogBarrier(old_value);
      LogBarrier(new_value);
      break;
  }
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
  if (value == nullptr || !runtime_.InStackSegment(value)) return;
  if (holder != nullptr && runtime_.InStackSegment(holder)) return;
  const std::string where = holder == nullptr ? runtime_.Describe(slot) : runtime_.Describe(holder);
  FatalError(absl::StrCat("escape invariant violated: ", where, " was made to point at ",
                          runtime_.Describe(value),
                          "; that site is declared non-escaping but its object escapes"));
}

void Mutator::PoisonFrame(Frame* frame) {
  // A dangling reference into a popped frame now reads a header without its tag
  // bit, which the verifier reports, instead of a stale but plausible object.
  std::memset(static_cast<void*>(frame), 0xA4, frame->function->frame_bytes);
}

BlockingScope::BlockingScope(Mutator& mutator) : mutator_(mutator) {
  mutator.runtime().safepoints().EnterBlocking(mutator);
}

BlockingScope::~BlockingScope() { mutator_.runtime().safepoints().LeaveBlocking(mutator_); }

}  // namespace gclab
