// bdw: the Boehm-Demers-Weiser conservative collector (libgc), behind gclab's
// collector interface, as the real-world baseline. See README.md.
//
// libgc owns the heap, the stop-the-world (signals to every registered thread) and
// the collection policy; this adapter only
//  - makes gclab's segments its roots: the pointer globals and every mutator's live
//    frames (slots and arena objects), pushed from libgc's push-other-roots hook;
//  - registers each mutator thread with libgc as it attaches, so that libgc stops it
//    and scans its C++ stack and registers (conservatively) like any libgc client;
//  - turns libgc's collection events (stop-world begin/end, mark, reclaim) into
//    gclab pause and phase records;
//  - keeps the heap budget on the bytes in use: a collection when the budget would
//    be exceeded, OutOfMemory if it still would be;
//  - allocates as a careful libgc user does: no interior-pointer byte (gclab's
//    references point at object starts), pointer-free objects atomic, and (option)
//    objects with pointers by their precise layout;
//  - keeps small objects with pointers on the mutator's inline fast path: one free
//    list per size class, filled a block at a time by GC_malloc_many, as libgc's own
//    thread-local allocation does for GC_MALLOC.
// libgc has one heap per process, so one bdw runtime may exist at a time.
#include <gc/gc.h>
#include <gc/gc_mark.h>
#include <gc/gc_typed.h>

#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/collector.h"
#include "runtime/out_of_memory.h"
#include "runtime/runtime.h"

namespace gclab {
namespace {

struct Options {
  bool incremental = false;
  bool interior_pointers = false;
  bool atomic = true;
  bool typed = false;
};

struct BdwPerMutator : PerMutatorState {
  bool registered_here = false;  // we registered the thread, so we unregister it
  // Bytes this mutator may still request before the budget is checked again (see
  // AllocateSlow).
  size_t allowance = 0;
};

BdwPerMutator& StateOf(Mutator& mutator) {
  return mutator.collector_state<BdwPerMutator>();
}

const CollectorTraits& BdwTraits() {
  static const CollectorTraits traits{
      .name = "bdw",
      .description =
          "Boehm-Demers-Weiser conservative mark-sweep (libgc " +
          absl::StrCat(GC_VERSION_MAJOR, ".", GC_VERSION_MINOR, ".", GC_VERSION_MICRO) +
          "): its own heap, stop-the-world by signals, gclab's frames and globals as roots",
      .fast_path = AllocFastPath::kSizeClassFreeList,
      .heap_segment = false,
      .conservative = true,
      .process_wide_heap = true,
      .test_variants = {"bdw", "bdw:incremental=on", "bdw:interior_pointers=on:atomic=off",
                        "bdw:layout=typed"},
      .options = {{.name = "incremental", .type = OptionType::kSwitch, .default_value = "off",
                   .help = "libgc's incremental mode (GC_enable_incremental)"},
                  {.name = "interior_pointers", .type = OptionType::kSwitch,
                   .default_value = "off",
                   .help = "libgc's all-interior-pointers mode: every object one byte "
                           "larger, so that a pointer just past its end keeps it"},
                  {.name = "atomic", .type = OptionType::kSwitch, .default_value = "on",
                   .help = "pointer-free objects (byte arrays, structs without pointer "
                           "fields) with GC_MALLOC_ATOMIC: never scanned"},
                  {.name = "layout", .type = OptionType::kChoice,
                   .default_value = "conservative", .choices = {"conservative", "typed"},
                   .help = "typed: structs with pointer fields by their precise layout "
                           "(GC_malloc_explicitly_typed; one descriptor word more each)"}},
  };
  return traits;
}

class Bdw;
// libgc's hooks are plain functions with no context: they reach the one live
// instance through this pointer.
std::atomic<Bdw*> g_instance{nullptr};

class Bdw final : public Collector {
 public:
  explicit Bdw(Options options) : options_(options) {}

  ~Bdw() override {
    Bdw* self = this;
    if (!g_instance.compare_exchange_strong(self, nullptr)) return;  // never initialised
    GC_set_on_collection_event(nullptr);
    // Collect once more so the next runtime (tests run many in one process) starts
    // without this one's objects; they are unreachable now that the roots are gone.
    GC_gcollect();
  }

  const CollectorTraits& traits() const override { return BdwTraits(); }

