// concurrent: marking, by the background marker, by mutators that assist, and in
// the pauses; and the write barrier's logs, which feed it.
//
// Invariant (the weak tri-colour invariant, kept by the barrier while marking_ is
// set): every white object reachable from the roots is reachable from a grey object
// or from a barrier log not yet shaded. Hybrid (Go's): a store shades the value it
// overwrites and, while the writing goroutine's stack is grey, the new one; Yuasa:
// the overwritten value; Dijkstra: the new value, stacks being rescanned at
// termination since their stores run no barrier. Objects allocated while marking are
// black (their cells are marked as they are handed out), so marking ends.
#include <algorithm>

#include "collectors/concurrent/concurrent.h"
#include "runtime/clock.h"

namespace gclab {
namespace {

// A pointer array longer than this is scanned in chunks of this many elements (Go
// uses 128 KiB; shading costs more here, and an assist must stay short).
constexpr uint64_t kObletElements = 2048;
// Marking work is counted in objects, and an oblet as one object per this many
// elements it scans besides: each element is a random mark-bit access, about half of
// what a small object costs. Counting an oblet as one object let 64 oblets (131,072
// elements, 2-3 ms) pass for an assist step of 64 objects.
constexpr uint64_t kElementsPerWorkUnit = 2;
// How much work passes between two reads of the clock against a deadline.
constexpr size_t kWorkBetweenDeadlineChecks = 256;
// How many grey objects wait, prefetched, before they are scanned (a power of two).
constexpr uint32_t kPrefetchDistance = 8;
// The longest a mutator assists in one allocation slow path.
constexpr int64_t kAssistNanos = 100'000;

}  // namespace

void Concurrent::FlushWriteBarrier(Mutator& mutator) {
  GreyStack& grey = StateOf(mutator).grey;
  if (marking_.load(std::memory_order_relaxed)) {
    // Handed over unshaded: shading is a mark-bit access per reference, most of them
    // cache misses, and the marker has a core for it; the mutator only copies.
    for (Ref ref : mutator.write_barrier_log()) {
      grey.push_back(GreyItem{ref, GreyItem::kToShade});
    }
  }
  mutator.ClearWriteBarrierLog();
  pool_.Give(grey);
}

GCLAB_ALWAYS_INLINE void Concurrent::Shade(Ref ref, GreyStack& grey, SideBitmap& marks) {
  const auto address = reinterpret_cast<uintptr_t>(ref);
  // Null and frame-arena objects are not in the heap (arena objects are roots).
  if (address - heap_begin_ >= heap_end_ - heap_begin_) return;
  if (marks.TestAndSetAtomic(marks.BitOf(address))) return;
  grey.push_back(GreyItem{ref, 0});
}

GCLAB_ALWAYS_INLINE void Concurrent::Shade(Ref ref, GreyStack& grey) {
  Shade(ref, grey, mark_map());
}

void Concurrent::ShadeLog(Mutator& mutator, GreyStack& grey) {
  for (Ref ref : mutator.write_barrier_log()) Shade(ref, grey);
  mutator.ClearWriteBarrierLog();
}

void Concurrent::ShadeStacks(GreyStack& grey) {
  const CodeSegment& code = runtime_->code();
  runtime_->safepoints().ForEachMutator([&](Mutator& mutator) {
    ForEachFrameRoot(mutator.top_frame(), code, [&](Ref* slot) { Shade(*slot, grey); });
  });
}

void Concurrent::ShadeGlobals(GreyStack& grey) {
  // World running: the barrier covers global stores, so reading each slot once
  // (atomically) is enough.
  runtime_->data().ForEachRefSlot([&](Ref* slot) { Shade(LoadRefAcquire(slot), grey); });
}

void Concurrent::FlushLogs(GreyStack& grey) {
  runtime_->safepoints().ForEachMutator([&](Mutator& mutator) { ShadeLog(mutator, grey); });
}

size_t Concurrent::Drain(GreyStack& grey, size_t max_work, int64_t deadline,
                         uint64_t* objects) {
  if (globals_pending_.load(std::memory_order_relaxed) &&
      globals_pending_.exchange(false, std::memory_order_acq_rel)) {
    ShadeGlobals(grey);
  }
  const TypeInfo* const types = runtime_->code().types().data();
  SideBitmap& marks = mark_map();  // fixed while marking
  size_t bytes = 0;
  size_t scanned = 0;
  size_t work = 0;
  size_t next_deadline_check = kWorkBetweenDeadlineChecks;
  // Grey objects wait in a small FIFO between the grey stack and the scan, their
  // first line prefetched on entry, so the cache misses of several overlap (the
  // prefetch FIFO of Cher, Hosking and Vijaykumar).
  GreyItem ahead[kPrefetchDistance];
  uint32_t ahead_head = 0, ahead_count = 0;
  while (work < max_work) {
    while (ahead_count < kPrefetchDistance && (!grey.empty() || pool_.Take(grey))) {
      const GreyItem next = grey.back();
      grey.pop_back();
      if (next.begin == GreyItem::kToShade) {
        Shade(next.object, grey, marks);
        continue;
      }
      __builtin_prefetch(next.object);
      ahead[(ahead_head + ahead_count++) % kPrefetchDistance] = next;
    }
    if (ahead_count == 0) break;
    const GreyItem item = ahead[ahead_head];
    ahead_head = (ahead_head + 1) % kPrefetchDistance;
    --ahead_count;
    Ref object = item.object;
    const TypeInfo& type = types[object->type_id()];
    if (type.kind == TypeKind::kRefArray) {
      const uint64_t length = object->length();
      const uint64_t end = std::min(length, item.begin + kObletElements);
      if (end < length) grey.push_back(GreyItem{object, end});
      // Each oblet is credited with its own elements (the header with the first), so
      // whoever scans an oblet is paid for it.
      if (item.begin == 0) bytes += ObjectBytes(type, length) - length * sizeof(Ref);
      bytes += (end - item.begin) * sizeof(Ref);
      for (uint64_t i = item.begin; i < end; ++i) {
        Shade(LoadRefAcquire(object->element_slot(i)), grey, marks);
      }
      work += 1 + (end - item.begin) / kElementsPerWorkUnit;
    } else {
      bytes += ObjectBytes(type, object);
      ForEachRefSlot(object, type,
                     [&](Ref* slot) { Shade(LoadRefAcquire(slot), grey, marks); });
      ++work;
    }
    ++scanned;
    if (deadline != 0 && work >= next_deadline_check) {
      if (MonotonicNanos() > deadline) break;
      next_deadline_check = work + kWorkBetweenDeadlineChecks;
    }
  }
  for (; ahead_count > 0; --ahead_count) {  // still grey
    grey.push_back(ahead[ahead_head]);
    ahead_head = (ahead_head + 1) % kPrefetchDistance;
  }
  scanned_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  *objects += scanned;
  return bytes;
}

// --- Assists ---

void Concurrent::Assist(Mutator& mutator, size_t allocated_bytes) {
  MutatorGcState& state = StateOf(mutator);
  const double ratio = pacer_->AssistRatio(marked_bytes_.load(std::memory_order_relaxed),
                                           scanned_bytes_.load(std::memory_order_relaxed),
                                           HeapInUse());
  state.assist_credit -= static_cast<int64_t>(ratio * static_cast<double>(allocated_bytes));
  if (state.assist_credit >= 0) return;
  // Marking the background marker has done already pays first: a mutator marks
  // itself only when the marker falls behind.
  int64_t available = background_credit_.load(std::memory_order_relaxed);
  while (available > 0) {
    const int64_t taken = std::min(available, -state.assist_credit);
    if (background_credit_.compare_exchange_weak(available, available - taken,
                                                  std::memory_order_relaxed)) {
      state.assist_credit += taken;
      break;
    }
  }
  if (state.assist_credit >= 0) return;
  if (pool_.LooksEmpty()) {
    // Nothing to help with now; do not let an unpayable debt build up.
    state.assist_credit = std::max<int64_t>(state.assist_credit, -int64_t{4 * MiB});
    return;
  }
  assists_running_.fetch_add(1, std::memory_order_acq_rel);
  {
    PhaseScope phase(runtime_->events(), cycle_number_.load(std::memory_order_relaxed),
                     Phase::kMarkAssist, /*in_pause=*/false, /*on_mutator=*/true);
    const int64_t deadline = MonotonicNanos() + kAssistNanos;
    const std::atomic<uint32_t>& stop_requested = *runtime_->safepoints().poll_word();
    uint64_t objects = 0;
    size_t bytes = 0;
    // In small steps, giving up as soon as the world must stop: an assist must not
    // delay a pause (Go's assists are preemptible too).
    while (state.assist_credit < 0 && stop_requested.load(std::memory_order_relaxed) == 0) {
      uint64_t scanned_now = 0;
      const size_t b = Drain(state.grey, 64, deadline, &scanned_now);
      if (scanned_now == 0) break;
      bytes += b;
      objects += scanned_now;
      state.assist_credit += static_cast<int64_t>(b);
      if (MonotonicNanos() > deadline) break;
    }
    phase.set_work(bytes, objects);
  }
  pool_.Give(state.grey);
  assists_running_.fetch_sub(1, std::memory_order_acq_rel);
}

}  // namespace gclab
