// File: runtime/events.h
//
// What the runtime records about garbage collection: one PauseRecord for every
// stop of the world, and one PhaseRecord for every phase a collector annotates
// (inside pauses or concurrent with mutators). Every list of phases, pause kinds and
// causes is one X-macro below: the enums, their names and the CSV vocabulary all
// come from it, so they cannot drift apart.
//
// Pauses are recorded only by StopTheWorldScope (runtime.h), so every collector's
// pauses are measured by the same code; the one exception is a collector that stops
// the world itself rather than at gclab's safepoints (bdw: libgc), which records the
// pauses it measured through ExternalPauseRecorder (runtime.h).
//
// `cycle` in every record is the collection it belongs to: 1 for the first
// collection the runtime started, 2 for the next, and so on, counted by the runtime
// (StopTheWorldScope::StartCycle, ExternalPauseRecorder::StartCycle), never by
// collectors. Every pause and phase of one collection carries its number: a full
// collection's one pause; a concurrent cycle's start pause, its mark-termination
// pauses, its concurrent mark and its sweep, wherever that runs.
//
// A collector that places objects by allocation site (generational's pretenuring)
// records each change of a site's placement as a SiteDecisionRecord. Decisions are
// policy state, not measurements: Clear keeps them, so a decision made in warm-up is
// still on record while it holds.
//
// Thread safety: EventLog appends take a mutex (uncontended: the recorder is the
// thread that stopped the world or a collector thread); readers copy out.
#ifndef GCLAB_RUNTIME_EVENTS_H_
#define GCLAB_RUNTIME_EVENTS_H_

#include <cstdint>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/base/thread_annotations.h"
#include "runtime/sync.h"
#include "runtime/clock.h"

namespace gclab {

// Generational collectors: kRemset scans the remembered set (cards, logged slots or
// objects) for roots of a minor collection; kPromote copies survivors out of the
// nursery. Compacting collectors: kForward computes new addresses, kUpdateRefs
// rewrites every reference to them, kCompact moves the objects.
#define GCLAB_FOR_EACH_PHASE(V)   \
  V(kRootScan, "root-scan")       \
  V(kMark, "mark")                \
  V(kMarkAssist, "mark-assist")   \
  V(kSweep, "sweep")              \
  V(kEvacuate, "evacuate")        \
  V(kRemset, "remset")            \
  V(kPromote, "promote")          \
  V(kForward, "forward")          \
  V(kUpdateRefs, "update-refs")   \
  V(kCompact, "compact")          \
  V(kVerify, "verify")

// kFull: a whole collection in one pause. kMinor: a collection of the young
// generation only, in one pause. A concurrent cycle stops the world twice,
// kCycleStart and kMarkTermination (the latter may repeat if marking was not done).
#define GCLAB_FOR_EACH_PAUSE_KIND(V) \
  V(kFull, "full")                   \
  V(kMinor, "minor")                 \
  V(kCycleStart, "cycle-start")      \
  V(kMarkTermination, "mark-termination")

#define GCLAB_FOR_EACH_GC_CAUSE(V) \
  V(kHeapFull, "heap-full")        \
  V(kHeapTrigger, "heap-trigger")  \
  V(kExplicit, "explicit")         \
  V(kStress, "stress")

#define GCLAB_ENUM_ENTRY(name, text) name,
enum class Phase : uint8_t { GCLAB_FOR_EACH_PHASE(GCLAB_ENUM_ENTRY) };
enum class PauseKind : uint8_t { GCLAB_FOR_EACH_PAUSE_KIND(GCLAB_ENUM_ENTRY) };
enum class GcCause : uint8_t { GCLAB_FOR_EACH_GC_CAUSE(GCLAB_ENUM_ENTRY) };
#undef GCLAB_ENUM_ENTRY

// What Collector::Collect is asked for.
enum class CollectionKind : uint8_t {
  kFull,   // the whole heap
  kMinor,  // the young generation (a full collection for non-generational collectors)
};

absl::string_view PhaseName(Phase phase);
absl::string_view PauseKindName(PauseKind kind);
absl::string_view GcCauseName(GcCause cause);

// One stop of the world. Times are MonotonicNanos(); time-to-safepoint is
// t_stopped - t_request, the pause the mutators saw is t_resume - t_request.
struct PauseRecord {
  uint64_t cycle;  // the collection (see above)
  PauseKind kind;
  GcCause cause;
  int64_t t_request;
  int64_t t_stopped;
  int64_t t_resume;
  uint64_t heap_before;  // collector's bytes in use when the world stopped
  uint64_t heap_after;   // ... and when it resumed