  absl::Status Init(Runtime& runtime, std::span<std::byte>) override {
    Bdw* expected = nullptr;
    if (!g_instance.compare_exchange_strong(expected, this)) {
      return absl::FailedPreconditionError(
          "bdw: libgc has one heap per process, and another runtime is using it");
    }
    runtime_ = &runtime;
    recorder_.emplace(runtime);
    phases_in_pause_.reserve(16);  // no allocation while libgc has threads suspended
    budget_bytes_ = runtime.config().heap_bytes;
    verify_heap_ = runtime.config().verify_heap;
    mutators_ = std::vector<std::atomic<Mutator*>>(runtime.config().max_mutators);
    const int interior_pointers = options_.interior_pointers ? 1 : 0;
    static const bool initialised = [interior_pointers] {
      GC_set_all_interior_pointers(interior_pointers);  // before GC_INIT, as libgc asks
      GC_INIT();
      GC_allow_register_threads();
      previous_push_other_roots = GC_get_push_other_roots();
      GC_set_push_other_roots(&PushGclabRoots);
      return true;
    }();
    (void)initialised;
    if (GC_get_all_interior_pointers() != interior_pointers) {
      // libgc allows the switch after GC_INIT but does not recommend it, and with it
      // objects of an earlier runtime's sizes lose their pointers (measured: a heap
      // verification failure in the next runtime). `gclab run` runs each cell in a
      // process of its own, and gclab-conformance one variant per worker process.
      g_instance.store(nullptr);
      return absl::FailedPreconditionError(absl::StrCat(
          "bdw: libgc's interior-pointer mode is fixed for the process once libgc starts; "
          "this process started it with interior_pointers=",
          GC_get_all_interior_pointers() ? "on" : "off", ", and this runtime asks for ",
          interior_pointers ? "on" : "off", ": run it in a process of its own"));
    }
    if (options_.incremental) GC_enable_incremental();
    GC_set_on_collection_event(&OnCollectionEvent);
    // libgc has one heap per process: what an earlier runtime left there (objects a
    // stale conservative root still holds) is not this runtime's. Collect first, then
    // count only the bytes in use above what remains.
    GC_gcollect();
    bytes_in_use_at_init_ = InUseBytes();
    gc_no_at_init_ = GC_get_gc_no();
    verified_gc_no_ = gc_no_at_init_;
    return absl::OkStatus();
  }

  void AttachMutator(Mutator& mutator) override {
    auto state = std::make_unique<BdwPerMutator>();
    GC_stack_base stack_base;
    if (GC_get_stack_base(&stack_base) == GC_SUCCESS) {
      state->registered_here = GC_register_my_thread(&stack_base) == GC_SUCCESS;
    }
    mutator.set_collector_state(std::move(state));
    // A typed object needs its descriptor at allocation; libgc has no lists for them.
    if (options_.typed) mutator.set_fast_path(AllocFastPath::kNone);
    mutators_[mutator.index()].store(&mutator, std::memory_order_release);
  }

  void DetachMutator(Mutator& mutator) override {
    mutators_[mutator.index()].store(nullptr, std::memory_order_release);
    if (StateOf(mutator).registered_here) GC_unregister_my_thread();
  }

  std::byte* AllocateSlow(Mutator& mutator, size_t bytes, const SiteInfo& site) override {
    BdwPerMutator& state = StateOf(mutator);
    const bool from_list = bytes <= kMaxSmallObjectBytes && !site.pointer_free && !options_.typed;
    std::byte* memory = from_list ? RefillListAndPop(mutator, state, bytes)
                                  : AllocateOne(mutator, state, bytes, *site.type);
    if (GCLAB_UNLIKELY(verify_heap_)) VerifyIfCollected(mutator);
    return memory;
  }

  void Collect(Mutator& mutator, GcCause cause, CollectionKind) override {
    explicit_cause_.store(cause, std::memory_order_relaxed);
    explicit_requested_.store(true, std::memory_order_relaxed);
    GC_gcollect();
    explicit_requested_.store(false, std::memory_order_relaxed);
    VerifyIfCollected(mutator);
  }

  HeapUsage Usage() const override {
    const size_t in_use = RuntimeInUseBytes();
    const size_t since_gc = GC_get_bytes_since_gc();
    return HeapUsage{
        .capacity_bytes = budget_bytes_,
        .in_use_bytes = in_use,
        // What survived the last collection, as libgc counts it (whole size
        // classes, and whatever conservative roots kept).
        .live_bytes = in_use > since_gc ? in_use - since_gc : 0,
        .collections = GC_get_gc_no() - gc_no_at_init_,
    };
  }

