// concurrent: Go-style concurrent tri-colour mark-sweep. See concurrent.h for the
// cycle and README.md for the design, the barriers and the pacer.
#include "collectors/concurrent/concurrent.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "runtime/clock.h"
#include "runtime/out_of_memory.h"

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
// How long a mark-termination pause may drain the grey set (yuasa, hybrid) before
// it gives up, resumes the world and lets marking continue concurrently.
constexpr int64_t kTerminationDrainNanos = 100'000;
// The longest a mutator assists in one allocation slow path.
constexpr int64_t kAssistNanos = 100'000;
// The marker works in slices of this length, then sleeps to keep its CPU share.
constexpr int64_t kMarkerSliceNanos = 500'000;
// The heap goal is at most this share of the budget (Go's memory limit), so that a
// cycle has room to finish before the heap is full.
constexpr double kLimitGoalFraction = 0.95;
// A cycle starts once what is left of the runway from the live heap to the goal is
// less than this margin times what mutators allocated while recent cycles marked,
// within Go 1.19's trigger bounds: no earlier than 70% of the runway (an earlier
// trigger tends to a cycle that never ends, every allocation black: assists and the
// heap-full fallback cover what the marker cannot), no later than 95%. Before any
// cycle has marked concurrently, at the earliest.
constexpr double kAllocationMargin = 1.2;
constexpr double kEarliestTriggerFraction = 0.7;
constexpr double kLatestTriggerFraction = 0.95;
// Assist ratios are computed against at least this much runway, and capped.
constexpr double kMinRunwayBytes = 1 << 20;
constexpr double kMaxAssistRatio = 16.0;
// The marker hands half its grey stack to the pool when the pool is empty and its
// stack is longer than this, so that assists find work.
constexpr size_t kDonateThreshold = 256;

const CollectorTraits& ConcurrentTraits() {
  static const CollectorTraits traits{
      .name = "concurrent",
      .description = "concurrent tri-colour mark-sweep (Go's design): background marker, "
                     "write barrier (barrier=hybrid|dijkstra|yuasa), Go's pacer against "
                     "the budget (gogc=off; gogc=100 for Go's default goal), mark "
                     "assists, lazy sweeping",
      .concurrent = true,
      .barrier = BarrierKind::kHybrid,
      .fast_path = AllocFastPath::kSizeClassBump,
      .test_variants = {"concurrent:barrier=dijkstra", "concurrent:barrier=hybrid",
                        "concurrent:barrier=yuasa"},
  };
  return traits;
}

}  // namespace

absl::StatusOr<ConcurrentOptions> ParseConcurrentOptions(const CollectorOptions& options) {
  ConcurrentOptions result;
  for (const auto& [key, value] : options) {
    if (key == "barrier") {
      if (value == "dijkstra") {
        result.barrier = BarrierKind::kDijkstra;
      } else if (value == "yuasa") {
        result.barrier = BarrierKind::kYuasa;
      } else if (value == "hybrid") {
        result.barrier = BarrierKind::kHybrid;
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            "concurrent: unknown barrier '", value, "'; valid: dijkstra, yuasa, hybrid"));
      }
    } else if (key == "gogc") {
      int gogc = 0;
      if (value == "off") {
        result.gogc = std::nullopt;
      } else if (absl::SimpleAtoi(value, &gogc) && gogc >= 1 && gogc <= 100000) {
        result.gogc = gogc;
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            "concurrent: gogc must be off or an integer from 1 to 100000, got '", value, "'"));
      }
    } else if (key == "marker_cpu") {
      if (!absl::SimpleAtod(value, &result.marker_cpu) || !(result.marker_cpu > 0) ||
          result.marker_cpu > 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "concurrent: marker_cpu must be a fraction in (0, 1], got '", value, "'"));
      }
    } else if (key == "worker") {
      if (value != "manual" && value != "background") {
        return absl::InvalidArgumentError(absl::StrCat(
            "concurrent: worker must be background or manual (tests), got '", value, "'"));
      }
      result.manual = value == "manual";
    } else if (key == "test_barrier") {
      if (value != "off" && value != "on") {
        return absl::InvalidArgumentError(
            absl::StrCat("concurrent: test_barrier must be on or off, got '", value, "'"));
      }
      result.no_barrier_for_test = value == "off";
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "concurrent: unknown option '", key, "'; valid: barrier, gogc, marker_cpu"));
    }
  }
  return result;
}

