// File: runtime/runtime.h
//
// One instance of the segmented-memory runtime, modelled on Go's memory layout.
// At creation it reserves one virtual address range and carves it into segments:
//
//   +--------+-------+--------+-------+---------+-------+-----+---------+-------+--------+
//   | code   | guard | data   | guard | stack 0 | guard | ... | stack N | guard | heap   |
//   +--------+-------+--------+-------+---------+-------+-----+---------+-------+--------+
//
//   code   types, functions, allocation sites; sealed read-only by Start
//   data   global slots with a pointer map (roots)
//   stack  one region per mutator: frames of pointer slots plus object arenas (roots)
//   heap   escaping objects; the collector's whole budget
//
// Guard pages (PROT_NONE) separate the segments, so running off the end of a stack
// faults instead of overwriting a neighbour. Several runtimes may exist in one
// process; a runtime holds no process-global state.
//
// Life cycle: Create -> declare types, functions, sites, globals through code() and
// data() -> Start -> attach Mutators (one per thread) -> run -> destroy after every
// mutator has detached.
#ifndef GCLAB_RUNTIME_RUNTIME_H_
#define GCLAB_RUNTIME_RUNTIME_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/sync.h"
#include "runtime/base.h"
#include "runtime/code_segment.h"
#include "runtime/collector.h"
#include "runtime/data_segment.h"
#include "runtime/events.h"
#include "runtime/frame.h"
#include "runtime/mutator.h"
#include "runtime/safepoints.h"

namespace gclab {

class ChannelStates;

struct RuntimeConfig {
  size_t heap_bytes = 64 * MiB;   // the collector's budget
  size_t code_bytes = 512 * KiB;
  size_t data_bytes = 64 * KiB;   // room for data_bytes / 8 globals
  size_t stack_bytes = 1 * MiB;   // per mutator
  size_t max_mutators = 8;
  bool escape_analysis = true;    // non-escaping sites allocate in frame arenas
  bool verify_heap = kChecks;     // run the heap verifier after every collection
  // Ask for transparent huge pages on the heap (MADV_HUGEPAGE). Off, as in Go since
  // 1.21.1 (golang/go#61718: the advice made allocation stall): on the 2-core VMs
  // gclab is measured on, a 2 MiB page costs 23 ms to fault in, 12 s per GiB against
  // 0.5 s with 4 KiB pages (for memory the VM touched recently; about 5 s per GiB
  // beyond that), so prefaulting nogc's 3 GB heap took half a minute a run;
  // huge pages shortened server runs at a 1 GiB heap by about 5% and binary-trees runs
  // not measurably (2026-12-07, 5 runs each). The system's own THP setting still
  // applies ("always" gives huge pages without the advice).
  bool huge_pages = false;
  // Touch every heap page in Start, so that no run pays page faults inside its timed
  // region (the JVM's -XX:+AlwaysPreTouch). Costs time and RSS up front.
  bool prefault_heap = false;
  // Record pause and phase events (off only to measure what recording costs).
  bool record_events = true;
  // Stress mode: a collection at every allocation slow path, for every collector, so
  // that a Ref held across an allocation is caught at once: full, or minor ones
  // between full ones for a collector that sets traits.stress_minor_collections.
  // Also on when the environment variable GCLAB_STRESS is set to 1.
  bool stress = false;
  // In stress mode, collect at a slow path only once the mutator has allocated this
  // many heap bytes since its last stress collection (0: at every slow path). A
  // collector without allocation buffers takes the slow path at every allocation,
  // where collecting each time is quadratic. Also read from GCLAB_STRESS_EVERY_BYTES.
  uint64_t stress_every_bytes = 0;
};

class Runtime {
 public:
  // Reserves the address range. Fails on impossible sizes or when the kernel
  // refuses the reservation.
  static absl::StatusOr<std::unique_ptr<Runtime>> Create(const RuntimeConfig& config,
                                                          std::unique_ptr<Collector> collector);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Seals the code segment, freezes the data segment and initialises the collector.
  absl::Status Start();
  bool started() const { return started_; }

  const RuntimeConfig& config() const { return config_; }
  CodeSegment& code() { return *code_; }
  const CodeSegment& code() const { return *code_; }
  DataSegment& data() { return *data_; }
  Collector& collector() { return *collector_; }
  const Collector& collector() const { return *collector_; }
  Safepoints& safepoints() { return safepoints_; }
  EventLog& events() { return events_; }
  // The off-heap halves of channels (see channel.h).
  ChannelStates& channel_states() { return *channel_states_; }

  // The heap segment: every address a heap object may have. Empty when the collector
  // keeps objects elsewhere (CollectorTraits::heap_segment false). Its first
  // RuntimeConfig::heap_bytes are the budget handed to Collector::Init; it is larger
  // only in checked builds of a collector that poisons from-space, where the rest is
  // address space, inaccessible until the collector makes it a new space
  // (runtime/poison.h).
  std::span<std::byte> heap() const { return heap_; }
  // Could `p` be a heap object? Inside the heap segment; or, for a collector that
  // keeps objects elsewhere, anywhere but null and the runtime's own segments.
  bool InHeap(const void* p) const {
    if (heap_in_segment_) return p >= heap_.data() && p < heap_.data() + heap_.size();
    return p != nullptr && !InReservation(p);
  }
  bool InStackSegment(const void* p) const { return p >= stacks_begin_ && p < stacks_end_; }
  // In any segment the runtime reserved (code, data, stacks, guards, heap).
  bool InReservation(const void* p) const {
    return p >= reservation_ && p < static_cast<std::byte*>(reservation_) + reservation_bytes_;
  }