  // libgc's heap less its free bytes. Its getters take libgc's allocation lock
  // (about as much as a small GC_MALLOC costs), so allocation reads this only when a
  // mutator's allowance runs out. Safe inside libgc's callbacks.
  static size_t InUseBytes() {
    const size_t heap = GC_get_heap_size();
    const size_t free_bytes = GC_get_free_bytes();
    return heap > free_bytes ? heap - free_bytes : 0;
  }

  // The bytes in use that are this runtime's: above libgc's count when it started.
  size_t RuntimeInUseBytes() const {
    const size_t in_use = InUseBytes();
    return in_use > bytes_in_use_at_init_ ? in_use - bytes_in_use_at_init_ : 0;
  }

  bool IsLiveObject(const Object* object) const override {
    // libgc can tell an object start from anything else, but not a freed object
    // from a live one until it reuses the memory (see README.md).
    return GC_base(const_cast<Object*>(object)) == object;
  }

 private:
  std::byte* AllocateOne(Mutator& mutator, BdwPerMutator& state, size_t bytes,
                         const TypeInfo& type) {
    if (GCLAB_UNLIKELY(state.allowance < bytes)) Refill(mutator, state, bytes);
    state.allowance -= bytes;
    void* memory = Malloc(bytes, type);
    if (memory == nullptr) {
      throw OutOfMemory(OutOfMemoryStatus("bdw", budget_bytes_, Usage().live_bytes, bytes));
    }
    return static_cast<std::byte*>(memory);
  }

  // The size class's list is empty: a new one from GC_malloc_many (cells of the
  // class's size, cleared but for the link word, at most a block's worth), charged
  // to the allowance whole, and its first cell. The lists are roots (PushGclabRoots),
  // so a collection before the cells are used does not take them back.
  GCLAB_NOINLINE std::byte* RefillListAndPop(Mutator& mutator, BdwPerMutator& state,
                                             size_t bytes) {
    const size_t size_class = SizeClassOf(bytes);
    const size_t cell_bytes = kSizeClassBytes[size_class];
    const size_t most = std::max(kListBytes, cell_bytes);
    if (GCLAB_UNLIKELY(state.allowance < most)) Refill(mutator, state, most);
    void* list = GC_malloc_many(cell_bytes);
    if (list == nullptr) {
      throw OutOfMemory(OutOfMemoryStatus("bdw", budget_bytes_, Usage().live_bytes, bytes));
    }
    size_t cells = 0;
    for (void* cell = list; cell != nullptr; cell = GC_NEXT(cell)) ++cells;
    const size_t list_bytes = cells * cell_bytes;
    state.allowance -= std::min(state.allowance, list_bytes);
    mutator.alloc_buffer(size_class).cursor = reinterpret_cast<uintptr_t>(GC_NEXT(list));
    return static_cast<std::byte*>(list);
  }

  // What a libgc user writes for an object of this type. A ref array is scanned
  // conservatively in either layout: all its words but the header and the length
  // are pointers, and neither of those two can look like one (the header is odd,
  // the length small).
  void* Malloc(size_t bytes, const TypeInfo& type) {
    const bool pointer_free =
        type.kind == TypeKind::kByteArray || (type.kind == TypeKind::kFixed && type.ref_map == 0);
    if (pointer_free && options_.atomic) return GC_MALLOC_ATOMIC(bytes);
    if (options_.typed && type.kind == TypeKind::kFixed && type.ref_map != 0) {
      return GC_MALLOC_EXPLICITLY_TYPED(bytes, DescriptorOf(type));
    }
    return GC_MALLOC(bytes);
  }

  // libgc's layout descriptor for a struct type: word 0 is gclab's header, field i
  // is word i + 1. Made on first use (types are fixed once the program runs); two
  // threads may both make one, and store the same value.
  GC_descr DescriptorOf(const TypeInfo& type) {
    std::atomic<GC_descr>& cached = descriptors_[type.id];
    GC_descr descriptor = cached.load(std::memory_order_acquire);
    // 0 is the descriptor of an object with no pointers, which a struct with a
    // pointer field never has: it marks "not made yet".
    if (GCLAB_UNLIKELY(descriptor == 0)) {
      constexpr size_t kBitsPerWord = 8 * sizeof(GC_word);
      GC_word bitmap[(kMaxFixedFields + 1 + kBitsPerWord - 1) / kBitsPerWord] = {};
      for (uint32_t field = 0; field < type.field_words; ++field) {
        if ((type.ref_map >> field) & 1) GC_set_bit(bitmap, field + 1);
      }
      descriptor = GC_make_descriptor(bitmap, type.field_words + 1);
      cached.store(descriptor, std::memory_order_release);
    }
    return descriptor;
  }