Concurrent::Concurrent(const ConcurrentOptions& options) : options_(options) {}

Concurrent::~Concurrent() { Shutdown(); }

void Concurrent::Shutdown() {
  if (!worker_.joinable()) return;
  {
    MutexLock lock(&cycle_mu_);
    shutdown_ = true;
  }
  stopping_.store(true, std::memory_order_relaxed);
  worker_.join();
}

const CollectorTraits& Concurrent::traits() const { return ConcurrentTraits(); }

absl::Status Concurrent::Init(Runtime& runtime, std::span<std::byte> heap) {
  runtime_ = &runtime;
  heap_begin_ = reinterpret_cast<uintptr_t>(heap.data());
  if (heap.size() < 2 * kBlockBytes || heap_begin_ % kBlockBytes != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "concurrent needs a heap of at least two ", kBlockBytes, "-byte blocks"));
  }
  {
    MutexLock lock(&mu_);
    blocks_ = BlockSpace(heap_begin_, heap.size());
    epochs_.assign(blocks_.num_blocks(), BlockEpoch{});
    heap_end_ = blocks_.end();
  }
  for (SideBitmap& bitmap : bitmaps_) {
    bitmap = SideBitmap(heap_begin_, heap_end_ - heap_begin_, kGranuleBytes);
  }
  cores_ = std::max(1u, std::thread::hardware_concurrency());
  marker_share_ = std::min(1.0, options_.marker_cpu * cores_);
  SetGoalAndTrigger(0);
  if (!options_.manual) worker_ = std::thread([this] { WorkerLoop(); });
  return absl::OkStatus();
}

// --- Mutators ---

void Concurrent::AttachMutator(Mutator& mutator) {
  mutator.set_collector_state(std::make_unique<MutatorGcState>());
  // Safe without a lock: marking_ changes only in pauses, and no pause can begin
  // before this mutator, registered and running, reaches its first poll.
  mutator.set_barrier(marking_.load(std::memory_order_relaxed) ? EffectiveBarrier()
                                                               : BarrierKind::kNone);
}

void Concurrent::DetachMutator(Mutator& mutator) {
  if (!mutator.write_barrier_log().empty()) FlushWriteBarrier(mutator);
  StateOf(mutator).allocated.Publish(allocated_since_);
  StateOf(mutator).black.Publish(black_bytes_);
  pool_.Give(StateOf(mutator).grey);
}

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

// --- Allocation ---

std::byte* Concurrent::AllocateSlow(Mutator& mutator, size_t bytes) {
  if (!options_.manual) MaybeStartCycle(mutator);
  std::byte* memory = AllocateOrCollect(
      [&]() -> std::byte* {
        do {
          if (std::byte* m = bytes > kMaxSmallObjectBytes
                                 ? AllocateLarge(mutator, bytes)
                                 : AllocateSmall(mutator, SizeClassOf(bytes))) {
            return m;
          }
        } while (SweepSome(256));  // blocks not sorted since the last cycle: help
        return nullptr;
      },
      // The heap budget would be exceeded: finish the cycle (or run one) in one pause.
      [&] { return FullCollection(mutator, GcCause::kHeapFull); },
      [&] {
        return OutOfMemoryStatus("concurrent", heap_end_ - heap_begin_,
                                 marked_bytes_.load(std::memory_order_relaxed), bytes);
      });
  if (marking_.load(std::memory_order_relaxed)) Assist(mutator, StateOf(mutator).last_handout);
  return memory;
}

