// generational: a copying nursery inside the budget, promoted into a non-moving
// mark-sweep old space, with a remembered set kept by one of the runtime's
// where-barriers. See README.md for the design, its options and what it costs.
//
// Spaces (collectors/common): a BumpRegion (eden) and two CopySpaces (survivors) make
// the nursery; a MarkSweepSpace is the old space; a RememberedSet in the form the
// barrier option names holds the old-to-young slots. This file keeps the policy: when
// to promote, when a minor collection becomes a full one; which allocation sites skip
// the nursery is Pretenuring's (pretenuring.h).
//
// Pretenuring (pretenure=on, the default): once some site is pretenured, mutators
// allocate on the runtime's kNurseryOrPretenured fast path, which bumps through the
// nursery buffer unless the site's byte in Pretenuring's table is set, and then
// through a buffer of free cells of the old space, as marksweep's mutators do. Until
// then they use kBump, which tests nothing per site (binary-trees, which pretenures
// nothing, ran 3-7% slower on the other path). A pretenured object is not marked
// when it is made: the old space's record of cells handed out since the last sweep
// says it is allocated (IsLiveObject). Its first stores, initializing ones included,
// must reach the remembered set. With field logging they do: every free cell's
// unlogged bits are set (all bits are from the start, and a collection re-arms every
// slot it consumed), so the barrier logs them. With object logging or cards they may
// not (the header's bit is the mutator's to write; card scanning reads only marked
// cells), so the next minor collection marks each such object and scans it whole, as
// it scans a promoted one: each mutator remembers where in its buffers that scan
// starts, and buffers it has filled wait in a list. A full collection finds every
// old-to-young slot as it marks, pretenured objects' included.
//
// Heap layout: the first `nursery` bytes of the heap segment are the nursery: eden,
// handed out to mutators in bump-pointer chunks, then (with age > 1) two survivor
// spaces of an eighth of the nursery each; the rest is the old space, cut into 64 KiB
// blocks of size-classed cells or runs of blocks for large objects (as marksweep's). One side bitmap covers the whole heap: in the old space a set bit is an
// allocated object (marked by the last full collection, or allocated black since:
// promoted, or a large object made there); in the nursery it is used only while a
// collection traces it.
//
// Minor collection (one pause): the roots are the stacks, globals and frame arenas,
// plus the remembered set (the slots logged, the objects logged or the dirty cards,
// the large objects made in the old space since the last collection, and the old
// slots the last minor collection left pointing at survivors); every young object
// they reach is copied, into the old space once it has survived `age` minor
// collections (default 1) and into the to-survivor space before, and scanned there.
// Eden and the from-survivor space are then empty, and the survivor spaces swap.
//
// Full collection (one pause): mark the whole heap from the roots (nursery objects
// included, in place), release old blocks with nothing marked and queue the rest for
// promotion to refill, then evacuate the nursery as a minor collection does, from the
// roots and the old slots the mark found pointing at young objects (not the
// remembered set: it lacks pretenured objects' slots and holds dead holders').
//
// Promotion needs room in the old space. A survivor that finds none stays where it
// is (marked, scanned like a promoted object, and the old slots that point at it
// become the remembered set), and the pause goes on as a full collection, which
// counts the survivors' cells by size class before it evacuates them. If they still
// do not fit, the nursery is left as it is: the allocation that asked then fails, and
// the run ends out of memory.
#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "collectors/common/bump_region.h"
#include "collectors/common/byte_count.h"
#include "collectors/common/copy_space.h"
#include "collectors/common/mark_stack.h"
#include "collectors/common/mark_sweep_space.h"
#include "collectors/common/prefetch_queue.h"
#include "collectors/common/remembered_set.h"
#include "collectors/common/side_bitmap.h"
#include "collectors/generational/pretenuring.h"
#include "runtime/collector.h"
#include "runtime/out_of_memory.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace gclab {
namespace {

constexpr size_t kBlockBytes = MarkSweepSpace::kBlockBytes;

// A young object's age (minor collections survived) lives in header GC bits 1-4.
constexpr int kAgeShift = 1;
constexpr uint64_t kAgeMask = uint64_t{0xF} << kAgeShift;
constexpr int kMaxPromotionAge = 15;
// With age > 1, each of the two survivor spaces is this share of the nursery (HotSpot's
// SurvivorRatio=8 gives a tenth; an eighth leaves eden three quarters).
constexpr size_t kSurvivorShare = 8;

struct GenerationalOptions {
  std::optional<size_t> nursery_bytes;  // nursery=N (MiB, N >= 1)
  double nursery_fraction = 0.25;       // nursery=F (a fraction of the budget, 0 < F < 1)
  RememberedSetForm remset = RememberedSetForm::kFields;
  size_t card_bytes = 512;
  int promotion_age = 1;  // age=N: promoted at the N-th minor collection survived
  bool pretenure = true;  // pretenure=off: every small object starts in the nursery
  double pretenure_survival = 0.85;  // the surviving share that pretenures a site
  bool barrier_for_test = true;  // test_barrier=off: no barrier (the negative test)
};

bool IsPowerOfTwo(double number) { return std::has_single_bit(static_cast<uint64_t>(number)); }
bool WholeFromOneOrFraction(double number) {
  return number < 1 || number == static_cast<double>(static_cast<uint64_t>(number));
}

const CollectorTraits& GenerationalTraits() {
  static const CollectorTraits traits{
      .name = "generational",
      .description =
          "generational: a bump-pointer nursery copied into a non-moving mark-sweep old "
          "space on minor collections (promotion after age survivals; above 1 survivors "
          "wait in two survivor spaces), full collections of both; remembered set by a "
          "field, object or card barrier; allocation sites whose objects survive the "
          "nursery are pretenured (allocated in the old space)",
      .moving = true,
      .barrier = BarrierKind::kFieldLogging,
      // Stress mode: three minor collections to a full one, so both paths are stressed.
      .stress_minor_collections = 3,
      // The card and object variants also hold survivors back (age > 1), so that every
      // barrier meets remembered slots whose targets wait in a survivor space.
      .test_variants = {"generational", "generational:barrier=card:age=3",
                        "generational:barrier=object:age=2"},
      .options = {
          {.name = "nursery", .type = OptionType::kNumber, .default_value = "0.25",
           .min = 0, .max = 1 << 20, .min_exclusive = true,
           .also_holds = WholeFromOneOrFraction,
           .values = "MiB (a whole number >= 1) or a fraction of the budget in (0, 1)",
           .help = "the nursery's size"},
          {.name = "age", .type = OptionType::kInteger, .default_value = "1", .min = 1,
           .max = kMaxPromotionAge,
           .help = "minor collections an object survives before promotion"},
          {.name = "barrier", .default_value = "field", .choices = {"field", "object", "card"},
           .help = "how the remembered set is kept: logged slots, logged objects or dirty "
                   "cards"},
          {.name = "card", .type = OptionType::kInteger, .default_value = "512", .min = 128,
           .max = kBlockBytes, .also_holds = IsPowerOfTwo,
           .values = absl::StrCat("a power of two from 128 to ", kBlockBytes),
           .help = "bytes per card (barrier=card)"},
          {.name = "pretenure", .type = OptionType::kSwitch, .default_value = "on",
           .help = "allocation sites whose objects survive the nursery allocate in the "
                   "old space (decisions in site_decisions.csv)"},
          {.name = "pretenure_survival", .type = OptionType::kNumber, .default_value = "0.85",
           .min = 0, .max = 1, .min_exclusive = true,
           .help = "the share of a site's nursery allocation that must survive its first "
                   "minor collection for the site to be pretenured"},
          {.name = "test_barrier", .type = OptionType::kSwitch, .default_value = "on",
           .help = "off: mutators run no barrier, to show what it prevents",
           .test_only = true},
      },
  };
  return traits;
}

// What the survivors of the nursery need in the old space: cells by size class, and
// whole blocks for objects above the largest class (at most a chunk, so one block).
struct PromotionNeed {
  std::array<size_t, kNumSizeClasses> cells{};
  size_t large = 0;
};

// Cells [begin, end) of size class `size_class`, each holding a pretenured object.
struct PretenuredRun {
  uintptr_t begin;
  uintptr_t end;
  size_t size_class;
};

// A mutator's cursors in the old space, for pretenured objects: per size class, where
// lazy sweeping is; with object logging or cards, where the objects the next minor
// collection must scan begin in the mutator's buffer (0: none), and the runs it filled
// since the last one. The mutator's own: its allocation slow path takes no lock.
// Also what it took from the old space since the last collection, in all and by site,
// counted without a locked add per run (byte_count.h says what one costs on churn).
struct GenerationalPerMutator : PerMutatorState {
  SweepCursor sweep[kNumSizeClasses];
  uintptr_t unscanned[kNumSizeClasses] = {};
  std::vector<PretenuredRun> filled;
  LocalByteCount handed_out;
  std::vector<uint64_t> old_bytes_by_site;  // indexed by SiteId, grown as needed
  // Chooses each nursery chunk's length (pretenuring.h says why it varies).
  std::minstd_rand chunk_lengths;
};

// Where a promotion is taking cells of one size class from.
struct PromotionCursor {
  SweepCursor sweep;    // the old-space block being swept for free runs
  uintptr_t cursor = 0;  // the free run being filled: [cursor, limit)
  uintptr_t limit = 0;
};

class Generational final : public Collector {
 public:
  explicit Generational(const GenerationalOptions& options)
      : options_(options),
        pretenuring_(Pretenuring::Thresholds{.survival = options.pretenure_survival}) {}

