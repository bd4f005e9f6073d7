// concurrent: Go-style concurrent tri-colour mark-sweep. See concurrent.h for the
// cycle and README.md for the design, the barriers and the pacer. This file: the
// options, the heap's set-up, mutators arriving and leaving, allocation (black while
// a cycle marks) and the accounting the pacer reads. The rest, by job: cycle.cc,
// mark.cc (marking, the barrier's logs, assists), pacer.cc, sweep.cc, worker.cc.
#include "collectors/concurrent/concurrent.h"

#include <algorithm>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "runtime/out_of_memory.h"

namespace gclab {
namespace {

const CollectorTraits& ConcurrentTraits() {
  static const CollectorTraits traits{
      .name = "concurrent",
      .description = "concurrent tri-colour mark-sweep (Go's design): background marker, "
                     "write barrier, Go's pacer against the budget, mark assists, lazy "
                     "sweeping",
      .concurrent = true,
      .barrier = BarrierKind::kHybrid,
      .fast_path = AllocFastPath::kSizeClassBump,
      .test_variants = {"concurrent:barrier=dijkstra", "concurrent:barrier=hybrid",
                        "concurrent:barrier=yuasa"},
      .options = {
          {.name = "barrier", .default_value = "hybrid",
           .choices = {"dijkstra", "yuasa", "hybrid"},
           .help = "the write barrier while marking: Dijkstra's insertion barrier (stacks "
                   "rescanned at termination), Yuasa's deletion barrier, or Go's hybrid"},
          {.name = "gogc", .type = OptionType::kInteger, .default_value = "off",
           .words = {"off"}, .min = 1, .max = 100000,
           .help = "Go's GOGC: heap goal live * (1 + gogc/100); off: the budget alone "
                   "sets the goal (gogc=100 for Go's default)"},
          {.name = "marker_cpu", .type = OptionType::kNumber, .default_value = "0.25",
           .min = 0, .max = 1, .min_exclusive = true,
           .help = "the background marker's share of the machine's CPU (Go: 0.25)"},
          {.name = "worker", .default_value = "background",
           .choices = {"background", "manual"},
           .help = "manual: no background thread; tests drive each cycle", .test_only = true},
          {.name = "test_barrier", .type = OptionType::kSwitch, .default_value = "on",
           .help = "off: mutators run no barrier, to show what it prevents",
           .test_only = true},
      },
  };
  return traits;
}

BarrierKind BarrierNamed(const std::string& name) {
  if (name == "dijkstra") return BarrierKind::kDijkstra;
  if (name == "yuasa") return BarrierKind::kYuasa;
  return BarrierKind::kHybrid;
}

}  // namespace

ConcurrentOptions ConcurrentOptionsFrom(const CollectorOptions& checked) {
  const OptionValues values(ConcurrentTraits().options, checked);
  std::optional<int64_t> gogc = values.IntegerUnlessWord("gogc");
  return ConcurrentOptions{
      .barrier = BarrierNamed(values.Text("barrier")),
      .gogc = gogc ? std::optional<int>(static_cast<int>(*gogc)) : std::nullopt,
      .marker_cpu = values.Number("marker_cpu"),
      .manual = values.Is("worker", "manual"),
      .barrier_for_test = values.Switch("test_barrier"),
  };
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
    return absl::ResourceExhaustedError(absl::StrCat(
        "concurrent needs a heap of at least two ", kBlockBytes, "-byte blocks"));
  }
  space_.Init(heap_begin_, heap.size());
  heap_end_ = space_.end();
  for (SideBitmap& bitmap : bitmaps_) {
    bitmap = SideBitmap(heap_begin_, heap_end_ - heap_begin_, kGranuleBytes);
  }
  cores_ = std::max(1u, std::thread::hardware_concurrency());
  marker_share_ = std::min(1.0, options_.marker_cpu * cores_);
  pacer_.emplace(heap_end_ - heap_begin_, options_.gogc);
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

// --- Allocation ---

std::byte* Concurrent::AllocateSlow(Mutator& mutator, size_t bytes, const SiteInfo&) {
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
  // While a cycle marks, the run is allocated black: every cell of it marked now, so
  // an object made during marking survives the cycle whatever the marker has seen.
  SideBitmap* black = marking_.load(std::memory_order_relaxed) ? &mark_map() : nullptr;
  const MarkSweepSpace::Run run =
      space_.NextFreeRun(StateOf(mutator).sweep[size_class], size_class, live_map(), black);
  if (run.empty()) return nullptr;
  CountHandOut(StateOf(mutator), run.end - run.begin);
  mutator.alloc_buffer(size_class) = AllocBuffer{run.begin + kSizeClassBytes[size_class], run.end};
  return reinterpret_cast<std::byte*>(run.begin);
}

std::byte* Concurrent::AllocateLarge(Mutator& mutator, size_t bytes) {
  SideBitmap* black = marking_.load(std::memory_order_relaxed) ? &mark_map() : nullptr;
  const uintptr_t address = space_.TakeLarge(bytes, black);
  if (address == 0) return nullptr;
  CountHandOut(StateOf(mutator), AlignUp(bytes, kBlockBytes));
  return reinterpret_cast<std::byte*>(address);
}

// --- Accounting ---

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
  const std::optional<uint32_t> cell = space_.ObjectStartCell(address);
  if (!cell) return false;
  const size_t bit = live_map().BitOf(address);
  if (live_map().TestAtomic(bit)) return true;
  if (marking_.load(std::memory_order_relaxed) && mark_map().TestAtomic(bit)) return true;
  // Allocated since the last mark termination, so in no map yet.
  return space_.HandedOutSinceSweep(address, *cell);
}

GCLAB_REGISTER_COLLECTOR(ConcurrentTraits(),
                         [](const CollectorOptions& options)
                             -> absl::StatusOr<std::unique_ptr<Collector>> {
                           return std::make_unique<Concurrent>(ConcurrentOptionsFrom(options));
                         });

}  // namespace gclab