std::byte* Concurrent::AllocateSmall(Mutator& mutator, size_t size_class) {
  SweepCursor& cursor = StateOf(mutator).sweep[size_class];
  const size_t cell = kSizeClassBytes[size_class];
  const auto cells_per_block = static_cast<uint32_t>(kBlockBytes / cell);
  for (;;) {
    if (cursor.block != kNoBlock) {
      // Lazy sweep: the next run of cells the live map says are free.
      const CellRun run =
          NextFreeCellRun(live_map(), BlockBegin(cursor.block), cell, cursor.next_cell);
      cursor.next_cell = run.end;
      if (run.begin < run.end) return HandOut(mutator, size_class, cursor.block, run.begin, run.end);
      cursor.block = kNoBlock;
    }
    uint32_t fresh;
    {
      MutexLock lock(&mu_);
      std::vector<uint32_t>& to_sweep = sweep_lists_[size_class];
      if (!to_sweep.empty()) {
        cursor = SweepCursor{to_sweep.back(), 0};
        to_sweep.pop_back();
        continue;
      }
      std::optional<uint32_t> taken = blocks_.TakeSmall(size_class);
      if (!taken) return nullptr;
      fresh = *taken;
      epochs_[fresh] = BlockEpoch{epoch_, 0};
    }
    cursor = SweepCursor{fresh, cells_per_block};
    return HandOut(mutator, size_class, fresh, 0, cells_per_block);
  }
}

std::byte* Concurrent::HandOut(Mutator& mutator, size_t size_class, uint32_t block,
                               uint32_t first_cell, uint32_t end_cell)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {
  // The block is this mutator's alone until the next mark termination; the field
  // is read by IsLiveObject in pauses only.
  std::atomic_ref<uint32_t>(epochs_[block].handed_out_end)
      .store(end_cell, std::memory_order_relaxed);
  const size_t cell = kSizeClassBytes[size_class];
  const uintptr_t begin = BlockBegin(block) + first_cell * cell;
  const uintptr_t end = BlockBegin(block) + end_cell * cell;
  if (marking_.load(std::memory_order_relaxed)) {
    // Allocate black: every cell of the run is marked now, so an object made
    // during marking survives this cycle whatever the marker has seen.
    mark_map().SetEveryAtomic(begin, end, cell);
  }
  CountHandOut(StateOf(mutator), end - begin);
  mutator.alloc_buffer(size_class) = AllocBuffer{begin + cell, end};
  return reinterpret_cast<std::byte*>(begin);
}

std::byte* Concurrent::AllocateLarge(Mutator& mutator, size_t bytes) {
  const auto count = static_cast<uint32_t>((bytes + kBlockBytes - 1) / kBlockBytes);
  uint32_t first;
  {
    MutexLock lock(&mu_);
    std::optional<uint32_t> taken = blocks_.TakeLarge(count);
    if (!taken) return nullptr;
    first = *taken;
    epochs_[first] = BlockEpoch{epoch_, 1};
  }
  const uintptr_t begin = BlockBegin(first);
  const size_t run = size_t{count} * kBlockBytes;
  if (marking_.load(std::memory_order_relaxed)) {
    mark_map().TestAndSetAtomic(mark_map().BitOf(begin));
  }
  CountHandOut(StateOf(mutator), run);
  return reinterpret_cast<std::byte*>(begin);
}

// --- Pacing and assists ---

size_t Concurrent::HeapInUse() const {
  return marked_bytes_.load(std::memory_order_relaxed) + allocated_since_.total();
}

void Concurrent::CountHandOut(MutatorGcState& state, size_t bytes) {
  state.last_handout = bytes;
  state.allocated.Add(bytes, allocated_since_);
  // Runs handed out while marking are black (a cycle changes marking_ in pauses only,
  // so a run is counted black exactly when its marks were set).
  if (marking_.load(std::memory_order_relaxed)) state.black.Add(bytes, black_bytes_);
}

void Concurrent::PublishAllocationInPause() {
  runtime_->safepoints().ForEachMutator([&](Mutator& mutator) {
    StateOf(mutator).allocated.Publish(allocated_since_);
    StateOf(mutator).black.Publish(black_bytes_);
  });
}

void Concurrent::SetGoalAndTrigger(size_t marked_bytes) {
  // Go's heap goal (live * (1 + GOGC/100), at least 4 MiB), and its memory limit:
  // the budget. With gogc=off the limit alone sets the goal.
  const double capacity = static_cast<double>(heap_end_ - heap_begin_);
  const double limit_goal = kLimitGoalFraction * capacity;
  const auto marked = static_cast<double>(marked_bytes);
  double goal = limit_goal;
  if (options_.gogc) {
    const double minimum = std::min(4.0 * MiB, capacity / 4);
    goal = std::clamp(marked * (1.0 + *options_.gogc / 100.0), minimum, limit_goal);
  }
  goal_bytes_.store(static_cast<size_t>(goal), std::memory_order_relaxed);
  const double runway = std::max(goal - marked, 0.0);
  const double earliest = marked + kEarliestTriggerFraction * runway;
  const double trigger =
      allocated_while_marking_ > 0
          ? std::clamp(goal - kAllocationMargin * allocated_while_marking_, earliest,
                       marked + kLatestTriggerFraction * runway)
          : earliest;
  trigger_bytes_.store(static_cast<size_t>(trigger), std::memory_order_relaxed);
}