  const CollectorTraits& traits() const override { return GenerationalTraits(); }

  absl::Status Init(Runtime& runtime, std::span<std::byte> heap) override {
    runtime_ = &runtime;
    code_ = &runtime.code();
    heap_begin_ = reinterpret_cast<uintptr_t>(heap.data());
    heap_end_ = heap_begin_ + heap.size() / kBlockBytes * kBlockBytes;
    const size_t budget = heap_end_ - heap_begin_;
    size_t nursery = options_.nursery_bytes.value_or(
        static_cast<size_t>(options_.nursery_fraction * static_cast<double>(budget)));
    nursery = nursery / kBlockBytes * kBlockBytes;
    const size_t survivor =
        options_.promotion_age == 1
            ? 0
            : std::max(kBlockBytes, nursery / kSurvivorShare / kBlockBytes * kBlockBytes);
    if (heap_begin_ % kBlockBytes != 0 || nursery < kBlockBytes + 2 * survivor ||
        budget < nursery + 2 * kBlockBytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "generational needs a nursery of at least one ", kBlockBytes,
          "-byte block (three with age > 1: eden and two survivor spaces) and an old space "
          "of at least two; got a budget of ", budget, " bytes and a nursery of ", nursery));
    }
    old_begin_ = heap_begin_ + nursery;
    eden_end_ = old_begin_ - 2 * survivor;
    nursery_.Reset(heap_begin_, eden_end_, heap_begin_);
    survivors_from_ = CopySpace(eden_end_, eden_end_ + survivor);
    survivors_to_ = CopySpace(eden_end_ + survivor, old_begin_);
    old_.Init(old_begin_, heap_end_ - old_begin_);
    marks_ = SideBitmap(heap_begin_, budget, kGranuleBytes);