  // Checks the heap from the roots (see verifier.h). Only with the world stopped, or
  // when no mutator runs. `check_live_bytes`: also compare the collector's live-byte
  // count with a fresh traversal (valid right after a full collection).
  absl::Status VerifyHeap(bool check_live_bytes);

  // A description of what `p` points at, for error messages.
  std::string Describe(const void* p) const;

 private:
  friend class Mutator;
  friend class StopTheWorldScope;
  friend class ExternalPauseRecorder;

  Runtime(const RuntimeConfig& config, std::unique_ptr<Collector> collector);
  absl::Status Reserve();
  // Hands out / takes back one stack region; returns its index.
  uint32_t AcquireStack() ABSL_LOCKS_EXCLUDED(stacks_mu_);
  void ReleaseStack(uint32_t index) ABSL_LOCKS_EXCLUDED(stacks_mu_);
  uintptr_t StackBase(uint32_t index) const;

  RuntimeConfig config_;
  std::unique_ptr<Collector> collector_;
  const bool heap_in_segment_;
  // A checked build of a collector that poisons what it moves objects out of: the
  // heap segment spans kPoisoningHeapAddressMultiple budgets (runtime/poison.h).
  const bool heap_poisoned_;
  void* reservation_ = nullptr;
  size_t reservation_bytes_ = 0;
  std::optional<CodeSegment> code_;
  std::optional<DataSegment> data_;
  std::span<std::byte> heap_;
  std::byte* stacks_begin_ = nullptr;
  std::byte* stacks_end_ = nullptr;
  size_t stack_stride_ = 0;
  Safepoints safepoints_;
  EventLog events_{config_.record_events};
  std::unique_ptr<ChannelStates> channel_states_;
  // Collections begun (PauseRecord::cycle): by the thread that stopped the world.
  std::atomic<uint64_t> cycles_started_{0};
  bool started_ = false;

  Mutex stacks_mu_;
  std::vector<bool> stack_in_use_ ABSL_GUARDED_BY(stacks_mu_);
};

// Stops the world for the scope's lifetime and records the pause: request time,
// all-stopped time (time-to-safepoint) and resume time, plus the collector's heap
// use before and after. The only way any collector stops the world.
//
//   StopTheWorldScope stw(mutator, PauseKind::kFull, cause);
//   if (!stw.stopped()) return;  // another thread collected while we waited
//   { auto phase = stw.Phase(Phase::kMark); ... }
class StopTheWorldScope {
 public:
  StopTheWorldScope(Mutator& requester, PauseKind kind, GcCause cause);
  // From a collector's own thread (requester null), which is not a mutator.
  StopTheWorldScope(Runtime& runtime, Mutator* requester, PauseKind kind, GcCause cause);
  ~StopTheWorldScope();
  StopTheWorldScope(const StopTheWorldScope&) = delete;
  StopTheWorldScope& operator=(const StopTheWorldScope&) = delete;

  // False if another thread stopped the world first; this scope then did not stop
  // it (the requester was parked through the other stop) and records nothing.
  bool stopped() const { return stopped_; }

  // Which collection this pause belongs to (PauseRecord::cycle): one of these before
  // the first Phase and before the scope ends, or the pause is a fatal error.
  // A new collection begins in this pause: the runtime numbers it and returns that.
  uint64_t StartCycle();
  // The pause belongs to a collection begun in an earlier pause (a concurrent
  // cycle's mark termination, or finishing its sweep): what StartCycle returned then.
  void ContinueCycle(uint64_t cycle);
  uint64_t cycle() const { return record_.cycle; }
  // The pause turned out to be of another kind than requested: a generational
  // collector's minor collection that found it must collect the whole heap.
  void Reclassify(PauseKind kind) { record_.kind = kind; }

  // Times a phase of this pause, in the pause's current cycle.
  PhaseScope Phase(gclab::Phase phase);

  // Runs the heap verifier if RuntimeConfig::verify_heap is set, as a phase of this
  // pause; a failure is fatal (the heap is corrupt, nothing after it can be trusted).
  void VerifyHeapIfEnabled(bool check_live_bytes);

 private:
  Mutator* requester_;
  Runtime& runtime_;
  PauseRecord record_;
  bool stopped_;
};

// How a collector that stops the world itself, not at gclab's safepoints, records
// its collections: an adapter of a library collector (bdw: libgc stops threads with
// signals). Its pause times are that collector's own world-stop times, which gclab
// cannot measure; collections are numbered by the runtime, as for StopTheWorldScope.
class ExternalPauseRecorder {
 public:
  explicit ExternalPauseRecorder(Runtime& runtime) : runtime_(runtime) {}
  // A new collection begins: its number.
  uint64_t StartCycle();
  // A pause or phase of a collection numbered by StartCycle.
  void RecordPause(const PauseRecord& pause);
  void RecordPhase(const PhaseRecord& phase);

 private:
  void CheckCycle(uint64_t cycle) const;
  Runtime& runtime_;
};

// Calls visit(Ref* slot) for every root: pointer globals, then every mutator's
// frame slots and arena-object fields. Only with the world stopped.
template <typename Visit>
void ForEachRoot(Runtime& runtime, Visit&& visit) {
  runtime.data().ForEachRefSlot(visit);
  const CodeSegment& code = runtime.code();
  runtime.safepoints().ForEachMutator(
      [&](Mutator& mutator) { ForEachFrameRoot(mutator.top_frame(), code, visit); });
}

}  // namespace gclab

#endif  // GCLAB_RUNTIME_RUNTIME_H_