void Concurrent::MaybeStartCycle(Mutator& mutator) {
  if (phase_hint_.load(std::memory_order_relaxed) != CyclePhase::kIdle) return;
  if (HeapInUse() < trigger_bytes_.load(std::memory_order_relaxed)) return;
  StartCycle(mutator, GcCause::kHeapTrigger);
}

void Concurrent::Assist(Mutator& mutator, size_t allocated_bytes) {
  MutatorGcState& state = StateOf(mutator);
  // Go's assist ratio: the scan work still expected this cycle over the bytes that
  // may still be allocated before the heap reaches its goal.
  const double expected = static_cast<double>(marked_bytes_.load(std::memory_order_relaxed));
  const double scanned = static_cast<double>(scanned_bytes_.load(std::memory_order_relaxed));
  const double in_use = static_cast<double>(HeapInUse());
  const double goal = static_cast<double>(goal_bytes_.load(std::memory_order_relaxed));
  const double remaining = std::max(expected - scanned, 0.0);
  const double runway = std::max(goal - in_use, kMinRunwayBytes);
  const double ratio = std::min(remaining / runway, kMaxAssistRatio);
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

// --- Marking ---

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

// --- The cycle ---

bool Concurrent::StartCycle(Mutator& mutator, GcCause cause) {
  {
    MutexLock lock(&cycle_mu_);
    if (phase_ != CyclePhase::kIdle) return false;
  }
  {
    StopTheWorldScope stw(mutator, PauseKind::kCycleStart, cause);
    if (!stw.stopped()) return false;
    MutexLock lock(&cycle_mu_);
    if (phase_ != CyclePhase::kIdle) return false;  // started by another thread meanwhile
    cause_ = cause;
    BeginMarkingInPause(stw);
  }
  // Wake the marker only now: waking a thread costs tens of microseconds here, and
  // the world need not wait for it.
  MutexLock lock(&cycle_mu_);
  worker_wanted_ = true;
  return true;
}

void Concurrent::BeginMarkingInPause(StopTheWorldScope& stw) {
  cycle_ = stw.StartCycle();
  cycle_number_.store(cycle_, std::memory_order_relaxed);
  auto phase = stw.Phase(Phase::kRootScan);
  scanned_bytes_.store(0, std::memory_order_relaxed);
  background_credit_.store(0, std::memory_order_relaxed);
  PublishAllocationInPause();
  black_bytes_.Reset();
  in_use_at_start_ = HeapInUse();
  marking_.store(true, std::memory_order_relaxed);
  const BarrierKind barrier = EffectiveBarrier();
  runtime_->safepoints().ForEachMutator([&](Mutator& mutator) {
    // Emptied so that everything allocated from now on comes from black runs.
    mutator.ResetAllocBuffers();
    mutator.set_barrier(barrier);
    StateOf(mutator).assist_credit = 0;
  });
  // Stacks are scanned here, all at once (they are small next to the heap); globals
  // and the heap are marked concurrently.
  GreyStack grey;
  ShadeStacks(grey);
  pool_.Give(grey);
  globals_pending_.store(true, std::memory_order_release);
  phase_ = CyclePhase::kMarking;
  phase_hint_.store(CyclePhase::kMarking, std::memory_order_relaxed);
}

bool Concurrent::TryTerminate(Mutator* requester) {
  GcCause cause;
  {
    MutexLock lock(&cycle_mu_);
    if (phase_ != CyclePhase::kMarking) return true;
    cause = cause_;
  }
  StopTheWorldScope stw(*runtime_, requester, PauseKind::kMarkTermination, cause);
  if (!stw.stopped()) return false;
  MutexLock lock(&cycle_mu_);
  if (phase_ != CyclePhase::kMarking) return true;  // a full collection finished it
  // After a Dijkstra rescan the world must not run before marking is complete
  // (stacks would turn grey again); the other barriers allow giving up.
  const int64_t drain_nanos =
      options_.barrier == BarrierKind::kDijkstra ? 0 : kTerminationDrainNanos;
  if (!MarkRestInPause(stw, drain_nanos)) return false;
  FinishMarkingInPause(stw, MarkingEnded::kConcurrently);
  return true;
}

void Concurrent::FinishMarkingInPause(StopTheWorldScope& stw, MarkingEnded how) {
  PublishAllocationInPause();
  runtime_->safepoints().ForEachMutator([&](Mutator& mutator) {
    mutator.set_barrier(BarrierKind::kNone);
    mutator.ResetAllocBuffers();
    MutatorGcState& state = StateOf(mutator);
    for (SweepCursor& cursor : state.sweep) cursor = SweepCursor{};
    state.assist_credit = 0;
  });
  marking_.store(false, std::memory_order_relaxed);
  // What mutators allocate while a cycle marks, for the trigger: rising at once,
  // falling halfway per cycle; a full collection says nothing of it.
  const auto allocated =
      static_cast<double>(HeapInUse() - std::min(HeapInUse(), in_use_at_start_));
  const size_t marked = scanned_bytes_.load(std::memory_order_relaxed) + black_bytes_.total();
  marked_bytes_.store(marked, std::memory_order_relaxed);
  allocated_since_.Reset();
  switch (how) {
    case MarkingEnded::kConcurrently:
      allocated_while_marking_ = allocated > allocated_while_marking_
                                     ? allocated
                                     : (allocated_while_marking_ + allocated) / 2;
      break;
    case MarkingEnded::kHeapFull:
      // The heap filled before the marker finished: the trigger came too late.
      allocated_while_marking_ = std::max(allocated_while_marking_, allocated) * 1.5;
      break;
    case MarkingEnded::kFullCollection:
      break;
  }
  SetGoalAndTrigger(marked);
  // This cycle's marks become the live map; blocks are sorted against it by the
  // concurrent sweep, in a new epoch.
  live_index_.store(1 - live_index_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  {
    MutexLock lock(&mu_);
    ++epoch_;
    for (auto& list : sweep_lists_) list.clear();
    sweep_next_ = 0;
  }
  sweep_done_.store(false, std::memory_order_relaxed);
  completed_.fetch_add(1, std::memory_order_relaxed);
  phase_ = CyclePhase::kSweeping;
  phase_hint_.store(CyclePhase::kSweeping, std::memory_order_relaxed);
  stw.VerifyHeapIfEnabled(/*check_live_bytes=*/false);
}

bool Concurrent::FullCollection(Mutator& mutator, GcCause cause) {
  StopWorkerForPause(mutator);
  bool collected = false;
  {
    StopTheWorldScope stw(mutator, PauseKind::kFull, cause);
    if (stw.stopped()) {
      MutexLock lock(&cycle_mu_);
      if (phase_ == CyclePhase::kMarking && cause == GcCause::kHeapFull) {
        // The heap filled while a cycle marked: finish that cycle's marking in this
        // pause (what is left of it, not all of it again), and let sweeping free the
        // rest as usual. It frees less than a whole collection (what was allocated
        // black survives), so it does not count towards out of memory: if it does
        // not make room, the next attempt collects everything from the roots.
        MarkRestInPause(stw, /*drain_nanos=*/0);
        FinishMarkingInPause(stw, MarkingEnded::kHeapFull);
      } else {
        CollectEverythingInPause(stw, cause);
        collected = true;
      }
    }
  }
  ResumeWorkerAfterPause();
  return collected;
}

bool Concurrent::MarkRestInPause(StopTheWorldScope& stw, int64_t drain_nanos) {
  stw.ContinueCycle(cycle_);
  GreyStack grey;
  {
    auto phase = stw.Phase(Phase::kRootScan);
    FlushLogs(grey);
    // Dijkstra's barrier does not cover stack slots: a stack may now hold the only
    // pointer to a white object, so every stack is scanned again, in the pause.
    if (options_.barrier == BarrierKind::kDijkstra) ShadeStacks(grey);
  }
  bool done;
  {
    auto phase = stw.Phase(Phase::kMark);
    const int64_t deadline = drain_nanos == 0 ? 0 : MonotonicNanos() + drain_nanos;
    uint64_t objects = 0;
    const size_t bytes = Drain(grey, SIZE_MAX, deadline, &objects);
    phase.set_work(bytes, objects);
    done = grey.empty() && pool_.LooksEmpty() &&
           !globals_pending_.load(std::memory_order_relaxed);
  }
  if (!done) pool_.Give(grey);
  return done;
}

void Concurrent::CollectEverythingInPause(StopTheWorldScope& stw, GcCause cause) {
  if (phase_ == CyclePhase::kSweeping) {
    stw.ContinueCycle(cycle_);  // the rest of the last cycle's sweep
    auto phase = stw.Phase(Phase::kSweep);
    FinishSweepAndClear();
    phase_ = CyclePhase::kIdle;
  }
  if (phase_ == CyclePhase::kIdle) {
    cause_ = cause;
    BeginMarkingInPause(stw);
  } else {
    // Marking was under way: start it again from nothing, so that what it
    // allocated black or kept through the barrier does not survive a collection
    // whose point is to free everything it can.
    stw.ContinueCycle(cycle_);
    mark_map().ClearAll();
    pool_.Clear();
    scanned_bytes_.store(0, std::memory_order_relaxed);
    PublishAllocationInPause();
    black_bytes_.Reset();
    globals_pending_.store(true, std::memory_order_relaxed);
  }
  GreyStack grey;
  {
    auto phase = stw.Phase(Phase::kRootScan);
    // With the world stopped from here to the end, the roots say everything.
    runtime_->safepoints().ForEachMutator(
        [](Mutator& mutator) { mutator.ClearWriteBarrierLog(); });
    ShadeStacks(grey);
  }
  {
    auto phase = stw.Phase(Phase::kMark);
    uint64_t objects = 0;
    const size_t bytes = Drain(grey, SIZE_MAX, 0, &objects);
    phase.set_work(bytes, objects);
  }
  FinishMarkingInPause(stw, MarkingEnded::kFullCollection);
  {
    auto phase = stw.Phase(Phase::kSweep);
    FinishSweepAndClear();
  }
  phase_ = CyclePhase::kIdle;
  phase_hint_.store(CyclePhase::kIdle, std::memory_order_relaxed);
}

bool Concurrent::SweepSome(size_t count) {
  if (sweep_done_.load(std::memory_order_relaxed)) return false;
  MutexLock lock(&mu_);
  const uint32_t num_blocks = blocks_.num_blocks();
  if (sweep_next_ >= num_blocks) {
    sweep_done_.store(true, std::memory_order_relaxed);
    return false;
  }
  const SideBitmap& live = live_map();
  const uint32_t end = static_cast<uint32_t>(std::min<size_t>(num_blocks, sweep_next_ + count));
  uint32_t i = sweep_next_;
  while (i < end) {
    const Block& block = blocks_[i];
    const uint32_t span = block.state == BlockState::kLargeHead ? block.num_blocks : 1;
    if (block.state == BlockState::kFree || block.state == BlockState::kLargeTail ||
        epochs_[i].epoch == epoch_) {  // free, or taken for allocation since termination
      i += span;
      continue;
    }
    epochs_[i] = BlockEpoch{epoch_, 0};
    const size_t first_word = live.BitOf(BlockBegin(i)) / 64;
    if (block.state == BlockState::kSmall) {
      if (live.AnySetInWordsAtomic(first_word, BlockSpace::kMarkWordsPerBlock)) {
        sweep_lists_[block.size_class].push_back(i);
      } else {
        blocks_.Release(i);
      }
    } else if (!live.TestAtomic(first_word * 64)) {  // an unmarked large object
      blocks_.Release(i);
    }
    i += span;
  }
  sweep_next_ = i;
  return true;
}

void Concurrent::FinishSweepAndClear() {
  while (SweepSome(1024)) {
  }
  // The old live map is the next cycle's mark map: it must start empty.
  mark_map().ClearAll();
}

// --- The background thread ---

void Concurrent::WorkerLoop() {
  bool interrupted = false;  // by a pause request: look at the phase again after it
  for (;;) {
    CyclePhase phase;
    uint64_t cycle;
    {
      MutexLock lock(&cycle_mu_);
      worker_busy_ = false;
      worker_wanted_ = worker_wanted_ || interrupted;
      auto has_work = [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return shutdown_ || (pause_requests_ == 0 && worker_wanted_);
      };
      cycle_mu_.Await(has_work);
      if (shutdown_) return;
      worker_wanted_ = false;
      worker_busy_ = true;
      phase = phase_;
      cycle = cycle_;
    }
    // A cycle the marker finishes goes straight on to its sweep.
    interrupted = (phase == CyclePhase::kMarking && !MarkConcurrently(cycle)) ||
                  (phase != CyclePhase::kIdle && !SweepConcurrently(cycle));
  }
}

bool Concurrent::IdleCoreLikely() const {
  // Go runs idle-priority mark workers on processors with nothing else to do; the
  // marker does the same when there are more cores than mutators and itself.
  return runtime_->safepoints().num_mutators() + 1 <= cores_;
}

bool Concurrent::YieldIfAsked(GreyStack& grey) {
  if (!yield_requested_.load(std::memory_order_acquire) &&
      !stopping_.load(std::memory_order_relaxed)) {
    return false;
  }
  pool_.Give(grey);
  return true;
}

bool Concurrent::MarkConcurrently(uint64_t cycle) {
  GreyStack grey;
  int64_t slice_start = MonotonicNanos();
  for (;;) {
    {
      PhaseScope phase(runtime_->events(), cycle, Phase::kMark, /*in_pause=*/false,
                       /*on_mutator=*/false);
      uint64_t objects = 0;
      size_t bytes = 0;
      for (;;) {
        if (YieldIfAsked(grey)) {
          phase.set_work(bytes, objects);
          return false;
        }
        uint64_t scanned = 0;
        const size_t drained = Drain(grey, 512, 0, &scanned);
        background_credit_.fetch_add(static_cast<int64_t>(drained), std::memory_order_relaxed);
        bytes += drained;
        objects += scanned;
        if (scanned == 0) {
          if (assists_running_.load(std::memory_order_acquire) == 0 && pool_.LooksEmpty()) break;
          std::this_thread::yield();
          continue;
        }
        if (grey.size() > kDonateThreshold && pool_.LooksEmpty()) {
          GreyStack half(grey.begin(), grey.begin() + grey.size() / 2);
          grey.erase(grey.begin(), grey.begin() + grey.size() / 2);
          pool_.Give(half);
        }
        if (marker_share_ < 1.0 && MonotonicNanos() - slice_start > kMarkerSliceNanos &&
            !IdleCoreLikely()) {
          // Keep to the CPU share: sleep in proportion to the slice just worked.
          const int64_t worked = MonotonicNanos() - slice_start;
          pool_.Give(grey);  // let assists take over while the marker sleeps
          std::this_thread::sleep_for(std::chrono::nanoseconds(
              static_cast<int64_t>(worked * (1.0 / marker_share_ - 1.0))));
          slice_start = MonotonicNanos();
        }
      }
      phase.set_work(bytes, objects);
    }
    // The grey set looks empty: try to finish marking in a short pause.
    if (TryTerminate(nullptr)) return true;
    slice_start = MonotonicNanos();
  }
}

bool Concurrent::SweepConcurrently(uint64_t cycle) {
  {
    PhaseScope phase(runtime_->events(), cycle, Phase::kSweep, /*in_pause=*/false,
                     /*on_mutator=*/false);
    while (SweepSome(256)) {
      if (yield_requested_.load(std::memory_order_acquire)) return false;
    }
    mark_map().ClearAll();
  }
  MutexLock lock(&cycle_mu_);
  if (phase_ == CyclePhase::kSweeping && cycle_ == cycle) {
    phase_ = CyclePhase::kIdle;
    phase_hint_.store(CyclePhase::kIdle, std::memory_order_relaxed);
  }
  return true;
}

void Concurrent::StopWorkerForPause(Mutator& mutator) {
  // Blocked, so that the worker can still stop the world (to finish a cycle) while
  // this thread waits for it.
  BlockingScope blocking(mutator);
  MutexLock lock(&cycle_mu_);
  ++pause_requests_;
  yield_requested_.store(true, std::memory_order_release);
  auto worker_idle = [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return !worker_busy_; };
  cycle_mu_.Await(worker_idle);
}

void Concurrent::ResumeWorkerAfterPause() {
  MutexLock lock(&cycle_mu_);
  if (--pause_requests_ == 0) yield_requested_.store(false, std::memory_order_release);
}

// --- Explicit collections, usage, verification ---

void Concurrent::Collect(Mutator& mutator, GcCause cause, CollectionKind) {
  if (options_.manual) {
    FullCollection(mutator, cause);
    return;
  }
  // As Go's runtime.GC: a whole cycle that starts after this call, swept, before
  // returning. A cycle already marking does not count.
  uint64_t target;
  {
    MutexLock lock(&cycle_mu_);
    target = completed_.load(std::memory_order_relaxed) +
             (phase_ == CyclePhase::kMarking ? 2 : 1);
  }
  for (;;) {
    CyclePhase phase;
    {
      MutexLock lock(&cycle_mu_);
      if (completed_.load(std::memory_order_relaxed) >= target && phase_ == CyclePhase::kIdle) {
        return;
      }
      phase = phase_;
    }
    if (phase == CyclePhase::kIdle) {
      StartCycle(mutator, cause);
      continue;
    }
    BlockingScope blocking(mutator);
    MutexLock lock(&cycle_mu_);
    const uint64_t seen_cycle = cycle_;
    auto changed = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return phase_ != phase || cycle_ != seen_cycle || shutdown_;
    };
    cycle_mu_.Await(changed);
  }
}

HeapUsage Concurrent::Usage() const {
  return HeapUsage{
      .capacity_bytes = heap_end_ - heap_begin_,
      .in_use_bytes = HeapInUse(),
      .live_bytes = marked_bytes_.load(std::memory_order_relaxed),
      .collections = completed_.load(std::memory_order_relaxed),
  };
}

bool Concurrent::IsLiveObject(const Object* object) const {
  const auto address = reinterpret_cast<uintptr_t>(object);
  MutexLock lock(&mu_);
  const std::optional<uint32_t> cell = blocks_.ObjectStartCell(address);
  if (!cell) return false;
  const size_t bit = live_map().BitOf(address);
  if (live_map().TestAtomic(bit)) return true;
  if (marking_.load(std::memory_order_relaxed) && mark_map().TestAtomic(bit)) return true;
  // Allocated since the last mark termination, so in no map yet.
  const BlockEpoch& epoch = epochs_[(address - heap_begin_) / kBlockBytes];
  const uint32_t handed_out =
      std::atomic_ref<const uint32_t>(epoch.handed_out_end).load(std::memory_order_relaxed);
  return epoch.epoch == epoch_ && *cell < handed_out;
}

// --- worker=manual ---

void Concurrent::BeginCycleForTest(Mutator& mutator) {
  GCLAB_CHECK(options_.manual, "BeginCycleForTest needs worker=manual");
  GCLAB_CHECK(StartCycle(mutator, GcCause::kExplicit), "BeginCycleForTest: a cycle is running");
}

size_t Concurrent::MarkStepForTest(size_t work) {
  GCLAB_CHECK(options_.manual, "MarkStepForTest needs worker=manual");
  GreyStack grey;
  uint64_t scanned = 0;
  Drain(grey, work, 0, &scanned);
  pool_.Give(grey);
  return scanned;
}

void Concurrent::FinishCycleForTest(Mutator& mutator) {
  GCLAB_CHECK(options_.manual, "FinishCycleForTest needs worker=manual");
  while (!TryTerminate(&mutator)) {
  }
  FinishSweepAndClear();
  MutexLock lock(&cycle_mu_);
  phase_ = CyclePhase::kIdle;
  phase_hint_.store(CyclePhase::kIdle, std::memory_order_relaxed);
}

GCLAB_REGISTER_COLLECTOR(
    ConcurrentTraits(),
    [](const CollectorOptions& options) -> absl::StatusOr<std::unique_ptr<Collector>> {
      absl::StatusOr<ConcurrentOptions> parsed = ParseConcurrentOptions(options);
      if (!parsed.ok()) return parsed.status();
      return std::make_unique<Concurrent>(*parsed);
    });

}  // namespace gclab