    remset_.Init(options_.remset, old_, heap_begin_, nursery, options_.card_bytes, *code_);
    worklist_.reserve(64 * 1024);
    mark_stack_.reserve(64 * 1024);
    return absl::OkStatus();
  }

  void AttachMutator(Mutator& mutator) override {
    mutator.set_where_barrier(remset_.where());
    mutator.set_barrier(options_.barrier_for_test ? remset_.barrier() : BarrierKind::kNone);
    mutator.set_collector_state(std::make_unique<GenerationalPerMutator>());
    if (site_fast_path_.load(std::memory_order_relaxed)) UseSiteFastPath(mutator);
  }

  void DetachMutator(Mutator& mutator) override {
    FlushWriteBarrier(mutator);
    auto& state = mutator.collector_state<GenerationalPerMutator>();
    for (size_t sc = 0; sc < kNumSizeClasses; ++sc) RetireOldBuffer(mutator, state, sc);
    state.handed_out.Publish(old_handed_out_);
    MutexLock lock(&mu_);
    detached_runs_.insert(detached_runs_.end(), state.filled.begin(), state.filled.end());
    std::vector<uint64_t>& sum = detached_old_bytes_by_site_;
    if (sum.size() < state.old_bytes_by_site.size()) sum.resize(state.old_bytes_by_site.size(), 0);
    for (size_t site = 0; site < state.old_bytes_by_site.size(); ++site) {
      sum[site] += state.old_bytes_by_site[site];
    }
  }

  std::byte* AllocateSlow(Mutator& mutator, size_t bytes, const SiteInfo& site) override {
    const size_t rounded = AlignUp(bytes, kWordBytes);
    auto collect_full = [&] {
      return CollectUnlessAnotherDid(mutator, GcCause::kHeapFull, CollectionKind::kFull);
    };
    if (rounded > kMaxSmallObjectBytes) {
      // Straight into the old space, full collections only.
      return AllocateOrCollect([&] { return AllocateLargeOld(rounded); }, collect_full,
                               [&] { return Exhausted(bytes); });
    }
    if (options_.pretenure && pretenuring_.pretenured(site.id)) {
      // With no free run of its size class in the old space, the object starts in the
      // nursery instead, as it would without pretenuring: the old space's free cells
      // of other classes are not lost to it, and promotion decides when to collect it
      // (a segregated old space fills unevenly: lru-cache's small preset, whose values
      // span many size classes, ran out of memory at 4x its live data otherwise).
      if (std::byte* memory = AllocateSmallOld(mutator, SizeClassOf(rounded), site.id)) {
        return memory;
      }
    }
    int collections = 0;
    return AllocateOrCollect(
        [&] {
          if (!options_.pretenure) return nursery_.Allocate(mutator, rounded, NurseryBuffer());
          // The allocation that overflows a chunk is charged the chunk (pretenuring.h);
          // one taken alone is charged its bytes.
          auto& state = mutator.collector_state<GenerationalPerMutator>();
          const size_t chunk = BumpRegion::kChunkBytes - 8 * (state.chunk_lengths() % 128);
          std::byte* memory = nursery_.Allocate(mutator, rounded, NurseryBuffer(), chunk);
          // Only sites of one size are candidates: an array site's objects spread over
          // many size classes of the old space, each holding blocks of its own
          // (lru-cache's values, pretenured, left no free block for promotion at 4x
          // its live data in the small preset, with age=2).
          if (memory != nullptr && site.fixed_bytes != 0) {
            const bool alone = rounded >= BumpRegion::kChunkBytes / 4;
            pretenuring_.SampleNurseryAllocation(site.id, alone ? rounded : chunk);
          }
          return memory;
        },
        [&] {
          // A minor collection first; if the nursery is still full after it, a full one.
          return CollectUnlessAnotherDid(
              mutator, GcCause::kHeapFull,
              collections++ == 0 ? CollectionKind::kMinor : CollectionKind::kFull);
        },
        [&] { return Exhausted(bytes); });
  }

  void FlushWriteBarrier(Mutator& mutator) override { remset_.TakeLogs(mutator); }

  void Collect(Mutator& mutator, GcCause cause, CollectionKind kind) override {
    CollectUnlessAnotherDid(mutator, cause, kind);
  }

  HeapUsage Usage() const override {
    const size_t live = live_bytes_.load(std::memory_order_relaxed);
    return HeapUsage{
        .capacity_bytes = heap_end_ - heap_begin_,
        .in_use_bytes = live + promoted_bytes_.load(std::memory_order_relaxed) +
                        large_bytes_.load(std::memory_order_relaxed) +
                        old_handed_out_.total() + nursery_.used() +
                        survivor_bytes_.load(std::memory_order_relaxed),
        .live_bytes = live,
        .collections = collections_.load(std::memory_order_relaxed),
    };
  }

  // In eden: allocated since the last collection. In a survivor space: copied there by
  // a minor collection since (the to-space is empty unless the last minor collection
  // ran out of old space half-way). In the old space: allocated (marked by the last
  // full collection, or promoted or made there since, or in a cell handed out to a
  // mutator since the last sweep: pretenured).
  bool IsLiveObject(const Object* object) const override {
    const auto address = reinterpret_cast<uintptr_t>(object);
    if (address % kWordBytes != 0) return false;
    if (nursery_.Contains(address)) return address < nursery_.frontier();
    if (address - eden_end_ < old_begin_ - eden_end_) {
      return survivors_from_.Holds(address) || survivors_to_.Holds(address);
    }
    const std::optional<uint32_t> cell = old_.ObjectStartCell(address);
    if (!cell) return false;
    return marks_.Test(marks_.BitOf(address)) || old_.HandedOutSinceSweep(address, *cell);
  }

 private:
  absl::Status Exhausted(size_t bytes) const {
    return OutOfMemoryStatus("generational", heap_end_ - heap_begin_,
                             live_bytes_.load(std::memory_order_relaxed), bytes);
  }

  // Eden or a survivor space: young.
  bool InNursery(Ref ref) const {
    return reinterpret_cast<uintptr_t>(ref) - heap_begin_ < old_begin_ - heap_begin_;
  }
  bool InOld(uintptr_t address) const { return address - old_begin_ < heap_end_ - old_begin_; }

  // --- The old space ---

  // A large object made by a mutator in the old space: allocated black, and scanned
  // whole at the next collection (its header is written after this returns, so the
  // object-logging bit cannot be armed yet; its first stores are not logged).
  std::byte* AllocateLargeOld(size_t bytes) {
    MutexLock lock(&mu_);
    std::byte* memory = TakeLarge(bytes);
    if (memory != nullptr) {
      remset_.ScanAtNextCollection(reinterpret_cast<Ref>(memory));
      large_bytes_.fetch_add(AlignUp(bytes, kBlockBytes), std::memory_order_relaxed);
    }
    return memory;
  }

  // What mutators took from the old space by site since the last collection goes to
  // Pretenuring (world stopped).
  void TakeOldBytesBySite(std::vector<uint64_t>& bytes_by_site) {
    for (SiteId site = 0; site < bytes_by_site.size(); ++site) {
      if (bytes_by_site[site] != 0) pretenuring_.AllocatedOld(site, bytes_by_site[site]);
      bytes_by_site[site] = 0;
    }
  }

  // Which of a mutator's buffers is eden's (Mutator::alloc_buffer): buffer 0 until the
  // site fast path, which gives buffer 0 to size class 0, then kNurseryBuffer.
  size_t NurseryBuffer() const {
    return site_fast_path_.load(std::memory_order_relaxed) ? kNurseryBuffer : 0;
  }

  void UseSiteFastPath(Mutator& mutator) {
    mutator.set_fast_path(AllocFastPath::kNurseryOrPretenured);
    mutator.set_pretenured_sites(pretenuring_.table());
  }

  // A pretenured object's cell: the next free run of the mutator's old-space cursor
  // becomes its buffer of size class `size_class` (the one it filled waits for the
  // next minor collection's scan). Null if the old space has no free run.
  std::byte* AllocateSmallOld(Mutator& mutator, size_t size_class, SiteId site) {
    auto& state = mutator.collector_state<GenerationalPerMutator>();
    AllocBuffer& buffer = mutator.alloc_buffer(size_class);
    if (buffer.limit - buffer.cursor >= kSizeClassBytes[size_class]) {
      // A mutator without its fast path (in a BlockingScope) comes here with room.
      const uintptr_t cell = buffer.cursor;
      buffer.cursor += kSizeClassBytes[size_class];
      return reinterpret_cast<std::byte*>(cell);
    }
    RetireOldBuffer(mutator, state, size_class);
    const MarkSweepSpace::Run run = old_.NextFreeRun(state.sweep[size_class], size_class, marks_);
    if (run.empty()) return nullptr;
    state.handed_out.Add(run.end - run.begin, old_handed_out_);
    // As the nursery's chunks: the site that takes a run is charged all of it.
    if (state.old_bytes_by_site.size() <= site) state.old_bytes_by_site.resize(site + 1, 0);
    state.old_bytes_by_site[site] += run.end - run.begin;
    buffer = AllocBuffer{run.begin + kSizeClassBytes[size_class], run.end};
    if (options_.remset != RememberedSetForm::kFields) state.unscanned[size_class] = run.begin;
    return reinterpret_cast<std::byte*>(run.begin);
  }

  // The pretenured objects in a mutator's buffer of `size_class` that no minor
  // collection has scanned yet go on the mutator's list of those waiting.
  static void RetireOldBuffer(Mutator& mutator, GenerationalPerMutator& state,
                              size_t size_class) {
    const uintptr_t begin = std::exchange(state.unscanned[size_class], 0);
    const uintptr_t end = mutator.alloc_buffer(size_class).cursor;
    if (begin != 0 && end > begin) state.filled.push_back({begin, end, size_class});
  }

  // Calls visit(Ref) for every pretenured object made since the last minor
  // collection (world stopped): those in filled buffers, then those in the mutators'
  // buffers, whose scan then starts after them.
  template <typename Visit>
  void ForEachUnscannedOldObject(Visit&& visit) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto visit_run = [&](uintptr_t begin, uintptr_t end, size_t size_class) {
      for (uintptr_t p = begin; p < end; p += kSizeClassBytes[size_class]) {
        visit(reinterpret_cast<Ref>(p));
      }
    };
    for (const PretenuredRun& run : detached_runs_) visit_run(run.begin, run.end, run.size_class);
    detached_runs_.clear();
    runtime_->safepoints().ForEachMutator([&](Mutator& m) {
      auto& state = m.collector_state<GenerationalPerMutator>();
      for (const PretenuredRun& run : state.filled) visit_run(run.begin, run.end, run.size_class);
      state.filled.clear();
      for (size_t sc = 0; sc < kNumSizeClasses; ++sc) {
        if (state.unscanned[sc] == 0) continue;
        const uintptr_t end = m.alloc_buffer(sc).cursor;
        visit_run(state.unscanned[sc], end, sc);
        state.unscanned[sc] = end;
      }
    });
  }

  // Object logging and cards: a minor collection marks each pretenured object made
  // since (it is allocated, and card scanning reads marked cells only), arms it and
  // scans it like a promoted one. (Field logging keeps no list: the barrier logged
  // its stores.)
  void ScanPretenuredObjects() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ForEachUnscannedOldObject([&](Ref object) {
      marks_.TestAndSet(marks_.BitOf(reinterpret_cast<uintptr_t>(object)));
      remset_.Arm(object);
      worklist_.push_back(object);
    });
  }

  // A full collection marks pretenured objects like any others and finds their young
  // slots as it marks: the lists of objects to scan go, and so do every mutator's
  // old-space buffers and cursors, since the sweep that follows hands their blocks
  // out afresh.
  void DropPretenuredBuffers() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    detached_runs_.clear();
    runtime_->safepoints().ForEachMutator([&](Mutator& m) {
      auto& state = m.collector_state<GenerationalPerMutator>();
      state.filled.clear();
      for (size_t sc = 0; sc < kNumSizeClasses; ++sc) {
        state.sweep[sc] = SweepCursor{};
        state.unscanned[sc] = 0;
        m.alloc_buffer(sc) = AllocBuffer{};
      }
    });
    old_handed_out_.Reset();
  }

  // Blocks of the old space for one object, marked (allocated black).
  std::byte* TakeLarge(size_t bytes) {
    return reinterpret_cast<std::byte*>(old_.TakeLarge(bytes, &marks_));
  }

  // A cell for a promoted object of size class `size_class` (world stopped): the next
  // free cell of a block the last full collection left partly used, else of a free
  // block. Marked at once (allocated black). Null if the old space has none.
  std::byte* TakeCell(size_t size_class) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    PromotionCursor& c = cursors_[size_class];
    if (c.cursor == c.limit) {
      const MarkSweepSpace::Run run = old_.NextFreeRun(c.sweep, size_class, marks_);
      if (run.empty()) return nullptr;
      c.cursor = run.begin;
      c.limit = run.end;
    }
    const uintptr_t address = c.cursor;
    c.cursor += kSizeClassBytes[size_class];
    marks_.TestAndSet(marks_.BitOf(address));
    return reinterpret_cast<std::byte*>(address);
  }

  // Whether the cells and blocks `need` counts fit in the old space: per size class
  // with a need, the free cells promotion would take before a free block (counted only
  // as far as the need), and free blocks for the rest.
  bool Fits(const PromotionNeed& need) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    size_t blocks = need.large;
    for (size_t sc = 0; sc < kNumSizeClasses; ++sc) {
      if (need.cells[sc] == 0) continue;
      const PromotionCursor& c = cursors_[sc];
      const size_t in_run = (c.limit - c.cursor) / kSizeClassBytes[sc];
      const size_t wanted = need.cells[sc] - std::min(need.cells[sc], in_run);
      const size_t free = in_run + old_.FreeCells(sc, c.sweep, marks_, wanted);
      if (need.cells[sc] <= free) continue;
      const size_t per_block = kBlockBytes / kSizeClassBytes[sc];
      blocks += (need.cells[sc] - free + per_block - 1) / per_block;
    }
    return blocks <= old_.free_blocks();
  }

  // --- Collections (world stopped) ---

  // One pause; false (and nothing done) if another thread stopped the world first.
  bool CollectUnlessAnotherDid(Mutator& mutator, GcCause cause, CollectionKind kind) {
    StopTheWorldScope stw(mutator, kind == CollectionKind::kMinor ? PauseKind::kMinor
                                                                   : PauseKind::kFull,
                          cause);
    if (!stw.stopped()) return false;
    MutexLock lock(&mu_);
    stw.StartCycle();
    runtime_->safepoints().ForEachMutator([this](Mutator& m) {
      remset_.TakeLogs(m);
      m.alloc_buffer(NurseryBuffer()) = AllocBuffer{};
      auto& state = m.collector_state<GenerationalPerMutator>();
      state.handed_out.Publish(old_handed_out_);
      TakeOldBytesBySite(state.old_bytes_by_site);
    });
    TakeOldBytesBySite(detached_old_bytes_by_site_);
    bool emptied = false;
    if (kind == CollectionKind::kMinor) {
      emptied = Evacuate(stw, /*full=*/false);
      if (!emptied) {
        // The old space could not take every survivor: some stayed where they were.
        stw.Reclassify(PauseKind::kFull);
        kind = CollectionKind::kFull;
      }
    }
    if (kind == CollectionKind::kFull) emptied = FullCollection(stw);
    if (options_.pretenure) {
      std::vector<SiteDecisionRecord> decisions;
      const int64_t now = MonotonicNanos();
      if (kind == CollectionKind::kMinor) {
        pretenuring_.AfterMinor(stw.cycle(), now, code_->num_sites(), decisions);
      } else {
        pretenuring_.AfterFull(stw.cycle(), now, code_->num_sites(), decisions);
      }
      runtime_->events().AddSiteDecisions(decisions);
      if (!decisions.empty() && !site_fast_path_.load(std::memory_order_relaxed)) {
        // The first pretenured site: every mutator's nursery buffer (emptied as this
        // pause began) moves from buffer 0, which becomes size class 0's.
        site_fast_path_.store(true, std::memory_order_relaxed);
        runtime_->safepoints().ForEachMutator([this](Mutator& m) { UseSiteFastPath(m); });
      }
    }
    collections_.fetch_add(1, std::memory_order_relaxed);
    // After a full collection that emptied the nursery, everything allocated is
    // marked: the verifier can check the live bytes too.
    stw.VerifyHeapIfEnabled(/*check_live_bytes=*/kind == CollectionKind::kFull && emptied);
    return true;
  }

  // The nursery's bits: whole bitmap words, since the nursery is whole blocks.
  void ClearNurseryMarks() {
    marks_.ClearWords(marks_.BitOf(heap_begin_) / 64,
                      (marks_.BitOf(old_begin_) - marks_.BitOf(heap_begin_)) / 64);
  }

  // Copies a young object, once: into the to-survivor space if it is younger than the
  // promotion age and fits there (never in a full collection), else into the old
  // space. Returns its new address.
  Ref Promote(Ref ref, bool full) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const uint64_t header = ref->header;
    if ((header & kHeaderTag) == 0) return reinterpret_cast<Ref>(header);  // copied already
    const size_t bytes = ObjectBytes(code_->type(static_cast<TypeId>(header >> kTypeShift)), ref);
    const int age = static_cast<int>((header & kAgeMask) >> kAgeShift) + 1;
    if (age == 1 && options_.pretenure) {
      pretenuring_.SurvivedNursery(static_cast<SiteId>((header >> kSiteShift) & kSiteMask), bytes);
    }
    std::byte* aged_to = nullptr;
    if (!full && age < options_.promotion_age &&
        (aged_to = survivors_to_.TryTake(bytes)) != nullptr) {
      auto* copy = reinterpret_cast<Object*>(aged_to);
      std::memcpy(copy, ref, bytes);
      copy->header = (header & ~kAgeMask) | (static_cast<uint64_t>(age) << kAgeShift);
      ref->header = reinterpret_cast<uint64_t>(copy);
      worklist_.push_back(copy);
      aged_now_ += bytes;
      ++aged_objects_now_;
      return copy;
    }
    // The mutators' inline bump puts objects up to a chunk (32 KiB) in the nursery:
    // those above the largest size class take a block of their own.
    std::byte* memory =
        bytes > kMaxSmallObjectBytes ? TakeLarge(bytes) : TakeCell(SizeClassOf(bytes));
    if (memory == nullptr) {
      // No room: the object stays where it is (marked, so that it is scanned once)
      // and the nursery is not emptied; a full collection follows.
      if (!marks_.TestAndSet(marks_.BitOf(reinterpret_cast<uintptr_t>(ref)))) {
        worklist_.push_back(ref);
      }
      return ref;
    }
    std::memcpy(memory, ref, bytes);
    auto* copy = reinterpret_cast<Object*>(memory);
    copy->header = header & ~kAgeMask;
    ref->header = reinterpret_cast<uint64_t>(copy);
    // The field barrier's bits are armed as the worklist scans the copy's slots.
    if (options_.remset != RememberedSetForm::kFields) remset_.Arm(copy);
    worklist_.push_back(copy);
    promoted_now_ += bytes;
    ++promoted_objects_now_;
    return copy;
  }

  // Copies every young object reachable from the roots and the remembered set (a full
  // collection: from `marked_young_slots`, every old slot its mark found pointing at a
  // young object) out of eden and the from-survivor space, into the to-survivor space
  // or the old space (Promote), then empties both and swaps the survivor spaces.
  // Returns false, with nothing emptied, if the old space could not take every object
  // that had to go there.
  bool Evacuate(StopTheWorldScope& stw, bool full,
                const std::vector<Ref*>* marked_young_slots = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    promoted_now_ = 0;
    promoted_objects_now_ = 0;
    aged_now_ = 0;
    aged_objects_now_ = 0;
    // Old slots left pointing at a young object (copied to the to-survivor space, or
    // left where it was for want of room): the remembered set after this collection.
    std::vector<Ref*> still_young;
    // Copies made by this collection: a slot visited twice (logged and on a dirty
    // card, say) must not copy its target's copy again.
    const uintptr_t copies_begin = survivors_to_.top();
    auto forward_now = [&](Ref* slot) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      Ref target = *slot;
      if (!InNursery(target)) return;
      const auto address = reinterpret_cast<uintptr_t>(target);
      if (address - copies_begin >= survivors_to_.top() - copies_begin) {
        target = Promote(target, full);
        *slot = target;
      }
      if (InNursery(target) && InOld(reinterpret_cast<uintptr_t>(slot))) {
        still_young.push_back(slot);
      }
    };
    PrefetchQueue pending(forward_now);
    auto forward = [&](Ref* slot) {
      if (InNursery(*slot)) pending.Push(slot);
    };
    {
      auto phase = stw.Phase(Phase::kRemset);
      if (full) {
        for (Ref* slot : *marked_young_slots) forward(slot);
      } else {
        // Gathered before anything is promoted: promotion takes free cells.
        std::vector<Ref*> slots;
        remset_.ForEachSlot(marks_, nullptr, [&](Ref* slot) { slots.push_back(slot); });
        for (Ref* slot : slots) forward(slot);
      }
      pending.Drain();
      // The logged slots and objects are recorded again by their next store.
      remset_.ConsumedByCollection(/*rearm_logged=*/!full);
      if (!full && options_.remset != RememberedSetForm::kFields) ScanPretenuredObjects();
    }
    {
      auto phase = stw.Phase(Phase::kRootScan);
      ForEachRoot(*runtime_, forward);
      pending.Drain();
    }
    {
      auto phase = stw.Phase(Phase::kPromote);
      do {
        while (!worklist_.empty()) {
          Ref object = worklist_.back();
          worklist_.pop_back();
          if (options_.remset == RememberedSetForm::kFields &&
              InOld(reinterpret_cast<uintptr_t>(object))) {
            ForEachRefSlot(object, code_->TypeOf(object), [&](Ref* slot) {
              remset_.ArmSlot(slot);
              forward(slot);
            });
          } else {
            ForEachRefSlot(object, code_->TypeOf(object), forward);
          }
        }
        pending.Drain();
      } while (!worklist_.empty());
      phase.set_work(promoted_now_ + aged_now_, promoted_objects_now_ + aged_objects_now_);
    }
    return FinishEvacuation(full, std::move(still_young));
  }

  // After an evacuation copied every survivor it could: the remembered set keeps
  // `still_young`; unless some object stayed where it was, eden and the from-survivor
  // space are emptied and the survivor spaces swap. Returns whether they were.
  bool FinishEvacuation(bool full, std::vector<Ref*> still_young) {
    promoted_bytes_.fetch_add(promoted_now_, std::memory_order_relaxed);
    remset_.Keep(std::move(still_young));
    if (AnyNurseryMark()) {
      // Some objects stayed where they were: eden and the from-survivor space keep
      // them, and stay full. What was copied to the to-survivor space is live too.
      ClearNurseryMarks();
      survivor_bytes_.store(survivors_from_.used() + survivors_to_.used(),
                            std::memory_order_relaxed);
      return false;
    }
    nursery_.Reset(heap_begin_, eden_end_, heap_begin_);
    survivors_from_.Empty();
    // A full collection promotes everything, the copies a failed minor collection
    // made in the to-survivor space included.
    if (full) survivors_to_.Empty();
    std::swap(survivors_from_, survivors_to_);
    survivor_bytes_.store(survivors_from_.used(), std::memory_order_relaxed);
    return true;
  }

  bool AnyNurseryMark() const {
    return marks_.AnySetInWords(marks_.BitOf(heap_begin_) / 64,
                                (marks_.BitOf(old_begin_) - marks_.BitOf(heap_begin_)) / 64);
  }

  // Marks the whole heap, releases what is dead in the old space, then empties the
  // nursery into it (if it fits). Returns whether it did.
  bool FullCollection(StopTheWorldScope& stw) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    PromotionNeed need;
    // Inlined by hand: the mark loop calls it per slot, and GCC otherwise calls it
    // (9% more instructions in a full collection of a 1M-node tree).
    auto mark = [&](Ref* slot) GCLAB_ALWAYS_INLINE_LAMBDA {
      Ref ref = *slot;
      const auto address = reinterpret_cast<uintptr_t>(ref);
      // Null, and frame-arena objects (scanned as roots), are not in the heap.
      if (address - heap_begin_ >= heap_end_ - heap_begin_) return;
      if (InNursery(ref)) {
        // The evacuation that follows forwards these, instead of the remembered set
        // (which lacks pretenured objects' slots, and dead holders' are in it).
        if (InOld(reinterpret_cast<uintptr_t>(slot))) marked_young_slots_.push_back(slot);
        if (marks_.TestAndSet(marks_.BitOf(address))) return;
        const size_t bytes = ObjectBytes(code_->TypeOf(ref), ref);
        if (bytes > kMaxSmallObjectBytes) {
          ++need.large;
        } else {
          ++need.cells[SizeClassOf(bytes)];
        }
      } else {
        if (marks_.TestAndSet(marks_.BitOf(address))) return;
        if (options_.remset == RememberedSetForm::kObjects) remset_.Arm(ref);
      }
      mark_stack_.push_back(ref);
    };
    size_t live_bytes = 0;
    {
      auto phase = stw.Phase(Phase::kRootScan);
      DropPretenuredBuffers();
      marked_young_slots_.clear();
      marks_.ClearAll();
      ForEachRoot(*runtime_, mark);
    }
    {
      auto phase = stw.Phase(Phase::kMark);
      if (options_.pretenure) {
        live_bytes = DrainMarkStack(mark_stack_, *code_, mark, [this](Ref object, size_t bytes) {
          pretenuring_.LiveAtFull(object->site_id(), bytes);
        });
      } else {
        live_bytes = DrainMarkStack(mark_stack_, *code_, mark);
      }
    }
    {
      auto phase = stw.Phase(Phase::kSweep);
      ReleaseEmptyBlocks();
    }
    live_bytes_.store(live_bytes, std::memory_order_relaxed);
    promoted_bytes_.store(0, std::memory_order_relaxed);
    large_bytes_.store(0, std::memory_order_relaxed);
    if (!Fits(need)) {
      // The survivors stay in the nursery, which stays full: the allocation that
      // asked for this collection fails. Its marks go, so as not to be taken for
      // allocated old objects, and so do the remembered slots of dead holders, whose
      // cells later promotions may reuse.
      ClearNurseryMarks();
      remset_.ForgetDeadHolders(marks_);
      return false;
    }
    ClearNurseryMarks();
    const bool emptied = Evacuate(stw, /*full=*/true, &marked_young_slots_);
    promoted_bytes_.store(0, std::memory_order_relaxed);  // counted in live_bytes already
    if (options_.remset == RememberedSetForm::kFields) remset_.ArmAll();
    return emptied;
  }

  void ReleaseEmptyBlocks() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (auto& cursor : cursors_) cursor = PromotionCursor{};
    old_.SweepAll(marks_);
  }

  const GenerationalOptions options_;
  // Whether mutators use kNurseryOrPretenured (from the first pretenured site on).
  // Changed with the world stopped.
  std::atomic<bool> site_fast_path_{false};
  Runtime* runtime_ = nullptr;
  const CodeSegment* code_ = nullptr;
  uintptr_t heap_begin_ = 0;
  uintptr_t old_begin_ = 0;
  uintptr_t heap_end_ = 0;
  BumpRegion nursery_;    // eden: where mutators allocate
  uintptr_t eden_end_ = 0;
  CopySpace survivors_from_;  // the survivors of the last minor collection (age > 1)
  CopySpace survivors_to_;    // empty between collections
  SideBitmap marks_;
  RememberedSet remset_;

  Mutex mu_;  // held through every collection
  MarkSweepSpace old_;
  PromotionCursor cursors_[kNumSizeClasses] ABSL_GUARDED_BY(mu_);
  std::vector<Ref> worklist_;                           // promoted, not yet scanned
  std::vector<Ref> mark_stack_;                         // a full collection's
  std::vector<Ref*> marked_young_slots_;  // old slots a full mark found pointing young
  Pretenuring pretenuring_;
  // Runs of pretenured objects that mutators which have since detached filled since
  // the last minor collection (object logging and cards).
  std::vector<PretenuredRun> detached_runs_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> detached_old_bytes_by_site_ ABSL_GUARDED_BY(mu_);
  size_t promoted_now_ = 0;
  uint64_t promoted_objects_now_ = 0;
  size_t aged_now_ = 0;  // copied to the to-survivor space
  uint64_t aged_objects_now_ = 0;

  std::atomic<size_t> live_bytes_{0};      // found by the last full collection
  std::atomic<size_t> promoted_bytes_{0};  // promoted since
  std::atomic<size_t> large_bytes_{0};     // made in the old space since
  SharedByteCount old_handed_out_;  // cells for pretenured objects since
  std::atomic<size_t> survivor_bytes_{0};  // in the survivor spaces
  std::atomic<uint64_t> collections_{0};
};

GenerationalOptions GenerationalOptionsFrom(const CollectorOptions& checked) {
  const OptionValues values(GenerationalTraits().options, checked);
  GenerationalOptions options{
      .remset = values.Is("barrier", "card")     ? RememberedSetForm::kCards
                : values.Is("barrier", "object") ? RememberedSetForm::kObjects
                                                 : RememberedSetForm::kFields,
      .card_bytes = static_cast<size_t>(values.Integer("card")),
      .promotion_age = static_cast<int>(values.Integer("age")),
      .pretenure = values.Switch("pretenure"),
      .pretenure_survival = values.Number("pretenure_survival"),
      .barrier_for_test = values.Switch("test_barrier"),
  };
  const double nursery = values.Number("nursery");
  if (nursery < 1) {
    options.nursery_fraction = nursery;
  } else {
    options.nursery_bytes = static_cast<size_t>(nursery) * MiB;
  }
  return options;
}

}  // namespace

GCLAB_REGISTER_COLLECTOR(GenerationalTraits(),
                         [](const CollectorOptions& options)
                             -> absl::StatusOr<std::unique_ptr<Collector>> {
                           return std::make_unique<Generational>(
                               GenerationalOptionsFrom(options));
                         });

}  // namespace gclab