  // The budget is kept on the bytes in use (libgc's heap less its free bytes), not
  // with GC_set_max_heap_size: libgc's heap never shrinks, an earlier runtime in
  // this process may have grown it, and with a hard cap libgc's incremental mode gives
  // up (returns null) where a full collection would do. Checking it at every
  // allocation would take libgc's lock twice per object, so each mutator gets an
  // allowance: a quarter of the headroom divided among the mutators that may run.
  // libgc rounds a gclab object (16 bytes or more) up to at most twice its size (an
  // extra byte with interior pointers or a descriptor word when typed, then 16-byte
  // granules: 16 bytes may take 32, 32 take 48), so the mutators together use at
  // most about half the headroom before the next check, plus the partly used blocks
  // libgc takes whole: the bytes in use stay within the budget.
  GCLAB_NOINLINE void Refill(Mutator& mutator, BdwPerMutator& state, size_t bytes) {
    size_t in_use = RuntimeInUseBytes();
    if (in_use + bytes > budget_bytes_) {
      Collect(mutator, GcCause::kHeapFull, CollectionKind::kFull);
      in_use = RuntimeInUseBytes();
      if (in_use + bytes > budget_bytes_) {
        throw OutOfMemory(OutOfMemoryStatus("bdw", budget_bytes_, Usage().live_bytes, bytes));
      }
    }
    const size_t share = (budget_bytes_ - in_use) / (4 * runtime_->config().max_mutators);
    state.allowance = std::max(bytes, std::min(share, kMaxAllowanceBytes));
  }

  // The world as libgc stopped it: push gclab's roots for libgc to scan.
  static void GC_CALLBACK PushGclabRoots() {
    if (previous_push_other_roots != nullptr) previous_push_other_roots();  // thread stacks
    Bdw* self = g_instance.load(std::memory_order_acquire);
    if (self == nullptr) return;
    self->runtime_->data().ForEachRefSlot([](Ref* slot) { GC_push_all(slot, slot + 1); });
    for (const std::atomic<Mutator*>& entry : self->mutators_) {
      Mutator* mutator = entry.load(std::memory_order_acquire);
      if (mutator == nullptr) continue;
      // Frames lie contiguously from the stack base up to the end of the top one;
      // a frame being pushed holds no Ref until its slots are zeroed and it is on top.
      // The free lists' cells are libgc's objects until popped: their heads keep
      // them (each cell's first word links the next, and cells are scanned).
      GC_push_all(&mutator->alloc_buffer(0), &mutator->alloc_buffer(kNumSizeClasses - 1) + 1);
      Frame* top = mutator->top_frame();
      if (top == nullptr) continue;
      GC_push_all(reinterpret_cast<void*>(mutator->stack_base()),
                  reinterpret_cast<void*>(top->arena_end()));
    }
  }

  // Called by libgc with its lock held, on the collecting thread.
  static void GC_CALLBACK OnCollectionEvent(GC_EventType event) {
    Bdw* self = g_instance.load(std::memory_order_acquire);
    if (self != nullptr) self->Record(event);
  }

  // libgc's own world stop is the pause (gclab's safepoints play no part in it), so
  // its times go through ExternalPauseRecorder. Nothing is recorded while libgc has
  // the other threads suspended (recording takes a lock, which a suspended thread may
  // hold): phases of the pause wait for POST_START_WORLD. libgc sweeps after the
  // world has resumed: such a phase has in_pause 0 and is recorded as it ends.
  void Record(GC_EventType event) {
    const int64_t now = MonotonicNanos();
    switch (event) {
      case GC_EVENT_START:
        cycle_ = recorder_->StartCycle();
        break;
      case GC_EVENT_PRE_STOP_WORLD:
        pause_ = PauseRecord{
            .cycle = cycle_,
            .kind = PauseKind::kFull,
            .cause = explicit_requested_.load(std::memory_order_relaxed)
                         ? explicit_cause_.load(std::memory_order_relaxed)
                         : GcCause::kHeapTrigger,
            .t_request = now};
        break;
      case GC_EVENT_POST_STOP_WORLD:
        pause_.t_stopped = now;
        pause_.heap_before = Usage().in_use_bytes;
        world_stopped_ = true;
        break;
      case GC_EVENT_MARK_START:
        BeginPhase(Phase::kMark, now);
        break;
      case GC_EVENT_RECLAIM_START:
        BeginPhase(Phase::kSweep, now);
        break;
      case GC_EVENT_MARK_END:
      case GC_EVENT_RECLAIM_END:
        EndPhase(now);
        break;
      case GC_EVENT_PRE_START_WORLD:
        pause_.heap_after = Usage().in_use_bytes;
        world_stopped_ = false;
        break;
      case GC_EVENT_POST_START_WORLD:
        pause_.t_resume = now;
        recorder_->RecordPause(pause_);
        for (const PhaseRecord& phase : phases_in_pause_) recorder_->RecordPhase(phase);
        phases_in_pause_.clear();
        break;
      default:
        break;
    }
  }