  int64_t duration() const { return t_resume - t_request; }
  int64_t time_to_safepoint() const { return t_stopped - t_request; }
};

struct PhaseRecord {
  uint64_t cycle;  // the collection (see above)
  Phase phase;
  bool in_pause;
  bool on_mutator;  // done by a mutator thread (its CPU time is not the program's)
  int32_t thread;   // OS thread id of the thread that did the work
  int64_t t_begin;
  int64_t t_end;
  int64_t cpu_nanos;  // CPU time of the recording thread during the phase
  uint64_t bytes;     // work done, if the collector says (evacuate: bytes copied)
  uint64_t objects;   // ... and in objects
};

// Where a site's objects are allocated.
enum class SitePlacement : uint8_t { kNursery, kOld };
absl::string_view SitePlacementName(SitePlacement placement);

// A site's objects go to `placement` from now on. `measured` is the fraction that
// decided it (the surviving share of the site's allocation), over `basis_bytes`.
struct SiteDecisionRecord {
  uint64_t cycle;  // the collection after which the decision holds
  int64_t t;       // MonotonicNanos()
  uint32_t site;   // SiteId
  SitePlacement placement;
  double measured;
  uint64_t basis_bytes;
};

class EventLog {
 public:
  // A disabled log drops every record (to measure what recording costs).
  explicit EventLog(bool enabled = true) : enabled_(enabled) {}
  bool enabled() const { return enabled_; }
  void AddPhase(const PhaseRecord& phase) ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<PauseRecord> pauses() const ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<PhaseRecord> phases() const ABSL_LOCKS_EXCLUDED(mu_);
  void AddSiteDecisions(const std::vector<SiteDecisionRecord>& decisions)
      ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<SiteDecisionRecord> site_decisions() const ABSL_LOCKS_EXCLUDED(mu_);
  // Drops the pauses and phases recorded so far (the start of a measured region);
  // keeps the site decisions.
  void Clear() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // The two recorders of pauses (runtime.h).
  friend class StopTheWorldScope;
  friend class ExternalPauseRecorder;
  void AddPause(const PauseRecord& pause) ABSL_LOCKS_EXCLUDED(mu_);

  const bool enabled_;
  mutable Mutex mu_;
  std::vector<PauseRecord> pauses_ ABSL_GUARDED_BY(mu_);
  std::vector<PhaseRecord> phases_ ABSL_GUARDED_BY(mu_);
  std::vector<SiteDecisionRecord> site_decisions_ ABSL_GUARDED_BY(mu_);
};

// Times one phase of one collection cycle on the calling thread.
class PhaseScope {
 public:
  PhaseScope(EventLog& log, uint64_t cycle, Phase phase, bool in_pause, bool on_mutator)
      : log_(log),
        record_{cycle, phase, in_pause, on_mutator, CurrentThreadId(), MonotonicNanos(), 0,
                ThreadCpuNanos(), 0, 0} {}
  ~PhaseScope() {
    record_.t_end = MonotonicNanos();
    record_.cpu_nanos = ThreadCpuNanos() - record_.cpu_nanos;
    log_.AddPhase(record_);
  }
  PhaseScope(const PhaseScope&) = delete;
  PhaseScope& operator=(const PhaseScope&) = delete;

  // Records the work the phase did (for rates such as bytes copied per second).
  void set_work(uint64_t bytes, uint64_t objects) {
    record_.bytes = bytes;
    record_.objects = objects;
  }
  void add_work(uint64_t bytes, uint64_t objects) {
    record_.bytes += bytes;
    record_.objects += objects;
  }

 private:
  EventLog& log_;
  PhaseRecord record_;
};

}  // namespace gclab

#endif  // GCLAB_RUNTIME_EVENTS_H_