  void BeginPhase(Phase phase, int64_t now) {
    phase_ = PhaseRecord{.cycle = cycle_,
                         .phase = phase,
                         .in_pause = world_stopped_,
                         .on_mutator = true,
                         .thread = CurrentThreadId(),
                         .t_begin = now};
    phase_cpu_begin_ = ThreadCpuNanos();
  }
  void EndPhase(int64_t now) {
    phase_.t_end = now;
    phase_.cpu_nanos = ThreadCpuNanos() - phase_cpu_begin_;
    if (phase_.in_pause) {
      phases_in_pause_.push_back(phase_);
    } else {
      recorder_->RecordPhase(phase_);
    }
  }

  // When the runtime verifies the heap (RuntimeConfig::verify_heap: on in checks
  // builds and with --verify), the verifier after every collection libgc ran, with
  // gclab's world stopped (libgc's has resumed), from the thread that noticed. Out of
  // line, as are Refill and RefillListAndPop: with this and Refill inlined, the slow
  // path was 45 instructions per allocation (callgrind), most of them saving and
  // restoring registers for the rare case.
  GCLAB_NOINLINE void VerifyIfCollected(Mutator& mutator) {
    if (!runtime_->config().verify_heap) return;
    const uint64_t gc_no = GC_get_gc_no();
    if (gc_no == verified_gc_no_.load(std::memory_order_relaxed)) return;
    if (!runtime_->safepoints().StopTheWorld(&mutator)) return;  // another thread verifies
    verified_gc_no_.store(gc_no, std::memory_order_relaxed);
    absl::Status status = runtime_->VerifyHeap(/*check_live_bytes=*/false);
    runtime_->safepoints().ResumeTheWorld(&mutator);
    if (!status.ok()) {
      HeapVerificationFailed(absl::StrCat("heap verification failed after libgc collection ", gc_no,
                              ": ", status.message()));
    }
  }

  static inline GC_push_other_roots_proc previous_push_other_roots = nullptr;
  static constexpr size_t kMaxAllowanceBytes = 1 * MiB;
  // What GC_malloc_many hands out at most: one heap block (HBLKSIZE) of cells, or
  // one cell if a cell is larger.
  static constexpr size_t kListBytes = 4 * KiB;

  const Options options_;
  std::array<std::atomic<GC_descr>, CodeSegment::kMaxTypes> descriptors_{};
  Runtime* runtime_ = nullptr;
  size_t budget_bytes_ = 0;
  bool verify_heap_ = false;
  std::vector<std::atomic<Mutator*>> mutators_;  // by Mutator::index(); read by libgc

  std::atomic<bool> explicit_requested_{false};
  std::atomic<GcCause> explicit_cause_{GcCause::kExplicit};
  uint64_t gc_no_at_init_ = 0;  // libgc counts collections per process
  size_t bytes_in_use_at_init_ = 0;  // ... and bytes in use too
  std::atomic<uint64_t> verified_gc_no_{0};

  // Touched only inside libgc's callbacks, under its lock.
  std::optional<ExternalPauseRecorder> recorder_;
  uint64_t cycle_ = 0;
  bool world_stopped_ = false;
  PauseRecord pause_{};
  PhaseRecord phase_{};
  int64_t phase_cpu_begin_ = 0;
  std::vector<PhaseRecord> phases_in_pause_;
};

absl::StatusOr<std::unique_ptr<Collector>> MakeBdw(const CollectorOptions& checked) {
  const OptionValues values(BdwTraits().options, checked);
  return std::make_unique<Bdw>(Options{.incremental = values.Switch("incremental"),
                                       .interior_pointers = values.Switch("interior_pointers"),
                                       .atomic = values.Switch("atomic"),
                                       .typed = values.Is("layout", "typed")});
}

}  // namespace

GCLAB_REGISTER_COLLECTOR(BdwTraits(), MakeBdw);

}  // namespace gclab
